import FoundationEssentials
import Glibc
import LithicCore
import Analyses
import Charts
import CNumberFormat

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
        // Rows are assembled as bytes: 20 characters per number, no String per value.
        var bytes: [UInt8] = Array((header.joined(separator: ",") + "\n").utf8)
        bytes.reserveCapacity(bytes.count + plot.points * (plot.vectors.count * (plot.isComplex ? 2 : 1)) * 21)
        var scratch = [CChar](repeating: 0, count: 40)
        func append(_ v: Double) {
            scratch.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return }
                let n = Int(lithic_format_e12(base, b.count, v))
                for k in 0..<min(max(n, 0), b.count - 1) { bytes.append(UInt8(bitPattern: base[k])) }
            }
        }
        for p in 0..<plot.points {
            var first = true
            for v in plot.vectors {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                append(v.real[p])
                if plot.isComplex && v.type != "frequency" {
                    bytes.append(UInt8(ascii: ","))
                    append(v.imaginary?[p] ?? 0)
                }
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func format(_ v: Double) -> String {
        var scratch = [CChar](repeating: 0, count: 40)
        return scratch.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return "\(v)" }
            _ = lithic_format_e12(base, b.count, v)
            return String(cString: base)
        }
    }

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

    /// `.four` results: per vector the fundamental, THD (%) and every harmonic.
    public static func fourierJSON(_ results: [FourierResult]) -> String {
        let body = results.map { f -> String in
            let rows = f.harmonics.map { h in
                "      {\"harmonic\": \(h.index), \"frequency\": \(jsonNumber(h.frequency)), \"magnitude\": \(jsonNumber(h.magnitude)), " +
                "\"phase_deg\": \(jsonNumber(h.phase)), \"normalized_magnitude\": \(jsonNumber(h.normalizedMagnitude)), " +
                "\"normalized_phase_deg\": \(jsonNumber(h.normalizedPhase))}"
            }.joined(separator: ",\n")
            return "    {\"vector\": \(jsonString(f.vector)), \"fundamental\": \(jsonNumber(f.fundamental)), \"thd_percent\": \(jsonNumber(f.totalHarmonicDistortion)), " +
                "\"grid_size\": \(f.gridSize), \"harmonics\": [\n\(rows)\n    ]}"
        }.joined(separator: ",\n")
        return "{\n  \"fourier\": [\n\(body)\n  ]\n}\n"
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
