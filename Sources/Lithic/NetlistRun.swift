import FoundationEssentials
import Glibc
import LithicCore
import Netlist
import Elaboration
import Analyses

/// What `lithic run` does, as a library call: parse, elaborate, simulate, measure.
public struct NetlistRun {
    /// The netlist's title line.
    public var title: String
    public var circuit: Circuit
    public var outcome: Simulator.Outcome
    public var measures: [MeasureResult]
    /// Results of `.eis` cards, in order.
    public var impedanceSpectra: [FFTImpedance.Result] = []
    /// Results of `.four` cards (one per vector), and the requests that could not be computed.
    public var fourier: [FourierResult] = []
    public var fourierFailures: [String] = []

    /// The device catalog `lithic` uses: basic SPICE elements plus every registered extension.
    public static var standardCatalog: DeviceCatalog { DeviceCatalog.standard }

    /// Parses and elaborates; throws `InputError` for bad input.
    /// - Parameter parameters: values replacing top-level `.param` definitions (`--param name=value`).
    public static func prepare(path: String, catalog: DeviceCatalog = standardCatalog, parameters: [String: Double] = [:]) throws -> (SyntaxTree, Circuit) {
        let tree = try NetlistParser.parse(path: path)
        var circuit = try Elaborator.elaborate(tree, catalog: try Self.catalog(catalog, loading: tree), overrides: parameters)
        noteUnrunSweeps(tree, &circuit)
        return (tree, circuit)
    }

    /// `.step` and `.mc` cards are run by `lithic run` (`SweepWorkflow`) only; a caller that
    /// simulates the parsed circuit once (`lithic eis`, `lithic fit --netlist`, the C ABI) runs
    /// the nominal point, and says so.
    static func noteUnrunSweeps(_ tree: SyntaxTree, _ circuit: inout Circuit) {
        for s in tree.statements {
            switch s {
            case .step(let card): circuit.warnings.append(Warning(card.location, "this command runs the nominal circuit only: `.step` sweeps are run by `lithic run`; results ignore this card"))
            case .monteCarlo(let card): circuit.warnings.append(Warning(card.location, "this command runs the nominal circuit only: `.mc` Monte Carlo runs are made by `lithic run`; results ignore this card"))
            default: continue
            }
        }
    }

    public static func prepare(text: String, name: String = "<netlist>", catalog: DeviceCatalog = standardCatalog) throws -> (SyntaxTree, Circuit) {
        let tree = try NetlistParser.parse(text: text, name: name)
        var circuit = try Elaborator.elaborate(tree, catalog: try Self.catalog(catalog, loading: tree))
        noteUnrunSweeps(tree, &circuit)
        return (tree, circuit)
    }

    /// Runs a prepared circuit. Simulation failures are in `outcome.failure`.
    /// Runs a prepared circuit (the syntax tree is not needed any more and can be freed).
    /// - Parameters:
    ///   - checkpointStem: when given, each `.experiment` saves its progress to
    ///     `<stem>.checkpoint.json` (`<stem>2…` for later cards) every few seconds and at the end.
    ///   - resume: continue each `.experiment` from its checkpoint when one exists.
    public static func simulate(circuit: Circuit, progress: ((String, Double) -> Void)? = nil,
                                checkpointStem: String? = nil, resume: Bool = false) throws -> NetlistRun {
        var sim = Simulator(circuit: circuit)
        sim.progress = progress
        var outcome = try sim.run()
        var afterExperiment: [String: Double]?
        if outcome.failure == nil {
            for (index, experiment) in circuit.experiments.enumerated() {
                let path = checkpointStem.map { "\($0)\(index > 0 ? "\(index + 1)" : "").checkpoint.json" }
                var saved: CyclerCheckpoint?
                if resume, let path, FileManager.default.fileExists(atPath: path) {
                    do {
                        let decoder = JSONDecoder()
                        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                        saved = try decoder.decode(CyclerCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                    } catch {
                        throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read the cycler checkpoint: \(describeFileError(error))")
                    }
                }
                let save: ((CyclerCheckpoint) -> Void)? = path.map { p in { checkpoint in
                    let encoder = JSONEncoder()
                    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                    if let data = try? encoder.encode(checkpoint) { try? AtomicFile.write(data, to: p) }
                } }
                // Protocols run one after another on the same cell, as on a real cycler: each
                // continues from the device states the previous one left.
                var cell = circuit
                if let states = afterExperiment { cell.stateOverrides = states }
                let (trace, cycles, error) = try Cycler.run(experiment, circuit: cell, progress: progress.map { p in Self.cycleProgress(p, cycles: experiment.cycles) },
                                                            resume: saved, save: save, finished: { afterExperiment = $0 },
                                                            statistics: { outcome.statistics.merge($0) })
                outcome.plots.append(trace)
                outcome.plots.append(cycles)
                if let error { outcome.failure = error; break }
            }
        }
        let measures = try MeasureEvaluator.evaluate(circuit.measures, plots: outcome.plots, parameters: circuit.parameters)
        var run = NetlistRun(title: circuit.title, circuit: circuit, outcome: outcome, measures: measures)
        // Fourier analysis of the (last) transient, as ngspice's `.four`.
        let transient = outcome.plots.last { $0.kind == "tran" }
        for request in circuit.fourier {
            for name in request.vectors {
                guard let plot = transient else {
                    run.fourierFailures.append("\(request.location): .four \(name): no transient analysis to take it from"); continue
                }
                do { run.fourier.append(try FourierAnalysis.analyse(plot, vector: name, fundamental: request.frequency)) }
                catch let e as SimulationError { run.fourierFailures.append("\(request.location): \(e.message)") }
            }
        }
        if outcome.failure == nil {
            for request in circuit.impedanceSpectroscopy {
                let settings = FFTImpedance.Settings(request)
                var measured = circuit
                switch settings.start {
                case .op: break
                case .tran:
                    // Elaboration checked that the netlist has a .tran.
                    measured.stateOverrides = outcome.finalStates
                case .experiment:
                    // Elaboration checked that the netlist has an .experiment; all of them ran.
                    guard let states = afterExperiment else { throw InputError(request.location, ".eis after=experiment needs an .experiment card in the netlist") }
                    measured.stateOverrides = states
                }
                do {
                    run.impedanceSpectra.append(try FFTImpedance.run(circuit: measured, plus: request.plus, minus: request.minus, settings: settings))
                } catch let error as InputError {
                    throw error
                } catch {
                    // A measurement that fails (the cell will not converge at that state) keeps
                    // the cycling and analyses before it; the run reports the failure.
                    run.outcome.failure = error
                    break
                }
            }
        }
        return run
    }

    /// The device states an `.eis … after=tran|experiment` measurement starts from: the netlist's
    /// analyses (for `tran`, the end of its last `.tran`) or its `.experiment` protocols are run
    /// first. Used by `lithic eis --after`; `lithic run` reuses the states of its own run.
    public static func startingStates(circuit: Circuit, after start: FFTImpedance.Start,
                                      progress: ((String, Double) -> Void)? = nil) throws -> [String: Double] {
        switch start {
        case .op:
            return [:]
        case .tran:
            var transientOnly = circuit
            transientOnly.analyses = circuit.analyses.filter { if case .transient = $0.0 { return true } else { return false } }
            guard !transientOnly.analyses.isEmpty else { throw InputError(.commandLine, "--after tran needs a .tran analysis in the netlist") }
            var sim = Simulator(circuit: transientOnly)
            sim.progress = progress
            let outcome = try sim.run()
            if let f = outcome.failure { throw f }
            return outcome.finalStates
        case .experiment:
            guard !circuit.experiments.isEmpty else { throw InputError(.commandLine, "--after experiment needs an .experiment card in the netlist") }
            var states: [String: Double] = [:]
            for experiment in circuit.experiments {
                var c = circuit
                c.stateOverrides = states
                let (_, _, error) = try Cycler.run(experiment, circuit: c, progress: progress.map { p in Self.cycleProgress(p, cycles: experiment.cycles) },
                                                   finished: { states = $0 })
                if let error { throw error }
            }
            return states
        }
    }

    /// The cycler's progress (cycles done over cycles) as the line a user reads: `cycle 3 of 10`.
    static func cycleProgress(_ report: @escaping (String, Double) -> Void, cycles: Int) -> (Double) -> Void {
        { fraction in
            let done = Int((fraction * Double(cycles)).rounded())
            report("cycle \(done) of \(cycles) done", fraction)
        }
    }

    /// Convenience for tests: text in, run out; throws the simulation failure if any.
    public static func run(text: String, name: String = "<netlist>") throws -> NetlistRun {
        let (_, circuit) = try prepare(text: text, name: name)
        let r = try simulate(circuit: circuit)
        if let f = r.outcome.failure { throw f }
        return r
    }

    /// Vectors to write: `.save`/`.print` names when given, else all.
    public func savedNames() -> Set<String> { circuit.savedVectorNames }

    /// The plot with only saved vectors kept (the scale always stays).
    public func filtered(_ plot: Plot) -> Plot {
        let names = savedNames()
        guard !names.isEmpty else { return plot }
        var p = plot
        p.vectors = plot.vectors.enumerated().filter { $0.offset == 0 || names.contains($0.element.name) }.map(\.element)
        return p
    }
}
