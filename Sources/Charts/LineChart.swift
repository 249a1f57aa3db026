import FoundationEssentials
import Glibc
import LithicCore

/// A line chart rendered as a standalone SVG document: one or more series against a shared
/// x axis (linear or logarithmic), with ticks, grid, labels and a legend. Series with more
/// points than pixels are reduced to a min/max envelope per pixel column, so a million-point
/// transient still draws faithfully in a small file.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// Draw the points as circles instead of joining them (measured or sampled data).
        public var markers: Bool
        public init(name: String, x: [Double], y: [Double], markers: Bool = false) {
            self.name = name; self.x = x; self.y = y; self.markers = markers
        }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    /// One unit on x is as long as one unit on y (Nyquist plots: semicircles stay round); the
    /// axis with the smaller span per pixel is extended beyond its data's upper end.
    public var equalAspect = false
    public var series: [Series] = []
    public var width = 900.0
    public var height = 540.0

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logX = logX
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    /// "Nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let norm = raw / mag
        let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9, out.count < 50 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        let prefixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]
        for (scale, p) in prefixes where a >= scale * 0.9999 {
            var s = String(format: "%.3g", v / scale)
            if s.contains("e") { s = String(format: "%.2e", v) ; return s }
            return s + p
        }
        return String(format: "%.2e", v)
    }

    public func svg() -> String {
        let left = 80.0, right = 180.0, top = 40.0, bottom = 60.0
        let pw = width - left - right, ph = height - top - bottom
        func tx(_ v: Double) -> Double { logX ? log10(max(v, 1e-300)) : v }
        var xmin = Double.infinity, xmax = -Double.infinity, ymin = Double.infinity, ymax = -Double.infinity
        for s in series {
            for v in s.x where v.isFinite && (!logX || v > 0) { xmin = min(xmin, tx(v)); xmax = max(xmax, tx(v)) }
            for v in s.y where v.isFinite { ymin = min(ymin, v); ymax = max(ymax, v) }
        }
        if !xmin.isFinite { xmin = 0; xmax = 1 }
        if !ymin.isFinite { ymin = 0; ymax = 1 }
        if xmax == xmin { xmax = xmin + 1 }
        if ymax == ymin { let d = abs(ymin) > 0 ? abs(ymin) * 0.1 : 1; ymin -= d; ymax += d }
        let pad = (ymax - ymin) * 0.05
        ymin -= pad; ymax += pad
        if equalAspect && !logX {
            let perPixelX = (xmax - xmin) / pw, perPixelY = (ymax - ymin) / ph
            // Widen upwards / rightwards, so the axis still starts where the data do.
            if perPixelX > perPixelY { ymax = ymin + perPixelX * ph } else { xmax = xmin + perPixelY * pw }
        }
        func px(_ v: Double) -> Double { left + (tx(v) - xmin) / (xmax - xmin) * pw }
        func py(_ v: Double) -> Double { top + (1 - (v - ymin) / (ymax - ymin)) * ph }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        // Grid and ticks.
        let xt: [Double] = logX ? Array(Int(floor(xmin))...Int(ceil(xmax))).map { Double($0) }.filter { $0 >= xmin - 1e-9 && $0 <= xmax + 1e-9 } : Self.ticks(xmin, xmax)
        for v in xt {
            let x = left + (v - xmin) / (xmax - xmin) * pw
            out += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(x)\" y=\"\(top + ph + 18)\" text-anchor=\"middle\">\(Self.label(logX ? pow(10, v) : v))</text>\n"
        }
        for v in Self.ticks(ymin, ymax) {
            let y = py(v)
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.label(v))</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"black\"/>\n"
        out += "<text x=\"\(left + pw / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text x=\"18\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + ph / 2))\">\(Self.escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            var points: [String] = []
            let columns = Int(pw)
            if s.x.count > 4 * columns {
                // Min/max envelope per pixel column.
                var bucketMin = [Double](repeating: .infinity, count: columns + 1)
                var bucketMax = [Double](repeating: -.infinity, count: columns + 1)
                for (xv, yv) in zip(s.x, s.y) where yv.isFinite && xv.isFinite && (!logX || xv > 0) {
                    let c = min(columns, max(0, Int((px(xv) - left).rounded())))
                    bucketMin[c] = min(bucketMin[c], yv); bucketMax[c] = max(bucketMax[c], yv)
                }
                for c in 0...columns where bucketMin[c].isFinite {
                    let x = left + Double(c)
                    points.append(String(format: "%.1f,%.1f", x, py(bucketMin[c])))
                    if bucketMax[c] != bucketMin[c] { points.append(String(format: "%.1f,%.1f", x, py(bucketMax[c]))) }
                }
            } else {
                for (xv, yv) in zip(s.x, s.y) where yv.isFinite && xv.isFinite && (!logX || xv > 0) {
                    points.append(String(format: "%.2f,%.2f", px(xv), py(yv)))
                }
            }
            if s.markers {
                for p in points {
                    let xy = p.split(separator: ",")
                    if xy.count == 2 { out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"none\" stroke=\"\(color)\"/>\n" }
                }
            } else {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            let ly = top + 10 + Double(i) * 18
            if i < 25 {
                out += "<line x1=\"\(left + pw + 12)\" y1=\"\(ly)\" x2=\"\(left + pw + 32)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                out += "<text x=\"\(left + pw + 38)\" y=\"\(ly + 4)\">\(Self.escape(s.name))</text>\n"
            }
        }
        out += "</svg>\n"
        return out
    }
}
