import ComplexModule
import RealModule
import Impedance
import LithicCore

/// A node of an equivalent circuit.
public indirect enum CircuitNode: Sendable, Equatable {
    case element(ElementKind, name: String)
    case series([CircuitNode])
    case parallel([CircuitNode])
}

/// An equivalent circuit parsed from an impedance.py string (`R0-p(R1,CPE1)-Wo1`) or a Boukamp
/// CDC (`R(RQ)Wo`); both become the same tree. Parameters are numbered depth-first in the order
/// the elements are written, each element's in impedance.py's order, so a subtree owns a
/// contiguous range of parameters.
public struct EquivalentCircuit: Sendable, CustomStringConvertible {
    public let root: CircuitNode
    /// Parameter names as impedance.py writes them: `R0`, `CPE1_0`, `CPE1_1`, …
    public let parameterNames: [String]
    /// Per parameter: element kind and index within the element.
    public let parameterInfo: [(kind: ElementKind, index: Int, element: String)]
    /// Flattened evaluation program (post-order), built once.
    let program: [Step]

    enum Step: Sendable {
        /// Evaluate an element: its first parameter index and its number of parameters.
        case element(ElementKind, first: Int, count: Int)
        /// Combine the last `count` results (covering parameters `first..<end`) in series or parallel.
        case combine(parallel: Bool, count: Int)
    }

    public init(parsing text: String) throws {
        let root = try CircuitStringParser.parse(text)
        var names: [String] = []
        var info: [(ElementKind, Int, String)] = []
        var program: [Step] = []
        func walk(_ n: CircuitNode) {
            switch n {
            case .element(let kind, let name):
                program.append(.element(kind, first: names.count, count: kind.parameterNames.count))
                let pn = kind.parameterNames
                for k in 0..<pn.count {
                    names.append(pn.count == 1 ? name : "\(name)_\(k)")
                    info.append((kind, k, name))
                }
            case .series(let items), .parallel(let items):
                for i in items { walk(i) }
                if case .parallel = n { program.append(.combine(parallel: true, count: items.count)) }
                else { program.append(.combine(parallel: false, count: items.count)) }
            }
        }
        walk(root)
        self.root = root
        self.parameterNames = names
        self.parameterInfo = info
        self.program = program
        for n in Set(info.map(\.2)) {
            let count = info.filter { $0.2 == n }.count
            if let kind = info.first(where: { $0.2 == n })?.0, count != kind.parameterNames.count {
                throw InputError(.commandLine, "element name '\(n)' is used more than once in circuit '\(text)'")
            }
        }
    }

    public var description: String { Self.format(root) }

    static func format(_ n: CircuitNode) -> String {
        switch n {
        case .element(_, let name): return name
        case .series(let items): return items.map(format).joined(separator: "-")
        case .parallel(let items): return "p(" + items.map(format).joined(separator: ",") + ")"
        }
    }

    /// Z(ω) and ∂Z/∂p for every parameter. `gradient` must have room for all parameters.
    public func impedance(omega: Double, parameters p: [Double], gradient: UnsafeMutablePointer<Complex<Double>>) -> Complex<Double> {
        p.withUnsafeBufferPointer { impedance(omega: omega, parameters: $0, gradient: gradient) }
    }

    /// Z(ω) and ∂Z/∂p from parameters in a buffer (the fit's inner loop: no array traffic).
    func impedance(omega: Double, parameters pp: UnsafeBufferPointer<Double>, gradient: UnsafeMutablePointer<Complex<Double>>) -> Complex<Double> {
        guard pp.count >= parameterNames.count, !parameterNames.isEmpty, let parameterBase = pp.baseAddress else { return Complex(.nan, .nan) }
        // A value stack of (Z, first parameter, end parameter), on the machine stack.
        return withUnsafeTemporaryAllocation(of: (Complex<Double>, Int, Int).self, capacity: max(program.count, 1)) { stack in
                var top = 0
                for step in program {
                    switch step {
                    case .element(let kind, let first, let count):
                        let z = kind.impedance(omega: omega, parameters: parameterBase + first)
                        for k in 0..<count { gradient[first + k] = z.derivative(k) }
                        stack[top] = (z.value, first, first + count)
                        top += 1
                    case .combine(let parallel, let count):
                        let base = top - count
                        let first = stack[base].1, end = stack[top - 1].2
                        if !parallel {
                            var z = Complex<Double>.zero
                            for i in base..<top { z += stack[i].0 }
                            stack[base] = (z, first, end)
                        } else {
                            // Branch admittances kept in place of the impedances while combining.
                            var y = Complex<Double>.zero
                            for i in base..<top {
                                stack[i].0 = Complex<Double>.one / stack[i].0
                                y += stack[i].0
                            }
                            let z = Complex<Double>.one / y
                            // dZ/dZ_i = (Z/Z_i)² = (Z·Y_i)².
                            for i in base..<top {
                                let r = z * stack[i].0
                                let factor = r * r
                                for k in stack[i].1..<stack[i].2 { gradient[k] = gradient[k] * factor }
                            }
                            stack[base] = (z, first, end)
                        }
                        top = base + 1
                    }
                }
                return top > 0 ? stack[top - 1].0 : .zero
            }
    }

    /// Z(f) at each frequency (Hz), without derivatives.
    public func impedance(frequencies: [Double], parameters: [Double]) -> [Complex<Double>] {
        var g = [Complex<Double>](repeating: .zero, count: max(parameters.count, 1))
        return g.withUnsafeMutableBufferPointer { gp in
            frequencies.map { impedance(omega: 2 * Double.pi * $0, parameters: parameters, gradient: gp.baseAddress!) }
        }
    }
}

/// Parses circuit strings in impedance.py's syntax (`-` series, `p(a,b)` parallel, numbered
/// elements) or Boukamp's CDC (juxtaposition in series, `(…)` parallel, `[…]` series, `Q` for a
/// CPE, elements numbered automatically).
public enum CircuitStringParser {
    public static func parse(_ text: String) throws -> CircuitNode {
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty else { throw InputError(.commandLine, "empty circuit string") }
        let impedancePy = trimmed.contains("-") || trimmed.contains("p(") || trimmed.contains(",") || trimmed.contains(where: \.isNumber)
        if impedancePy {
            var p = ImpedancePyParser(chars: Array(trimmed), source: text)
            let node = try p.series(depth: 0)
            guard p.position == p.chars.count else { throw p.error("unexpected '\(p.chars[p.position])'") }
            return node
        }
        var p = CDCParser(chars: Array(trimmed), source: text)
        let node = try p.sequence(parallel: false, closing: nil, depth: 0)
        return node
    }

    static func kind(of name: String) -> ElementKind? {
        let letters = String(name.prefix { $0.isLetter })
        if letters == "Q" { return .CPE }
        return ElementKind(rawValue: letters) ?? ElementKind.allCases.first { $0.rawValue.lowercased() == letters.lowercased() }
    }

    struct ImpedancePyParser {
        let chars: [Character]
        var position = 0
        let source: String
        init(chars: [Character], source: String) { self.chars = chars; self.source = source }

        func error(_ m: String) -> InputError {
            InputError(SourceLocation(file: "circuit '\(source)'", line: 1, column: position + 1), m)
        }

        mutating func series(depth: Int) throws -> CircuitNode {
            guard depth < 100 else { throw error("circuit nested too deeply") }
            var items = [try term(depth: depth)]
            while position < chars.count, chars[position] == "-" {
                position += 1
                items.append(try term(depth: depth))
            }
            return items.count == 1 ? items[0] : .series(items)
        }

        mutating func term(depth: Int) throws -> CircuitNode {
            guard position < chars.count else { throw error("expected an element or p(…)") }
            if chars[position] == "p", position + 1 < chars.count, chars[position + 1] == "(" {
                position += 2
                var items = [try series(depth: depth + 1)]
                while position < chars.count, chars[position] == "," {
                    position += 1
                    items.append(try series(depth: depth + 1))
                }
                guard position < chars.count, chars[position] == ")" else { throw error("expected ')' closing p(") }
                position += 1
                guard items.count >= 2 else { throw error("p(…) needs at least two branches") }
                return .parallel(items)
            }
            let start = position
            while position < chars.count, chars[position].isLetter || chars[position].isNumber || chars[position] == "_" { position += 1 }
            guard position > start else { throw error("expected an element name, found '\(chars[position])'") }
            let name = String(chars[start..<position])
            guard let kind = CircuitStringParser.kind(of: name) else {
                throw error("unknown element '\(name)' (known: \(ElementKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .element(kind, name: name)
        }
    }

    struct CDCParser {
        let chars: [Character]
        var position = 0
        let source: String
        var counters: [ElementKind: Int] = [:]
        init(chars: [Character], source: String) { self.chars = chars; self.source = source }

        func error(_ m: String) -> InputError {
            InputError(SourceLocation(file: "circuit '\(source)'", line: 1, column: position + 1), m)
        }

        mutating func sequence(parallel: Bool, closing: Character?, depth: Int) throws -> CircuitNode {
            guard depth < 100 else { throw error("circuit nested too deeply") }
            var items: [CircuitNode] = []
            var closed = closing == nil
            while position < chars.count {
                let c = chars[position]
                if let closing, c == closing { position += 1; closed = true; break }
                if c == "(" { position += 1; items.append(try sequence(parallel: true, closing: ")", depth: depth + 1)); continue }
                if c == "[" { position += 1; items.append(try sequence(parallel: false, closing: "]", depth: depth + 1)); continue }
                guard c.isUppercase else { throw error("unexpected '\(c)' in CDC string") }
                let start = position
                position += 1
                while position < chars.count, chars[position].isLowercase { position += 1 }
                let code = String(chars[start..<position])
                guard let kind = CircuitStringParser.kind(of: code) else { throw error("unknown CDC element '\(code)'") }
                let n = counters[kind, default: 0]
                counters[kind] = n + 1
                items.append(.element(kind, name: "\(kind.rawValue)\(n)"))
            }
            guard closed else { throw error("unclosed '\(closing.map(String.init) ?? "")' group") }
            guard !items.isEmpty else { throw error("empty group") }
            if items.count == 1 { return items[0] }
            return parallel ? .parallel(items) : .series(items)
        }
    }
}
