import LithicCore

/// Prints a `SyntaxTree` back as netlist text that parses to the same tree (the language is a
/// parser *and* a printer, as in Gnucap). Expressions are printed fully parenthesised in braces.
public enum NetlistPrinter {
    public static func print(_ tree: SyntaxTree) -> String {
        var out = tree.title + "\n"
        for s in tree.statements { print(s, into: &out) }
        out += ".end\n"
        return out
    }

    static func value(_ e: ArithmeticExpression?) -> String {
        guard let e else { return "" }
        if case .number(let v) = e { return "\(v)" }
        return "{\(e)}"
    }

    static func assignments(_ list: [Assignment]) -> String {
        list.map { a in a.value.map { "\(a.name)=\(value($0))" } ?? a.name }.joined(separator: " ")
    }

    static func token(_ t: Token) -> String {
        switch t.kind {
        case .braced: return "{\(t.text)}"
        case .quoted: return "'\(t.text)'"
        case .string: return "\"\(t.text)\""
        default: return t.text
        }
    }

    static func print(_ s: Statement, into out: inout String) {
        switch s {
        case .element(let e):
            out += ([e.name] + e.tokens.map(token)).joined(separator: " ") + "\n"
        case .subcircuit(let d):
            out += ".subckt \(d.name) \(d.ports.joined(separator: " "))"
            if !d.parameters.isEmpty { out += " params: " + assignments(d.parameters) }
            out += "\n"
            for b in d.body { print(b, into: &out) }
            out += ".ends \(d.name)\n"
        case .model(let m):
            out += ".model \(m.name) \(m.type) (\(assignments(m.parameters)))\n"
        case .conditional(let branches):
            for (k, b) in branches.enumerated() {
                if let c = b.condition { out += (k == 0 ? ".if" : ".elseif") + " {\(c)}\n" } else { out += ".else\n" }
                for s in b.body { print(s, into: &out) }
            }
            out += ".endif\n"
        case .parameters(let list):
            out += ".param " + assignments(list) + "\n"
        case .function(let f):
            out += ".func \(f.name)(\(f.function.parameters.joined(separator: ", "))) {\(f.function.body)}\n"
        case .global(let names, _):
            out += ".global " + names.joined(separator: " ") + "\n"
        case .options(let list):
            out += ".options " + assignments(list) + "\n"
        case .analysis(let a):
            switch a {
            case .operatingPoint: out += ".op\n"
            case .dcSweep(let sweeps, _):
                out += ".dc " + sweeps.map { "\($0.source) \(value($0.start)) \(value($0.stop)) \(value($0.step))" }.joined(separator: " ") + "\n"
            case .transient(let step, let stop, let start, let tmax, let uic, _):
                var parts = [value(step), value(stop)]
                if let start { parts.append(value(start)) }
                if let tmax { if start == nil { parts.append("0") }; parts.append(value(tmax)) }
                if uic { parts.append("uic") }
                out += ".tran " + parts.joined(separator: " ") + "\n"
            case .ac(let scale, let n, let f0, let f1, _):
                out += ".ac \(scale) \(value(n)) \(value(f0)) \(value(f1))\n"
            case .transferFunction(let output, let input, _):
                out += ".tf \(output) \(input)\n"
            case .noise(let output, let input, let scale, let n, let f0, let f1, _):
                out += ".noise \(output) \(input) \(scale) \(value(n)) \(value(f0)) \(value(f1))\n"
            }
        case .initialConditions(let nodeset, let list):
            out += (nodeset ? ".nodeset " : ".ic ") + list.map { "v(\($0.node))=\(value($0.value))" }.joined(separator: " ") + "\n"
        case .save(let names, _):
            out += ".save " + names.joined(separator: " ") + "\n"
        case .print(let kind, let names, _):
            out += ".print \(kind) " + names.joined(separator: " ") + "\n"
        case .measure(let m):
            out += ".meas " + m.tokens.map(token).joined(separator: " ") + "\n"
        case .impedanceSpectroscopy(let e):
            out += ".eis " + e.tokens.map(token).joined(separator: " ") + "\n"
        case .experiment(let e):
            out += ".experiment " + e.tokens.map(token).joined(separator: " ") + "\n"
        case .fourier(let f):
            out += ".four " + f.tokens.map(token).joined(separator: " ") + "\n"
        case .temperature(let ts, _):
            out += ".temp " + ts.map { value($0) }.joined(separator: " ") + "\n"
        case .step(let s):
            out += ".step " + s.tokens.map(token).joined(separator: " ") + "\n"
        case .monteCarlo(let m):
            out += ".mc " + m.tokens.map(token).joined(separator: " ") + "\n"
        }
    }
}
