import Foundation

/// A user function from `.func name(a, b) {body}`.
public struct UserFunction: Sendable {
    public var parameters: [String]
    public var body: ArithmeticExpression
    public init(parameters: [String], body: ArithmeticExpression) {
        self.parameters = parameters
        self.body = body
    }
}

/// Where names in an expression get their meaning while it is compiled: parameters (already
/// numbers) and user functions.
public protocol ExpressionScope {
    /// The value of parameter `name`, nil when the scope does not define it.
    func parameterValue(_ name: String) throws -> Double?
    /// The user function `name`, nil when not defined.
    func userFunction(_ name: String) -> UserFunction?
}

/// A scope with no names at all: only literals and built-in functions.
public struct EmptyScope: ExpressionScope {
    public init() {}
    public func parameterValue(_ name: String) throws -> Double? { nil }
    public func userFunction(_ name: String) -> UserFunction? { nil }
}

/// A run-time quantity an expression reads.
public enum ExpressionInput: Hashable, Sendable {
    case voltage(String, String?)
    case current(String)
    case time
    case temperature  // `temper`, in °C as in ngspice
    case frequency    // `hertz`
}

/// An expression compiled once into a tape of instructions; evaluated many times with its value
/// and the gradient with respect to every input by one forward and one reverse sweep
/// (reverse-mode automatic differentiation). No strings are touched during evaluation.
public struct CompiledExpression: Sendable {
    enum Op: UInt8, Sendable {
        case constant, input, negate, not, add, subtract, multiply, divide, modulo, integerDivide
        case power, signedPower, equal, notEqual, less, lessEqual, greater, greaterEqual, and, or
        case select, function1, function2, pwl, limit
    }
    enum Function1: UInt8, Sendable {
        case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh
        case exp, ln, log10, sqrt, abs, floor, ceil, nint, int, sgn, step, step2, ramp
    }
    enum Function2: UInt8, Sendable { case min, max, atan2, hypot }

    struct Instruction: Sendable {
        var op: Op
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
        var function: UInt8 = 0
        var constant: Double = 0
    }

    var code: [Instruction]
    /// Operand lists for `pwl` (x then pairs) stored out of line.
    var extra: [Int32]
    /// The run-time quantities, in the order the input vector must supply them.
    public let inputs: [ExpressionInput]

    /// Number of instructions (for tests and diagnostics).
    public var instructionCount: Int { code.count }

    /// Whether the expression is a constant (reads no inputs).
    public var isConstant: Bool { inputs.isEmpty }

    /// Evaluates the value only.
    public func value(_ inputValues: [Double], workspace: ExpressionWorkspace) -> Double {
        forward(inputValues, workspace)
        return workspace.values[code.count - 1]
    }

    /// Evaluates the value and writes d(value)/d(input k) into `gradient[k]`.
    public func valueAndGradient(_ inputValues: [Double], gradient: inout [Double], workspace: ExpressionWorkspace) -> Double {
        forward(inputValues, workspace)
        let n = code.count
        // Work in place on the workspace buffers: no copies, no allocation per evaluation.
        return workspace.values.withUnsafeBufferPointer { v in
        workspace.adjoints.withUnsafeMutableBufferPointer { adj in
        code.withUnsafeBufferPointer { code in
        for k in 0..<n { adj[k] = 0 }
        for k in 0..<gradient.count { gradient[k] = 0 }
        adj[n - 1] = 1
        var k = n - 1
        while k >= 0 {
            let ins = code[k]
            let g = adj[k]
            if g != 0 {
                let a = Int(ins.a), b = Int(ins.b)
                switch ins.op {
                case .constant, .not, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .and, .or:
                    break
                case .input: gradient[a] += g
                case .negate: adj[a] -= g
                case .add: adj[a] += g; adj[b] += g
                case .subtract: adj[a] += g; adj[b] -= g
                case .multiply: adj[a] += g * v[b]; adj[b] += g * v[a]
                case .divide:
                    adj[a] += g / v[b]
                    adj[b] -= g * v[a] / (v[b] * v[b])
                case .modulo: adj[a] += g
                case .integerDivide: break
                case .power, .signedPower:
                    let x = v[a], y = v[b]
                    let ax = Swift.abs(x)
                    if ax > 0 {
                        let p = Foundation.pow(ax, y)
                        // d|x|^y/dx = y |x|^(y-1) sign(x); pwr multiplies by sign(x) again.
                        let dx = y * p / ax * (ins.op == .power ? (x < 0 ? -1 : 1) : 1)
                        adj[a] += g * dx
                        adj[b] += g * p * Foundation.log(ax) * (ins.op == .signedPower && x < 0 ? -1 : 1)
                    } else if y == 1 {
                        adj[a] += g * (ins.op == .power ? (x < 0 ? -1 : 1) : 1)
                    }
                case .select:
                    if v[a] != 0 { adj[b] += g } else { adj[Int(ins.c)] += g }
                case .function1:
                    adj[a] += g * Self.derivative1(Function1(rawValue: ins.function) ?? .abs, v[a], v[k])
                case .function2:
                    let x = v[a], y = v[b]
                    switch Function2(rawValue: ins.function) ?? .min {
                    case .min: if x <= y { adj[a] += g } else { adj[b] += g }
                    case .max: if x >= y { adj[a] += g } else { adj[b] += g }
                    case .atan2:
                        let d = x * x + y * y
                        if d > 0 { adj[a] += g * y / d; adj[b] -= g * x / d }
                    case .hypot:
                        let h = v[k]
                        if h > 0 { adj[a] += g * x / h; adj[b] += g * y / h }
                    }
                case .limit:
                    let x = v[a], lo = v[b], hi = v[Int(ins.c)]
                    if x > lo && x < hi { adj[a] += g }
                    else if x <= lo { adj[b] += g } else { adj[Int(ins.c)] += g }
                case .pwl:
                    let start = Int(ins.b), count = Int(ins.c)
                    let x = v[a]
                    let (_, slope) = Self.pwlEvaluate(x, v, extra, start, count)
                    adj[a] += g * slope
                }
            }
            k -= 1
        }
        return v[n - 1]
        }}}
    }

    private func forward(_ inputValues: [Double], _ ws: ExpressionWorkspace) {
        if ws.values.count < code.count {
            ws.values = [Double](repeating: 0, count: code.count)
            ws.adjoints = [Double](repeating: 0, count: code.count)
        }
        code.withUnsafeBufferPointer { code in
            ws.values.withUnsafeMutableBufferPointer { v in
                for k in 0..<code.count {
                    let ins = code[k]
                    let a = Int(ins.a), b = Int(ins.b)
                    switch ins.op {
                    case .constant: v[k] = ins.constant
                    case .input: v[k] = a < inputValues.count ? inputValues[a] : 0
                    case .negate: v[k] = -v[a]
                    case .not: v[k] = v[a] == 0 ? 1 : 0
                    case .add: v[k] = v[a] + v[b]
                    case .subtract: v[k] = v[a] - v[b]
                    case .multiply: v[k] = v[a] * v[b]
                    case .divide: v[k] = v[a] / v[b]
                    case .modulo: v[k] = fmod(v[a], v[b])
                    case .integerDivide: v[k] = (v[a] / v[b]).rounded(.towardZero)
                    case .power: v[k] = Foundation.pow(Swift.abs(v[a]), v[b])
                    case .signedPower:
                        let p = Foundation.pow(Swift.abs(v[a]), v[b])
                        v[k] = v[a] < 0 ? -p : p
                    case .equal: v[k] = v[a] == v[b] ? 1 : 0
                    case .notEqual: v[k] = v[a] != v[b] ? 1 : 0
                    case .less: v[k] = v[a] < v[b] ? 1 : 0
                    case .lessEqual: v[k] = v[a] <= v[b] ? 1 : 0
                    case .greater: v[k] = v[a] > v[b] ? 1 : 0
                    case .greaterEqual: v[k] = v[a] >= v[b] ? 1 : 0
                    case .and: v[k] = (v[a] != 0 && v[b] != 0) ? 1 : 0
                    case .or: v[k] = (v[a] != 0 || v[b] != 0) ? 1 : 0
                    case .select: v[k] = v[a] != 0 ? v[b] : v[Int(ins.c)]
                    case .function1: v[k] = Self.apply1(Function1(rawValue: ins.function) ?? .abs, v[a])
                    case .function2:
                        switch Function2(rawValue: ins.function) ?? .min {
                        case .min: v[k] = Swift.min(v[a], v[b])
                        case .max: v[k] = Swift.max(v[a], v[b])
                        case .atan2: v[k] = Foundation.atan2(v[a], v[b])
                        case .hypot: v[k] = Foundation.hypot(v[a], v[b])
                        }
                    case .limit: v[k] = Swift.min(Swift.max(v[a], v[b]), v[Int(ins.c)])
                    case .pwl:
                        v[k] = Self.pwlEvaluate(v[a], UnsafeBufferPointer(v), extra, b, Int(ins.c)).0
                    }
                }
            }
        }
    }

    static func pwlEvaluate<C: RandomAccessCollection>(_ x: Double, _ v: C, _ extra: [Int32], _ start: Int, _ count: Int) -> (Double, Double) where C.Element == Double, C.Index == Int {
        // count = number of (x, y) pairs; extra[start + 2p] is the slot of x_p, +1 of y_p.
        guard count > 0 else { return (0, 0) }
        func xp(_ p: Int) -> Double { v[Int(extra[start + 2 * p])] }
        func yp(_ p: Int) -> Double { v[Int(extra[start + 2 * p + 1])] }
        if count == 1 || x <= xp(0) { return (yp(0), 0) }
        if x >= xp(count - 1) { return (yp(count - 1), 0) }
        var lo = 0, hi = count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xp(mid) <= x { lo = mid } else { hi = mid }
        }
        let dx = xp(hi) - xp(lo)
        guard dx > 0 else { return (yp(hi), 0) }
        let slope = (yp(hi) - yp(lo)) / dx
        return (yp(lo) + slope * (x - xp(lo)), slope)
    }

    static func apply1(_ f: Function1, _ x: Double) -> Double {
        switch f {
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .asin: return Foundation.asin(x)
        case .acos: return Foundation.acos(x)
        case .atan: return Foundation.atan(x)
        case .sinh: return Foundation.sinh(x)
        case .cosh: return Foundation.cosh(x)
        case .tanh: return Foundation.tanh(x)
        case .asinh: return Foundation.asinh(x)
        case .acosh: return Foundation.acosh(x)
        case .atanh: return Foundation.atanh(x)
        case .exp: return Foundation.exp(x)
        case .ln: return Foundation.log(Swift.abs(x))
        case .log10: return Foundation.log10(Swift.abs(x))
        case .sqrt: return Foundation.sqrt(Swift.abs(x))
        case .abs: return Swift.abs(x)
        case .floor: return Foundation.floor(x)
        case .ceil: return Foundation.ceil(x)
        case .nint: return x.rounded(.toNearestOrEven)
        case .int: return x.rounded(.towardZero)
        case .sgn: return x > 0 ? 1 : (x < 0 ? -1 : 0)
        case .step: return x > 0 ? 1 : (x < 0 ? 0 : 0.5)
        case .step2: return Swift.min(Swift.max(x, 0), 1)
        case .ramp: return Swift.max(x, 0)
        }
    }

    static func derivative1(_ f: Function1, _ x: Double, _ fx: Double) -> Double {
        switch f {
        case .sin: return Foundation.cos(x)
        case .cos: return -Foundation.sin(x)
        case .tan: return 1 + fx * fx
        case .asin: return 1 / Foundation.sqrt(1 - x * x)
        case .acos: return -1 / Foundation.sqrt(1 - x * x)
        case .atan: return 1 / (1 + x * x)
        case .sinh: return Foundation.cosh(x)
        case .cosh: return Foundation.sinh(x)
        case .tanh: return 1 - fx * fx
        case .asinh: return 1 / Foundation.sqrt(x * x + 1)
        case .acosh: return 1 / Foundation.sqrt(x * x - 1)
        case .atanh: return 1 / (1 - x * x)
        case .exp: return fx
        case .ln: return 1 / x
        case .log10: return 1 / (x * 2.302585092994046)
        case .sqrt: return fx > 0 ? (x < 0 ? -0.5 : 0.5) / fx : 0
        case .abs: return x < 0 ? -1 : 1
        case .floor, .ceil, .nint, .int, .sgn, .step: return 0
        case .step2: return (x > 0 && x < 1) ? 1 : 0
        case .ramp: return x > 0 ? 1 : 0
        }
    }
}

/// Scratch storage for evaluating a `CompiledExpression` without allocating.
/// One per evaluating device (not shared between threads).
public final class ExpressionWorkspace {
    var values: [Double] = []
    var adjoints: [Double] = []
    public init() {}
}
