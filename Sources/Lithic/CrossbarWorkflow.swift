import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Memristors
import Crossbar

/// Crossbar arrays as `lithic crossbar` runs them (and the Python bindings): build the array from
/// plain options (cells, wires, access devices, device-to-device variability), then read it
/// (vector-matrix multiply with IR drop), program it (write-verify, V/2 or V/3), read every cell
/// alone (sneak paths) or run a transient under a ramp–hold–reverse drive. SI units throughout:
/// Ω, S, V, s, A, W, J. Input errors are thrown as `InputError` naming the option
/// (`SourceLocation.commandLine`) or the file, line and column of a bad matrix entry.
public enum CrossbarWorkflow {
    /// What to do with the array.
    public enum Operation: String, Sendable, CaseIterable { case read, program, sneak, transient }
    /// The access device in series with every cell.
    public enum Access: String, Sendable, CaseIterable { case none, selector, t1r = "1t1r" }

    /// Every setting of a crossbar run, with `lithic crossbar`'s defaults.
    public struct Options: Sendable {
        public var rows = 64
        public var columns = 64
        /// Wire resistance per segment, row driver resistance, sense (column) resistance (Ω).
        public var wireResistance = 2.5
        public var driverResistance = 2.5
        public var senseResistance = 1e-3
        public var operation: Operation = .read
        /// A YMEMRISTOR model card as NAME=VALUE pairs (`level=10 ron=…`); nil: fixed conductances.
        public var model: String?
        /// Initial memristor state of every cell (the model's unit); nil: the model's default.
        public var initialState: Double?
        /// Conductance matrix CSV (S), or, for `program`, weights in [0, 1] mapped onto [gmin, gmax].
        public var weightsPath: String?
        /// Target conductance matrix CSV for `program` (S).
        public var targetsPath: String?
        /// Range of random conductances, and the conductances of weights 0 and 1 (S).
        public var gmin = 1e-5
        public var gmax = 1e-4
        /// Row input voltages CSV (one per row, V); nil: every row at `readVoltage`.
        public var inputsPath: String?
        /// The same three as values (row-major matrices, S or weights; inputs in V), for callers
        /// that hold arrays (the C ABI, Python); each one, when set, takes the place of its file.
        public var weights: [Double]?
        public var targets: [Double]?
        public var inputs: [Double]?
        public var readVoltage = 0.2
        public var access: Access = .none
        /// Selector threshold (V) and ON conductance (S); access transistor gate voltage (V).
        public var selectorThreshold = 0.5
        public var selectorConductance = 1e-2
        public var gateVoltage = 1.8
        /// Device-to-device variability: lognormal σ of R_on and R_off, normal σ of the selector
        /// threshold (V), fractions of cells stuck ON and OFF; cycle-to-cycle lognormal σ of each
        /// write pulse's state change.
        public var sigmaOn = 0.0
        public var sigmaOff = 0.0
        public var sigmaThreshold = 0.0
        public var sigmaCycleToCycle = 0.0
        public var stuckOn = 0.0
        public var stuckOff = 0.0
        /// Programming: scheme (`v/2` or `v/3`), SET and RESET pulse voltages (V), relative
        /// write-verify tolerance, pulses per cell and pass, passes.
        public var scheme = "v/2"
        public var setVoltage = 0.8
        public var resetVoltage = -0.8
        public var tolerance = 0.05
        public var maximumPulses = 20
        public var passes = 1
        /// Sneak reads: the unselected lines (`floating`, `grounded`, `half`) and one cell
        /// (row, column, 0-based) or every cell when nil.
        public var unselected = "floating"
        public var cell: (row: Int, column: Int)?
        public var seed: UInt64 = 1
        /// Transient: stop time and output (and largest) step (s).
        public var stopTime = 60e-6
        public var timeStep = 0.2e-6
        public init() {}
    }

    /// The array built from the options, with its inputs and transient drive; `run` uses it,
    /// `netlist` prints it.
    public struct Setup: Sendable {
        public let options: Options
        public let array: CrossbarArray
        public let memristor: MemristorModel?
        /// Row input voltages (V).
        public let inputs: [Double]
        /// Per-row transient drive (piecewise linear, see `drive(_:at:half:)`).
        public let drive: [SourceSpecification]
        var random: SplitMix64
    }

    /// A finished run: the operation's own result and the wall-clock time of the computation (s).
    public struct Result: Sendable {
        public var options: Options
        public var seconds: Double
        public var outcome: Outcome
    }

    public enum Outcome: Sendable {
        /// The read, and the cells' small-signal conductances (S, row-major).
        case read(CrossbarArray.Read, conductances: [Double])
        case program(Programming)
        case sneak(Sneak)
        /// The transient, the row inputs it ramps to (V) and the time the drive reverses (s).
        case transient(CrossbarArray.Transient, inputs: [Double], half: Double)
    }

    /// Programming and what follows from it.
    public struct Programming: Sendable {
        public var result: CrossbarArray.ProgrammingResult
        public var scheme: CrossbarArray.WriteScheme
        /// G/G* − 1 per cell at the end of the run, and its rms.
        public var errors: [Double]
        public var rmsFinalError: Double
        /// Cells written at lowered amplitude (they switched faster than the shortest pulse).
        public var loweredCells: Int
        public var minimumPulse: Double
        /// VMM with the programmed array at the inputs, against the product with the targets.
        public var vmmRmsError: Double
        public var vmmMaxError: Double
        public var vmmRead: CrossbarArray.Read
        public var convergedCells: Int { result.converged.filter { $0 }.count }
        public var meanPulses: Double { Double(result.pulses.reduce(0, +)) / Double(max(result.pulses.count, 1)) }
        public var energy: Double { result.energy.reduce(0, +) }
        public var latency: Double { result.latency.reduce(0, +) }
        public var maximumAbsoluteDisturb: Double { result.disturb.map(abs).max() ?? 0 }
        public var meanAbsoluteDisturb: Double { result.disturb.map(abs).reduce(0, +) / Double(max(result.disturb.count, 1)) }
    }

    /// Sneak-path reads of single cells.
    public struct Sneak: Sendable {
        public var unselected: CrossbarArray.Unselected
        /// The cells read (row-major indices), each one's read, and every cell's true conductance (S).
        public var cells: [Int]
        public var reads: [CrossbarArray.CellRead]
        public var trueConductances: [Double]
        public var maximumSneakFraction: Double { reads.map(\.sneakFraction).max() ?? 0 }
        public var meanSneakFraction: Double { reads.map(\.sneakFraction).reduce(0, +) / Double(max(reads.count, 1)) }
    }

    /// Read time the energy of one read is quoted for (s): `energy_j_per_100ns_read`.
    public static let readTime = 100e-9

    /// The drive of a row with input `vi` (V) at time t (s): ramp to vi in 1 µs, hold to `half`,
    /// reverse to −vi in 1 µs, hold.
    public static func drive(_ vi: Double, at t: Double, half: Double) -> Double {
        if t <= 1e-6 { return vi * t / 1e-6 }
        if t <= half { return vi }
        if t <= half + 1e-6 { return vi * (1 - 2 * (t - half) / 1e-6) }
        return -vi
    }

    /// A numeric matrix or vector file: numbers separated by commas, spaces, tabs or semicolons;
    /// blank lines and `#` comments skipped.
    public static func readMatrix(_ path: String) throws -> [Double] {
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

    /// `level=10 ron=100` (space- or comma-separated NAME=VALUE, engineering suffixes allowed).
    public static func modelParameters(_ card: String) throws -> [String: Double] {
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

    /// Checks the options and builds the array (cells, access devices, variability) and its inputs.
    public static func prepare(_ o: Options) throws -> Setup {
        let rows = o.rows, columns = o.columns
        guard rows >= 1, columns >= 1, rows * columns <= 4_200_000 else { throw InputError(.commandLine, "rows × columns must be between 1 and 4.2e6") }
        guard o.timeStep > 0, o.stopTime > o.timeStep else { throw InputError(.commandLine, "--tstep must be positive and below --tstop") }
        guard o.readVoltage != 0, o.readVoltage.isFinite else { throw InputError(.commandLine, "--vread must be finite and non-zero") }
        guard o.wireResistance >= 0, o.driverResistance >= 0, o.senseResistance > 0 else {
            throw InputError(.commandLine, "wire and driver resistances must not be negative, --rsense must be positive")
        }
        guard o.initialState.map({ $0.isFinite }) ?? true else { throw InputError(.commandLine, "--x0 must be finite") }
        guard o.sigmaCycleToCycle >= 0, o.sigmaCycleToCycle.isFinite, o.tolerance > 0, o.tolerance.isFinite else {
            throw InputError(.commandLine, "--sigma-c2c must not be negative and --tolerance must be positive")
        }
        guard o.gmin > 0, o.gmax >= o.gmin else { throw InputError(.commandLine, "--gmin must be positive and not above --gmax") }
        for (name, values) in [("weights", o.weights), ("targets", o.targets), ("inputs", o.inputs)] {
            if let values, let k = values.firstIndex(where: { !$0.isFinite }) {
                throw InputError(.commandLine, "\(name)[\(k)] is \(values[k]), not a finite number")
            }
        }
        let n = rows * columns
        var rng = SplitMix64(seed: o.seed)
        let cells: CrossbarArray.Cells
        var memristor: MemristorModel?
        if let card = o.model {
            let m = try MemristorModel.from(try modelParameters(card), at: .commandLine)
            memristor = m
            cells = .memristors(m, initialStates: [Double](repeating: o.initialState ?? m.defaultInitialState, count: n))
        } else {
            let g = try o.weights ?? o.weightsPath.map(readMatrix) ?? (0..<n).map { _ in o.gmin * pow(o.gmax / o.gmin, rng.nextUniform()) }
            guard g.count == n else { throw InputError(.commandLine, "\(g.count) conductances for a \(rows)×\(columns) array") }
            cells = .conductances(g)
        }
        var array = CrossbarArray(rows: rows, columns: columns, cells: cells)
        array.wireResistance = o.wireResistance; array.driverResistance = o.driverResistance; array.senseResistance = o.senseResistance
        switch o.access {
        case .none: break
        case .selector:
            var s = Selector(); s.threshold = o.selectorThreshold; s.onConductance = o.selectorConductance
            array.access = .selector(s)
        case .t1r:
            var t = AccessTransistor(); t.gateOn = o.gateVoltage
            array.access = .transistor(t)
        }
        var variability = Variability()
        variability.onSigma = o.sigmaOn; variability.offSigma = o.sigmaOff; variability.thresholdSigma = o.sigmaThreshold
        variability.stuckOn = o.stuckOn; variability.stuckOff = o.stuckOff; variability.seed = o.seed &+ 1
        array = try array.applying(variability)
        let v = try o.inputs ?? o.inputsPath.map(readMatrix) ?? [Double](repeating: o.readVoltage, count: rows)
        guard v.count == rows else { throw InputError(.commandLine, "\(v.count) inputs for \(rows) rows") }
        // Transient drive: ramp to the input, hold, reverse (SET then RESET for memristors).
        let half = o.stopTime / 2
        let drive = v.map { vi -> SourceSpecification in
            var s = SourceSpecification()
            s.waveform = .piecewiseLinear(times: [0, 1e-6, half, half + 1e-6, o.stopTime], values: [0, vi, vi, -vi, -vi], repeatFrom: -1, delay: 0)
            return s
        }
        return Setup(options: o, array: array, memristor: memristor, inputs: v, drive: drive, random: rng)
    }

    /// The array with its bias as a SPICE netlist: the transient drive and `.tran` for the
    /// transient operation, the read bias and `.op` otherwise.
    public static func netlist(_ s: Setup) -> String {
        let o = s.options
        if o.operation == .transient {
            return s.array.netlist(bias: .init(rows: s.drive, columns: [Double?](repeating: 0, count: o.columns), gates: [Double](repeating: o.gateVoltage, count: o.rows)),
                                   analysis: ".tran \(o.timeStep) \(o.stopTime) 0 \(o.timeStep) uic")
        }
        return s.array.netlist(bias: .read(s.inputs, columns: o.columns, gate: o.gateVoltage), analysis: ".op")
    }

    /// Runs the operation. `progress(label, fraction)` is called for programming and sneak reads.
    public static func run(_ setup: Setup, progress: ((String, Double) -> Void)? = nil) throws -> Result {
        let o = setup.options, array = setup.array, v = setup.inputs
        let n = o.rows * o.columns
        var rng = setup.random
        let began = Date()
        switch o.operation {
        case .transient:
            guard setup.memristor != nil else { throw InputError(.commandLine, "--operation transient needs memristor cells (--model)") }
            let r = try array.transient(inputs: setup.drive, step: o.timeStep, stop: o.stopTime)
            return Result(options: o, seconds: Date().timeIntervalSince(began), outcome: .transient(r, inputs: v, half: o.stopTime / 2))
        case .read:
            let r = try array.read(inputs: v)
            let seconds = Date().timeIntervalSince(began)
            return Result(options: o, seconds: seconds, outcome: .read(r, conductances: array.cellConductances()))
        case .program:
            guard setup.memristor != nil else { throw InputError(.commandLine, "--operation program needs memristor cells (--model)") }
            var goal: [Double]
            if let targets = o.targets { goal = targets }
            else if let targets = o.targetsPath { goal = try readMatrix(targets) }
            else if let weights = try o.weights ?? o.weightsPath.map(readMatrix) { goal = weights.map { o.gmin + min(max($0, 0), 1) * (o.gmax - o.gmin) } }
            else { goal = (0..<n).map { _ in o.gmin * pow(o.gmax / o.gmin, rng.nextUniform()) } }
            guard goal.count == n else { throw InputError(.commandLine, "\(goal.count) targets for a \(o.rows)×\(o.columns) array") }
            var s = CrossbarArray.ProgrammingSettings()
            guard let scheme = CrossbarArray.WriteScheme(rawValue: o.scheme.lowercased()) else { throw InputError(.commandLine, "--scheme must be v/2 or v/3") }
            s.scheme = scheme; s.setVoltage = o.setVoltage; s.resetVoltage = o.resetVoltage; s.readVoltage = o.readVoltage
            s.tolerance = o.tolerance; s.maximumPulses = o.maximumPulses; s.passes = o.passes; s.cycleToCycleSigma = o.sigmaCycleToCycle; s.seed = o.seed &+ 2
            let r = try array.program(targets: goal, settings: s, progress: progress.map { cb in { cb("program", $0) } })
            let seconds = Date().timeIntervalSince(began)
            let lowered = (0..<n).filter { r.setAmplitude[$0] < 1 || r.resetAmplitude[$0] < 1 }.count
            let errors = zip(r.final, r.targets).map { $0 / $1 - 1 }
            let rmsFinal = (errors.map { $0 * $0 }.reduce(0, +) / Double(n)).squareRoot()
            let (vmmRms, vmmMax, vmm) = try array.withStates(r.finalStates).vmmError(weights: r.targets, inputs: v)
            return Result(options: o, seconds: seconds, outcome: .program(Programming(
                result: r, scheme: scheme, errors: errors, rmsFinalError: rmsFinal, loweredCells: lowered, minimumPulse: s.minimumPulse,
                vmmRmsError: vmmRms, vmmMaxError: vmmMax, vmmRead: vmm)))
        case .sneak:
            guard let mode = CrossbarArray.Unselected(rawValue: o.unselected) else { throw InputError(.commandLine, "--unselected must be floating, grounded or half") }
            var selected = Array(0..<n)
            if let cell = o.cell {
                guard (0..<o.rows).contains(cell.row), (0..<o.columns).contains(cell.column) else {
                    throw InputError(.commandLine, "--cell must be ROW,COLUMN inside the \(o.rows)×\(o.columns) array, got '\(cell.row),\(cell.column)'")
                }
                selected = [cell.row * o.columns + cell.column]
            }
            let truth = array.cellConductances()
            var reads: [CrossbarArray.CellRead] = []
            for k in selected {
                progress?("sneak", Double(k) / Double(n))
                reads.append(try array.readCell(k, voltage: o.readVoltage, unselected: mode))
            }
            return Result(options: o, seconds: Date().timeIntervalSince(began),
                          outcome: .sneak(Sneak(unselected: mode, cells: selected, reads: reads, trueConductances: truth)))
        }
    }
}
