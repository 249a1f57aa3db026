import FoundationEssentials
import Glibc
import LithicCore

/// A matrix of values drawn as an SVG heatmap (rows top to bottom, columns left to right) with a
/// colour bar; large matrices are averaged into blocks so the file stays small.
public struct Heatmap: Sendable {
    public var title: String
    public var rows: Int
    public var columns: Int
    public var values: [Double]   // row-major
    public var label: String
    public init(title: String, rows: Int, columns: Int, values: [Double], label: String) {
        self.title = title; self.rows = rows; self.columns = columns; self.values = values; self.label = label
    }

    static func colour(_ t: Double) -> String {
        // Blue → white → red.
        let u = t.isNaN ? 0.5 : min(max(t, 0), 1)  // a NaN cell would otherwise trap in Int(_:)
        let r: Double, g: Double, b: Double
        if u < 0.5 { r = 2 * u; g = 2 * u; b = 1 } else { r = 1; g = 2 * (1 - u); b = 2 * (1 - u) }
        return String(format: "#%02x%02x%02x", Int(r * 255), Int(g * 255), Int(b * 255))
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
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        let size = 512.0, cw = size / Double(gc), ch = size / Double(gr)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"700\" height=\"600\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"300\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(LineChart.escape(title))</text>\n"
        for r in 0..<gr {
            for c in 0..<gc {
                let v = grid[r * gc + c]
                let fill = v.isFinite ? Self.colour((v - lo) / span) : "#cccccc"
                out += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>\n", 40 + Double(c) * cw, 40 + Double(r) * ch, cw + 0.3, ch + 0.3, fill)
            }
        }
        out += "<text x=\"296\" y=\"575\" text-anchor=\"middle\">column (bit line)</text>\n"
        out += "<text x=\"20\" y=\"296\" text-anchor=\"middle\" transform=\"rotate(-90 20 296)\">row (word line)</text>\n"
        for k in 0..<64 {
            out += String(format: "<rect x=\"580\" y=\"%.2f\" width=\"20\" height=\"8.1\" fill=\"%@\"/>\n", 40 + Double(63 - k) * 8, Self.colour(Double(k) / 63))
        }
        out += "<text x=\"605\" y=\"48\">\(LineChart.label(hi))</text>\n<text x=\"605\" y=\"552\">\(LineChart.label(lo))</text>\n"
        out += "<text x=\"590\" y=\"575\" text-anchor=\"middle\">\(LineChart.escape(label))</text>\n</svg>\n"
        return out
    }
}
