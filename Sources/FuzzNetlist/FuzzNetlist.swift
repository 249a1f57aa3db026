import Dispatch
import Lithic
import LithicCore
import Netlist
import Elaboration
import Analyses
import Spectroscopy
import Fitting

/// libFuzzer entry point: the netlist reader, parser, expression evaluator and elaborator, the
/// impedance-spectrum readers and the circuit-string parser must never crash, trap or hang on any
/// input; they either succeed or throw an InputError. Circuits that elaborate are also simulated
/// (shortened analyses), so device models and the solver see fuzzed values too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlist(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let reader = SourceReader(readFile: { _ in nil })
    if let tree = try? { () throws -> SyntaxTree in
        var r = reader
        let (title, cards) = try r.readTopLevel(bytes: bytes, name: "fuzz.cir")
        var warnings: [Warning] = []
        _ = title
        return SyntaxTree(title: title, statements: try NetlistParser.parseCards(cards, warnings: &warnings), warnings: warnings)
    }() {
        if var circuit = try? Elaborator.elaborate(tree, catalog: .standard) {
            simulateBriefly(&circuit)
        }
    }
    // Cycler step text on its own.
    if text.count < 300 {
        _ = try? ExperimentProtocol.parseStep(text, capacity: 1, at: SourceLocation(file: "fuzz", line: 1, column: 1))
    }
    // The expression evaluator on the raw text, too.
    if let e = try? ExpressionParser.parse(text, at: SourceLocation(file: "fuzz", line: 1, column: 1)) {
        _ = try? ExpressionCompiler.evaluate(e, scope: EmptyScope(), at: SourceLocation(file: "fuzz", line: 1, column: 1))
    }
    // Spectrum readers, in each format's framing, and circuit strings.
    _ = try? SpectrumReader.read(bytes: bytes, name: "fuzz.csv")
    _ = try? SpectrumReader.read(bytes: Array("EC-Lab ASCII FILE\nNb header lines : 3\n".utf8) + bytes, name: "fuzz.mpt")
    _ = try? SpectrumReader.read(bytes: Array("EXPLAIN\nZCURVE\tTABLE\n".utf8) + bytes, name: "fuzz.DTA")
    _ = try? SpectrumReader.read(bytes: Array("ZPLOT2 ASCII\nEnd Comments\n".utf8) + bytes, name: "fuzz.z")
    if text.count < 200, let c = try? EquivalentCircuit(parsing: text) {
        _ = c.impedance(frequencies: [1, 1000], parameters: c.parameterNames.map { _ in 0.5 })
    }
    return 0
}

/// Runs the analyses of a fuzzed circuit, shortened so one input stays well under a second:
/// device models, Newton, KLU, AC, .tf and .noise see whatever values the fuzzer wrote. They
/// may fail (a SimulationError) but must never crash or trap.
func simulateBriefly(_ circuit: inout Circuit) {
    guard circuit.nodeNames.count <= 60 else { return }
    circuit.options.itl1 = min(circuit.options.itl1, 100)
    circuit.options.itl2 = min(circuit.options.itl2, 50)
    circuit.options.itl4 = min(circuit.options.itl4, 10)
    circuit.analyses = circuit.analyses.prefix(3).compactMap { analysis, location in
        switch analysis {
        case .operatingPoint, .transferFunction:
            return (analysis, location)
        case .ac(let f):
            return (.ac(frequencies: Array(f.prefix(3))), location)
        case .noise(let output, let input, let f):
            return (.noise(output: output, input: input, frequencies: Array(f.prefix(3))), location)
        case .dcSweep(let sweeps):
            return (.dcSweep(sweeps.prefix(2).map { ($0.source, Array($0.values.prefix(4))) }), location)
        case .transient(let step, let stop, let start, _, let uic):
            guard step > 0, step.isFinite, stop.isFinite else { return nil }
            let shortened = min(stop, 20 * step)
            // As the elaborator requires: 0 ≤ tstart < tstop.
            return (.transient(step: step, stop: shortened, start: start < shortened ? start : 0, maximumStep: step, useInitialConditions: uic), location)
        }
    }
    // A short transient can still hold millions of source corners (a 100 µs PULSE in a run the
    // netlist asked to last 30 hours): such a run is legitimate work, not a hang, so it is
    // interrupted after a second (the path Ctrl-C takes) instead of timing the fuzzer out.
    FuzzDeadline.generation &+= 1
    let generation = FuzzDeadline.generation
    Interruption.requested = 0
    DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
        if FuzzDeadline.generation == generation { Interruption.requested = 1 }
    }
    _ = try? Simulator(circuit: circuit).run()
    FuzzDeadline.generation &+= 1
    Interruption.requested = 0
}

/// The input whose simulation the pending one-second interruption belongs to.
enum FuzzDeadline {
    nonisolated(unsafe) static var generation = 0
}
