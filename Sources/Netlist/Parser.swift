import LithicCore

/// Turns cards into a `SyntaxTree`. Knows the syntax of dot cards; element lines are kept as
/// tokens for elaboration. Every error names file, line and column.
public struct NetlistParser {
    /// How deeply `.subckt` definitions may nest.
    public static let maximumSubcircuitNesting = 64

    public init() {}

    /// Reads and parses the netlist at `path`, following includes.
    public static func parse(path: String, reader: SourceReader = SourceReader()) throws -> SyntaxTree {
        var r = reader
        let (title, cards) = try r.readTopLevel(path: path)
        try rejectEmpty(title, cards, name: path)
        var warnings = r.warnings
        let statements = try parseCards(cards, warnings: &warnings)
        return SyntaxTree(title: title, statements: statements, warnings: warnings, osdiLibraries: r.osdiLibraries)
    }

    /// Parses netlist text (first line is the title).
    public static func parse(text: String, name: String = "<netlist>", reader: SourceReader = SourceReader()) throws -> SyntaxTree {
        var r = reader
        let (title, cards) = try r.readTopLevel(bytes: Array(text.utf8), name: name)
        try rejectEmpty(title, cards, name: name)
        var warnings = r.warnings
        let statements = try parseCards(cards, warnings: &warnings)
        return SyntaxTree(title: title, statements: statements, warnings: warnings, osdiLibraries: r.osdiLibraries)
    }

    /// A netlist with neither a title nor a card is an input error (an empty or truncated file
    /// passed by mistake), not a run that succeeds with nothing.
    static func rejectEmpty(_ title: String, _ cards: [Card], name: String) throws {
        guard title.isEmpty, cards.isEmpty else { return }
        throw InputError(SourceLocation(file: name, line: 1, column: 1), "the netlist is empty: no title line and no cards")
    }

    public static func parseCards(_ cards: [Card], warnings: inout [Warning]) throws -> [Statement] {
        // An explicit stack instead of recursion, so deep nesting cannot overflow the stack. A
        // frame is a .subckt definition or an open .if block (its finished branches, and the
        // condition and location of the branch being read).
        struct Frame {
            var def: SubcircuitDefinition?
            var body: [Statement] = []
            var branches: [ConditionalBranch]?
            var condition: ArithmeticExpression?
            var location = SourceLocation(file: "", line: 0, column: 0)
            var sawElse = false
        }
        var stack: [Frame] = [Frame(def: nil)]
        func condition(_ tokens: [Token], _ card: Card) throws -> ArithmeticExpression {
            guard tokens.count >= 2 else { throw InputError(card.location, "\(tokens[0].text) needs a condition, e.g. \(tokens[0].text) (a == 1)") }
            return try expression(tokens: tokens, from: 1, to: tokens.count, card: card)
        }
        for card in cards {
            let tokens = try card.tokens()
            guard let head = tokens.first else { continue }
            let keyword = head.text
            switch keyword {
            case ".if":
                guard stack.count <= maximumSubcircuitNesting else {
                    throw InputError(card.location, ".if blocks and .subckt definitions nested more than \(maximumSubcircuitNesting) deep")
                }
                stack.append(Frame(def: nil, branches: [], condition: try condition(tokens, card), location: card.location))
                continue
            case ".elseif", ".else", ".endif":
                guard stack.count > 1, var frame = stack.last, var branches = frame.branches else {
                    throw InputError(card.location, "\(keyword) without a matching .if")
                }
                guard !frame.sawElse || keyword == ".endif" else { throw InputError(card.location, "\(keyword) after .else") }
                branches.append(ConditionalBranch(condition: frame.condition, body: frame.body, location: frame.location))
                stack.removeLast()
                if keyword == ".endif" {
                    stack[stack.count - 1].body.append(.conditional(branches))
                } else {
                    frame.branches = branches
                    frame.body = []
                    frame.condition = keyword == ".else" ? nil : try condition(tokens, card)
                    frame.sawElse = keyword == ".else"
                    frame.location = card.location
                    stack.append(frame)
                }
                continue
            default: break
            }
            if keyword == ".subckt" {
                guard stack.count <= maximumSubcircuitNesting else {
                    throw InputError(card.location, ".subckt definitions nested more than \(maximumSubcircuitNesting) deep")
                }
                stack.append(Frame(def: try parseSubcircuitHeader(tokens, card)))
                continue
            }
            if keyword == ".ends" {
                if let open = stack.last, open.branches != nil {
                    throw InputError(card.location, ".ends inside the .if block opened at line \(open.location.line) (close it with .endif first)")
                }
                guard stack.count > 1, var def = stack.last?.def, let body = stack.last?.body else {
                    throw InputError(card.location, ".ends without a matching .subckt")
                }
                if tokens.count > 1, tokens[1].text != def.name {
                    // ngspice closes the innermost definition whatever the name says.
                    warnings.append(Warning(tokens[1].location, ".ends '\(tokens[1].text)' closes .subckt '\(def.name)' (the name is ignored, as ngspice does)"))
                }
                def.body = body
                stack.removeLast()
                stack[stack.count - 1].body.append(.subcircuit(def))
                continue
            }
            if let s = try parseStatement(tokens, card, warnings: &warnings) {
                stack[stack.count - 1].body.append(s)
            }
        }
        if stack.count > 1, let open = stack.last {
            if let def = open.def { throw InputError(def.location, ".subckt '\(def.name)' is not closed by .ends") }
            throw InputError(open.location, ".if block is not closed by .endif")
        }
        return stack[0].body
    }

    static func parseSubcircuitHeader(_ tokens: [Token], _ card: Card) throws -> SubcircuitDefinition {
        guard tokens.count >= 2, tokens[1].kind == .word else {
            throw InputError(card.location, ".subckt needs a name")
        }
        var ports: [String] = []
        var k = 2
        while k < tokens.count {
            let t = tokens[k]
            if t.kind == .word, t.text == "params:" { k += 1; break }
            if k + 1 < tokens.count, tokens[k + 1].kind == .equals { break }
            guard t.kind == .word else { throw InputError(t.location, "unexpected '\(t.text)' in .subckt port list") }
            ports.append(t.text)
            k += 1
        }
        let params = try parseAssignments(tokens, from: k, card: card)
        return SubcircuitDefinition(name: tokens[1].text, ports: ports, parameters: params, body: [], location: card.location)
    }

    /// Parses `a=expr b=expr …` starting at token `from`. A value runs until the next `name =`
    /// at parenthesis depth zero, so unbraced expressions with blanks work (`.param x = 2 * y`).
    public static func parseAssignments(_ tokens: [Token], from start: Int, card: Card, allowFlags: Bool = false) throws -> [Assignment] {
        var result: [Assignment] = []
        var k = start
        while k < tokens.count {
            let nameToken = tokens[k]
            if nameToken.kind == .comma { k += 1; continue }
            guard nameToken.kind == .word else {
                throw InputError(nameToken.location, "expected a parameter name, found '\(nameToken.text)'")
            }
            guard k + 1 < tokens.count, tokens[k + 1].kind == .equals else {
                if allowFlags {
                    result.append(Assignment(name: nameToken.text, value: nil, location: nameToken.location))
                    k += 1
                    continue
                }
                throw InputError(nameToken.location, "expected '=' after '\(nameToken.text)'")
            }
            let valueStart = k + 2
            guard valueStart < tokens.count else {
                throw InputError(tokens[k + 1].location, "missing value after '\(nameToken.text)='")
            }
            var end = valueStart
            var depth = 0
            while end < tokens.count {
                let t = tokens[end]
                if t.kind == .open { depth += 1 }
                if t.kind == .close { depth -= 1 }
                if end > valueStart, depth == 0, t.kind == .word, end + 1 < tokens.count, tokens[end + 1].kind == .equals,
                   !(end + 2 < tokens.count && tokens[end + 2].kind == .equals) {
                    // `a = 1 b = 2`: stop before `b`, unless the previous token is an operator.
                    let prev = tokens[end - 1]
                    if !(prev.kind == .word && ["+", "-", "*", "/", "?", ":", "&&", "||"].contains(where: { prev.text.hasSuffix($0) })) || prev.kind != .word {
                        break
                    }
                }
                if end > valueStart, depth == 0, t.kind == .comma { break }
                // `.options vntol=10n noacct`: a flag follows a complete value (two operands
                // side by side, no operator between them).
                if allowFlags, end > valueStart, depth == 0, t.kind == .word, tokens[end - 1].kind == .word || tokens[end - 1].kind == .quoted
                    || tokens[end - 1].kind == .braced || tokens[end - 1].kind == .close {
                    let operators = ["+", "-", "*", "/", "^", "?", ":", "&", "|", "<", ">", "=", "!", "%"]
                    let previous = tokens[end - 1].text
                    if !operators.contains(where: { previous.hasSuffix($0) }) && !operators.contains(where: { t.text.hasPrefix($0) }) {
                        break
                    }
                }
                end += 1
            }
            let value: ArithmeticExpression
            if nameToken.text == "version", end == valueStart + 1, tokens[valueStart].kind == .word,
               (try? expression(tokens: tokens, from: valueStart, to: end, card: card)) == nil {
                // BSIM model cards carry `version=3.3.0`: a label, not a number.
                value = .name(tokens[valueStart].text)
            } else {
                value = try expression(tokens: tokens, from: valueStart, to: end, card: card)
            }
            result.append(Assignment(name: nameToken.text, value: value, location: nameToken.location))
            k = end
        }
        return result
    }

    /// Parses tokens `[from, to)` as one expression, from the card's raw text.
    public static func expression(tokens: [Token], from: Int, to: Int, card: Card) throws -> ArithmeticExpression {
        if to - from == 1 { return try tokens[from].expression() }
        let startOffset = tokens[from].offset
        let last = tokens[to - 1]
        let endOffset: Int
        switch last.kind {
        case .braced, .quoted, .string: endOffset = last.offset + last.text.utf8.count + 2
        default: endOffset = last.offset + last.text.utf8.count
        }
        let utf8 = card.text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: min(startOffset, utf8.count))
        let upper = utf8.index(utf8.startIndex, offsetBy: min(max(endOffset, startOffset), utf8.count))
        let text = String(decoding: replacingQuotes(utf8[lower..<upper]), as: UTF8.self)
        return try ExpressionParser.parse(text, at: card.location(at: startOffset))
    }

    static func parseStatement(_ tokens: [Token], _ card: Card, warnings: inout [Warning]) throws -> Statement? {
        let head = tokens[0]
        guard head.text.hasPrefix(".") else {
            guard head.kind == .word else { throw InputError(head.location, "expected an element name, found '\(head.text)'") }
            return .element(ElementStatement(name: head.text, tokens: Array(tokens.dropFirst()), card: card))
        }
        switch head.text {
        case ".param", ".params":
            return .parameters(try parseAssignments(tokens, from: 1, card: card))
        case ".func":
            return .function(try parseFunction(tokens, card))
        case ".model":
            guard tokens.count >= 3, tokens[1].kind == .word, tokens[2].kind == .word else {
                throw InputError(card.location, ".model needs a name and a type")
            }
            var rest = Array(tokens.dropFirst(3))
            if let f = rest.first, f.kind == .open {
                guard let l = rest.last, l.kind == .close else { throw InputError(f.location, "unbalanced '(' in .model") }
                rest = Array(rest.dropFirst().dropLast())
            }
            let params = try parseAssignments(rest, from: 0, card: card, allowFlags: true)
            return .model(ModelStatement(name: tokens[1].text, type: tokens[2].text, parameters: params, location: card.location))
        case ".global":
            return .global(tokens.dropFirst().filter { $0.kind == .word }.map(\.text), card.location)
        case ".options", ".option", ".opt", ".opts":
            return .options(try parseAssignments(tokens, from: 1, card: card, allowFlags: true))
        case ".op":
            return .analysis(.operatingPoint(card.location))
        case ".dc":
            return .analysis(try parseDC(tokens, card))
        case ".tran":
            return .analysis(try parseTransient(tokens, card))
        case ".ac":
            let words = tokens.dropFirst().filter { $0.kind != .comma }
            guard words.count == 4, ["dec", "oct", "lin"].contains(words[words.startIndex].text) else {
                throw InputError(card.location, ".ac needs: dec|oct|lin points fstart fstop")
            }
            let w = Array(words)
            return .analysis(.ac(scale: w[0].text, points: try w[1].expression(), start: try w[2].expression(), stop: try w[3].expression(), card.location))
        case ".noise":
            // .noise v(out[,ref]) src scale points fstart fstop [points-per-summary]
            let body = Array(tokens.dropFirst())
            guard let close = body.firstIndex(where: { $0.kind == .close }) else {
                throw InputError(card.location, ".noise needs: v(out[,ref]) source dec|oct|lin points fstart fstop")
            }
            let output = try probeNames(Array(body[...close]), card)
            let rest = body[(close + 1)...].filter { $0.kind != .comma }
            guard output.count == 1, output[0].hasPrefix("v("), rest.count >= 5,
                  ["dec", "oct", "lin"].contains(rest[rest.startIndex + 1].text) else {
                throw InputError(card.location, ".noise needs: v(out[,ref]) source dec|oct|lin points fstart fstop")
            }
            let r = Array(rest)
            try checkOutputProbe(output[0], allowCurrent: false, card)
            return .analysis(.noise(output: output[0], input: r[0].text, scale: r[1].text, points: try r[2].expression(),
                                    start: try r[3].expression(), stop: try r[4].expression(), card.location))
        case ".tf":
            let names = try probeNames(Array(tokens.dropFirst()), card)
            guard names.count == 2, names[0].hasPrefix("v(") || names[0].hasPrefix("i("), !names[1].contains("(") else {
                throw InputError(card.location, ".tf needs an output and an input source: .tf v(out) vin  or  .tf i(vload) iin")
            }
            try checkOutputProbe(names[0], allowCurrent: true, card)
            return .analysis(.transferFunction(output: names[0], input: names[1], card.location))
        case ".ic", ".nodeset":
            return .initialConditions(nodeset: head.text == ".nodeset", try parseNodeValues(tokens, card))
        case ".save":
            return .save(try probeNames(Array(tokens.dropFirst()), card), card.location)
        case ".print":
            guard tokens.count >= 2 else { throw InputError(card.location, ".print needs an analysis type") }
            return .print(tokens[1].text, try probeNames(Array(tokens.dropFirst(2)), card), card.location)
        case ".measure", ".meas":
            return .measure(try parseMeasure(Array(tokens.dropFirst()), card, warnings: &warnings))
        case ".eis":
            return .impedanceSpectroscopy(try parseImpedanceSpectroscopy(Array(tokens.dropFirst()), card))
        case ".experiment":
            return .experiment(try parseExperiment(Array(tokens.dropFirst()), card))
        case ".four", ".fourier":
            return .fourier(try parseFourier(Array(tokens.dropFirst()), card))
        case ".temp":
            return .temperature(try tokens.dropFirst().filter { $0.kind != .comma }.map { try $0.expression() }, card.location)
        case ".step":
            return .step(try parseStep(Array(tokens.dropFirst()), card))
        case ".mc":
            return .monteCarlo(try parseMonteCarlo(Array(tokens.dropFirst()), card))
        case ".title":
            return nil
        case ".plot", ".probe", ".width", ".sens", ".pz", ".disto", ".sp", ".pss", ".csparam":
            warnings.append(Warning(card.location, "'\(head.text)' is not supported by Lithic and was skipped"))
            return nil
        default:
            throw InputError(head.location, "unknown control card '\(head.text)'")
        }
    }

    /// An analysis output `v(node)`, `v(node,node)` or (when allowed) `i(source)` with non-empty names.
    static func checkOutputProbe(_ probe: String, allowCurrent: Bool, _ card: Card) throws {
        let inner = probe.dropFirst(2).dropLast()
        let names = inner.split(separator: ",", omittingEmptySubsequences: false)
        let ok = probe.hasSuffix(")") && !names.isEmpty && names.allSatisfy { !$0.trimmingSpaces().isEmpty } &&
            (probe.hasPrefix("v(") ? names.count <= 2 : (allowCurrent && probe.hasPrefix("i(") && names.count == 1))
        guard ok else {
            throw InputError(card.location, "expected an output \(allowCurrent ? "v(node), v(node,node) or i(source)" : "v(node) or v(node,node)"), got '\(probe)'")
        }
    }

    static func parseFunction(_ tokens: [Token], _ card: Card) throws -> FunctionDefinition {
        guard tokens.count >= 4, tokens[1].kind == .word, tokens[2].kind == .open else {
            throw InputError(card.location, ".func needs: name(args) {body}")
        }
        var params: [String] = []
        var k = 3
        while k < tokens.count, tokens[k].kind != .close {
            if tokens[k].kind == .word { params.append(tokens[k].text) }
            else if tokens[k].kind != .comma { throw InputError(tokens[k].location, "unexpected '\(tokens[k].text)' in .func arguments") }
            k += 1
        }
        guard k < tokens.count else { throw InputError(card.location, "unclosed '(' in .func") }
        k += 1
        if k < tokens.count, tokens[k].kind == .equals { k += 1 }
        guard k < tokens.count else { throw InputError(card.location, ".func '\(tokens[1].text)' has no body") }
        let body = try expression(tokens: tokens, from: k, to: tokens.count, card: card)
        return FunctionDefinition(name: tokens[1].text, function: UserFunction(parameters: params, body: body), location: card.location)
    }

    static func parseDC(_ tokens: [Token], _ card: Card) throws -> AnalysisStatement {
        let w = tokens.dropFirst().filter { $0.kind != .comma }
        let words = Array(w)
        guard words.count == 4 || words.count == 8 else {
            throw InputError(card.location, ".dc needs: source start stop step [source2 start2 stop2 step2]")
        }
        var sweeps: [(source: String, start: ArithmeticExpression, stop: ArithmeticExpression, step: ArithmeticExpression)] = []
        for s in stride(from: 0, to: words.count, by: 4) {
            sweeps.append((words[s].text, try words[s + 1].expression(), try words[s + 2].expression(), try words[s + 3].expression()))
        }
        return .dcSweep(sweeps, card.location)
    }

    static func parseTransient(_ tokens: [Token], _ card: Card) throws -> AnalysisStatement {
        var words = tokens.dropFirst().filter { $0.kind != .comma }
        var uic = false
        if let l = words.last, l.text == "uic" { uic = true; words.removeLast() }
        guard words.count >= 2, words.count <= 4 else {
            throw InputError(card.location, ".tran needs: tstep tstop [tstart [tmax]] [uic]")
        }
        let w = Array(words)
        return .transient(step: try w[0].expression(), stop: try w[1].expression(),
                          start: w.count > 2 ? try w[2].expression() : nil,
                          maximumStep: w.count > 3 ? try w[3].expression() : nil,
                          useInitialConditions: uic, card.location)
    }

    /// `v(node)=value` lists for `.ic` and `.nodeset`.
    static func parseNodeValues(_ tokens: [Token], _ card: Card) throws -> [(node: String, value: ArithmeticExpression, location: SourceLocation)] {
        var result: [(String, ArithmeticExpression, SourceLocation)] = []
        var k = 1
        while k < tokens.count {
            guard k + 4 < tokens.count, tokens[k].text == "v", tokens[k + 1].kind == .open, tokens[k + 2].kind == .word,
                  tokens[k + 3].kind == .close, tokens[k + 4].kind == .equals, k + 5 < tokens.count else {
                throw InputError(tokens[k].location, "expected v(node)=value")
            }
            result.append((tokens[k + 2].text, try tokens[k + 5].expression(), tokens[k].location))
            k += 6
        }
        return result
    }

    /// Output names for `.save`/`.print`: `v(a)`, `v(a,b)`, `i(v1)`, bare node names.
    public static func probeNames(_ tokens: [Token], _ card: Card) throws -> [String] {
        var names: [String] = []
        var k = 0
        while k < tokens.count {
            let t = tokens[k]
            if t.kind == .word, k + 1 < tokens.count, tokens[k + 1].kind == .open {
                var j = k + 2
                var inner: [String] = []
                while j < tokens.count, tokens[j].kind != .close {
                    if tokens[j].kind == .word { inner.append(tokens[j].text) }
                    j += 1
                }
                guard j < tokens.count else { throw InputError(t.location, "unclosed '(' in output name") }
                names.append("\(t.text)(\(inner.joined(separator: ",")))")
                k = j + 1
            } else {
                if t.kind == .word { names.append(t.text) }
                k += 1
            }
        }
        return names
    }
}

extension String {
    /// ArithmeticExpression text with `'…'` quotes turned into parentheses.
    func replacingQuotes() -> String {
        String(decoding: Netlist.replacingQuotes(utf8[...]), as: UTF8.self)
    }
}

/// UTF-8 expression text with `'…'` quotes turned into parentheses (opening, closing, opening, …).
func replacingQuotes(_ text: Substring.UTF8View) -> [UInt8] {
    var open = true
    return text.map { byte in
        guard byte == 39 else { return byte }
        defer { open.toggle() }
        return open ? 40 : 41
    }
}
