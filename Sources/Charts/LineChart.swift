import FoundationEssentials
import Glibc
import LithicCore

/// A line chart rendered as a standalone SVG document: one or more series against a shared
/// x axis (linear or logarithmic), y linear or logarithmic, with ticks carrying SI prefixes, grid,
/// axis labels with units and a legend whose width follows the longest name (it is never
/// clipped). Series with more points than pixels are reduced to a min/max envelope per pixel
/// column, so a million-point transient still draws faithfully in a small file.
///
/// Colours are Paul Tol's "bright" qualitative scheme (distinct for the common colour-vision
/// deficiencies) followed by black and grey, so up to eight series are told apart by everyone.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// Draw the points as circles instead of joining them (measured or sampled data).
        public var markers: Bool
        /// Draw the line and a circle on every point (per-cycle values).
        public var lineAndMarkers = false
        public init(name: String, x: [Double], y: [Double], markers: Bool = false) {
            self.name = name; self.x = x; self.y = y; self.markers = markers
        }
    }
    /// A text label at a data point (a Nyquist plot's frequency decades).
    public struct Annotation: Sendable {
        public var x: Double, y: Double, text: String
        public init(x: Double, y: Double, text: String) { self.x = x; self.y = y; self.text = text }
    }
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    /// One unit on x is as long as one unit on y (Nyquist plots: semicircles stay round); the
    /// axis with the smaller span per pixel is extended beyond its data's upper end.
    public var equalAspect = false
    /// Fixed x range (data units); panels of one figure share it so their time axes line up.
    public var xRange: ClosedRange<Double>?
    public var series: [Series] = []
    public var annotations: [Annotation] = []
    /// Width and height of the plotting area's whole document; the legend adds to the width.
    public var width = 900.0
    public var height = 540.0
    /// The legend column's width, from the longest series name (set by `layout()`).
    var legendWidth: Double {
        guard series.count > 1 || !(series.first?.name.isEmpty ?? true) else { return 24 }
        let longest = series.prefix(Self.legendLimit).map { Double($0.name.count) }.max() ?? 0
        return min(max(70, 44 + 7 * longest), 420)
    }
    static let legendLimit = 24
    /// The id of the plot area's clip path (unique per panel of a stacked figure).
    var clipID = "plotarea"

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logX = logX
    }

    /// Paul Tol's bright scheme, then black and grey.
    public static let palette = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#000000", "#BBBBBB"]

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

    /// A tick label with an SI prefix: `2.5m`, `100k`, `-3µ`.
    public static func label(_ v: Double) -> String {
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

    /// The data ranges in plotting coordinates (log10 where the axis is logarithmic), padded.
    func ranges(plotWidth pw: Double, plotHeight ph: Double) -> (xmin: Double, xmax: Double, ymin: Double, ymax: Double) {
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        var xmin = Double.infinity, xmax = -Double.infinity, ymin = Double.infinity, ymax = -Double.infinity
        for s in series {
            for (xv, yv) in zip(s.x, s.y) where xv.isFinite && yv.isFinite && (!logX || xv > 0) && (!logY || yv > 0) {
                xmin = min(xmin, tx(xv)); xmax = max(xmax, tx(xv)); ymin = min(ymin, ty(yv)); ymax = max(ymax, ty(yv))
            }
        }
        if let r = xRange, r.lowerBound.isFinite, r.upperBound.isFinite, !logX || r.lowerBound > 0 {
            xmin = tx(r.lowerBound); xmax = tx(r.upperBound)
        }
        if !xmin.isFinite || !xmax.isFinite { xmin = 0; xmax = 1 }
        if !ymin.isFinite || !ymax.isFinite { ymin = 0; ymax = 1 }
        if xmax == xmin { xmax = xmin + 1 }
        if ymax == ymin { let d = abs(ymin) > 0 ? abs(ymin) * 0.1 : 1; ymin -= d; ymax += d }
        if !logY {
            let pad = (ymax - ymin) * 0.05
            ymin -= pad; ymax += pad
        }
        if equalAspect && !logX && !logY {
            // Both axes start a little before their data so a curve through the origin is not on the frame.
            let xpad = (xmax - xmin) * 0.03
            xmin -= xpad; xmax += xpad
            let perPixelX = (xmax - xmin) / pw, perPixelY = (ymax - ymin) / ph
            // Widen upwards / rightwards, so the axis still starts where the data do.
            if perPixelX > perPixelY { ymax = ymin + perPixelX * ph } else { xmax = xmin + perPixelY * pw }
        }
        return (xmin, xmax, ymin, ymax)
    }

    /// Ticks of a log axis spanning [lo, hi] decades (log10 values): every decade, or every
    /// second or fifth when there are many.
    static func decadeTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let first = Int(ceil(lo - 1e-9)), last = Int(floor(hi + 1e-9))
        guard first <= last else { return [lo, hi] }
        let stride = last - first > 14 ? 5 : last - first > 7 ? 2 : 1
        return Swift.stride(from: first, through: last, by: stride).map(Double.init)
    }

    /// The plot area's pixel frame: (left, top, width, height).
    var frame: (left: Double, top: Double, width: Double, height: Double) {
        let left = 80.0, top = 40.0, bottom = xLabel.isEmpty ? 30.0 : 60.0
        return (left, top, width - left - 20 - legendWidth, height - top - bottom)
    }

    public func svg() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body() + "</svg>\n"
    }

    /// The chart's elements without the enclosing `<svg>` (for stacking several in one figure).
    func body() -> String {
        let (left, top, pw, ph) = frame
        let (xmin, xmax, ymin, ymax) = ranges(plotWidth: pw, plotHeight: ph)
        func px(_ v: Double) -> Double { left + ((logX ? log10(max(v, 1e-300)) : v) - xmin) / (xmax - xmin) * pw }
        func py(_ v: Double) -> Double { top + (1 - ((logY ? log10(max(v, 1e-300)) : v) - ymin) / (ymax - ymin)) * ph }
        var out = ""
        if !title.isEmpty {
            out += "<text class=\"title\" x=\"\(left + pw / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        }
        // Grid and ticks.
        let xt = logX ? Self.decadeTicks(xmin, xmax) : Self.ticks(xmin, xmax)
        for v in xt {
            let x = left + (v - xmin) / (xmax - xmin) * pw
            out += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + ph)\" stroke=\"#e5e5e5\"/>\n"
            out += "<text class=\"xtick\" x=\"\(x)\" y=\"\(top + ph + 18)\" text-anchor=\"middle\">\(Self.label(logX ? pow(10, v) : v))</text>\n"
        }
        let yt = logY ? Self.decadeTicks(ymin, ymax) : Self.ticks(ymin, ymax, count: max(3, min(6, Int(ph / 40))))
        for v in yt {
            let y = top + (1 - (v - ymin) / (ymax - ymin)) * ph
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + pw)\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>\n"
            out += "<text class=\"ytick\" x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.label(logY ? pow(10, v) : v))</text>\n"
        }
        out += "<rect class=\"frame\" x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"black\"/>\n"
        if !xLabel.isEmpty {
            out += "<text class=\"xlabel\" x=\"\(left + pw / 2)\" y=\"\(top + ph + 44)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        }
        out += "<text class=\"ylabel\" x=\"18\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + ph / 2))\">\(Self.escape(yLabel))</text>\n"
        out += "<clipPath id=\"\(clipID)\"><rect x=\"\(left)\" y=\"\(top)\" width=\"\(pw)\" height=\"\(ph)\"/></clipPath>\n"
        let clip = "clip-path=\"url(#\(clipID))\""
        func visible(_ xv: Double, _ yv: Double) -> Bool { yv.isFinite && xv.isFinite && (!logX || xv > 0) && (!logY || yv > 0) }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            var points: [String] = []
            let columns = Int(pw)
            if s.x.count > 4 * columns && !s.markers {
                // Min/max envelope per pixel column.
                var bucketMin = [Double](repeating: .infinity, count: columns + 1)
                var bucketMax = [Double](repeating: -.infinity, count: columns + 1)
                for (xv, yv) in zip(s.x, s.y) where visible(xv, yv) {
                    let c = min(columns, max(0, Int((px(xv) - left).rounded())))
                    let y = py(yv)
                    bucketMin[c] = min(bucketMin[c], y); bucketMax[c] = max(bucketMax[c], y)
                }
                for c in 0...columns where bucketMin[c].isFinite {
                    let x = left + Double(c)
                    points.append(String(format: "%.1f,%.1f", x, bucketMin[c]))
                    if bucketMax[c] != bucketMin[c] { points.append(String(format: "%.1f,%.1f", x, bucketMax[c])) }
                }
            } else {
                for (xv, yv) in zip(s.x, s.y) where visible(xv, yv) {
                    points.append(String(format: "%.2f,%.2f", px(xv), py(yv)))
                }
            }
            if s.markers || s.lineAndMarkers {
                for p in points {
                    let xy = p.split(separator: ",")
                    if xy.count == 2 { out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"none\" stroke=\"\(color)\" \(clip)/>\n" }
                }
            }
            if !s.markers {
                out += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" \(clip) points=\"\(points.joined(separator: " "))\"/>\n"
            }
            if i < Self.legendLimit && !s.name.isEmpty {
                let ly = top + 10 + Double(i) * 18
                out += "<line x1=\"\(left + pw + 12)\" y1=\"\(ly)\" x2=\"\(left + pw + 32)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                out += "<text class=\"legend\" x=\"\(left + pw + 38)\" y=\"\(ly + 4)\">\(Self.escape(s.name))</text>\n"
            } else if i == Self.legendLimit {
                out += "<text class=\"legend\" x=\"\(left + pw + 12)\" y=\"\(top + 14 + Double(i) * 18)\">+ \(series.count - i) more</text>\n"
            }
        }
        for a in annotations where visible(a.x, a.y) {
            let x = px(a.x), y = py(a.y)
            guard x >= left, x <= left + pw, y >= top, y <= top + ph else { continue }
            out += String(format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"black\"/>\n", x, y)
            out += String(format: "<text class=\"annotation\" x=\"%.2f\" y=\"%.2f\" font-size=\"10\">%@</text>\n", x + 5, y - 5, Self.escape(a.text))
        }
        return out
    }
}

/// Several charts stacked in one SVG figure (small multiples), one per quantity, each with its
/// own y axis and unit; a shared x range keeps their x axes aligned.
public struct ChartStack: Sendable {
    public var title: String
    public var panels: [LineChart]
    public var panelHeight = 260.0
    public init(title: String, panels: [LineChart]) { self.title = title; self.panels = panels }

    public func svg() -> String {
        // One legend width for all panels, so the plot areas line up.
        let legend = panels.map(\.legendWidth).max() ?? 24
        let plotWidth = 820.0
        let width = 80 + plotWidth + 20 + legend
        var y = 36.0
        var body = ""
        for (k, var p) in panels.enumerated() {
            // Every panel's plot area starts and ends at the same x.
            p.width = 80 + plotWidth + 20 + p.legendWidth
            p.height = panelHeight + (p.xLabel.isEmpty ? 0 : 30)
            p.clipID = "panel\(k)"
            body += "<g class=\"panel\" transform=\"translate(0 \(y))\">\n" + p.body() + "</g>\n"
            y += p.height - (k == panels.count - 1 ? 0 : 10)
        }
        let height = y + 10
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text class=\"figure-title\" x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(LineChart.escape(title))</text>\n"
        return out + body + "</svg>\n"
    }
}

/// Time axes in the unit that fits their span: s below 10 min, then min, h, days.
public enum TimeAxis {
    /// (divisor, unit name) for a span in seconds.
    public static func unit(forSpan seconds: Double) -> (divisor: Double, unit: String) {
        if seconds >= 3 * 86400 { return (86400, "days") }
        if seconds >= 3 * 3600 { return (3600, "h") }
        if seconds >= 10 * 60 { return (60, "min") }
        return (1, "s")
    }
}
