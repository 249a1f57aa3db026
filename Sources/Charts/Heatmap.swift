import FoundationEssentials
import Glibc
import LithicCore

/// A matrix of values drawn as an SVG heatmap (rows top to bottom, columns left to right) with
/// row and column ticks and a colour bar with tick values and the quantity's unit; large
/// matrices are averaged into blocks so the file stays small.
///
/// One-signed data (conductances, ratios) use the sequential viridis map (perceptually uniform,
/// readable in grey and with colour-vision deficiencies); data of both signs (errors, disturb)
/// use a diverging blue–white–red map centred on zero.
public struct Heatmap: Sendable {
    public var title: String
    public var rows: Int
    public var columns: Int
    public var values: [Double]   // row-major
    /// The colour bar's label with its unit in parentheses, e.g. `G (S)`: the unit is also
    /// written beside every colour-bar tick.
    public var label: String
    public init(title: String, rows: Int, columns: Int, values: [Double], label: String) {
        self.title = title; self.rows = rows; self.columns = columns; self.values = values; self.label = label
    }

    /// viridis at 11 stops (matplotlib's, sampled evenly), interpolated linearly.
    static let viridis: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553), (0.164, 0.471, 0.558),
        (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441), (0.478, 0.821, 0.318), (0.741, 0.873, 0.150),
        (0.993, 0.906, 0.144),
    ]

    static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        func byte(_ v: Double) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", byte(r), byte(g), byte(b))
    }

    /// Sequential colour of t in [0, 1].
    static func sequential(_ t: Double) -> String {
        let u = t.isNaN ? 0 : min(max(t, 0), 1)  // a NaN cell would otherwise trap in Int(_:)
        let x = u * Double(viridis.count - 1)
        let k = min(Int(x), viridis.count - 2), w = x - Double(k)
        let a = viridis[k], b = viridis[k + 1]
        return hex(a.0 + (b.0 - a.0) * w, a.1 + (b.1 - a.1) * w, a.2 + (b.2 - a.2) * w)
    }

    /// Diverging colour of t in [0, 1] (0.5 is white).
    static func diverging(_ t: Double) -> String {
        let u = t.isNaN ? 0.5 : min(max(t, 0), 1)
        // Blue (#2166ac) → white → red (#b2182b).
        if u < 0.5 {
            let w = u * 2
            return hex(0.129 + (1 - 0.129) * w, 0.400 + (1 - 0.400) * w, 0.675 + (1 - 0.675) * w)
        }
        let w = (u - 0.5) * 2
        return hex(1 + (0.698 - 1) * w, 1 + (0.094 - 1) * w, 1 + (0.169 - 1) * w)
    }

    /// The unit in the label's last parentheses (`G (S)` → `S`), or "".
    var unit: String {
        guard label.hasSuffix(")"), let open = label.lastIndex(of: "(") else { return "" }
        return String(label[label.index(after: open)..<label.index(before: label.endIndex)])
    }

    /// Whether the map is diverging (the data have both signs).
    public var isDiverging: Bool {
        let finite = values.filter(\.isFinite)
        return (finite.min() ?? 0) < 0 && (finite.max() ?? 0) > 0
    }

    /// Row or column tick positions: about eight, at round indices.
    static func indexTicks(_ count: Int) -> [Int] {
        guard count > 1 else { return [0] }
        let raw = Double(count) / 8
        let steps = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 1000]
        let step = steps.first { Double($0) >= raw } ?? Int(raw.rounded(.up))
        var out = Array(stride(from: 0, to: count, by: step))
        if let last = out.last, count - 1 - last >= step / 2 { out.append(count - 1) }
        return out
    }

    public func svg() -> String {
        let maxCells = 128
        let br = max(1, (rows + maxCells - 1) / maxCells), bc = max(1, (columns + maxCells - 1) / maxCells)
        let gr = (rows + br - 1) / br, gc = (columns + bc - 1) / bc
        var grid = [Double](repeating: 0, count: gr * gc)
        var count = [Int](repeating: 0, count: gr * gc)
        for i in 0..<rows { for j in 0..<columns where i * columns + j < values.count {
            let v = values[i * columns + j]
            guard v.isFinite else { continue }
            grid[(i / br) * gc + j / bc] += v; count[(i / br) * gc + j / bc] += 1
        } }
        for k in grid.indices { grid[k] = count[k] > 0 ? grid[k] / Double(count[k]) : .nan }
        let finite = grid.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let diverging = lo < 0 && hi > 0
        if diverging { let m = max(-lo, hi); lo = -m; hi = m }
        if hi <= lo { let d = lo == 0 ? 1 : abs(lo) * 0.05; lo -= d; hi += d }
        let span = hi - lo
        func colour(_ v: Double) -> String { diverging ? Self.diverging((v - lo) / span) : Self.sequential((v - lo) / span) }
        // Square cells where the shape allows: the longer side is 512 px.
        let side = 512.0
        let cw = side / Double(max(gr, gc)), ch = cw
        let mapWidth = cw * Double(gc), mapHeight = ch * Double(gr)
        let left = 70.0, top = 44.0
        let barX = left + mapWidth + 30
        let width = barX + 130, height = max(top + mapHeight + 60, 330)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text class=\"title\" x=\"\(width / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(LineChart.escape(title))</text>\n"
        for r in 0..<gr {
            for c in 0..<gc {
                let v = grid[r * gc + c]
                let fill = v.isFinite ? colour(v) : "#cccccc"
                out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>\n", left + Double(c) * cw, top + Double(r) * ch, cw + 0.3, ch + 0.3, fill)
            }
        }
        out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"black\"/>\n", left, top, mapWidth, mapHeight)
        // Row and column ticks at the centre of the (block of) cells with that index.
        for j in Self.indexTicks(columns) {
            let x = left + (Double(j) + 0.5) / Double(columns) * mapWidth
            out += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n", x, top + mapHeight, x, top + mapHeight + 4)
            out += String(format: "<text class=\"coltick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%d</text>\n", x, top + mapHeight + 17, j)
        }
        for i in Self.indexTicks(rows) {
            let y = top + (Double(i) + 0.5) / Double(rows) * mapHeight
            out += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n", left - 4, y, left, y)
            out += String(format: "<text class=\"rowtick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%d</text>\n", left - 7, y + 4, i)
        }
        out += String(format: "<text class=\"xlabel\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">column (bit line)</text>\n", left + mapWidth / 2, top + mapHeight + 40)
        out += String(format: "<text class=\"ylabel\" x=\"18\" y=\"%.2f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.2f)\">row (word line)</text>\n", top + mapHeight / 2, top + mapHeight / 2)
        // Colour bar with ticks in the label's unit.
        let barHeight = max(mapHeight, 256)
        let steps = 64
        for k in 0..<steps {
            let t = (Double(k) + 0.5) / Double(steps)
            let y = top + barHeight * (1 - Double(k + 1) / Double(steps))
            out += String(format: "<rect class=\"colourbar\" x=\"%.2f\" y=\"%.2f\" width=\"18\" height=\"%.2f\" fill=\"%@\"/>\n", barX, y, barHeight / Double(steps) + 0.3,
                          diverging ? Self.diverging(t) : Self.sequential(t))
        }
        out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"18\" height=\"%.2f\" fill=\"none\" stroke=\"black\"/>\n", barX, top, barHeight)
        let unit = self.unit
        for v in LineChart.ticks(lo, hi, count: 5) {
            let y = top + barHeight * (1 - (v - lo) / span)
            out += String(format: "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n", barX + 18, y, barX + 22, y)
            let number = LineChart.label(v)
            // `10 µS`, `0.5 S`, `0.25` (no unit).
            let text = unit.isEmpty ? number
                : number.last?.isLetter == true ? "\(number.dropLast()) \(number.last.map(String.init) ?? "")\(unit)" : "\(number) \(unit)"
            out += String(format: "<text class=\"bartick\" x=\"%.2f\" y=\"%.2f\">%@</text>\n", barX + 25, y + 4, LineChart.escape(text))
        }
        out += String(format: "<text class=\"barlabel\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">%@</text>\n", barX + 9, top - 10, LineChart.escape(label))
        return out + "</svg>\n"
    }
}
