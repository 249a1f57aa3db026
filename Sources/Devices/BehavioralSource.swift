import LithicCore

/// An input of a behavioural expression resolved to unknowns.
public enum ResolvedInput: Sendable {
    case voltage(Int, Int)
    /// Current of a voltage-defined device, resolved to its branch unknown at bind time.
    case current(String)
    case time
    case constant(Double)
}

/// Behavioural source `B<name> n+ n- V=expr` or `I=expr` (ngspice manual §5.1). The expression is
/// compiled once to a tape; each load evaluates the value and its exact gradient with respect to
/// every probed voltage and current (reverse-mode AD), so Newton gets a true Jacobian and no
/// string is interpreted at run time.
public struct BehavioralSource: Device {
    public enum Kind: Sendable { case voltage, current }
    public let name: String
    public let a: Int, b: Int
    public let kind: Kind
    public private(set) var branch = 0
    /// Everything else lives in one object, so the device is cheap to pass around in the load loop.
    let core: BehavioralCore

    public init(name: String, a: Int, b: Int, kind: Kind, expression: CompiledExpression, inputs: [ResolvedInput]) {
        self.name = name; self.a = a; self.b = b; self.kind = kind
        core = BehavioralCore(expression: expression, inputs: inputs)
    }

    public var isLinear: Bool { false }
    public var expression: CompiledExpression { core.expression }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        if kind == .voltage { branch = allocator.addBranch(device: name) }
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        let c = core
        c.batchPlan = nil
        let n = c.inputs.count
        c.plus = [Int](repeating: 0, count: n)
        c.minus = [Int](repeating: 0, count: n)
        c.isTime = [Bool](repeating: false, count: n)
        c.constants = [Double](repeating: 0, count: n)
        for (k, input) in c.inputs.enumerated() {
            switch input {
            case .voltage(let p, let m): c.plus[k] = p; c.minus[k] = m
            case .current(let device):
                guard let br = binder.branch(of: device) else {
                    throw SimulationError(analysis: "setup", point: "", message: "\(name): i(\(device)) names no voltage source or inductor")
                }
                c.plus[k] = br
            case .time: c.isTime[k] = true
            case .constant(let v): c.constants[k] = v
            }
        }
        c.slots = [Int](repeating: 0, count: 4 * n)
        for k in 0..<n {
            let p = c.plus[k], m = c.minus[k]
            if kind == .current {
                c.slots[4 * k] = binder.slot(a, p); c.slots[4 * k + 1] = binder.slot(a, m)
                c.slots[4 * k + 2] = binder.slot(b, p); c.slots[4 * k + 3] = binder.slot(b, m)
            } else {
                c.slots[4 * k] = binder.slot(branch, p); c.slots[4 * k + 1] = binder.slot(branch, m)
            }
        }
        if kind == .voltage {
            c.branchSlots = (binder.slot(a, branch), binder.slot(b, branch), binder.slot(branch, a), binder.slot(branch, b))
        }
        // At least one element each: a constant expression has no inputs, and the buffers' base
        // addresses are passed on.
        c.values = [Double](repeating: 0, count: Swift.max(n, 1))
        c.gradient = [Double](repeating: 0, count: Swift.max(n, 1))
    }

    public func load(_ ctx: inout LoadContext) {
        let c = core
        let n = c.inputs.count
        let time = ctx.time ?? 0
        c.values.withUnsafeMutableBufferPointer { v in
            for k in 0..<n { v[k] = c.inputValue(k, x: ctx.x, time: time) }
        }
        let value = c.expression.valueAndGradient(c.values, gradient: &c.gradient, workspace: c.workspace)
        c.gradient.withUnsafeBufferPointer { g in stamp(value: value, gradient: g.baseAddress!, stride: 1, &ctx) }
    }

    /// Loads all B-sources of a circuit: sources whose expressions compile to the same tape (the
    /// cells of a crossbar) are evaluated together, one instruction across the whole group at a
    /// time, instead of decoding the tape once per source.
    public static func loadAll(_ devices: UnsafeBufferPointer<BehavioralSource>, _ ctx: inout LoadContext) {
        guard let first = devices.first else { return }
        let plan: BehavioralBatchPlan
        if let p = first.core.batchPlan, p.deviceCount == devices.count { plan = p }
        else { plan = BehavioralBatchPlan(devices); first.core.batchPlan = plan }
        let time = ctx.time ?? 0
        let x = ctx.x, f = ctx.f, jf = ctx.jf
        // A convergence test in operating points and DC sweeps (where Newton starts far from the
        // answer), like ngspice's asrcconv.c but on the linearisation: a source whose value differs
        // from the linear prediction of the previous evaluation by more than
        // RELTOL·max(|value|, |prediction|) + VNTOL (a V= source) or + ABSTOL (I=) keeps Newton
        // iterating. Without it an expression with a steep slope near its singular point (sqrt,
        // ln of a small node voltage) stops on the update test at a point that is no solution:
        // 1 mA into G = 1m·sqrt(v) ∥ 1 kΩ stopped at v = 2e-16 V instead of 0.382 V (ngspice 39
        // stops there too).
        let test: BehavioralBatchPlan.ConvergenceTest? = ctx.statesFrozen && !ctx.smallSignal
            ? .init(reltol: ctx.reltol, vntol: ctx.vntol, abstol: ctx.abstol) : nil
        for group in plan.groups { ctx.limitedCount += group.load(x: x, f: f, jf: jf, time: time, test: test) }
    }

    /// Adds the source's residual and Jacobian for expression value `value`, whose derivative with
    /// respect to input k is `gradient[k * stride]`.
    @inline(__always)
    func stamp(value: Double, gradient g: UnsafePointer<Double>, stride: Int, _ ctx: inout LoadContext) {
        let c = core
        let n = c.inputs.count
        let jf = ctx.jf
        c.slots.withUnsafeBufferPointer { sl in
            switch kind {
            case .current:
                ctx.f[a] += value; ctx.f[b] -= value
                for k in 0..<n {
                    let gk = g[k * stride]
                    if gk == 0 { continue }
                    jf[sl[4 * k]] += gk; jf[sl[4 * k + 1]] -= gk; jf[sl[4 * k + 2]] -= gk; jf[sl[4 * k + 3]] += gk
                }
            case .voltage:
                let x = ctx.x
                let i = x[branch]
                ctx.f[a] += i; ctx.f[b] -= i
                ctx.f[branch] += x[a] - x[b] - value
                let bs = c.branchSlots
                jf[bs.0] += 1; jf[bs.1] -= 1; jf[bs.2] += 1; jf[bs.3] -= 1
                for k in 0..<n {
                    let gk = g[k * stride]
                    if gk == 0 { continue }
                    jf[sl[4 * k]] -= gk; jf[sl[4 * k + 1]] += gk
                }
            }
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { kind == .voltage ? x[branch] : nil }
}

/// The compiled expression, its resolved inputs, Jacobian slots and scratch buffers of one
/// behavioural source. Copies of the device share it and binding overwrites it, so a circuit is
/// bound and simulated by one system at a time (not shared between threads).
final class BehavioralCore {
    let expression: CompiledExpression
    let inputs: [ResolvedInput]
    var plus: [Int] = []
    var minus: [Int] = []
    var isTime: [Bool] = []
    var constants: [Double] = []
    var slots: [Int] = []
    var branchSlots: (Int, Int, Int, Int) = (0, 0, 0, 0)
    var values: [Double] = []
    var gradient: [Double] = []
    let workspace = ExpressionWorkspace()
    /// Set on the first source of a group by `loadAll`; cleared by `bind`.
    var batchPlan: BehavioralBatchPlan?

    init(expression: CompiledExpression, inputs: [ResolvedInput]) {
        self.expression = expression
        self.inputs = inputs
    }

    /// The present value of input k (a voltage difference or branch current, the time, or a constant).
    @inline(__always)
    func inputValue(_ k: Int, x: UnsafeMutablePointer<Double>, time: Double) -> Double {
        if isTime[k] { return time }
        let p = plus[k], m = minus[k]
        if p != 0 || m != 0 { return x[p] - x[m] }
        return constants[k]
    }
}

/// The B-sources of one group sorted by tape, with the structure-of-arrays buffers that
/// `CompiledExpression.evaluate(count:…)` works on and every source's unknowns and Jacobian slots
/// flattened, so a load touches no per-device object.
final class BehavioralBatchPlan {
    final class Group {
        let expression: CompiledExpression
        var members: [Int] = []
        /// Input k of member j at [k * G + j]: the unknowns whose difference it reads; `plus` is
        /// −1 for the time and −2 for a constant (then `constants` holds it).
        var plus: [Int] = [], minus: [Int] = [], constants: [Double] = []
        /// Per member: terminals, branch (0 for a current source) and 4 Jacobian slots per input.
        var a: [Int] = [], b: [Int] = [], branch: [Int] = [], slots: [Int] = []
        var branchSlots: [Int] = []
        var inputs: [Double] = [], values: [Double] = [], gradients: [Double] = []
        let workspace = BatchWorkspace()
        init(expression: CompiledExpression) { self.expression = expression }

        /// Each member's value, inputs and gradient at the previous evaluation (value NaN before
        /// the first), for the convergence test.
        var previous: [Double] = [], previousInputs: [Double] = [], previousGradients: [Double] = []

        /// Evaluates and stamps every member; returns how many failed the convergence test.
        func load(x: UnsafeMutablePointer<Double>, f: UnsafeMutablePointer<Double>, jf: UnsafeMutablePointer<Double>, time: Double,
                  test: ConvergenceTest?) -> Int {
            let G = members.count, m = expression.inputs.count
            var moving = 0
            inputs.withUnsafeMutableBufferPointer { inputs in
            values.withUnsafeMutableBufferPointer { values in
            gradients.withUnsafeMutableBufferPointer { gradients in
            plus.withUnsafeBufferPointer { plus in
            minus.withUnsafeBufferPointer { minus in
            constants.withUnsafeBufferPointer { constants in
                for i in 0..<(m * G) {
                    let p = plus[i]
                    inputs[i] = p >= 0 ? x[p] - x[minus[i]] : (p == -1 ? time : constants[i])
                }
                expression.evaluate(count: G, inputs: UnsafePointer(inputs.baseAddress!), values: values.baseAddress!,
                                    gradients: gradients.baseAddress!, workspace: workspace)
            }}}
            a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
            branch.withUnsafeBufferPointer { branch in
            slots.withUnsafeBufferPointer { sl in
            branchSlots.withUnsafeBufferPointer { bs in
                for j in 0..<G {
                    let value = values[j], na = a[j], nb = b[j], br = branch[j], s = 4 * m * j
                    if br == 0 {
                        f[na] += value; f[nb] -= value
                        for k in 0..<m {
                            let gk = gradients[k * G + j]
                            if gk == 0 { continue }
                            let t = s + 4 * k
                            jf[sl[t]] += gk; jf[sl[t + 1]] -= gk; jf[sl[t + 2]] -= gk; jf[sl[t + 3]] += gk
                        }
                    } else {
                        let i = x[br]
                        f[na] += i; f[nb] -= i
                        f[br] += x[na] - x[nb] - value
                        jf[bs[4 * j]] += 1; jf[bs[4 * j + 1]] -= 1; jf[bs[4 * j + 2]] += 1; jf[bs[4 * j + 3]] -= 1
                        for k in 0..<m {
                            let gk = gradients[k * G + j]
                            if gk == 0 { continue }
                            let t = s + 4 * k
                            jf[sl[t]] -= gk; jf[sl[t + 1]] += gk
                        }
                    }
                }
            }}}}}
            }}}
            if let test {
                previous.withUnsafeMutableBufferPointer { p in
                previousInputs.withUnsafeMutableBufferPointer { pin in
                previousGradients.withUnsafeMutableBufferPointer { pg in
                inputs.withUnsafeBufferPointer { inputs in
                gradients.withUnsafeBufferPointer { gradients in
                values.withUnsafeBufferPointer { v in
                branch.withUnsafeBufferPointer { br in
                    for j in 0..<G {
                        // The linear prediction from the previous evaluation, against the value.
                        var predicted = p[j]
                        for k in 0..<m { predicted += pg[k * G + j] * (inputs[k * G + j] - pin[k * G + j]) }
                        let new = v[j]
                        let tolerance = test.reltol * Swift.max(Swift.abs(new), Swift.abs(predicted)) + (br[j] == 0 ? test.abstol : test.vntol)
                        if Swift.abs(new - predicted) > tolerance { moving += 1 }
                        p[j] = new
                    }
                    for i in 0..<(m * G) { pin[i] = inputs[i]; pg[i] = gradients[i] }
                }}}}}}}
            }
            return moving
        }
    }
    /// Tolerances of the behavioural sources' convergence test.
    struct ConvergenceTest {
        var reltol: Double, vntol: Double, abstol: Double
    }
    let deviceCount: Int
    let groups: [Group]

    init(_ devices: UnsafeBufferPointer<BehavioralSource>) {
        deviceCount = devices.count
        var index: [CompiledExpression.Tape: Int] = [:]
        var groups: [Group] = []
        for (d, device) in devices.enumerated() {
            let tape = device.core.expression.tape
            if let g = index[tape] { groups[g].members.append(d) }
            else {
                index[tape] = groups.count
                let group = Group(expression: device.core.expression)
                group.members = [d]
                groups.append(group)
            }
        }
        for g in groups {
            let G = g.members.count, m = g.expression.inputs.count
            g.plus = [Int](repeating: -2, count: m * G)
            g.minus = [Int](repeating: 0, count: m * G)
            g.constants = [Double](repeating: 0, count: m * G)
            g.slots = [Int](repeating: 0, count: 4 * m * G)
            g.branchSlots = [Int](repeating: 0, count: 4 * G)
            for (j, d) in g.members.enumerated() {
                let device = devices[d], c = device.core
                g.a.append(device.a); g.b.append(device.b)
                g.branch.append(device.kind == .voltage ? device.branch : 0)
                let bs = c.branchSlots
                (g.branchSlots[4 * j], g.branchSlots[4 * j + 1], g.branchSlots[4 * j + 2], g.branchSlots[4 * j + 3]) = (bs.0, bs.1, bs.2, bs.3)
                for k in 0..<m {
                    let i = k * G + j
                    if c.isTime[k] { g.plus[i] = -1 }
                    else if c.plus[k] != 0 || c.minus[k] != 0 { g.plus[i] = c.plus[k]; g.minus[i] = c.minus[k] }
                    else { g.constants[i] = c.constants[k] }
                    for t in 0..<4 { g.slots[4 * m * j + 4 * k + t] = c.slots[4 * k + t] }
                }
            }
            g.inputs = [Double](repeating: 0, count: Swift.max(m, 1) * G)
            g.gradients = g.inputs
            g.values = [Double](repeating: 0, count: G)
            g.previous = [Double](repeating: .nan, count: G)
            g.previousInputs = g.inputs
            g.previousGradients = g.inputs
        }
        self.groups = groups
    }
}
