import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic

struct CrossbarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossbar",
        abstract: "Crossbar arrays: read / vector-matrix multiply with IR drop, write-verify programming (V/2, V/3), sneak-path reads.",
        discussion: """
        Cells are fixed conductances (--weights or random in [gmin, gmax]) or memristors (--model 'level=10 …', the
        .model card of YMEMRISTOR). Each cell may have a selector (--access selector) or an access transistor
        (--access 1t1r). --operation read applies --inputs (or --vread on every row) and compares the column currents
        with the ideal product; program writes --targets (or --weights mapped onto [--gmin, --gmax]) cell by cell with
        write-verify pulses; sneak reads every cell alone with the unselected lines --unselected; transient ramps every
        row to its input, holds, and reverses it (memristor cells), writing the column currents over time.
        """)

    enum Operation: String, ExpressibleByArgument, CaseIterable { case read, program, sneak, transient }
    enum Access: String, ExpressibleByArgument, CaseIterable { case none, selector, t1r = "1t1r" }

    @Option(help: "Rows (word lines).") var rows: Int = 64
    @Option(help: "Columns (bit lines).") var columns: Int = 64
    @Option(help: "Wire resistance per segment (Ω).") var rwire = Quantity(2.5)
    @Option(help: "Row driver resistance (Ω).") var rdriver = Quantity(2.5)
    @Option(help: "Sense (column) resistance (Ω).") var rsense = Quantity(1e-3)
    @Option(help: "What to do: read, program, sneak or transient.") var operation: Operation = .read
    @Option(help: "Memristor model card, e.g. 'level=10' (YMEMRISTOR parameters); default fixed conductances.") var model: String?
    @Option(help: "Initial memristor state of every cell (the model's unit); default the model's.") var x0: Double?
    @Option(help: "Conductance matrix CSV (rows × columns, S; for program: weights in [0, 1] when --gmin/--gmax map them).") var weights: String?
    @Option(help: "Target conductance matrix CSV for --operation program (S).") var targets: String?
    @Option(help: "Lowest random conductance, or the conductance of weight 0 (S).") var gmin = Quantity(1e-5)
    @Option(help: "Highest random conductance, or the conductance of weight 1 (S).") var gmax = Quantity(1e-4)
    @Option(help: "Row input voltages CSV (one per row); default all --vread.") var inputs: String?
    @Option(help: "Read voltage (V).") var vread = Quantity(0.2)
    @Option(help: "Access device per cell: none, selector or 1t1r.") var access: Access = .none
    @Option(help: "Selector threshold (V).") var vth = Quantity(0.5)
    @Option(help: "Selector ON conductance (S).") var gsel = Quantity(1e-2)
    @Option(help: "Access transistor gate voltage when selected (V).") var vgate = Quantity(1.8)
    @Option(help: "Lognormal σ of R_on (or of the conductance).") var sigmaOn: Double = 0
    @Option(help: "Lognormal σ of R_off.") var sigmaOff: Double = 0
    @Option(help: "Normal σ of the selector threshold (V).") var sigmaVth: Double = 0
    @Option(help: "Cycle-to-cycle lognormal σ of each write pulse's state change.") var sigmaC2c: Double = 0
    @Option(help: "Fraction of cells stuck ON.") var stuckOn: Double = 0
    @Option(help: "Fraction of cells stuck OFF.") var stuckOff: Double = 0
    @Option(help: "Write scheme: v/2 or v/3.") var scheme: String = "v/2"
    @Option(help: "SET pulse voltage (V).") var vset = Quantity(0.8)
    @Option(help: "RESET pulse voltage (V, negative; write --vreset=-0.8).") var vreset = Quantity(-0.8)
    @Option(help: "Write-verify tolerance (relative).") var tolerance: Double = 0.05
    @Option(help: "Maximum pulses per cell and pass.") var maxPulses: Int = 20
    @Option(help: "Programming passes (later passes re-verify and repair disturbed cells).") var passes: Int = 1
    @Option(help: "Unselected lines in a sneak read: floating, grounded or half.") var unselected: String = "floating"
    @Option(help: "Sneak read of one cell only: ROW,COLUMN (0-based); default every cell.") var cell: String?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Transient: stop time (s); each row ramps to its input in 1 µs, holds to half the time, then reverses.") var tstop = Quantity(60e-6)
    @Option(help: "Transient: output step and largest time step (s).") var tstep = Quantity(0.2e-6)
    @Option(help: "Write the array (with the read bias) as a SPICE netlist here.") var emit: String?
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "crossbar.out"
    @Flag(help: "Write SVG plots (heatmaps; for transient, the drive and column currents and the I–V loop).") var plot = false
    @Flag(help: "No progress on stderr.") var quiet = false

    func readMatrix(_ path: String) throws -> [Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read '\(path)'")
        }
        var out: [Double] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingSpaces()
            if t.isEmpty || t.hasPrefix("#") { continue }
            for (c, field) in t.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" }).enumerated() {
                guard let v = Double(field), v.isFinite else {
                    throw InputError(SourceLocation(file: path, line: n + 1, column: c + 1), "'\(field)' is not a finite number")
                }
                out.append(v)
            }
        }
        return out
    }

    func modelParameters(_ card: String) throws -> [String: Double] {
        var p: [String: Double] = [:]
        for part in card.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let v = SINumber.parse(kv[1]), v.isFinite else {
                throw InputError(.commandLine, "--model: '\(part)' is not NAME=VALUE")
            }
            p[kv[0].lowercased()] = v
        }
        return p
    }

    func json(_ pairs: [(String, Any)]) -> String {
        func value(_ v: Any) -> String {
            switch v {
            case let d as Double: return d.isFinite ? String(format: "%.6e", d) : "null"
            case let i as Int: return "\(i)"
            case let s as String: return "\"\(s)\""
            case let b as Bool: return b ? "true" : "false"
            default: return "null"
            }
        }
        return "{\n" + pairs.map { "  \"\($0.0)\": \(value($0.1))" }.joined(separator: ",\n") + "\n}\n"
    }

    /// The drive of a row with input `vi` at time t: ramp to vi in 1 µs, hold to half the run, reverse.
    static func drive(_ vi: Double, at t: Double, half: Double) -> Double {
        if t <= 1e-6 { return vi * t / 1e-6 }
        if t <= half { return vi }
        if t <= half + 1e-6 { return vi * (1 - 2 * (t - half) / 1e-6) }
        return -vi
    }

    /// `transient.svg` (row drive and column currents against time) and `iv.svg` (each plotted
    /// column's current against the first row's drive: the array's hysteresis loop).
    func writeTransientCharts(_ r: CrossbarArray.Transient, inputs v: [Double], half: Double) throws {
        let (divisor, unit) = TimeAxis.unit(forSpan: r.time.last ?? 0)
        let scaleDivisor = divisor == 1 ? ((r.time.last ?? 0) < 1e-3 ? 1e-6 : (r.time.last ?? 0) < 1 ? 1e-3 : 1) : divisor
        let scaleUnit = divisor == 1 ? (scaleDivisor == 1e-6 ? "µs" : scaleDivisor == 1e-3 ? "ms" : "s") : unit
        let t = r.time.map { $0 / scaleDivisor }
        // Up to eight columns, spread over the array.
        let shown = columns <= 8 ? Array(0..<columns) : (0..<8).map { $0 * (columns - 1) / 7 }
        var drive = LineChart(title: "row drive", xLabel: "", yLabel: "voltage (V)")
        for i in (rows <= 4 ? Array(0..<rows) : [0, rows - 1]) {
            drive.series.append(.init(name: "row \(i)", x: t, y: r.time.map { Self.drive(v[i], at: $0, half: half) }))
        }
        var currents = LineChart(title: "column currents", xLabel: "time (\(scaleUnit))", yLabel: "current (A)")
        for j in shown where j < r.currents.count { currents.series.append(.init(name: "column \(j)", x: t, y: r.currents[j])) }
        let range = (t.first ?? 0)...(t.last ?? 1)
        if range.upperBound > range.lowerBound { drive.xRange = range; currents.xRange = range }
        try AtomicFile.write(ChartStack(title: "Crossbar \(rows)×\(columns) transient", panels: [drive, currents]).svg(), to: "\(output)/transient.svg")
        var loop = LineChart(title: "Crossbar \(rows)×\(columns): column current against the row-0 drive", xLabel: "row 0 drive (V)", yLabel: "column current (A)")
        let x = r.time.map { Self.drive(v[0], at: $0, half: half) }
        for j in shown where j < r.currents.count { loop.series.append(.init(name: "column \(j)", x: x, y: r.currents[j])) }
        try AtomicFile.write(loop.svg(), to: "\(output)/iv.svg")
    }

    func run() throws {
        guard rows >= 1, columns >= 1, rows * columns <= 4_200_000 else { throw InputError(.commandLine, "rows × columns must be between 1 and 4.2e6") }
        guard tstep.value > 0, tstop.value > tstep.value else { throw InputError(.commandLine, "--tstep must be positive and below --tstop") }
        guard vread.value != 0, vread.value.isFinite else { throw InputError(.commandLine, "--vread must be finite and non-zero") }
        guard rwire.value >= 0, rdriver.value >= 0, rsense.value > 0 else { throw InputError(.commandLine, "wire and driver resistances must not be negative, --rsense must be positive") }
        guard x0.map({ $0.isFinite }) ?? true else { throw InputError(.commandLine, "--x0 must be finite") }
        guard sigmaC2c >= 0, sigmaC2c.isFinite, tolerance > 0, tolerance.isFinite else {
            throw InputError(.commandLine, "--sigma-c2c must not be negative and --tolerance must be positive")
        }
        guard gmin.value > 0, gmax.value >= gmin.value else { throw InputError(.commandLine, "--gmin must be positive and not above --gmax") }
        let n = rows * columns
        var rng = SplitMix64(seed: seed)
        // Cells.
        let cells: CrossbarArray.Cells
        var memristor: MemristorModel?
        if let card = model {
            let m = try MemristorModel.from(try modelParameters(card), at: .commandLine)
            memristor = m
            cells = .memristors(m, initialStates: [Double](repeating: x0 ?? m.defaultInitialState, count: n))
        } else {
            let g = try weights.map(readMatrix) ?? (0..<n).map { _ in gmin.value * pow(gmax.value / gmin.value, rng.nextUniform()) }
            guard g.count == n else { throw InputError(.commandLine, "\(g.count) conductances for a \(rows)×\(columns) array") }
            cells = .conductances(g)
        }
        var array = CrossbarArray(rows: rows, columns: columns, cells: cells)
        array.wireResistance = rwire.value; array.driverResistance = rdriver.value; array.senseResistance = rsense.value
        switch access {
        case .none: break
        case .selector:
            var s = Selector(); s.threshold = vth.value; s.onConductance = gsel.value
            array.access = .selector(s)
        case .t1r:
            var t = AccessTransistor(); t.gateOn = vgate.value
            array.access = .transistor(t)
        }
        var variability = Variability()
        variability.onSigma = sigmaOn; variability.offSigma = sigmaOff; variability.thresholdSigma = sigmaVth
        variability.stuckOn = stuckOn; variability.stuckOff = stuckOff; variability.seed = seed &+ 1
        array = try array.applying(variability)
        let v = try inputs.map(readMatrix) ?? [Double](repeating: vread.value, count: rows)
        guard v.count == rows else { throw InputError(.commandLine, "\(v.count) inputs for \(rows) rows") }
        // Transient drive: ramp to the input, hold, reverse (SET then RESET for memristors).
        let half = tstop.value / 2
        let drive = v.map { vi -> SourceSpecification in
            var s = SourceSpecification()
            s.waveform = .piecewiseLinear(times: [0, 1e-6, half, half + 1e-6, tstop.value], values: [0, vi, vi, -vi, -vi], repeatFrom: -1, delay: 0)
            return s
        }
        if let emit {
            let text: String
            if operation == .transient {
                text = array.netlist(bias: .init(rows: drive, columns: [Double?](repeating: 0, count: columns), gates: [Double](repeating: vgate.value, count: rows)),
                                     analysis: ".tran \(tstep.value) \(tstop.value) 0 \(tstep.value) uic")
            } else {
                text = array.netlist(bias: .read(v, columns: columns, gate: vgate.value), analysis: ".op")
            }
            try AtomicFile.write(text, to: emit)
        }
        let began = Date()
        let reporter = ProgressReporter(quiet: quiet).callback()
        switch operation {
        case .transient:
            guard memristor != nil else { throw InputError(.commandLine, "--operation transient needs memristor cells (--model)") }
            let r = try array.transient(inputs: drive, step: tstep.value, stop: tstop.value)
            let seconds = Date().timeIntervalSince(began)
            var csv = "time," + (0..<columns).map { "i_col\($0)" }.joined(separator: ",") + "\n"
            for k in r.time.indices { csv += "\(r.time[k])," + (0..<columns).map { "\(r.currents[$0][k])" }.joined(separator: ",") + "\n" }
            try AtomicFile.write(csv, to: "\(output)/currents.csv")
            if plot { try writeTransientCharts(r, inputs: v, half: half) }
            try AtomicFile.write(json([("operation", "transient"), ("rows", rows), ("columns", columns), ("unknowns", r.statistics.unknowns),
                                       ("time_steps", r.statistics.acceptedSteps), ("rejected_steps", r.statistics.rejectedSteps),
                                       ("newton_iterations", r.statistics.newtonIterations), ("factorizations", r.statistics.fullFactorizations),
                                       ("refactorizations", r.statistics.refactorizations), ("krylov_solves", r.statistics.krylovSolves),
                                       ("krylov_iterations", r.statistics.krylovIterations), ("krylov_failures", r.statistics.krylovFailures),
                                       ("seconds", seconds)]),
                                 to: "\(output)/metrics.json")
            print(String(format: "crossbar %d×%d transient (%d unknowns): %d steps (%d rejected) in %.3f s", rows, columns, r.statistics.unknowns,
                         r.statistics.acceptedSteps, r.statistics.rejectedSteps, seconds))
        case .read:
            let r = try array.read(inputs: v)
            let seconds = Date().timeIntervalSince(began)
            var csv = "column,current,ideal,relative_error\n"
            for j in 0..<columns { csv += "\(j),\(r.currents[j]),\(r.ideal[j]),\(r.relativeError[j])\n" }
            try AtomicFile.write(csv, to: "\(output)/currents.csv")
            let readTime = 100e-9
            try AtomicFile.write(json([("operation", "read"), ("rows", rows), ("columns", columns), ("unknowns", r.statistics.unknowns),
                                       ("rms_relative_error", r.rmsRelativeError), ("max_relative_error", r.relativeError.map(abs).max() ?? 0),
                                       ("worst_cell_voltage_ratio", r.cellVoltageRatio.min() ?? 1), ("power_w", r.power),
                                       ("energy_j_per_100ns_read", r.power * readTime), ("seconds", seconds)]), to: "\(output)/metrics.json")
            if plot {
                try AtomicFile.write(Heatmap(title: "Conductance", rows: rows, columns: columns, values: array.cellConductances(), label: "G (S)").svg(), to: "\(output)/conductance.svg")
                try AtomicFile.write(Heatmap(title: "Cell voltage / applied (IR drop)", rows: rows, columns: columns, values: r.cellVoltageRatio, label: "ratio").svg(), to: "\(output)/ir-drop.svg")
            }
            print(String(format: "crossbar %d×%d (%d unknowns): read in %.3f s; VMM error rms %.3e, max %.3e of the largest column; worst cell sees %.2f%% of its input; %.3e W",
                         rows, columns, r.statistics.unknowns, seconds, r.rmsRelativeError, r.relativeError.map(abs).max() ?? 0, (r.cellVoltageRatio.min() ?? 1) * 100, r.power))
        case .program:
            guard memristor != nil else { throw InputError(.commandLine, "--operation program needs memristor cells (--model)") }
            var goal: [Double]
            if let targets { goal = try readMatrix(targets) }
            else if let weights { goal = try readMatrix(weights).map { gmin.value + min(max($0, 0), 1) * (gmax.value - gmin.value) } }
            else { goal = (0..<n).map { _ in gmin.value * pow(gmax.value / gmin.value, rng.nextUniform()) } }
            guard goal.count == n else { throw InputError(.commandLine, "\(goal.count) targets for a \(rows)×\(columns) array") }
            var s = CrossbarArray.ProgrammingSettings()
            guard let sch = CrossbarArray.WriteScheme(rawValue: scheme.lowercased()) else { throw InputError(.commandLine, "--scheme must be v/2 or v/3") }
            s.scheme = sch; s.setVoltage = vset.value; s.resetVoltage = vreset.value; s.readVoltage = vread.value
            s.tolerance = tolerance; s.maximumPulses = maxPulses; s.passes = passes; s.cycleToCycleSigma = sigmaC2c; s.seed = seed &+ 2
            let r = try array.program(targets: goal, settings: s, progress: reporter.map { cb in { cb("program", $0) } })
            let seconds = Date().timeIntervalSince(began)
            var csv = "row,column,target,verified,final,pulses,converged,disturb,energy_j,latency_s,set_amplitude,reset_amplitude\n"
            for k in 0..<n {
                csv += "\(k / columns),\(k % columns),\(r.targets[k]),\(r.verified[k]),\(r.final[k]),\(r.pulses[k]),\(r.converged[k]),\(r.disturb[k]),\(r.energy[k]),\(r.latency[k]),\(r.setAmplitude[k]),\(r.resetAmplitude[k])\n"
            }
            let lowered = (0..<n).filter { r.setAmplitude[$0] < 1 || r.resetAmplitude[$0] < 1 }.count
            try AtomicFile.write(csv, to: "\(output)/cells.csv")
            let errors = zip(r.final, r.targets).map { $0 / $1 - 1 }
            let rmsFinal = (errors.map { $0 * $0 }.reduce(0, +) / Double(n)).squareRoot()
            // VMM with the programmed array at --inputs / --vread, against the product with the targets.
            let (vmmRms, vmmMax, vmm) = try array.withStates(r.finalStates).vmmError(weights: r.targets, inputs: v)
            try AtomicFile.write(json([("operation", "program"), ("scheme", sch.rawValue), ("rows", rows), ("columns", columns),
                                       ("converged_cells", r.converged.filter { $0 }.count), ("mean_pulses", Double(r.pulses.reduce(0, +)) / Double(n)),
                                       ("max_pulses", r.pulses.max() ?? 0), ("rms_final_error", rmsFinal),
                                       ("max_abs_disturb", r.disturb.map(abs).max() ?? 0), ("mean_abs_disturb", r.disturb.map(abs).reduce(0, +) / Double(n)),
                                       ("energy_j", r.energy.reduce(0, +)), ("latency_s", r.latency.reduce(0, +)),
                                       ("vmm_rms_error", vmmRms), ("vmm_max_error", vmmMax),
                                       ("cells_with_lowered_amplitude", lowered),
                                       ("operating_points", r.operatingPoints), ("seconds", seconds)]), to: "\(output)/metrics.json")
            if plot {
                try AtomicFile.write(Heatmap(title: "Target conductance", rows: rows, columns: columns, values: r.targets, label: "G* (S)").svg(), to: "\(output)/targets.svg")
                try AtomicFile.write(Heatmap(title: "Programmed conductance (end of run)", rows: rows, columns: columns, values: r.final, label: "G (S)").svg(), to: "\(output)/conductance.svg")
                try AtomicFile.write(Heatmap(title: "Error G/G* − 1 (end of run)", rows: rows, columns: columns, values: errors, label: "error").svg(), to: "\(output)/error.svg")
                try AtomicFile.write(Heatmap(title: "Half-select disturb", rows: rows, columns: columns, values: r.disturb, label: "ΔG/G").svg(), to: "\(output)/disturb.svg")
                try AtomicFile.write(Heatmap(title: "Cell voltage / applied (IR drop) in the VMM", rows: rows, columns: columns, values: vmm.cellVoltageRatio, label: "ratio").svg(), to: "\(output)/ir-drop.svg")
            }
            print(String(format: "crossbar %d×%d programmed (%@) in %.2f s: %d/%d cells within %.0f%%, %.2f pulses per cell; end-of-run error rms %.3e, disturb max %.3e; %.3e J, %.3e s; VMM error rms %.3e",
                         rows, columns, sch.rawValue, seconds, r.converged.filter { $0 }.count, n, tolerance * 100, Double(r.pulses.reduce(0, +)) / Double(n),
                         rmsFinal, r.disturb.map(abs).max() ?? 0, r.energy.reduce(0, +), r.latency.reduce(0, +), vmmRms))
            if lowered > 0 {
                print("  \(lowered) cells switched faster than the shortest pulse (\(s.minimumPulse) s) and were written at lowered amplitude (set_amplitude, reset_amplitude in cells.csv)")
            }
        case .sneak:
            guard let mode = CrossbarArray.Unselected(rawValue: unselected) else { throw InputError(.commandLine, "--unselected must be floating, grounded or half") }
            var csv = "row,column,true_conductance,apparent_conductance,cell_current,column_current,sneak_fraction\n"
            let truth = array.cellConductances()
            var fractions: [Double] = []
            var apparent: [Double] = []
            var selected = Array(0..<n)
            if let cell {
                let parts = cell.split(separator: ",").compactMap { Int($0.trimmingSpaces()) }
                guard parts.count == 2, (0..<rows).contains(parts[0]), (0..<columns).contains(parts[1]) else {
                    throw InputError(.commandLine, "--cell must be ROW,COLUMN inside the \(rows)×\(columns) array, got '\(cell)'")
                }
                selected = [parts[0] * columns + parts[1]]
            }
            for k in selected {
                reporter?("sneak", Double(k) / Double(n))
                let r = try array.readCell(k, voltage: vread.value, unselected: mode)
                fractions.append(r.sneakFraction); apparent.append(r.apparentConductance)
                csv += "\(k / columns),\(k % columns),\(truth[k]),\(r.apparentConductance),\(r.cellCurrent),\(r.columnCurrent),\(r.sneakFraction)\n"
            }
            try AtomicFile.write(csv, to: "\(output)/cells.csv")
            let seconds = Date().timeIntervalSince(began)
            let first = selected[0]
            try AtomicFile.write(json([("operation", "sneak"), ("unselected", mode.rawValue), ("rows", rows), ("columns", columns), ("cells_read", selected.count),
                                       ("max_sneak_fraction", fractions.max() ?? 0), ("mean_sneak_fraction", fractions.reduce(0, +) / Double(fractions.count)),
                                       ("first_cell_true_conductance", truth[first]), ("first_cell_apparent_conductance", apparent[0]),
                                       ("seconds", seconds)]), to: "\(output)/metrics.json")
            if plot && selected.count == n {
                try AtomicFile.write(Heatmap(title: "Sneak share of the column current", rows: rows, columns: columns, values: fractions, label: "fraction").svg(), to: "\(output)/sneak.svg")
                try AtomicFile.write(Heatmap(title: "Apparent conductance", rows: rows, columns: columns, values: apparent, label: "G (S)").svg(), to: "\(output)/apparent.svg")
            }
            print(String(format: "crossbar %d×%d sneak reads of %d cells (%@ lines) in %.2f s: sneak share max %.3f, mean %.3f; cell %d: true %.3e S, read %.3e S", rows, columns,
                         selected.count, mode.rawValue, seconds, fractions.max() ?? 0, fractions.reduce(0, +) / Double(fractions.count), first, truth[first], apparent[0]))
        }
    }
}
