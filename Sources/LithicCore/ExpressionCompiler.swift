import FoundationEssentials
import Glibc

/// Compiles an `ArithmeticExpression` into a `CompiledExpression` tape: parameters become constants, user
/// functions are inlined, run-time probes become inputs, constant sub-trees are folded.
public struct ExpressionCompiler {
    /// Deepest chain of nested user-function calls accepted (catches recursive `.func`).
    public static let maximumInlineDepth = 64
    /// Largest tape accepted (catches exponential blow-up through `.func` nesting).
    public static let maximumInstructions = 1_000_000

    private var code: [CompiledExpression.Instruction] = []
    private var extra: [Int32] = []
    private var inputs: [ExpressionInput] = []
    private var inputIndex: [ExpressionInput: Int] = [:]
    private let scope: ExpressionScope
    private let location: SourceLocation
    private let allowRuntime: Bool
    private var temperatureCelsius: Double?
    /// Slots bound to user-function arguments; they are read again later and never folded away.
    private var pinned: Set<Int32> = []

    /// - Parameters:
    ///   - allowRuntime: whether `v()`, `i()`, `time`, `hertz` may appear (true for B-sources).
    ///   - temperatureCelsius: when set, `temper` folds to this constant; otherwise it is an input.
    public static func compile(_ expression: ArithmeticExpression, scope: ExpressionScope, at location: SourceLocation,
                               allowRuntime: Bool, temperatureCelsius: Double? = 27) throws -> CompiledExpression {
        var c = ExpressionCompiler(scope: scope, location: location, allowRuntime: allowRuntime)
        c.temperatureCelsius = temperatureCelsius
        _ = try c.emit(expression, bindings: [:], depth: 0)
        return CompiledExpression(code: c.code, extra: c.extra, inputs: c.inputs)
    }

    /// Evaluates a constant expression (a `.param`, a `{…}` value) to a finite number.
    public static func evaluate(_ expression: ArithmeticExpression, scope: ExpressionScope, at location: SourceLocation,
                                temperatureCelsius: Double = 27) throws -> Double {
        let compiled = try compile(expression, scope: scope, at: location, allowRuntime: false, temperatureCelsius: temperatureCelsius)
        let value = compiled.value([], workspace: ExpressionWorkspace())
        guard value.isFinite else {
            throw InputError(location, "expression '\(expression)' evaluates to \(value) (division by zero or overflow?)")
        }
        return value
    }

    private init(scope: ExpressionScope, location: SourceLocation, allowRuntime: Bool) {
        self.scope = scope
        self.location = location
        self.allowRuntime = allowRuntime
    }

    private mutating func push(_ ins: CompiledExpression.Instruction) throws -> Int32 {
        guard code.count < Self.maximumInstructions else {
            throw InputError(location, "expression too large after expanding functions")
        }
        code.append(ins)
        return Int32(code.count - 1)
    }

    /// Built-in functions of one and two arguments, by name.
    static let functions1: [String: CompiledExpression.Function1] = [
        "sin": .sin, "cos": .cos, "tan": .tan, "asin": .asin, "acos": .acos, "atan": .atan,
        "arcsin": .asin, "arccos": .acos, "arctan": .atan,
        "sinh": .sinh, "cosh": .cosh, "tanh": .tanh, "asinh": .asinh, "acosh": .acosh, "atanh": .atanh,
        "exp": .exp, "ln": .ln, "log": .ln, "log10": .log10, "sqrt": .sqrt, "abs": .abs,
        "floor": .floor, "ceil": .ceil, "nint": .nint, "int": .int, "sgn": .sgn, "sign": .sgn,
        "u": .step, "u2": .step2, "uramp": .ramp,
    ]
    static let functions2: [String: CompiledExpression.Function2] = ["min": .min, "max": .max, "atan2": .atan2, "hypot": .hypot]

    private mutating func constant(_ v: Double) throws -> Int32 {
        try push(.init(op: .constant, constant: v))
    }

    private func isConstant(_ slot: Int32) -> Double? {
        let ins = code[Int(slot)]
        return ins.op == .constant ? ins.constant : nil
    }

    private mutating func input(_ i: ExpressionInput) throws -> Int32 {
        guard allowRuntime || i == .temperature else {
            throw InputError(location, "run-time quantity '\(describe(i))' is not allowed here (only in B-source expressions)")
        }
        let index: Int
        if let k = inputIndex[i] { index = k } else {
            index = inputs.count
            inputs.append(i)
            inputIndex[i] = index
        }
        return try push(.init(op: .input, a: Int32(index)))
    }

    private func describe(_ i: ExpressionInput) -> String {
        switch i {
        case .voltage(let a, let b): return b.map { "v(\(a),\($0))" } ?? "v(\(a))"
        case .current(let a): return "i(\(a))"
        case .time: return "time"
        case .temperature: return "temper"
        case .frequency: return "hertz"
        }
    }

    /// Folds the just-emitted instruction `slot` if all of its operands are constants.
    private mutating func fold(_ slot: Int32, operands: [Int32]) throws -> Int32 {
        guard operands.allSatisfy({ isConstant($0) != nil }), code[Int(slot)].op != .pwl else { return slot }
        // Evaluate this tiny tail by running the instruction on a scratch copy.
        let tape = CompiledExpression(code: code, extra: extra, inputs: [])
        let v = tape.value([], workspace: ExpressionWorkspace())
        // Drop the folded instruction and, when they sit right before it, its constant operands.
        var first = Int(slot)
        let operandSet = Set(operands)
        while first > 0, operandSet.contains(Int32(first - 1)), !pinned.contains(Int32(first - 1)) { first -= 1 }
        code.removeLast(code.count - first)
        return try constant(v)
    }

    private mutating func emit(_ e: ArithmeticExpression, bindings: [String: Int32], depth: Int) throws -> Int32 {
        switch e {
        case .number(let v):
            return try constant(v)
        case .name(let n):
            if let slot = bindings[n] { return slot }
            switch n {
            case "time": return try input(.time)
            case "hertz": return try input(.frequency)
            case "temper":
                if let t = temperatureCelsius { return try constant(t) }
                return try input(.temperature)
            case "pi": if try scope.parameterValue(n) == nil { return try constant(Double.pi) }
            case "e": if try scope.parameterValue(n) == nil { return try constant(M_E) }
            case "boltz": if try scope.parameterValue(n) == nil { return try constant(PhysicalConstant.boltzmann) }
            case "echarge", "q": if try scope.parameterValue(n) == nil { return try constant(PhysicalConstant.elementaryCharge) }
            case "kelvin": if try scope.parameterValue(n) == nil { return try constant(-PhysicalConstant.zeroCelsius) }
            default: break
            }
            guard let v = try scope.parameterValue(n) else {
                throw InputError(location, "undefined parameter '\(n)'")
            }
            return try constant(v)
        case .voltage(let a, let b):
            return try input(.voltage(a, b))
        case .current(let a):
            return try input(.current(a))
        case .unary(let op, let a):
            let x = try emit(a, bindings: bindings, depth: depth)
            let s = try push(.init(op: op == .negate ? .negate : .not, a: x))
            return try fold(s, operands: [x])
        case .binary(let op, let a, let b):
            let x = try emit(a, bindings: bindings, depth: depth)
            let y = try emit(b, bindings: bindings, depth: depth)
            let o: CompiledExpression.Op
            switch op {
            case .add: o = .add
            case .subtract: o = .subtract
            case .multiply: o = .multiply
            case .divide: o = allowRuntime ? .guardedDivide : .divide
            case .modulo: o = .modulo
            case .integerDivide: o = .integerDivide
            case .power: o = allowRuntime ? .guardedPower : .power
            case .equal: o = .equal
            case .notEqual: o = .notEqual
            case .less: o = .less
            case .lessEqual: o = .lessEqual
            case .greater: o = .greater
            case .greaterEqual: o = .greaterEqual
            case .and: o = .and
            case .or: o = .or
            }
            let s = try push(.init(op: o, a: x, b: y))
            return try fold(s, operands: [x, y])
        case .conditional(let c, let a, let b):
            let cs = try emit(c, bindings: bindings, depth: depth)
            if let cv = isConstant(cs) {
                code.removeLast(code.count - Int(cs))
                return try emit(cv != 0 ? a : b, bindings: bindings, depth: depth)
            }
            let x = try emit(a, bindings: bindings, depth: depth)
            let y = try emit(b, bindings: bindings, depth: depth)
            return try push(.init(op: .select, a: cs, b: x, c: y))
        case .call(let name, let args):
            return try emitCall(name, args, bindings: bindings, depth: depth)
        }
    }

    private mutating func emitCall(_ name: String, _ args: [ArithmeticExpression], bindings: [String: Int32], depth: Int) throws -> Int32 {
        func arity(_ n: Int) throws {
            guard args.count == n else {
                throw InputError(location, "function '\(name)' takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)")
            }
        }
        if let user = scope.userFunction(name) {
            guard depth < Self.maximumInlineDepth else {
                throw InputError(location, "function '\(name)' nested too deeply (recursive .func?)")
            }
            guard args.count == user.parameters.count else {
                throw InputError(location, "function '\(name)' takes \(user.parameters.count) arguments, got \(args.count)")
            }
            var inner = bindings
            for (p, a) in zip(user.parameters, args) {
                let slot = try emit(a, bindings: bindings, depth: depth)
                pinned.insert(slot)
                inner[p] = slot
            }
            return try emit(user.body, bindings: inner, depth: depth + 1)
        }
        if var f = Self.functions1[name] {
            try arity(1)
            // Run-time expressions guard the singular points (CompiledExpression.singularityGuard).
            if allowRuntime {
                switch f {
                case .exp: f = .guardedExp
                case .ln: f = .guardedLn
                case .log10: f = .guardedLog10
                case .sqrt: f = .guardedSqrt
                default: break
                }
            }
            let x = try emit(args[0], bindings: bindings, depth: depth)
            let s = try push(.init(op: .function1, a: x, function: f.rawValue))
            return try fold(s, operands: [x])
        }
        if let f = Self.functions2[name] {
            try arity(2)
            let x = try emit(args[0], bindings: bindings, depth: depth)
            let y = try emit(args[1], bindings: bindings, depth: depth)
            let s = try push(.init(op: .function2, a: x, b: y, function: f.rawValue))
            return try fold(s, operands: [x, y])
        }
        switch name {
        case "pow", "pwr":
            try arity(2)
            let x = try emit(args[0], bindings: bindings, depth: depth)
            let y = try emit(args[1], bindings: bindings, depth: depth)
            // ngspice: in B-source expressions pwr() keeps the sign of x; in .param (front end)
            // pwr(x, y) = pow(|x|, y) like pow() (manual §2.9.5 vs §5.1.1).
            let signed = name == "pwr" && allowRuntime
            let s = try push(.init(op: signed ? .guardedSignedPower : (allowRuntime ? .guardedPower : .power), a: x, b: y))
            return try fold(s, operands: [x, y])
        case "sqr":
            // ngspice's numparam square (xpressn.c): sqr(x) = x·x.
            try arity(1)
            let x = try emit(args[0], bindings: bindings, depth: depth)
            let s = try push(.init(op: .multiply, a: x, b: x))
            return try fold(s, operands: [x])
        case "limit":
            try arity(3)
            let x = try emit(args[0], bindings: bindings, depth: depth)
            let lo = try emit(args[1], bindings: bindings, depth: depth)
            let hi = try emit(args[2], bindings: bindings, depth: depth)
            let s = try push(.init(op: .limit, a: x, b: lo, c: hi))
            return try fold(s, operands: [x, lo, hi])
        case "ternary_fcn":
            try arity(3)
            return try emit(.conditional(args[0], args[1], args[2]), bindings: bindings, depth: depth)
        case "gauss", "agauss", "unif", "aunif", "lognormal":
            // Statistical functions (ExpressionStatistics.swift): a draw during a Monte Carlo
            // run, the nominal value otherwise.
            guard let function = StatisticalFunction(rawValue: name) else { throw InputError(location, "unknown function '\(name)'") }
            try arity(function.arity)
            guard let sampler = StatisticalSampler.current else { return try emit(args[0], bindings: bindings, depth: depth) }
            var values: [Double] = []
            for a in args {
                // Two statements: `isConstant(try emit(…))` would read `code` before emit grows it.
                let slot = try emit(a, bindings: bindings, depth: depth)
                guard let v = isConstant(slot) else {
                    throw InputError(location, "the arguments of '\(name)' must be constants (parameters and numbers), not run-time quantities")
                }
                values.append(v)
            }
            if function == .agauss || function == .gauss || function == .lognormal, values[2] == 0 {
                throw InputError(location, "'\(name)': the sigma argument (third) must not be zero")
            }
            return try constant(sampler.draw(function, values))
        case "pwl":
            guard args.count >= 3, (args.count - 1) % 2 == 0 else {
                throw InputError(location, "pwl(x, x0, y0, x1, y1, …) needs x and an even number of table values")
            }
            let x = try emit(args[0], bindings: bindings, depth: depth)
            var slots: [Int32] = []
            for a in args.dropFirst() { slots.append(try emit(a, bindings: bindings, depth: depth)) }
            let pairs = slots.count / 2
            for p in 1..<max(pairs, 1) {
                if let x0 = isConstant(slots[2 * (p - 1)]), let x1 = isConstant(slots[2 * p]), x1 < x0 {
                    throw InputError(location, "pwl() table x values must be non-decreasing")
                }
            }
            let start = Int32(extra.count)
            extra.append(contentsOf: slots)
            return try push(.init(op: .pwl, a: x, b: start, c: Int32(pairs)))
        default:
            throw InputError(location, "unknown function '\(name)'")
        }
    }
}
