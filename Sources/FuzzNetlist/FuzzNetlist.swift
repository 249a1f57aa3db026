import Lithic

/// libFuzzer entry point: the netlist reader, parser, expression evaluator and elaborator must
/// never crash, trap or hang on any input; they either succeed or throw an InputError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlist(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let reader = SourceReader(readFile: { _ in nil })
    if let tree = try? { () throws -> SyntaxTree in
        var r = reader
        let (title, cards) = try r.readTopLevel(bytes: bytes, name: "fuzz.cir")
        var warnings: [Warning] = []
        _ = title
        return SyntaxTree(title: title, statements: try NetlistParser.parseCards(cards, warnings: &warnings), warnings: warnings)
    }() {
        _ = try? Elaborator.elaborate(tree)
    }
    // The expression evaluator on the raw text, too.
    let text = String(decoding: bytes, as: UTF8.self)
    if let e = try? ExpressionParser.parse(text, at: SourceLocation(file: "fuzz", line: 1, column: 1)) {
        _ = try? ExpressionCompiler.evaluate(e, scope: EmptyScope(), at: SourceLocation(file: "fuzz", line: 1, column: 1))
    }
    return 0
}
