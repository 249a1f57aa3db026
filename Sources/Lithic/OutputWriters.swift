import Foundation
import LithicCore
import Analyses
import Charts

/// CSV and JSON renderings of plots and measurements.
public enum OutputWriters {
    /// One CSV per plot: a header of vector names, then one row per point. Complex vectors are
    /// written as two columns `name.re`, `name.im`.
    public static func csv(_ plot: Plot) -> String {
        var header: [String] = []
        for v in plot.vectors {
            if plot.isComplex && v.type != "frequency" { header.append("\(v.name).re"); header.append("\(v.name).im") }
            else { header.append(v.name) }
        }
        var out = header.joined(separator: ",") + "\n"
        out.reserveCapacity(plot.points * plot.vectors.count * 24)
        for p in 0..<plot.points {
            var row: [String] = []
            for v in plot.vectors {
                row.append(format(v.real[p]))
                if plot.isComplex && v.type != "frequency" { row.append(format(v.imaginary?[p] ?? 0)) }
            }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    static func format(_ v: Double) -> String { String(format: "%.12e", v) }

    static func jsonNumber(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "null" }
        return "\(v)"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// `{"name": value, …}` (null for failed measurements).
    public static func measuresJSON(_ results: [MeasureResult]) -> String {
        let body = results.map { "  \(jsonString($0.name)): \(jsonNumber($0.value))" }.joined(separator: ",\n")
        return "{\n\(body)\n}\n"
    }

    /// A plot as JSON: `{"plot": …, "complete": …, "vectors": {"name": [..]}}`.
    public static func json(_ plot: Plot) -> String {
        var out = "{\n  \"plot\": \(jsonString(plot.name)),\n  \"complete\": \(plot.isComplete),\n  \"vectors\": {\n"
        var parts: [String] = []
        for v in plot.vectors {
            let re = v.real.map { jsonNumber($0) }.joined(separator: ",")
            if plot.isComplex, let im = v.imaginary, v.type != "frequency" {
                parts.append("    \(jsonString(v.name)): {\"re\": [\(re)], \"im\": [\(im.map { jsonNumber($0) }.joined(separator: ","))]}")
            } else {
                parts.append("    \(jsonString(v.name)): [\(re)]")
            }
        }
        out += parts.joined(separator: ",\n") + "\n  }\n}\n"
        return out
    }

    /// SVG charts of a plot's vectors (saved ones only when `names` is non-empty): voltages and
    /// currents on separate charts; AC magnitude in dB against log frequency.
    public static func charts(_ plot: Plot, title: String, names: Set<String>) -> [(suffix: String, svg: String)] {
        guard plot.points > 1, let scale = plot.vectors.first else { return [] }
        var result: [(String, String)] = []
        let selected = plot.vectors.dropFirst().filter { names.isEmpty || names.contains($0.name) }
        for (type, unit) in [("voltage", "V"), ("current", "A")] {
            let vs = selected.filter { $0.type == type }
            if vs.isEmpty { continue }
            var chart: LineChart
            if plot.isComplex {
                chart = LineChart(title: "\(title) — \(plot.name)", xLabel: "frequency (Hz)", yLabel: "magnitude (dB\(unit))", logX: true)
                for v in vs.prefix(12) {
                    let mag = zip(v.real, v.imaginary ?? []).map { 20 * log10(max(hypot($0, $1), 1e-300)) }
                    chart.series.append(.init(name: v.name, x: scale.real, y: mag))
                }
            } else {
                chart = LineChart(title: "\(title) — \(plot.name)", xLabel: "\(scale.name) (\(scale.type == "time" ? "s" : "V"))", yLabel: "\(type) (\(unit))")
                for v in vs.prefix(12) { chart.series.append(.init(name: v.name, x: scale.real, y: v.real)) }
            }
            result.append((type == "voltage" ? "" : "-currents", chart.svg()))
        }
        return result
    }
}
