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
        // Rows are formatted straight into one buffer sized for the longest number (%.12e is at
        // most 20 characters, "-1.234567890123e-308"): no String and no per-byte append per value,
        // which made writing the 557,000 rows an interrupted 10 ns transient keeps take 3 s.
        let head = Array((header.joined(separator: ",") + "\n").utf8)
        let perRow = plot.vectors.count * (plot.isComplex ? 2 : 1) * 24 + 2
        let capacity = head.count + plot.points * perRow + 1
        let columns: [(re: [Double], im: [Double]?)] = plot.vectors.map { v in
            (v.real, plot.isComplex && v.type != "frequency" ? (v.imaginary ?? [Double](repeating: 0, count: v.real.count)) : nil)
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            guard let base = buffer.baseAddress else { initialized = 0; return }
            var n = 0
            for b in head { base[n] = b; n += 1 }
            func put(_ v: Double) {
                let written = base.advanced(by: n).withMemoryRebound(to: CChar.self, capacity: capacity - n) { lithic_format_e12($0, capacity - n, v) }
                n += min(max(Int(written), 0), capacity - n - 1)
            }
            for p in 0..<plot.points {
                for (k, c) in columns.enumerated() {
                    if k > 0 { base[n] = UInt8(ascii: ","); n += 1 }
                    put(p < c.re.count ? c.re[p] : .nan)
                    if let im = c.im {
                        base[n] = UInt8(ascii: ","); n += 1
                        put(p < im.count ? im[p] : 0)
                    }
                }
                base[n] = UInt8(ascii: "\n"); n += 1
            }
            initialized = n
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

    /// The unit of a vector type (`voltage` → V), "" when it has none Lithic knows.
    static func unit(ofType type: String) -> String {
        switch type {
        case "voltage": return "V"
        case "current": return "A"
        case "time": return "s"
        case "frequency": return "Hz"
        default: return ""
        }
    }

    /// What a vector is for plotting: devices' internal states are written with type `voltage`
    /// (ngspice has no type for them), so the name decides: `v(…)` node voltages, `i(…)` or type
    /// `current` currents, everything else a quantity of its own.
    static func quantity(_ v: OutputVector) -> String {
        if v.type == "current" || v.name.hasPrefix("i(") { return "current" }
        if v.type == "voltage" && (v.name.hasPrefix("v(") || !v.name.contains("(")) { return "voltage" }
        if v.type == "voltage" || v.type == "cycle" { return "state" }
        return v.type
    }

    /// `name (unit)`, or the name alone.
    static func axisLabel(_ name: String, _ unit: String) -> String { unit.isEmpty ? name : "\(name) (\(unit))" }

    /// SVG charts of a plot's vectors (saved ones only when `names` is non-empty), one quantity
    /// per axis: voltages and currents on separate charts, every other kind of vector (device
    /// states) in its own panel; AC as Bode (magnitude in dB and phase); cycling runs as panels of
    /// terminal voltage, node voltages, currents and each state against time in s, min, h or days;
    /// the cycler's per-cycle table as capacity, retention, coulombic efficiency, mean voltages
    /// and end-of-cycle states against the cycle number.
    public static func charts(_ plot: Plot, title: String, names: Set<String>) -> [(suffix: String, svg: String)] {
        guard let scale = plot.vectors.first, plot.points > (plot.kind == "cycles" ? 0 : 1) else { return [] }
        let selected = plot.vectors.dropFirst().filter { names.isEmpty || names.contains($0.name) || plot.kind == "cycles" }
        let heading = "\(title) — \(plot.name)"
        if plot.kind == "cycles" { return cycleCharts(plot, title: heading) }
        if plot.isComplex { return bodeCharts(plot, scale: scale, selected: selected, title: heading) }
        // The scale: time in the unit its span calls for; a log axis for frequency sweeps (noise).
        var x = scale.real
        var xLabel = axisLabel(scale.name, unit(ofType: scale.type))
        let logX = scale.type == "frequency" && RawFile.isLogarithmic(scale.real)
        if scale.type == "time", let first = x.first, let last = x.last {
            let (divisor, name) = TimeAxis.unit(forSpan: last - first)
            if divisor != 1 { x = x.map { $0 / divisor } }
            xLabel = "time (\(name))"
        }
        if plot.kind == "dc", scale.name.hasSuffix("-sweep") {
            xLabel = axisLabel(scale.name, scale.name.hasPrefix("i") ? "A" : scale.name.hasPrefix("temp") ? "°C" : "V")
        }
        let range = (x.first ?? 0)...(x.last ?? 1)
        func chart(_ vs: [OutputVector], yLabel: String, title: String, xLabel: String) -> LineChart {
            var c = LineChart(title: title, xLabel: xLabel, yLabel: yLabel, logX: logX)
            c.logY = plot.kind == "noise"  // spectral densities span decades
            if !logX, range.upperBound > range.lowerBound { c.xRange = range }
            for v in vs.prefix(12) { c.series.append(.init(name: v.name, x: x, y: v.real)) }
            return c
        }
        if plot.kind == "cycler" {
            // Small multiples: every quantity on its own axis, one shared time axis.
            var panels: [LineChart] = []
            let voltages = selected.filter { quantity($0) == "voltage" }
            if let terminal = voltages.first { panels.append(chart([terminal], yLabel: "voltage (V)", title: "terminal voltage \(terminal.name)", xLabel: "")) }
            if voltages.count > 1 { panels.append(chart(Array(voltages.dropFirst()), yLabel: "voltage (V)", title: "node voltages", xLabel: "")) }
            let currents = selected.filter { quantity($0) == "current" }
            if !currents.isEmpty { panels.append(chart(currents, yLabel: "current (A)", title: "currents", xLabel: "")) }
            for v in selected where quantity(v) != "voltage" && quantity(v) != "current" {
                panels.append(chart([v], yLabel: v.name, title: v.name, xLabel: ""))
            }
            guard !panels.isEmpty else { return [] }
            panels = Array(panels.prefix(16))
            panels[panels.count - 1].xLabel = xLabel
            var stack = ChartStack(title: heading, panels: panels)
            stack.panelHeight = panels.count > 6 ? 170 : 240
            return [("", stack.svg())]
        }
        var result: [(String, String)] = []
        for (type, unit) in [("voltage", "V"), ("current", "A")] {
            let vs = selected.filter { quantity($0) == type }
            if vs.isEmpty { continue }
            result.append((type == "voltage" ? "" : "-currents", chart(vs, yLabel: "\(type) (\(unit))", title: heading, xLabel: xLabel).svg()))
        }
        // Device states and other quantities: one panel each, so none flattens another.
        let others = selected.filter { quantity($0) != "voltage" && quantity($0) != "current" }
        if !others.isEmpty {
            var panels = others.prefix(12).map { v in
                chart([v], yLabel: axisLabel(v.name, v.type.hasSuffix("-density") ? "\(unit(ofType: String(v.type.dropLast(8))))/√Hz" : ""), title: v.name, xLabel: "")
            }
            panels[panels.count - 1].xLabel = xLabel
            result.append((plot.kind == "noise" ? "" : "-states", ChartStack(title: heading, panels: panels).svg()))
        }
        return result
    }

    /// Bode charts of an AC or impedance plot: magnitude (dB) and phase (°) panels against log frequency.
    static func bodeCharts(_ plot: Plot, scale: OutputVector, selected: [OutputVector], title: String) -> [(suffix: String, svg: String)] {
        var result: [(String, String)] = []
        for (type, unit) in [("voltage", "V"), ("current", "A")] {
            let vs = selected.filter { $0.type == type }.prefix(12)
            if vs.isEmpty { continue }
            var magnitude = LineChart(title: "magnitude", xLabel: "", yLabel: "|\(type)| (dB\(unit))", logX: true)
            var phase = LineChart(title: "phase", xLabel: "frequency (Hz)", yLabel: "phase (°)", logX: true)
            for v in vs {
                let im = v.imaginary ?? [Double](repeating: 0, count: v.real.count)
                magnitude.series.append(.init(name: v.name, x: scale.real, y: zip(v.real, im).map { 20 * log10(max(hypot($0, $1), 1e-300)) }))
                phase.series.append(.init(name: v.name, x: scale.real, y: unwrappedPhase(re: v.real, im: im)))
            }
            result.append((type == "voltage" ? "" : "-currents", ChartStack(title: "Bode: \(title)", panels: [magnitude, phase]).svg()))
        }
        return result
    }

    /// Phase in degrees, unwrapped so a response turning past ±180° stays continuous.
    public static func unwrappedPhase(re: [Double], im: [Double]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(re.count)
        var offset = 0.0
        var previous: Double?
        for (a, b) in zip(re, im) {
            var p = atan2(b, a) * 180 / .pi + offset
            if let q = previous {
                while p - q > 180 { p -= 360; offset -= 360 }
                while p - q < -180 { p += 360; offset += 360 }
            }
            out.append(p)
            previous = p
        }
        return out
    }

    /// The cycler's per-cycle table: capacities, retention, coulombic efficiency, mean voltages
    /// and the end-of-cycle device states, each on its own axis against the cycle number.
    static func cycleCharts(_ plot: Plot, title: String) -> [(suffix: String, svg: String)] {
        guard let cycle = plot.vector("cycle")?.real, !cycle.isEmpty else { return [] }
        func series(_ name: String, _ label: String, scale: Double = 1) -> LineChart.Series? {
            guard let v = plot.vector(name) else { return nil }
            var s = LineChart.Series(name: label, x: cycle, y: v.real.map { $0 * scale })
            s.lineAndMarkers = true
            return s
        }
        func panel(_ title: String, _ yLabel: String, _ list: [LineChart.Series?]) -> LineChart? {
            let s = list.compactMap { $0 }
            guard !s.isEmpty else { return nil }
            var c = LineChart(title: title, xLabel: "", yLabel: yLabel)
            c.series = s
            c.xRange = (cycle.first ?? 1) - 0.5 ... (cycle.last ?? 1) + 0.5
            return c
        }
        var panels: [LineChart] = [
            panel("capacity", "capacity (Ah)", [series("charge_capacity_ah", "charge"), series("discharge_capacity_ah", "discharge")]),
            panel("capacity retention", "retention (%)", [series("retention", "discharge / first discharge", scale: 100)]),
            panel("coulombic efficiency", "efficiency (%)", [series("coulombic_efficiency", "discharge / charge", scale: 100)]),
            panel("mean voltage", "voltage (V)", [series("mean_charge_voltage", "charge"), series("mean_discharge_voltage", "discharge")]),
        ].compactMap { $0 }
        let known: Set<String> = ["cycle", "charge_capacity_ah", "discharge_capacity_ah", "coulombic_efficiency", "charge_energy_wh",
                                  "discharge_energy_wh", "mean_charge_voltage", "mean_discharge_voltage", "retention", "end_time", "time_steps"]
        for v in plot.vectors where !known.contains(v.name) {
            if panels.count >= 12 { break }
            if let p = panel("\(v.name) at the end of each cycle", v.name, [series(v.name, "")]) { panels.append(p) }
        }
        guard !panels.isEmpty else { return [] }
        panels[panels.count - 1].xLabel = "cycle"
        var stack = ChartStack(title: title, panels: panels)
        stack.panelHeight = panels.count > 6 ? 170 : 220
        return [("", stack.svg())]
    }
}
