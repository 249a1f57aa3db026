/// An arithmetic expression as written in `.param`, `{…}` braces and behavioural sources.
///
/// One language for both parse-time parameters and run-time B-source expressions (ngspice has
/// three parsers with different function sets; Lithic has one). Operators and precedence follow
/// ngspice (C-like): ternary `?:` < `||` < `&&` < comparisons < `+ -` < `* / % \` < unary
/// `- + !` < `** ^` (right-associative). Booleans are 0 and 1.
public indirect enum ArithmeticExpression: Sendable, Equatable {
    case number(Double)
    /// A parameter, or one of the reserved run-time names `time`, `temper`, `hertz`.
    case name(String)
    /// `v(a)` or `v(a, b)`: node voltage or difference, resolved at run time.
    case voltage(String, String?)
    /// `i(vname)`: branch current of a voltage source (or inductor), resolved at run time.
    case current(String)
    case unary(UnaryOperator, ArithmeticExpression)
    case binary(BinaryOperator, ArithmeticExpression, ArithmeticExpression)
    case conditional(ArithmeticExpression, ArithmeticExpression, ArithmeticExpression)
    case call(String, [ArithmeticExpression])

    public enum UnaryOperator: String, Sendable { case negate = "-", not = "!" }
    public enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", integerDivide = "\\"
        case power = "**", equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case and = "&&", or = "||"
    }

    /// Whether the expression refers to run-time quantities (`v()`, `i()`, `time`, `hertz`), so it
    /// cannot be folded to a constant at elaboration.
    public var isRuntime: Bool {
        switch self {
        case .number: return false
        case .name(let n): return n == "time" || n == "hertz"
        case .voltage, .current: return true
        case .unary(_, let a): return a.isRuntime
        case .binary(_, let a, let b): return a.isRuntime || b.isRuntime
        case .conditional(let c, let a, let b): return c.isRuntime || a.isRuntime || b.isRuntime
        case .call(_, let args): return args.contains { $0.isRuntime }
        }
    }

    /// Every parameter-like name the expression mentions (not `v()`/`i()` arguments).
    public func collectNames(into set: inout Set<String>) {
        switch self {
        case .number, .voltage, .current: break
        case .name(let n): set.insert(n)
        case .unary(_, let a): a.collectNames(into: &set)
        case .binary(_, let a, let b): a.collectNames(into: &set); b.collectNames(into: &set)
        case .conditional(let c, let a, let b):
            c.collectNames(into: &set); a.collectNames(into: &set); b.collectNames(into: &set)
        case .call(_, let args): for a in args { a.collectNames(into: &set) }
        }
    }
}

extension ArithmeticExpression: CustomStringConvertible {
    /// Prints the expression back in netlist syntax (fully parenthesised), so that
    /// parse → print → parse is the identity on the tree.
    public var description: String {
        switch self {
        case .number(let v): return "\(v)"
        case .name(let n): return n
        case .voltage(let a, let b): return b.map { "v(\(a),\($0))" } ?? "v(\(a))"
        case .current(let a): return "i(\(a))"
        case .unary(let op, let a): return "(\(op.rawValue)\(a))"
        case .binary(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .conditional(let c, let a, let b): return "(\(c) ? \(a) : \(b))"
        case .call(let f, let args): return "\(f)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }
}
