import ComplexModule
import FoundationEssentials
import Glibc
import LithicCore
import Analyses
import Charts
import CNumberFormat
import Crossbar
import Fitting
import Spectroscopy

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

// MARK: - Files a workflow writes

/// One output file: a name relative to the output directory, and its text.
public struct OutputFile: Sendable, Equatable {
    public var name: String
    public var contents: String
    public init(_ name: String, _ contents: String) { self.name = name; self.contents = contents }
}

extension OutputWriters {
    /// Writes every file atomically into `directory` (created when missing), in order; returns
    /// the paths written.
    @discardableResult
    public static func write(_ files: [OutputFile], in directory: String) throws -> [String] {
        try files.map { f in
            let path = "\(directory)/\(f.name)"
            try AtomicFile.write(f.contents, to: path)
            return path
        }
    }

    /// A flat JSON object of numbers (`%.6e`, null when not finite), integers, strings and booleans,
    /// in the order given: the crossbar's `metrics.json`.
    static func metricsJSON(_ pairs: [(String, MetricValue)]) -> String {
        func value(_ v: MetricValue) -> String {
            switch v {
            case .number(let d): return d.isFinite ? String(format: "%.6e", d) : "null"
            case .integer(let i): return "\(i)"
            case .text(let s): return "\"\(s)\""
            case .flag(let b): return b ? "true" : "false"
            }
        }
        return "{\n" + pairs.map { "  \"\($0.0)\": \(value($0.1))" }.joined(separator: ",\n") + "\n}\n"
    }

    enum MetricValue { case number(Double), integer(Int), text(String), flag(Bool) }

    // MARK: Crossbar

    /// The files of a crossbar run: `currents.csv` or `cells.csv`, `metrics.json`, and with
    /// `plot` the heatmaps (read, program, full sneak scan) or `transient.svg` and `iv.svg`.
    public static func crossbarFiles(_ result: CrossbarWorkflow.Result, plot: Bool) -> [OutputFile] {
        let o = result.options, rows = o.rows, columns = o.columns, seconds = result.seconds
        var files: [OutputFile] = []
        switch result.outcome {
        case .transient(let r, let v, let half):
            var csv = "time," + (0..<columns).map { "i_col\($0)" }.joined(separator: ",") + "\n"
            for k in r.time.indices { csv += "\(r.time[k])," + (0..<columns).map { "\(r.currents[$0][k])" }.joined(separator: ",") + "\n" }
            files.append(OutputFile("currents.csv", csv))
            if plot { files += crossbarTransientCharts(r, rows: rows, columns: columns, inputs: v, half: half) }
            files.append(OutputFile("metrics.json", metricsJSON([
                ("operation", .text("transient")), ("rows", .integer(rows)), ("columns", .integer(columns)), ("unknowns", .integer(r.statistics.unknowns)),
                ("time_steps", .integer(r.statistics.acceptedSteps)), ("rejected_steps", .integer(r.statistics.rejectedSteps)),
                ("newton_iterations", .integer(r.statistics.newtonIterations)), ("factorizations", .integer(r.statistics.fullFactorizations)),
                ("refactorizations", .integer(r.statistics.refactorizations)), ("krylov_solves", .integer(r.statistics.krylovSolves)),
                ("krylov_iterations", .integer(r.statistics.krylovIterations)), ("krylov_failures", .integer(r.statistics.krylovFailures)),
                ("seconds", .number(seconds)),
            ])))
        case .read(let r, let conductances):
            var csv = "column,current,ideal,relative_error\n"
            for j in 0..<columns { csv += "\(j),\(r.currents[j]),\(r.ideal[j]),\(r.relativeError[j])\n" }
            files.append(OutputFile("currents.csv", csv))
            files.append(OutputFile("metrics.json", metricsJSON([
                ("operation", .text("read")), ("rows", .integer(rows)), ("columns", .integer(columns)), ("unknowns", .integer(r.statistics.unknowns)),
                ("rms_relative_error", .number(r.rmsRelativeError)), ("max_relative_error", .number(r.relativeError.map(abs).max() ?? 0)),
                ("worst_cell_voltage_ratio", .number(r.cellVoltageRatio.min() ?? 1)), ("power_w", .number(r.power)),
                ("energy_j_per_100ns_read", .number(r.power * CrossbarWorkflow.readTime)), ("seconds", .number(seconds)),
            ])))
            if plot {
                files.append(OutputFile("conductance.svg", Heatmap(title: "Conductance", rows: rows, columns: columns, values: conductances, label: "G (S)").svg()))
                files.append(OutputFile("ir-drop.svg", Heatmap(title: "Cell voltage / applied (IR drop)", rows: rows, columns: columns, values: r.cellVoltageRatio, label: "ratio").svg()))
            }
        case .program(let p):
            let r = p.result, n = rows * columns
            var csv = "row,column,target,verified,final,pulses,converged,disturb,energy_j,latency_s,set_amplitude,reset_amplitude\n"
            for k in 0..<n {
                csv += "\(k / columns),\(k % columns),\(r.targets[k]),\(r.verified[k]),\(r.final[k]),\(r.pulses[k]),\(r.converged[k]),\(r.disturb[k]),\(r.energy[k]),\(r.latency[k]),\(r.setAmplitude[k]),\(r.resetAmplitude[k])\n"
            }
            files.append(OutputFile("cells.csv", csv))
            files.append(OutputFile("metrics.json", metricsJSON([
                ("operation", .text("program")), ("scheme", .text(p.scheme.rawValue)), ("rows", .integer(rows)), ("columns", .integer(columns)),
                ("converged_cells", .integer(p.convergedCells)), ("mean_pulses", .number(p.meanPulses)),
                ("max_pulses", .integer(r.pulses.max() ?? 0)), ("rms_final_error", .number(p.rmsFinalError)),
                ("max_abs_disturb", .number(p.maximumAbsoluteDisturb)), ("mean_abs_disturb", .number(p.meanAbsoluteDisturb)),
                ("energy_j", .number(p.energy)), ("latency_s", .number(p.latency)),
                ("vmm_rms_error", .number(p.vmmRmsError)), ("vmm_max_error", .number(p.vmmMaxError)),
                ("cells_with_lowered_amplitude", .integer(p.loweredCells)),
                ("operating_points", .integer(r.operatingPoints)), ("seconds", .number(seconds)),
            ])))
            if plot {
                files.append(OutputFile("targets.svg", Heatmap(title: "Target conductance", rows: rows, columns: columns, values: r.targets, label: "G* (S)").svg()))
                files.append(OutputFile("conductance.svg", Heatmap(title: "Programmed conductance (end of run)", rows: rows, columns: columns, values: r.final, label: "G (S)").svg()))
                files.append(OutputFile("error.svg", Heatmap(title: "Error G/G* − 1 (end of run)", rows: rows, columns: columns, values: p.errors, label: "error").svg()))
                files.append(OutputFile("disturb.svg", Heatmap(title: "Half-select disturb", rows: rows, columns: columns, values: r.disturb, label: "ΔG/G").svg()))
                files.append(OutputFile("ir-drop.svg", Heatmap(title: "Cell voltage / applied (IR drop) in the VMM", rows: rows, columns: columns, values: p.vmmRead.cellVoltageRatio, label: "ratio").svg()))
            }
        case .sneak(let s):
            var csv = "row,column,true_conductance,apparent_conductance,cell_current,column_current,sneak_fraction\n"
            for (k, r) in zip(s.cells, s.reads) {
                csv += "\(k / columns),\(k % columns),\(s.trueConductances[k]),\(r.apparentConductance),\(r.cellCurrent),\(r.columnCurrent),\(r.sneakFraction)\n"
            }
            files.append(OutputFile("cells.csv", csv))
            let first = s.cells.first ?? 0
            files.append(OutputFile("metrics.json", metricsJSON([
                ("operation", .text("sneak")), ("unselected", .text(s.unselected.rawValue)), ("rows", .integer(rows)), ("columns", .integer(columns)),
                ("cells_read", .integer(s.cells.count)),
                ("max_sneak_fraction", .number(s.maximumSneakFraction)), ("mean_sneak_fraction", .number(s.meanSneakFraction)),
                ("first_cell_true_conductance", .number(s.trueConductances[first])), ("first_cell_apparent_conductance", .number(s.reads.first?.apparentConductance ?? .nan)),
                ("seconds", .number(seconds)),
            ])))
            if plot && s.cells.count == rows * columns {
                files.append(OutputFile("sneak.svg", Heatmap(title: "Sneak share of the column current", rows: rows, columns: columns, values: s.reads.map(\.sneakFraction), label: "fraction").svg()))
                files.append(OutputFile("apparent.svg", Heatmap(title: "Apparent conductance", rows: rows, columns: columns, values: s.reads.map(\.apparentConductance), label: "G (S)").svg()))
            }
        }
        return files
    }

    /// The line(s) `lithic crossbar` prints after a run.
    public static func crossbarSummary(_ result: CrossbarWorkflow.Result) -> String {
        let o = result.options, rows = o.rows, columns = o.columns, seconds = result.seconds
        switch result.outcome {
        case .transient(let r, _, _):
            return String(format: "crossbar %d×%d transient (%d unknowns): %d steps (%d rejected) in %.3f s", rows, columns, r.statistics.unknowns,
                          r.statistics.acceptedSteps, r.statistics.rejectedSteps, seconds)
        case .read(let r, _):
            return String(format: "crossbar %d×%d (%d unknowns): read in %.3f s; VMM error rms %.3e, max %.3e of the largest column; worst cell sees %.2f%% of its input; %.3e W",
                          rows, columns, r.statistics.unknowns, seconds, r.rmsRelativeError, r.relativeError.map(abs).max() ?? 0, (r.cellVoltageRatio.min() ?? 1) * 100, r.power)
        case .program(let p):
            let n = rows * columns
            var text = String(format: "crossbar %d×%d programmed (%@) in %.2f s: %d/%d cells within %.0f%%, %.2f pulses per cell; end-of-run error rms %.3e, disturb max %.3e; %.3e J, %.3e s; VMM error rms %.3e",
                              rows, columns, p.scheme.rawValue, seconds, p.convergedCells, n, o.tolerance * 100, p.meanPulses,
                              p.rmsFinalError, p.maximumAbsoluteDisturb, p.energy, p.latency, p.vmmRmsError)
            if p.loweredCells > 0 {
                text += "\n  \(p.loweredCells) cells switched faster than the shortest pulse (\(p.minimumPulse) s) and were written at lowered amplitude (set_amplitude, reset_amplitude in cells.csv)"
            }
            return text
        case .sneak(let s):
            let first = s.cells.first ?? 0
            return String(format: "crossbar %d×%d sneak reads of %d cells (%@ lines) in %.2f s: sneak share max %.3f, mean %.3f; cell %d: true %.3e S, read %.3e S", rows, columns,
                          s.cells.count, s.unselected.rawValue, seconds, s.maximumSneakFraction, s.meanSneakFraction, first, s.trueConductances[first],
                          s.reads.first?.apparentConductance ?? .nan)
        }
    }

    /// `transient.svg` (row drive and column currents against time) and `iv.svg` (each plotted
    /// column's current against the first row's drive: the array's hysteresis loop).
    static func crossbarTransientCharts(_ r: CrossbarArray.Transient, rows: Int, columns: Int, inputs v: [Double], half: Double) -> [OutputFile] {
        let span = r.time.last ?? 0
        let (divisor, unit) = TimeAxis.unit(forSpan: span)
        let scaleDivisor = divisor == 1 ? (span < 1e-3 ? 1e-6 : span < 1 ? 1e-3 : 1) : divisor
        let scaleUnit = divisor == 1 ? (scaleDivisor == 1e-6 ? "µs" : scaleDivisor == 1e-3 ? "ms" : "s") : unit
        let t = r.time.map { $0 / scaleDivisor }
        // Up to eight columns, spread over the array.
        let shown = columns <= 8 ? Array(0..<columns) : (0..<8).map { $0 * (columns - 1) / 7 }
        var drive = LineChart(title: "row drive", xLabel: "", yLabel: "voltage (V)")
        for i in (rows <= 4 ? Array(0..<rows) : [0, rows - 1]) where i < v.count {
            drive.series.append(.init(name: "row \(i)", x: t, y: r.time.map { CrossbarWorkflow.drive(v[i], at: $0, half: half) }))
        }
        var currents = LineChart(title: "column currents", xLabel: "time (\(scaleUnit))", yLabel: "current (A)")
        for j in shown where j < r.currents.count { currents.series.append(.init(name: "column \(j)", x: t, y: r.currents[j])) }
        let range = (t.first ?? 0)...(t.last ?? 1)
        if range.upperBound > range.lowerBound { drive.xRange = range; currents.xRange = range }
        var loop = LineChart(title: "Crossbar \(rows)×\(columns): column current against the row-0 drive", xLabel: "row 0 drive (V)", yLabel: "column current (A)")
        let x = r.time.map { CrossbarWorkflow.drive(v.first ?? 0, at: $0, half: half) }
        for j in shown where j < r.currents.count { loop.series.append(.init(name: "column \(j)", x: x, y: r.currents[j])) }
        return [OutputFile("transient.svg", ChartStack(title: "Crossbar \(rows)×\(columns) transient", panels: [drive, currents]).svg()),
                OutputFile("iv.svg", loop.svg())]
    }
}

// MARK: - Kramers–Kronig and DRT

/// The few JSON pieces `lithic kk` and `lithic drt` write (numbers, strings, flat objects).
public enum KKDRTJSON {
    public static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
    public static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
    public static func object(_ fields: [(String, String)]) -> String {
        "{\n" + fields.map { "  \(string($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}

extension OutputWriters {
    /// The stem of a spectrum file's outputs: its name without directory and extension.
    static func fileStem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    /// `STEM.kk.csv`, `STEM.kk.json` and with `plot` `STEM.kk.svg` of a lin-KK test.
    public static func kkFiles(_ k: KKWorkflow.Result, plot: Bool) -> [OutputFile] {
        let s = k.spectrum, r = k.test, o = k.options
        let stem = fileStem(o.file)
        var csv = "frequency,z_real,z_imag,kk_real,kk_imag,residual_real,residual_imag\n"
        for i in 0..<s.count {
            csv += String(format: "%.10e,%.10e,%.10e,%.10e,%.10e,%.6e,%.6e\n", s.frequencies[i], s.impedances[i].real, s.impedances[i].imaginary,
                          r.fitted[i].real, r.fitted[i].imaginary, r.residualReal[i], r.residualImaginary[i])
        }
        var files = [OutputFile(stem + ".kk.csv", csv)]
        let verdict = k.passes ? "PASS" : "FAIL"
        var fields: [(String, String)] = [
            ("file", KKDRTJSON.string(o.file)), ("verdict", KKDRTJSON.string(verdict)), ("threshold", KKDRTJSON.number(o.threshold)),
            ("points", "\(s.count)"), ("elements", "\(r.elements)"), ("maximum_elements", "\(r.elementBound.maximum)"),
            ("element_bound", KKDRTJSON.string(r.elementBound.description)), ("mu", KKDRTJSON.number(r.mu)), ("cutoff", KKDRTJSON.number(o.cutoff)),
            ("pseudo_chi_square", KKDRTJSON.number(r.pseudoChiSquare)), ("max_residual", KKDRTJSON.number(r.maximumResidual)),
            ("rms_residual", KKDRTJSON.number(r.rmsResidual)), ("series_resistance", KKDRTJSON.number(r.seriesResistance)),
        ]
        if let c = r.capacitance { fields.append(("capacitance", KKDRTJSON.number(c))) }
        if let l = r.inductance { fields.append(("inductance", KKDRTJSON.number(l))) }
        if plot {
            var chart = LineChart(title: "lin-KK residuals: \(URL(fileURLWithPath: o.file).lastPathComponent)", xLabel: "frequency (Hz)", yLabel: "Δ/|Z|", logX: true)
            chart.series.append(.init(name: "Δ' real", x: s.frequencies, y: r.residualReal))
            chart.series.append(.init(name: "Δ'' imaginary", x: s.frequencies, y: r.residualImaginary))
            files.append(OutputFile(stem + ".kk.svg", chart.svg()))
        }
        if let d = k.diagnosis {
            fields.append(("diagnosis", KKDRTJSON.string(String(describing: d.pattern))))
            fields.append(("flagged_hz", "[" + d.flagged.map { KKDRTJSON.number(s.frequencies[$0]) }.joined(separator: ", ") + "]"))
        }
        files.append(OutputFile(stem + ".kk.json", KKDRTJSON.object(fields)))
        return files
    }

    /// The lines `lithic kk` prints: verdict and figures, the M search, and for a failing
    /// spectrum the flagged points and the verdict without them.
    public static func kkSummary(_ k: KKWorkflow.Result) -> String {
        let s = k.spectrum, r = k.test, threshold = k.options.threshold
        var lines = [String(format: "%@: %@ (M = %d, μ = %.3f, pseudo-χ² = %.3e, max |Δ| = %.3e, rms = %.3e, threshold %.3g)", k.options.file, k.passes ? "PASS" : "FAIL",
                            r.elements, r.mu, r.pseudoChiSquare, r.maximumResidual, r.rmsResidual, threshold),
                     "  \(r.elementBound.description); tried M = 1…\(r.elementBound.maximum)"]
        if let d = k.diagnosis {
            let listed = d.flagged.sorted { s.frequencies[$0] > s.frequencies[$1] }.map { i in
                String(format: "%.4g Hz (%.1f %%)", s.frequencies[i], 100 * max(abs(r.residualReal[i]), abs(r.residualImaginary[i])))
            }
            let band = d.flagged.map { s.frequencies[$0] }
            let inBand = s.frequencies.filter { $0 >= (band.min() ?? 0) && $0 <= (band.max() ?? 0) }.count
            lines.append(String(format: "  %d of the %d points between %.4g Hz and %.4g Hz are at or above the threshold, %@:", d.flagged.count, inBand,
                                band.min() ?? 0, band.max() ?? 0, d.pattern.rawValue))
            lines.append("    " + listed.joined(separator: ", "))
            if let rest = d.withoutFlagged {
                lines.append(String(format: "  without them: %@ (M = %d, max |Δ| = %.3e, rms = %.3e); the verdict above stands — leaving points out is your call",
                                    rest.passes(threshold: threshold) ? "PASS" : "FAIL", rest.elements, rest.maximumResidual, rest.rmsResidual))
            } else {
                lines.append("  too many points for a test without them (more than a quarter of the spectrum)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `STEM.drt.csv` (τ, f, γ), `STEM.drt-peaks.csv`, `STEM.drt.json` and with `plot` `STEM.drt.svg`.
    public static func drtFiles(_ r: DRTWorkflow.Result, plot: Bool) -> [OutputFile] {
        let d = r.distribution, file = r.options.file, stem = fileStem(file)
        var csv = "tau,frequency,gamma\n"
        for (k, (t, g)) in zip(d.tau, d.gamma).enumerated() { csv += String(format: "%.8e,%.8e,%.8e\n", t, r.frequencies[k], g) }
        var peaks = "tau,frequency,resistance,height\n"
        for p in d.peaks { peaks += String(format: "%.6e,%.6e,%.6e,%.6e\n", p.tau, p.frequency, p.resistance, p.height) }
        let peakList = d.peaks.map { p in
            "{\"tau\": \(KKDRTJSON.number(p.tau)), \"frequency\": \(KKDRTJSON.number(p.frequency)), \"resistance\": \(KKDRTJSON.number(p.resistance)), \"height\": \(KKDRTJSON.number(p.height))}"
        }
        var files = [OutputFile(stem + ".drt.csv", csv), OutputFile(stem + ".drt-peaks.csv", peaks),
                     OutputFile(stem + ".drt.json", KKDRTJSON.object([
                        ("file", KKDRTJSON.string(file)), ("points", "\(r.spectrum.count)"), ("lambda", KKDRTJSON.number(d.lambda)),
                        ("selection", KKDRTJSON.string(r.selection)), ("series_resistance", KKDRTJSON.number(d.seriesResistance)),
                        ("inductance", d.inductanceIncluded ? KKDRTJSON.number(d.inductance) : "null"),
                        ("tau_min", KKDRTJSON.number(d.tauRange.lower)), ("tau_max", KKDRTJSON.number(d.tauRange.upper)),
                        ("tau_margin_decades", KKDRTJSON.number(d.tauMarginDecades)), ("rms_relative", KKDRTJSON.number(d.rmsRelative)),
                        ("peaks", "[" + peakList.joined(separator: ", ") + "]"),
                     ]))]
        if plot {
            var chart = LineChart(title: "DRT: \(URL(fileURLWithPath: file).lastPathComponent)", xLabel: "τ (s)", yLabel: "γ (Ω)", logX: true)
            chart.series.append(.init(name: "γ(τ)", x: d.tau, y: d.gamma))
            files.append(OutputFile(stem + ".drt.svg", chart.svg()))
        }
        return files
    }

    /// The lines `lithic drt` prints: λ, R∞, L, residual, the τ grid and every peak.
    public static func drtSummary(_ r: DRTWorkflow.Result) -> String {
        let d = r.distribution
        var lines = [String(format: "%@: λ = %.3e (%@), R∞ = %.6g Ω, L = %@, rms relative residual %.3e", r.options.file, d.lambda, r.selection,
                            d.seriesResistance, d.inductanceIncluded ? String(format: "%.4g H", d.inductance) : "not in the model", d.rmsRelative),
                     String(format: "  τ grid %.4e s … %.4e s: the measured range 1/(2πf) extended by %g decade%@ on each side", d.tauRange.lower, d.tauRange.upper,
                            d.tauMarginDecades, d.tauMarginDecades == 1 ? "" : "s")]
        for p in d.peaks { lines.append(String(format: "  peak τ = %.4e s (f = %.4e Hz), R = %.5g Ω", p.tau, p.frequency, p.resistance)) }
        return lines.joined(separator: "\n")
    }
}

// MARK: - EIS of a netlist port

extension OutputWriters {
    /// `STEM.eis.csv` and with `plot` `STEM.nyquist.svg`, `STEM.bode.svg`, `STEM.phase.svg`.
    public static func eisFiles(_ r: EISWorkflow.Result, plot: Bool) -> [OutputFile] {
        let stem = fileStem(r.options.netlist)
        var files = [OutputFile(stem + ".eis.csv", FFTImpedance.csv(r.spectrum))]
        if plot {
            let (n, b, ph) = FFTImpedance.charts(r.spectrum, title: r.title)
            files += [OutputFile(stem + ".nyquist.svg", n), OutputFile(stem + ".bode.svg", b), OutputFile(stem + ".phase.svg", ph)]
        }
        return files
    }

    /// The line `lithic eis` prints, then one `warning:` line per warning of the measurement.
    public static func eisSummary(_ r: EISWorkflow.Result) -> String {
        ([String(format: "%@: %d frequencies, %d periods simulated (%.3g s of cell time) in %.3f s; max |Z_FFT − Z_AC|/|Z_AC| = %.3e",
                 r.options.netlist, r.spectrum.lines.count, r.spectrum.periods, r.spectrum.simulatedSeconds, r.seconds, r.maximumRelativeDifferenceToAC)]
         + r.spectrum.warnings.map { "warning: \($0)" }).joined(separator: "\n")
    }
}

// MARK: - Fits

extension FitWorkflow {
    static func json(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A fit as JSON: parameters with errors and 95 % intervals, correlation, statistics.
    public static func reportJSON(_ r: FitResult, source: String) -> String {
        var s = "{\n  \"source\": \(OutputWriters.jsonString(source)),\n  \"circuit\": \(OutputWriters.jsonString(r.circuit)),\n"
        s += "  \"weighting\": \"\(r.weighting.rawValue)\",\n  \"converged\": \(r.converged),\n"
        s += "  \"chi_square\": \(json(r.chiSquare)),\n  \"reduced_chi_square\": \(json(r.reducedChiSquare)),\n"
        s += "  \"rms_relative\": \(json(r.rmsRelative)),\n  \"aic\": \(json(r.aic)),\n  \"bic\": \(json(r.bic)),\n  \"evaluations\": \(r.evaluations),\n  \"starts_run\": \(r.startsRun),\n  \"fit_seconds\": \(json(r.seconds)),\n"
        s += "  \"parameters\": [\n"
        s += r.names.indices.map { k in
            "    {\"name\": \"\(r.names[k])\", \"value\": \(json(r.values[k])), \"stderr\": \(json(r.standardErrors[k])), " +
            "\"ci95\": [\(json(r.confidence95[k].0)), \(json(r.confidence95[k].1))], \"fixed\": \(r.isFixed[k])}"
        }.joined(separator: ",\n")
        s += "\n  ],\n  \"correlation\": [\n"
        s += r.correlation.map { "    [" + $0.map { json($0) }.joined(separator: ", ") + "]" }.joined(separator: ",\n")
        s += "\n  ],\n  \"warnings\": [" + r.warnings.map { OutputWriters.jsonString($0) }.joined(separator: ", ") + "]\n}\n"
        return s
    }

    /// Data, model and relative residuals per frequency, impedance.py's column order first.
    public static func reportCSV(_ r: FitResult, spectrum: Spectrum) -> String {
        var s = "frequency,z_real,z_imag,fit_real,fit_imag,residual_real_rel,residual_imag_rel\n"
        for i in 0..<spectrum.count {
            let z = spectrum.impedances[i], f = r.fitted[i], m = z.length
            s += String(format: "%.10e,%.10e,%.10e,%.10e,%.10e,%.6e,%.6e\n", spectrum.frequencies[i], z.real, z.imaginary, f.real, f.imaginary,
                        (f.real - z.real) / m, (f.imaginary - z.imaginary) / m)
        }
        return s
    }

    /// Nyquist overlay (data and model) and relative residuals against frequency, as SVG.
    public static func charts(_ r: FitResult, spectrum: Spectrum) -> (nyquist: String, residuals: String) {
        var n = LineChart(title: "Nyquist: \(URL(fileURLWithPath: spectrum.source).lastPathComponent) — \(r.circuit)", xLabel: "Z' (Ω)", yLabel: "−Z'' (Ω)")
        n.equalAspect = true
        n.series.append(.init(name: "data", x: spectrum.impedances.map(\.real), y: spectrum.impedances.map { -$0.imaginary }, markers: true))
        n.series.append(.init(name: "fit", x: r.fitted.map(\.real), y: r.fitted.map { -$0.imaginary }))
        var res = LineChart(title: "Relative residuals", xLabel: "frequency (Hz)", yLabel: "(Zfit − Z)/|Z|", logX: true)
        res.series.append(.init(name: "real", x: spectrum.frequencies, y: zip(r.fitted, spectrum.impedances).map { ($0.real - $1.real) / $1.length }, markers: true))
        res.series.append(.init(name: "imaginary", x: spectrum.frequencies, y: zip(r.fitted, spectrum.impedances).map { ($0.imaginary - $1.imaginary) / $1.length }, markers: true))
        return (n.svg(), res.svg())
    }

    /// One row per file: parameters with errors, χ², rms, AIC, BIC (CSV).
    public static func summaryCSV(_ items: [Item], names: [String]) -> String {
        var s = "file,converged,rms_relative,chi_square,reduced_chi_square,aic,bic," + names.flatMap { [$0, "\($0)_stderr"] }.joined(separator: ",")
            + ",neighbour_ratio,residual_jump,error\n"
        for it in items {
            let ratio = it.neighbourRatio.map { "\($0)" } ?? ""
            if let r = it.result {
                s += "\(it.path),\(r.converged),\(r.rmsRelative),\(r.chiSquare),\(r.reducedChiSquare),\(r.aic),\(r.bic),"
                s += r.values.indices.map { "\(r.values[$0]),\(r.standardErrors[$0])" }.joined(separator: ",") + ",\(ratio),\(it.residualJump),\n"
            } else {
                let error = (it.error ?? "failed").replacing("\"", with: "\"\"")
                s += "\(it.path),false,,,,,," + names.map { _ in ",," }.joined() + ",false,\"\(error)\"\n"
            }
        }
        return s
    }

    public static func summaryJSON(_ items: [Item]) -> String {
        "[\n" + items.map { it in
            if let r = it.result {
                var report = reportJSON(r, source: it.path)
                // The batch fields go in front of the closing brace of the file's report.
                if report.hasSuffix("\n}\n") {
                    report.removeLast(3)
                    report += ",\n  \"neighbour_ratio\": \(it.neighbourRatio.map { json($0) } ?? "null"),\n  \"residual_jump\": \(it.residualJump)\n}\n"
                }
                return report.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            }
            return "  {\"source\": \(OutputWriters.jsonString(it.path)), \"error\": \(OutputWriters.jsonString(it.error ?? ""))}"
        }.joined(separator: ",\n") + "\n]\n"
    }

    /// `STEM.fit.json`, `STEM.fit.csv` and with `plot` `STEM.nyquist.svg`, `STEM.residuals.svg`
    /// of a fitted item (none for a failed one).
    public static func files(_ item: Item, plot: Bool) -> [OutputFile] {
        guard let r = item.result, let s = item.spectrum else { return [] }
        let base = stem(item.path)
        var files = [OutputFile(base + ".fit.json", reportJSON(r, source: item.path)), OutputFile(base + ".fit.csv", reportCSV(r, spectrum: s))]
        if plot {
            let (nyquist, residuals) = charts(r, spectrum: s)
            files += [OutputFile(base + ".nyquist.svg", nyquist), OutputFile(base + ".residuals.svg", residuals)]
        }
        return files
    }

    /// The parameter table `lithic fit` prints for a single fitted spectrum. `netlist`: the
    /// shorter form of a netlist fit (no fixed flags, no reduced χ² or fit time).
    public static func summary(_ item: Item, netlist: Bool = false) -> String {
        guard let r = item.result else { return "\(item.path): \(item.error ?? "failed")" }
        var lines = ["\(item.path): \(r.circuit), \(r.weighting.rawValue) weights, \(r.converged ? "converged" : "NOT converged")"]
        for k in r.names.indices {
            let flag = !netlist && r.isFixed[k] ? " (fixed)" : ""
            lines.append(String(format: "  %-10@ = %- .6e ± %.2e   95%% CI [% .4e, % .4e]%@", r.names[k], r.values[k], r.standardErrors[k],
                                r.confidence95[k].0, r.confidence95[k].1, flag))
        }
        if netlist {
            lines.append(String(format: "  chi2 = %.6e, rms relative residual = %.4e, AIC = %.3f, BIC = %.3f", r.chiSquare, r.rmsRelative, r.aic, r.bic))
        } else {
            lines.append(String(format: "  chi2 = %.6e, reduced chi2 = %.6e, rms relative residual = %.4e, AIC = %.3f, BIC = %.3f, fit %.6f s (%d evaluations)",
                                r.chiSquare, r.reducedChiSquare, r.rmsRelative, r.aic, r.bic, r.seconds, r.evaluations))
        }
        for w in r.warnings { lines.append("  warning: \(w)") }
        return lines.joined(separator: "\n")
    }

    /// Model evaluations of a fitted item (0 without a result).
    public static func evaluations(_ item: Item) -> Int { item.result?.evaluations ?? 0 }
}

// MARK: - Spectrum files

extension ReadWorkflow {
    /// The table printed by `--list-formats` (also `lithic fit --list-formats`).
    public static func formatList() -> String {
        var s = "Spectrum file layouts (recognised from the content; any encoding with or without BOM, LF/CRLF/CR line ends):\n"
        for f in SpectrumFormat.allCases {
            s += "\n  \(f.rawValue)  —  \(f.title)  [.\(f.extensions.joined(separator: ", ."))]\n"
            s += wrap(f.layout, indent: "      ")
        }
        return s
    }

    static func wrap(_ text: String, indent: String, width: Int = 96) -> String {
        var out = "", line = indent
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width, line != indent { out += line + "\n"; line = indent }
            line += (line == indent ? "" : " ") + word
        }
        return out + line + "\n"
    }

    /// What `lithic read` prints for one file (`points`: every point with its line too).
    public static func describe(_ file: SpectrumFile, points: Bool) -> String {
        var s = "\(file.path): \(file.format.rawValue) (\(file.format.title)); \(file.encoding), line ends \(file.lineEndings); "
        s += "\(file.spectra.count) spectr\(file.spectra.count == 1 ? "um" : "a")\n"
        for (k, sp) in file.spectra.enumerated() {
            let lo = sp.frequencies.min() ?? 0, hi = sp.frequencies.max() ?? 0
            let order = sp.frequencies.count < 2 ? "" : (sp.frequencies[0] > sp.frequencies[sp.frequencies.count - 1] ? ", descending" : ", ascending")
            let label = sp.label.isEmpty ? "" : " (\(sp.label))"
            let lines = sp.lines.isEmpty ? "" : String(format: ", %@ %d–%d", file.encoding == "binary" ? "records" : "lines", sp.lines.min() ?? 0, sp.lines.max() ?? 0)
            s += String(format: "  #%d%@: %d points, %.4g Hz to %.4g Hz%@, %d inductive (Z'' > 0)%@\n", k + 1, label, sp.frequencies.count, lo, hi, order,
                        sp.inductivePoints, lines)
            for n in sp.notes { s += "      note: \(n)\n" }
            if points {
                for i in sp.frequencies.indices {
                    s += String(format: "      %.6e Hz  %.6e  %.6e  (line %d)\n", sp.frequencies[i], sp.impedances[i].real, sp.impedances[i].imaginary,
                                i < sp.lines.count ? sp.lines[i] : 0)
                }
            }
        }
        if file.spectra.count > 1 {
            s += "  (fit selects a spectrum as FILE#N; a batch `lithic fit FILE` fits each)\n"
        }
        return s.hasSuffix("\n") ? String(s.dropLast()) : s
    }
}

// MARK: - lithic run

extension OutputWriters {
    /// The per-analysis file format of `lithic run`.
    public enum RunFormat: String, Sendable, CaseIterable { case csv, raw, json }

    /// What writing a run's results produced: the paths written (in order), the text for
    /// standard output (operating point, .tf/.noise values, measures, Fourier tables), and
    /// warnings for standard error (failed `.four` requests, `.eis` warnings).
    public struct RunReport: Sendable {
        public var written: [String] = []
        public var console = ""
        public var warnings: [String] = []
    }

    /// `.save`/`.print` names that no analysis produced (a typo, or ngspice's @device[param]),
    /// as warning lines.
    public static func unmatchedSaveWarnings(_ result: NetlistRun) -> [String] {
        let produced = Set(result.outcome.plots.flatMap { $0.vectors.map(\.name) })
        guard !result.outcome.plots.isEmpty else { return [] }
        return result.savedNames().sorted().filter { $0 != "v(all)" && !produced.contains($0) }.map { name in
            let hint = name.hasPrefix("@") ? " (of ngspice's @device[…] parameters Lithic outputs only the current [i] of devices whose current follows from the solution: resistors, memristors, behavioural sources, inductors)" : ""
            return "warning: .save/.print '\(name)' matches no vector of any analysis\(hint)"
        }
    }

    /// Writes every output of a run into `directory`: one file per plot (KIND.csv/json/raw,
    /// KIND2… for repeats, KIND.partial.* for an interrupted one, which a complete result
    /// replaces), SVG charts with `plot`, the raw file at `rawPath`, fourier.json, the `.eis`
    /// spectra (eis.csv, eis2.csv, …) and measures.json.
    public static func writeRun(_ result: NetlistRun, directory: String, format: RunFormat, binary: Bool, plot: Bool, rawPath: String?) throws -> RunReport {
        var report = RunReport()
        let title = result.circuit.title
        var kindCount: [String: Int] = [:]
        let plots = result.outcome.plots.map { result.filtered($0) }
        func put(_ text: String, _ path: String) throws { try AtomicFile.write(text, to: path); report.written.append(path) }
        func put(_ data: Data, _ path: String) throws { try AtomicFile.write(data, to: path); report.written.append(path) }
        for p in plots {
            kindCount[p.kind, default: 0] += 1
            let n = kindCount[p.kind] ?? 1
            let stem = "\(directory)/\(p.kind)\(n > 1 ? "\(n)" : "")\(p.isComplete ? "" : ".partial")"
            if p.isComplete {
                // A complete result replaces what an interrupted run left.
                for ext in ["csv", "json", "raw"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(p.kind)\(n > 1 ? "\(n)" : "").partial.\(ext)") }
            }
            switch format {
            case .csv: try put(csv(p), stem + ".csv")
            case .json: try put(json(p), stem + ".json")
            case .raw: try put(RawFile.write([p], title: title, binary: binary), stem + ".raw")
            }
            if p.kind == "op" {
                report.console += "Operating point:\n"
                for v in p.vectors { report.console += "  \(v.name) = \(v.real.first ?? .nan)\n" }
            }
            if p.kind == "tf" || p.kind == "noiseint" {
                for v in p.vectors { report.console += String(format: "%@ = %e", v.name, v.real.first ?? .nan) + "\n" }
            }
            if plot {
                for (suffix, svg) in charts(p, title: title, names: result.savedNames()) { try put(svg, stem + suffix + ".svg") }
            }
        }
        if let rawPath { try put(RawFile.write(plots, title: title, binary: binary), rawPath) }
        for m in result.measures {
            if let v = m.value { report.console += "\(m.name) = \(String(format: "%.6e", v))\n" } else { report.console += "\(m.name) = failed (\(m.message ?? ""))\n" }
        }
        if !result.fourier.isEmpty {
            for f in result.fourier {
                report.console += "Fourier analysis for \(f.vector):\n"
                report.console += String(format: "  No. Harmonics: %d, THD: %g %%, Gridsize: %d, Interpolation Degree: 1\n", f.harmonics.count, f.totalHarmonicDistortion, f.gridSize) + "\n"
                report.console += "Harmonic Frequency   Magnitude   Phase       Norm. Mag   Norm. Phase\n"
                report.console += "-------- ---------   ---------   -----       ---------   -----------\n"
                for h in f.harmonics {
                    report.console += String(format: " %-7d %-11g %-11g %-11g %-11g %-11g", h.index, h.frequency, h.magnitude, h.phase, h.normalizedMagnitude, h.normalizedPhase) + "\n"
                }
                report.console += "\n"
            }
            try put(fourierJSON(result.fourier), "\(directory)/fourier.json")
        }
        for failure in result.fourierFailures { report.warnings.append("warning: \(failure)") }
        for (k, spectrum) in result.impedanceSpectra.enumerated() {
            let stem = "\(directory)/eis\(k > 0 ? "\(k + 1)" : "")"
            try put(FFTImpedance.csv(spectrum), stem + ".csv")
            if plot {
                let (n, b, ph) = FFTImpedance.charts(spectrum, title: title)
                try put(n, stem + "-nyquist.svg")
                try put(b, stem + "-bode.svg")
                try put(ph, stem + "-phase.svg")
            }
            for w in spectrum.warnings { report.warnings.append("warning: \(w)") }
        }
        if !result.measures.isEmpty { try put(measuresJSON(result.measures), "\(directory)/measures.json") }
        return report
    }

    /// The summary line of a run: unknowns, nonzeros, Newton iterations, factorisations, steps
    /// and the wall-clock time (s).
    public static func runStatistics(_ result: NetlistRun, name: String, seconds: Double) -> String {
        let s = result.outcome.statistics
        return String(format: "%@: %d unknowns, %d nonzeros, %d Newton iterations, %d factorisations (%d full), %d steps (%d rejected), %.3f s",
                      name, s.unknowns, s.nonzeros, s.newtonIterations, s.fullFactorizations + s.refactorizations, s.fullFactorizations, s.acceptedSteps, s.rejectedSteps, seconds)
    }

    /// What an interrupted run kept and how to continue it.
    public static func interruptionMessage(_ result: NetlistRun, directory: String, netlist: String, cycling: Bool, format: RunFormat) -> String {
        interruptionMessage(plots: result.outcome.plots.map { result.filtered($0) }, directory: directory, netlist: netlist, cycling: cycling, format: format.rawValue)
    }

    static func interruptionMessage(plots: [Plot], directory: String, netlist: String, cycling: Bool, format: String) -> String {
        if cycling {
            let table = plots.last { $0.kind == "cycles" }
            let done = table?.points ?? 0
            var text = "interrupted: \(done) complete cycle\(done == 1 ? "" : "s") kept in \(directory)/cycles.partial.\(format) (trace in \(directory)/cycler.partial.\(format))"
            text += done > 0
                ? "; continue from the checkpoint with: lithic run \(netlist) -o \(directory) --resume"
                : "; no cycle was complete, so there is no checkpoint: run again without --resume"
            return text
        }
        guard let partial = plots.last(where: { !$0.isComplete }) else { return "interrupted" }
        let reached = partial.vectors.first?.real.last.map { "\(Simulator.engineering($0))\(partial.kind == "tran" ? "s" : "")" } ?? "the start"
        return "interrupted at \(partial.kind == "tran" ? "t = " : "")\(reached): \(partial.points) points on the output grid kept in \(directory)/\(partial.kind).partial.\(format)"
    }
}
