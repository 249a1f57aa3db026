import FoundationEssentials
import Glibc

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
        /// a / (b ± ε), ε = 1e-32 away from zero: division in run-time (B-source) expressions, as
        /// ngspice's parse trees divide, so a node voltage that starts at 0 in the first Newton
        /// iterate gives a huge but finite value instead of an infinite Jacobian.
        case guardedDivide
        /// |x|^y and sign(x)·|x|^y in run-time expressions, with a negative exponent reading |x|
        /// no smaller than `singularityGuard` (and the slope of a fractional one taken there), so
        /// 1/x-like powers stay finite at the zero initial guess as `guardedDivide` does.
        case guardedPower, guardedSignedPower
    }
    /// The ε of `guardedDivide`.
    static let divisionGuard = 1e-32
    /// The guard of functions singular at 0 in run-time expressions, so that the zero initial
    /// guess of an operating point gives a finite Newton step instead of −∞ or NaN. As ngspice's
    /// parse-tree functions (inpptree.c), the slopes 1/x, log10(e)/x and 1/(2√x) divide by
    /// x ± ε and 2√|x| + ε (its guarded division, ε = 1e-32). ngspice's ln 0 = −1e99 throws the
    /// first Newton iterate to ~1e67, from where its full-solution Newton comes back; Lithic's
    /// Newton solves for the update, which at that size loses the answer to rounding (x + Δx
    /// rounds to 0, and the iteration cycles). So Lithic takes ln 0 = −1/ε (log10 0 = −log10(e)/ε):
    /// with the slope 1/ε the tangent at 0 crosses 0 at x = 1, and the first step lands the
    /// argument near 1, from where Newton on a logarithm converges (from the small side it
    /// crawls by a factor per iteration and can stop early on the update test).
    /// A negative or fractional power, which ngspice 39 rejects at 0 ("out of range for pwr"),
    /// reads |x| no smaller than ε for its value (negative exponent) and its slope.
    static let singularityGuard = 1e-32
    /// Where `exp` stops growing, as ngspice's PTexp: exp(x) = 1e99 for x > 227.9559242
    /// (ln 1e99), so an exponential of a wild Newton iterate stays finite.
    static let exponentLimit = 227.9559242
    enum Function1: UInt8, Sendable {
        case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh
        case exp, ln, log10, sqrt, abs, floor, ceil, nint, int, sgn, step, step2, ramp
        /// The run-time forms (B-sources): `exp` limited at `exponentLimit`, `ln`/`log10` and the
        /// slope of `sqrt` guarded at 0 (`singularityGuard`).
        case guardedExp, guardedLn, guardedLog10, guardedSqrt
    }
    enum Function2: UInt8, Sendable { case min, max, atan2, hypot }

    struct Instruction: Sendable, Hashable {
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

    /// The instructions alone, without the names of the inputs: two expressions with equal tapes
    /// compute the same function of their input vectors and can be evaluated together.
    public struct Tape: Hashable, Sendable {
        let code: [Instruction]
        let extra: [Int32]
        let inputCount: Int
    }
    public var tape: Tape { Tape(code: code, extra: extra, inputCount: inputs.count) }

    /// Number of instructions (for tests and diagnostics).
    public var instructionCount: Int { code.count }

    /// Whether the expression is a constant (reads no inputs).
    public var isConstant: Bool { inputs.isEmpty }

    /// Evaluates the value only.
    public func value(_ inputValues: [Double], workspace: ExpressionWorkspace) -> Double {
        guard !code.isEmpty else { return 0 }
        let m = inputs.count
        workspace.prepare(instructions: code.count, inputs: m)
        return inputValues.withUnsafeBufferPointer { given in
            workspace.inputs.withUnsafeMutableBufferPointer { slots in
                for k in 0..<m { slots[k] = k < given.count ? given[k] : 0 }
                return workspace.batch.values.withUnsafeMutableBufferPointer { v in
                    forward(count: 1, inputs: UnsafePointer(slots.baseAddress!), values: v.baseAddress!)
                    return v[code.count - 1]
                }
            }
        }
    }

    /// Evaluates the value and writes d(value)/d(input k) into `gradient[k]`.
    public func valueAndGradient(_ inputValues: [Double], gradient: inout [Double], workspace: ExpressionWorkspace) -> Double {
        guard !code.isEmpty else { return 0 }
        let m = inputs.count
        workspace.prepare(instructions: code.count, inputs: m)
        var value = 0.0
        inputValues.withUnsafeBufferPointer { given in
            workspace.inputs.withUnsafeMutableBufferPointer { slots in
                for k in 0..<m { slots[k] = k < given.count ? given[k] : 0 }
                workspace.gradient.withUnsafeMutableBufferPointer { g in
                    workspace.value.withUnsafeMutableBufferPointer { out in
                        evaluate(count: 1, inputs: UnsafePointer(slots.baseAddress!), values: out.baseAddress!,
                                 gradients: g.baseAddress!, workspace: workspace.batch)
                        value = out[0]
                    }
                }
            }
        }
        for k in 0..<Swift.min(gradient.count, m) { gradient[k] = workspace.gradient[k] }
        if gradient.count > m { for k in m..<gradient.count { gradient[k] = 0 } }
        return value
    }

    /// Evaluates the tape for `count` input sets at once (structure of arrays): input k of set j
    /// is `inputs[k * count + j]`; writes the value of set j to `values[j]` and d(value)/d(input k)
    /// to `gradients[k * count + j]`. Devices that share a tape (a crossbar of identical
    /// B-sources) are evaluated together, so each instruction is decoded once per load rather
    /// than once per device.
    public func evaluate(count: Int, inputs: UnsafePointer<Double>, values out: UnsafeMutablePointer<Double>,
                         gradients: UnsafeMutablePointer<Double>, workspace: BatchWorkspace) {
        let n = code.count, m = self.inputs.count, G = count
        guard n > 0, G > 0 else { return }
        workspace.prepare(count: n * G)
        workspace.values.withUnsafeMutableBufferPointer { vb in
        workspace.adjoints.withUnsafeMutableBufferPointer { ab in
        code.withUnsafeBufferPointer { code in
        extra.withUnsafeBufferPointer { extra in
            let v = vb.baseAddress!, adj = ab.baseAddress!
            forward(count: G, inputs: inputs, values: v)
            let top = (n - 1) * G
            for j in 0..<G { out[j] = v[top + j] }
            adj.update(repeating: 0, count: n * G)
            gradients.update(repeating: 0, count: m * G)
            for j in 0..<G { adj[top + j] = 1 }
            var k = n - 1
            while k >= 0 {
                let ins = code[k]
                let a = Int(ins.a) * G, b = Int(ins.b) * G, c = Int(ins.c) * G, r = k * G
                switch ins.op {
                case .constant, .not, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .and, .or, .integerDivide:
                    break
                case .input:
                    if Int(ins.a) < m { for j in 0..<G { gradients[a + j] += adj[r + j] } }
                case .negate: for j in 0..<G { adj[a + j] -= adj[r + j] }
                case .add: for j in 0..<G { let g = adj[r + j]; adj[a + j] += g; adj[b + j] += g }
                case .subtract: for j in 0..<G { let g = adj[r + j]; adj[a + j] += g; adj[b + j] -= g }
                case .modulo: for j in 0..<G { adj[a + j] += adj[r + j] }
                case .multiply:
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j]
                        adj[a + j] += g * v[b + j]; adj[b + j] += g * v[a + j]
                    }
                case .divide:
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j], y = v[b + j]
                        adj[a + j] += g / y
                        adj[b + j] -= g * v[a + j] / (y * y)
                    }
                case .guardedDivide:
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j], raw = v[b + j]
                        let y = raw >= 0 ? raw + Self.divisionGuard : raw - Self.divisionGuard
                        adj[a + j] += g / y
                        adj[b + j] -= g * v[a + j] / (y * y)
                    }
                case .power, .signedPower, .guardedPower, .guardedSignedPower:
                    let isPower = ins.op == .power || ins.op == .guardedPower
                    let guarded = ins.op == .guardedPower || ins.op == .guardedSignedPower
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j], x = v[a + j], y = v[b + j]
                        let ax = Swift.abs(x)
                        if ax > 0 {
                            let p = guarded ? Self.guardedPower(ax, y) : Glibc.pow(ax, y)
                            // d|x|^y/dx = y |x|^(y-1) sign(x); pwr multiplies by sign(x) again.
                            // Guarded, below the guard the slope of |x|^y with y < 1 is taken at the guard.
                            let dx = y * (guarded ? Self.guardedPower(ax, y - 1) : p / ax) * (isPower ? (x < 0 ? -1 : 1) : 1)
                            adj[a + j] += g * dx
                            adj[b + j] += g * p * Glibc.log(guarded ? Swift.max(ax, Self.singularityGuard) : ax) * (!isPower && x < 0 ? -1 : 1)
                        } else if y == 1 {
                            adj[a + j] += g * (isPower ? (x < 0 ? -1 : 1) : 1)
                        } else if guarded, y < 1, y != 0 {
                            // At exactly 0 the slope y·0^(y−1) is infinite: take it at the guard, as
                            // ngspice's derivative divides through its fudge factor.
                            adj[a + j] += g * y * Glibc.pow(Self.singularityGuard, y - 1)
                        }
                    }
                case .select:
                    for j in 0..<G where adj[r + j] != 0 {
                        if v[a + j] != 0 { adj[b + j] += adj[r + j] } else { adj[c + j] += adj[r + j] }
                    }
                case .function1:
                    let f = Function1(rawValue: ins.function) ?? .abs
                    for j in 0..<G where adj[r + j] != 0 {
                        adj[a + j] += adj[r + j] * Self.derivative1(f, v[a + j], v[r + j])
                    }
                case .function2:
                    let f = Function2(rawValue: ins.function) ?? .min
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j], x = v[a + j], y = v[b + j]
                        switch f {
                        case .min: if x <= y { adj[a + j] += g } else { adj[b + j] += g }
                        case .max: if x >= y { adj[a + j] += g } else { adj[b + j] += g }
                        case .atan2:
                            let d = x * x + y * y
                            if d > 0 { adj[a + j] += g * y / d; adj[b + j] -= g * x / d }
                        case .hypot:
                            let h = v[r + j]
                            if h > 0 { adj[a + j] += g * x / h; adj[b + j] += g * y / h }
                        }
                    }
                case .limit:
                    for j in 0..<G where adj[r + j] != 0 {
                        let g = adj[r + j], x = v[a + j], lo = v[b + j], hi = v[c + j]
                        if x > lo && x < hi { adj[a + j] += g }
                        else if x <= lo { adj[b + j] += g } else { adj[c + j] += g }
                    }
                case .pwl:
                    for j in 0..<G where adj[r + j] != 0 {
                        let (_, slope) = Self.pwlEvaluate(v[a + j], UnsafePointer(v + j), stride: G, extra, Int(ins.b), Int(ins.c))
                        adj[a + j] += adj[r + j] * slope
                    }
                }
                k -= 1
            }
        }}}}
    }

    /// The forward sweep over `count` input sets (slot s of set j at `v[s * count + j]`).
    private func forward(count G: Int, inputs: UnsafePointer<Double>, values v: UnsafeMutablePointer<Double>) {
        let m = self.inputs.count
        code.withUnsafeBufferPointer { code in
        extra.withUnsafeBufferPointer { extra in
            for k in 0..<code.count {
                let ins = code[k]
                let a = Int(ins.a) * G, b = Int(ins.b) * G, c = Int(ins.c) * G, r = k * G
                switch ins.op {
                case .constant: let x = ins.constant; for j in 0..<G { v[r + j] = x }
                case .input:
                    if Int(ins.a) < m { for j in 0..<G { v[r + j] = inputs[a + j] } }
                    else { for j in 0..<G { v[r + j] = 0 } }
                case .negate: for j in 0..<G { v[r + j] = -v[a + j] }
                case .not: for j in 0..<G { v[r + j] = v[a + j] == 0 ? 1 : 0 }
                case .add: for j in 0..<G { v[r + j] = v[a + j] + v[b + j] }
                case .subtract: for j in 0..<G { v[r + j] = v[a + j] - v[b + j] }
                case .multiply: for j in 0..<G { v[r + j] = v[a + j] * v[b + j] }
                case .divide: for j in 0..<G { v[r + j] = v[a + j] / v[b + j] }
                case .guardedDivide:
                    for j in 0..<G {
                        let raw = v[b + j]
                        v[r + j] = v[a + j] / (raw >= 0 ? raw + Self.divisionGuard : raw - Self.divisionGuard)
                    }
                case .modulo: for j in 0..<G { v[r + j] = fmod(v[a + j], v[b + j]) }
                case .integerDivide: for j in 0..<G { v[r + j] = (v[a + j] / v[b + j]).rounded(.towardZero) }
                case .power: for j in 0..<G { v[r + j] = Glibc.pow(Swift.abs(v[a + j]), v[b + j]) }
                case .signedPower:
                    for j in 0..<G {
                        let p = Glibc.pow(Swift.abs(v[a + j]), v[b + j])
                        v[r + j] = v[a + j] < 0 ? -p : p
                    }
                case .guardedPower: for j in 0..<G { v[r + j] = Self.guardedPower(Swift.abs(v[a + j]), v[b + j]) }
                case .guardedSignedPower:
                    for j in 0..<G {
                        let p = Self.guardedPower(Swift.abs(v[a + j]), v[b + j])
                        v[r + j] = v[a + j] < 0 ? -p : p
                    }
                case .equal: for j in 0..<G { v[r + j] = v[a + j] == v[b + j] ? 1 : 0 }
                case .notEqual: for j in 0..<G { v[r + j] = v[a + j] != v[b + j] ? 1 : 0 }
                case .less: for j in 0..<G { v[r + j] = v[a + j] < v[b + j] ? 1 : 0 }
                case .lessEqual: for j in 0..<G { v[r + j] = v[a + j] <= v[b + j] ? 1 : 0 }
                case .greater: for j in 0..<G { v[r + j] = v[a + j] > v[b + j] ? 1 : 0 }
                case .greaterEqual: for j in 0..<G { v[r + j] = v[a + j] >= v[b + j] ? 1 : 0 }
                case .and: for j in 0..<G { v[r + j] = (v[a + j] != 0 && v[b + j] != 0) ? 1 : 0 }
                case .or: for j in 0..<G { v[r + j] = (v[a + j] != 0 || v[b + j] != 0) ? 1 : 0 }
                case .select: for j in 0..<G { v[r + j] = v[a + j] != 0 ? v[b + j] : v[c + j] }
                case .function1:
                    let f = Function1(rawValue: ins.function) ?? .abs
                    for j in 0..<G { v[r + j] = Self.apply1(f, v[a + j]) }
                case .function2:
                    switch Function2(rawValue: ins.function) ?? .min {
                    case .min: for j in 0..<G { v[r + j] = Swift.min(v[a + j], v[b + j]) }
                    case .max: for j in 0..<G { v[r + j] = Swift.max(v[a + j], v[b + j]) }
                    case .atan2: for j in 0..<G { v[r + j] = Glibc.atan2(v[a + j], v[b + j]) }
                    case .hypot: for j in 0..<G { v[r + j] = Glibc.hypot(v[a + j], v[b + j]) }
                    }
                case .limit: for j in 0..<G { v[r + j] = Swift.min(Swift.max(v[a + j], v[b + j]), v[c + j]) }
                case .pwl:
                    for j in 0..<G {
                        v[r + j] = Self.pwlEvaluate(v[a + j], UnsafePointer(v + j), stride: G, extra, Int(ins.b), Int(ins.c)).0
                    }
                }
            }
        }}
    }

    /// Piecewise-linear interpolation and its slope; slot s of the evaluated set is at `v[s * stride]`.
    static func pwlEvaluate(_ x: Double, _ v: UnsafePointer<Double>, stride: Int, _ extra: UnsafeBufferPointer<Int32>,
                            _ start: Int, _ count: Int) -> (Double, Double) {
        // count = number of (x, y) pairs; extra[start + 2p] is the slot of x_p, +1 of y_p.
        guard count > 0 else { return (0, 0) }
        func xp(_ p: Int) -> Double { v[Int(extra[start + 2 * p]) * stride] }
        func yp(_ p: Int) -> Double { v[Int(extra[start + 2 * p + 1]) * stride] }
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

    /// |x|^y for |x| ≥ 0 with the singularity at 0 guarded: a negative exponent reads |x| no
    /// smaller than `singularityGuard` (so 1/x-like powers stay finite at the zero initial guess,
    /// as `guardedDivide` does for division); a non-negative one is exact (0^y = 0, 0^0 = 1).
    @inline(__always)
    static func guardedPower(_ ax: Double, _ y: Double) -> Double {
        y < 0 ? Glibc.pow(Swift.max(ax, singularityGuard), y) : Glibc.pow(ax, y)
    }

    static func apply1(_ f: Function1, _ x: Double) -> Double {
        switch f {
        case .sin: return Glibc.sin(x)
        case .cos: return Glibc.cos(x)
        case .tan: return Glibc.tan(x)
        case .asin: return Glibc.asin(x)
        case .acos: return Glibc.acos(x)
        case .atan: return Glibc.atan(x)
        case .sinh: return Glibc.sinh(x)
        case .cosh: return Glibc.cosh(x)
        case .tanh: return Glibc.tanh(x)
        case .asinh: return Glibc.asinh(x)
        case .acosh: return Glibc.acosh(x)
        case .atanh: return Glibc.atanh(x)
        case .exp: return Glibc.exp(x)
        case .ln: return Glibc.log(Swift.abs(x))
        case .log10: return Glibc.log10(Swift.abs(x))
        case .guardedExp: return x > exponentLimit ? 1e99 : Glibc.exp(x)
        case .guardedLn: return x == 0 ? -1 / singularityGuard : Glibc.log(Swift.abs(x))
        case .guardedLog10: return x == 0 ? -0.4342944819032518 / singularityGuard : Glibc.log10(Swift.abs(x))
        case .guardedSqrt: return Glibc.sqrt(Swift.abs(x))
        case .sqrt: return Glibc.sqrt(Swift.abs(x))
        case .abs: return Swift.abs(x)
        case .floor: return Glibc.floor(x)
        case .ceil: return Glibc.ceil(x)
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
        case .sin: return Glibc.cos(x)
        case .cos: return -Glibc.sin(x)
        case .tan: return 1 + fx * fx
        case .asin: return 1 / Glibc.sqrt(1 - x * x)
        case .acos: return -1 / Glibc.sqrt(1 - x * x)
        case .atan: return 1 / (1 + x * x)
        case .sinh: return Glibc.cosh(x)
        case .cosh: return Glibc.sinh(x)
        case .tanh: return 1 - fx * fx
        case .asinh: return 1 / Glibc.sqrt(x * x + 1)
        case .acosh: return 1 / Glibc.sqrt(x * x - 1)
        case .atanh: return 1 / (1 - x * x)
        case .exp, .guardedExp: return fx
        case .ln: return 1 / x
        case .log10: return 1 / (x * 2.302585092994046)
        case .sqrt: return fx > 0 ? (x < 0 ? -0.5 : 0.5) / fx : 0
        case .guardedLn: return 1 / (x >= 0 ? x + singularityGuard : x - singularityGuard)
        case .guardedLog10: return 0.4342944819032518 / (x >= 0 ? x + singularityGuard : x - singularityGuard)
        case .guardedSqrt: return (x < 0 ? -1 : 1) / (2 * fx + singularityGuard)
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
    var inputs: [Double] = []
    var gradient: [Double] = []
    var value: [Double] = [0]
    let batch = BatchWorkspace()
    public init() {}

    func prepare(instructions: Int, inputs m: Int) {
        if inputs.count < Swift.max(m, 1) { inputs = [Double](repeating: 0, count: Swift.max(m, 1)); gradient = inputs }
        batch.prepare(count: instructions)
    }
}

/// Scratch storage for `CompiledExpression.evaluate(count:…)`: the value and adjoint of every
/// tape slot of every input set. One per evaluating group (not shared between threads).
public final class BatchWorkspace {
    var values: [Double] = []
    var adjoints: [Double] = []
    public init() {}

    func prepare(count: Int) {
        if values.count < count {
            values = [Double](repeating: 0, count: count)
            adjoints = values
        }
    }
}
