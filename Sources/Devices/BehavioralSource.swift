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
        c.values = [Double](repeating: 0, count: n)
        c.gradient = [Double](repeating: 0, count: n)
    }

    public func load(_ ctx: inout LoadContext) {
        let c = core
        let n = c.inputs.count
        let x = ctx.x
        let time = ctx.time ?? 0
        c.values.withUnsafeMutableBufferPointer { v in
            for k in 0..<n {
                if c.isTime[k] { v[k] = time }
                else if c.plus[k] != 0 || c.minus[k] != 0 { v[k] = x[c.plus[k]] - x[c.minus[k]] }
                else { v[k] = c.constants[k] }
            }
        }
        let value = c.expression.valueAndGradient(c.values, gradient: &c.gradient, workspace: c.workspace)
        let jf = ctx.jf
        switch kind {
        case .current:
            ctx.f[a] += value; ctx.f[b] -= value
            c.gradient.withUnsafeBufferPointer { g in
                c.slots.withUnsafeBufferPointer { sl in
                    for k in 0..<n where g[k] != 0 {
                        jf[sl[4 * k]] += g[k]; jf[sl[4 * k + 1]] -= g[k]; jf[sl[4 * k + 2]] -= g[k]; jf[sl[4 * k + 3]] += g[k]
                    }
                }
            }
        case .voltage:
            let i = x[branch]
            ctx.f[a] += i; ctx.f[b] -= i
            ctx.f[branch] += x[a] - x[b] - value
            let bs = c.branchSlots
            jf[bs.0] += 1; jf[bs.1] -= 1; jf[bs.2] += 1; jf[bs.3] -= 1
            c.gradient.withUnsafeBufferPointer { g in
                c.slots.withUnsafeBufferPointer { sl in
                    for k in 0..<n where g[k] != 0 {
                        jf[sl[4 * k]] -= g[k]; jf[sl[4 * k + 1]] += g[k]
                    }
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

    init(expression: CompiledExpression, inputs: [ResolvedInput]) {
        self.expression = expression
        self.inputs = inputs
    }
}
