import FoundationEssentials
import Glibc
import LithicCore
import Elaboration

/// Runs every analysis of an elaborated circuit in netlist order and collects the plots.
public struct Simulator {
    public let circuit: Circuit
    /// Called with (analysis kind, fraction done) for progress display.
    public var progress: ((String, Double) -> Void)?

    public init(circuit: Circuit) { self.circuit = circuit }

    /// All plots produced, the solver statistics, and the first failure (later analyses are not
    /// run after a failure; plots computed so far, including a partial one, are kept).
    public struct Outcome {
        public var plots: [Plot]
        public var statistics: SolverStatistics
        public var failure: Error?
        /// Device states at the end of the last transient (unknown name → value), for analyses
        /// that continue from there (`.eis … after=tran`).
        public var finalStates: [String: Double] = [:]
    }

    public func run() throws -> Outcome {
        var plots: [Plot] = []
        var stats = SolverStatistics()
        var finalStates: [String: Double] = [:]
        for (analysis, location) in circuit.analyses {
            // Each analysis gets a freshly bound system, so device state from one never leaks
            // into another (a DC sweep leaves sources at their last value, for instance).
            let system: BoundSystem
            do {
                system = try BoundSystem(circuit: circuit, copyDevices: circuit.analyses.count > 1)
            } catch let e as SimulationError {
                throw e
            } catch {
                throw SimulationError(analysis: "setup", point: "", message: "\(error)")
            }
            do {
                switch analysis {
                case .operatingPoint:
                    try system.operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "op", point: "")
                    var plot = Plot(name: "Operating Point", kind: "op", vectors: [], isComplex: false)
                    for o in system.outputVectors() {
                        plot.vectors.append(OutputVector(name: o.name, type: o.type, real: [system.x[o.index]]))
                    }
                    let currents = system.deviceCurrentOutputs()
                    for (o, value) in zip(currents, system.deviceCurrents(currents)) {
                        plot.vectors.append(OutputVector(name: o.name, type: "current", real: [value]))
                    }
                    plots.append(plot)
                case .dcSweep(let sweeps):
                    plots.append(try system.dcSweep(sweeps, progress: progress.map { p in { p("dc", $0) } }))
                case .transient(let step, let stop, let start, let tmax, let uic):
                    let (plot, error) = system.transient(step: step, stop: stop, start: start, maximumStep: tmax,
                                                         useInitialConditions: uic, progress: progress.map { p in { fraction in
                        // What a user reads on the progress line: simulated time and steps so far.
                        let t = start + fraction * (stop - start)
                        p("tran \(Self.engineering(t))s of \(Self.engineering(stop))s, \(system.statistics.acceptedSteps) steps", fraction)
                    } })
                    plots.append(plot)
                    finalStates = system.stateValues
                    if let error {
                        stats.merge(system.statistics)
                        return Outcome(plots: plots, statistics: stats, failure: error)
                    }
                case .noise(let output, let input, let frequencies):
                    try system.operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "noise", point: "operating point")
                    plots.append(contentsOf: try system.noise(output: output, input: input, frequencies: frequencies))
                case .transferFunction(let output, let input):
                    try system.operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "tf", point: "operating point")
                    plots.append(try system.transferFunction(output: output, input: input))
                case .ac(let frequencies):
                    try system.operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "ac", point: "operating point")
                    plots.append(try system.ac(frequencies: frequencies, progress: progress.map { p in { p("ac", $0) } }))
                }
            } catch {
                stats.merge(system.statistics)
                return Outcome(plots: plots, statistics: stats, failure: error)
            }
            stats.merge(system.statistics)
            _ = location
        }
        var outcome = Outcome(plots: plots, statistics: stats, failure: nil)
        outcome.finalStates = finalStates
        return outcome
    }
}

extension Simulator {
    /// `1.25 m`, `3 µ`, `12 k`: a value with an SI prefix and three significant digits.
    public static func engineering(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return v == 0 ? "0 " : "\(v) " }
        let prefixes: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]
        for (scale, p) in prefixes where abs(v) >= scale * 0.9995 { return String(format: "%.3g ", v / scale) + p }
        return String(format: "%.3g ", v)
    }
}

extension SolverStatistics {
    /// Adds another system's counters (unknowns and nonzeros: the larger).
    public mutating func merge(_ o: SolverStatistics) {
        newtonIterations += o.newtonIterations
        acceptedSteps += o.acceptedSteps
        rejectedSteps += o.rejectedSteps
        fullFactorizations += o.fullFactorizations
        refactorizations += o.refactorizations
        krylovSolves += o.krylovSolves
        krylovIterations += o.krylovIterations
        krylovFailures += o.krylovFailures
        unknowns = max(unknowns, o.unknowns)
        nonzeros = max(nonzeros, o.nonzeros)
    }
}
