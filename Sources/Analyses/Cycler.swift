import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration

/// Runs an `ExperimentProtocol` on a circuit: a `CyclerInstrument` is connected between the
/// protocol's nodes and each step is a transient segment that ends at its duration or at its
/// limit, located in time by step rejection (`SegmentControl`). Returns the trace (kind
/// `cycler`) and the per-cycle table (kind `cycles`: capacities, coulombic efficiency, energies,
/// mean voltages, retention, and every device state at the end of the cycle). On a failure the
/// cycles finished so far are kept and the error is returned beside them.
/// Where a cycling run stands after a whole number of cycles: enough to continue it later.
public struct CyclerCheckpoint: Codable, Sendable {
    /// Identifies the protocol and the circuit's unknowns; a checkpoint only resumes its own run.
    public var fingerprint: String
    public var completedCycles: Int
    /// Protocol time at the end of the last completed cycle, s.
    public var time: Double
    /// The circuit solution (all unknowns) at that time.
    public var solution: [Double]
    /// The per-cycle table rows so far and the names of its state columns.
    public var rows: [[Double]]
    public var stateNames: [String]
    public var firstDischarge: Double?
}

public enum Cycler {
    public static let instrumentName = "cycler"

    public static func run(_ experiment: ExperimentProtocol, circuit: Circuit,
                           progress: ((Double) -> Void)? = nil, resume: CyclerCheckpoint? = nil,
                           save: ((CyclerCheckpoint) -> Void)? = nil,
                           finished: (([String: Double]) -> Void)? = nil,
                           statistics: ((SolverStatistics) -> Void)? = nil) throws -> (trace: Plot, cycles: Plot, error: Error?) {
        guard let plus = circuit.nodeNames.firstIndex(of: experiment.plus) else {
            throw InputError(SourceLocation(file: "<netlist>", line: 1, column: 1), ".experiment node '\(experiment.plus)' is not in the circuit")
        }
        guard let minus = experiment.minus == "0" || experiment.minus == "gnd" ? 0 : circuit.nodeNames.firstIndex(of: experiment.minus) else {
            throw InputError(SourceLocation(file: "<netlist>", line: 1, column: 1), ".experiment node '\(experiment.minus)' is not in the circuit")
        }
        var c = circuit
        let instrument = Devices<CyclerInstrument>([CyclerInstrument(name: instrumentName, plus: plus, minus: minus)])
        c.groups.append(instrument)
        if !c.saves.isEmpty {
            // `.save` restricts outputs; the cycler still needs its own vectors.
            c.saves += ["i(\(instrumentName))", "charge(\(instrumentName))", "energy(\(instrumentName))", "v(\(experiment.plus))", "v(\(experiment.minus))"]
        }
        let system = try BoundSystem(circuit: c, copyDevices: false)
        let branch = instrument.devices[0].branch

        var trace: Plot?
        var rows: [[Double]] = []
        var stateNames: [String] = []
        var time = 0.0
        var firstDischarge: Double?
        var failure: Error?
        var started = false
        let fingerprint = experiment.steps.map(\.text).joined(separator: " | ") + " # " + system.unknownNames.joined(separator: ",")
        var firstCycle = 1
        if let r = resume {
            guard r.fingerprint == fingerprint, r.solution.count == system.x.count else {
                throw InputError(SourceLocation(file: "cycler checkpoint", line: 0, column: 0),
                                 "the checkpoint belongs to another protocol or circuit; remove it or run without --resume")
            }
            // The file may have been edited: refuse counts and values that cannot come from a run.
            guard r.completedCycles >= 0, r.completedCycles == r.rows.count, r.time.isFinite,
                  r.solution.allSatisfy(\.isFinite) else {
                throw InputError(SourceLocation(file: "cycler checkpoint", line: 0, column: 0),
                                 "the checkpoint is damaged (cycle count, time or solution values); remove it or run without --resume")
            }
            system.x = r.solution
            time = r.time; rows = r.rows; stateNames = r.stateNames; firstDischarge = r.firstDischarge
            firstCycle = r.completedCycles + 1
            started = true
        }
        func checkpoint() -> CyclerCheckpoint {
            CyclerCheckpoint(fingerprint: fingerprint, completedCycles: rows.count, time: time, solution: lastCycleSolution,
                             rows: rows, stateNames: stateNames, firstDischarge: firstDischarge)
        }
        var lastCycleSolution = system.x
        var lastSave = Date()
        cycleLoop: for cycle in firstCycle..<(max(firstCycle, experiment.cycles + 1)) {
            var qCharge = 0.0, qDischarge = 0.0, eCharge = 0.0, eDischarge = 0.0
            var lastRow: [Double] = []
            let stepsBefore = system.statistics.acceptedSteps
            for step in experiment.steps {
                switch step.control {
                case .current(let i): instrument.devices[0].mode = .current(i)
                case .voltage(let v): instrument.devices[0].mode = .voltage(v)
                case .power(let p): instrument.devices[0].mode = .power(p)
                case .rest: instrument.devices[0].mode = .rest
                }
                var control = SegmentControl(resume: started, timeOffset: time, recordEvery: experiment.recordEvery)
                switch step.limit {
                case .voltageAbove(let v)?: control.event = { x in (x[plus] - x[minus]) - v }; control.eventTolerance = 1e-4
                case .voltageBelow(let v)?: control.event = { x in v - (x[plus] - x[minus]) }; control.eventTolerance = 1e-4
                case .currentBelow(let i)?: control.event = { x in i - abs(x[branch]) }; control.eventTolerance = 1e-3 * i
                case nil: break
                }
                let duration = step.duration ?? experiment.maximumStepDuration
                let (segment, error) = system.transient(step: duration / 50, stop: duration, start: 0, maximumStep: duration / 20,
                                                        useInitialConditions: false, progress: nil, segment: control)
                started = true
                // Charge and energy of the step from the instrument's counters (states integrated
                // like every other state, so they agree with SOC bookkeeping exactly).
                if let tv = segment.vectors.first?.real,
                   let qv = segment.vectors.first(where: { $0.name == "charge(\(instrumentName))" })?.real,
                   let ev = segment.vectors.first(where: { $0.name == "energy(\(instrumentName))" })?.real,
                   let q0 = qv.first, let q1 = qv.last, let e0 = ev.first, let e1 = ev.last {
                    if q1 > q0 { qCharge += q1 - q0 } else { qDischarge += q0 - q1 }
                    if e1 > e0 { eCharge += e1 - e0 } else { eDischarge += e0 - e1 }
                    if let t = tv.last { time = t }
                    stateNames = segment.vectors.map(\.name).filter {
                        !$0.hasPrefix("v(") && !$0.hasPrefix("i(") && $0 != "time" && !$0.hasSuffix("(\(instrumentName))")
                    }
                    lastRow = stateNames.map { name in segment.vectors.first { $0.name == name }?.real.last ?? .nan }
                    // Derived device quantities (interface resistance …) at the end of the step.
                    let reported: [(String, Double)] = system.x.withUnsafeBufferPointer { xp in
                        guard let base = xp.baseAddress else { return [] }
                        return system.groups.flatMap { $0.reportedQuantities(x: base) }
                    }
                    if stateNames.count == lastRow.count { stateNames += reported.map(\.0) }
                    lastRow += reported.map(\.1)
                }
                if trace == nil {
                    trace = segment
                } else {
                    // Appended in place (a copy of the whole trace per step would be quadratic).
                    for j in segment.vectors.indices where j < (trace?.vectors.count ?? 0) {
                        trace?.vectors[j].real.append(contentsOf: segment.vectors[j].real.dropFirst())
                    }
                }
                if let error { failure = error; break cycleLoop }
            }
            if firstDischarge == nil, qDischarge > 0 { firstDischarge = qDischarge }
            let retention = firstDischarge.map { qDischarge / $0 } ?? .nan
            rows.append([Double(cycle), qCharge / 3600, qDischarge / 3600, qCharge > 0 ? qDischarge / qCharge : .nan,
                         eCharge / 3600, eDischarge / 3600, qCharge > 0 ? eCharge / qCharge : .nan,
                         qDischarge > 0 ? eDischarge / qDischarge : .nan, retention, time,
                         Double(system.statistics.acceptedSteps - stepsBefore)] + lastRow)
            progress?(Double(cycle) / Double(experiment.cycles))
            lastCycleSolution = system.x
            if let save, cycle == experiment.cycles || Date().timeIntervalSince(lastSave) >= 2 {
                save(checkpoint()); lastSave = Date()
            }
        }
        if failure != nil, let save, !rows.isEmpty { save(checkpoint()) }
        statistics?(system.statistics)
        // The device states where the protocol ended, for an analysis that continues from there.
        if failure == nil { finished?(system.stateValues.filter { !$0.key.hasPrefix(instrumentName + "#") }) }
        let columns = ["cycle", "charge_capacity_ah", "discharge_capacity_ah", "coulombic_efficiency", "charge_energy_wh",
                       "discharge_energy_wh", "mean_charge_voltage", "mean_discharge_voltage", "retention", "end_time", "time_steps"] + stateNames
        var table = Plot(name: "Cycles", kind: "cycles", vectors: columns.map { OutputVector(name: $0, type: "cycle") }, isComplex: false)
        for (j, _) in columns.enumerated() { table.vectors[j].real = rows.map { j < $0.count ? $0[j] : .nan } }
        table.isComplete = failure == nil
        var t = trace ?? Plot(name: "Cycler", kind: "cycler", vectors: [], isComplex: false)
        t.name = "Cycler"; t.kind = "cycler"; t.isComplete = failure == nil
        return (t, table, failure)
    }
}
