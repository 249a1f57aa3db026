/// Recursive-descent parser for `ArithmeticExpression`, with a nesting limit so that hostile input
/// (thousands of parentheses) is an input error, never a stack overflow.
public struct ExpressionParser {
    /// Deepest nesting of parentheses, calls and operators accepted.
    public static let maximumDepth = 200

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    private let origin: SourceLocation

    /// Parses `text` completely. `origin` is where `text` starts in its file; errors point at the
    /// exact column.
    public static func parse(_ text: String, at origin: SourceLocation) throws -> ArithmeticExpression {
        var parser = ExpressionParser(bytes: Array(text.utf8), origin: origin)
        parser.skipSpace()
        guard parser.position < parser.bytes.count else {
            throw InputError(origin, "empty expression")
        }
        let e = try parser.parseTernary()
        parser.skipSpace()
        if parser.position < parser.bytes.count {
            throw parser.error("unexpected '\(parser.currentCharacter)' in expression")
        }
        return e
    }

    init(bytes: [UInt8], origin: SourceLocation) {
        self.bytes = bytes
        self.origin = origin
    }

    private var currentCharacter: String {
        position < bytes.count ? String(decoding: [bytes[position]], as: UTF8.self) : "end of expression"
    }

    private func error(_ message: String) -> InputError {
        var loc = origin
        loc.column += position
        return InputError(loc, message)
    }

    private mutating func skipSpace() {
        while position < bytes.count, bytes[position] == 32 || bytes[position] == 9 || bytes[position] == 10 || bytes[position] == 13 {
            position += 1
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8 {
        position + offset < bytes.count ? bytes[position + offset] : 0
    }

    /// Consumes `s` (an ASCII operator) after blanks if it comes next.
    private mutating func accept(_ s: StaticString) -> Bool {
        skipSpace()
        let u = s.utf8Start, n = s.utf8CodeUnitCount
        guard position + n <= bytes.count else { return false }
        for k in 0..<n where bytes[position + k] != u[k] { return false }
        position += n
        return true
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw error("expression nested more than \(Self.maximumDepth) levels deep") }
    }

    mutating func parseTernary() throws -> ArithmeticExpression {
        try enter(); defer { depth -= 1 }
        let condition = try parseOr()
        if accept("?") {
            let a = try parseTernary()
            guard accept(":") else { throw error("expected ':' in conditional expression") }
            let b = try parseTernary()
            return .conditional(condition, a, b)
        }
        return condition
    }

    private mutating func parseOr() throws -> ArithmeticExpression {
        var lhs = try parseAnd()
        while accept("||") { lhs = .binary(.or, lhs, try parseAnd()) }
        return lhs
    }

    private mutating func parseAnd() throws -> ArithmeticExpression {
        var lhs = try parseComparison()
        while accept("&&") { lhs = .binary(.and, lhs, try parseComparison()) }
        return lhs
    }

    private mutating func parseComparison() throws -> ArithmeticExpression {
        var lhs = try parseAdditive()
        while true {
            if accept("==") { lhs = .binary(.equal, lhs, try parseAdditive()) }
            else if accept("!=") || accept("<>") { lhs = .binary(.notEqual, lhs, try parseAdditive()) }
            else if accept("<=") { lhs = .binary(.lessEqual, lhs, try parseAdditive()) }
            else if accept(">=") { lhs = .binary(.greaterEqual, lhs, try parseAdditive()) }
            else if accept("<") { lhs = .binary(.less, lhs, try parseAdditive()) }
            else if accept(">") { lhs = .binary(.greater, lhs, try parseAdditive()) }
            else { return lhs }
        }
    }

    private mutating func parseAdditive() throws -> ArithmeticExpression {
        var lhs = try parseMultiplicative()
        while true {
            skipSpace()
            if peek() == 43 { position += 1; lhs = .binary(.add, lhs, try parseMultiplicative()) }
            else if peek() == 45 { position += 1; lhs = .binary(.subtract, lhs, try parseMultiplicative()) }
            else { return lhs }
        }
    }

    private mutating func parseMultiplicative() throws -> ArithmeticExpression {
        var lhs = try parseUnary()
        while true {
            skipSpace()
            if peek() == 42, peek(1) != 42 { position += 1; lhs = .binary(.multiply, lhs, try parseUnary()) }
            else if peek() == 47, peek(1) != 47 { position += 1; lhs = .binary(.divide, lhs, try parseUnary()) }
            else if peek() == 37 { position += 1; lhs = .binary(.modulo, lhs, try parseUnary()) }
            else if peek() == 92 { position += 1; lhs = .binary(.integerDivide, lhs, try parseUnary()) }
            else { return lhs }
        }
    }

    private mutating func parseUnary() throws -> ArithmeticExpression {
        try enter(); defer { depth -= 1 }
        skipSpace()
        if peek() == 45 { position += 1; return .unary(.negate, try parseUnary()) }
        if peek() == 43 { position += 1; return try parseUnary() }
        if peek() == 33, peek(1) != 61 { position += 1; return .unary(.not, try parseUnary()) }
        return try parsePower()
    }

    private mutating func parsePower() throws -> ArithmeticExpression {
        let base = try parsePrimary()
        if accept("**") || accept("^") {
            return .binary(.power, base, try parseUnary())
        }
        return base
    }

    private static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }
    private static func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= 48 && c <= 57) || c == 46 || c == 36
    }

    private mutating func parsePrimary() throws -> ArithmeticExpression {
        try enter(); defer { depth -= 1 }
        skipSpace()
        let c = peek()
        if c == 40 || c == 123 {  // ( or {
            position += 1
            let inner = try parseTernary()
            guard c == 40 ? accept(")") : accept("}") else { throw error("expected '\(c == 40 ? ")" : "}")'") }
            return inner
        }
        if (c >= 48 && c <= 57) || (c == 46 && peek(1) >= 48 && peek(1) <= 57) {
            guard let (value, end) = SINumber.parsePrefix(bytes, from: position) else {
                throw error("malformed number")
            }
            position = end
            return .number(value)
        }
        if Self.isIdentifierStart(c) {
            let start = position
            while position < bytes.count, Self.isIdentifierPart(bytes[position]) { position += 1 }
            let name = String(decoding: bytes[start..<position], as: UTF8.self).lowercased()
            skipSpace()
            if peek() == 40 {
                if name == "v" || name == "i" { return try parseProbe(kind: name) }
                position += 1
                var args: [ArithmeticExpression] = []
                skipSpace()
                if peek() == 41 { position += 1; return .call(name, args) }
                while true {
                    args.append(try parseTernary())
                    if accept(",") { continue }
                    if accept(")") { break }
                    throw error("expected ',' or ')' in arguments of '\(name)'")
                }
                return .call(name, args)
            }
            return .name(name)
        }
        if c == 0 { throw error("unexpected end of expression") }
        throw error("unexpected '\(currentCharacter)' in expression")
    }

    /// `v(a)`, `v(a,b)`, `i(name)`: arguments are raw node or device names, not expressions.
    private mutating func parseProbe(kind: String) throws -> ArithmeticExpression {
        position += 1  // (
        var names: [String] = []
        var current: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unclosed '\(kind)(' probe") }
            let c = bytes[position]
            position += 1
            if c == 44 || c == 41 {
                let s = String(decoding: current, as: UTF8.self).trimmingSpaces().lowercased()
                guard !s.isEmpty else { throw error("empty name in '\(kind)(…)'") }
                names.append(s)
                current = []
                if c == 41 { break }
            } else if c == 40 {
                throw error("unexpected '(' in '\(kind)(…)'")
            } else {
                current.append(c)
            }
        }
        if kind == "v" {
            guard names.count <= 2 else { throw error("v() takes one or two nodes") }
            return .voltage(names[0], names.count == 2 ? names[1] : nil)
        }
        guard names.count == 1 else { throw error("i() takes one source name") }
        return .current(names[0])
    }
}

extension StringProtocol {
    /// The string without leading and trailing blanks (space, tab, CR, LF).
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
