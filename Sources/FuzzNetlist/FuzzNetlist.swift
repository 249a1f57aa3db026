import Lithic

/// libFuzzer entry point: the netlist reader, parser, expression evaluator and elaborator, the
/// impedance-spectrum readers and the circuit-string parser must never crash, trap or hang on any
/// input; they either succeed or throw an InputError.
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
        if let circuit = try? Elaborator.elaborate(tree, catalog: .standard) {
            for (tokens, card) in circuit.experiments { _ = try? ExperimentProtocol.parse(tokens, card: card) }
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
