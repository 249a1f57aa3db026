import LithicCore

/// The time derivative `ddt(u)` inside a behavioural expression, as an unknown of its own.
///
/// The elaborator replaces each `ddt(u)` by the voltage of an internal node y and adds this device,
/// whose row is f = y, q = −u(x): the solver's F = f + dq/dt = y − du/dt = 0 makes y = du/dt with
/// the transient's own integration formula and truncation-error control, y = 0 in an operating
/// point (as ngspice's ddt, which is 0 at DC), and Y = jω·∂u/∂x·X in AC. The device never
/// integrates: u is an ordinary charge-like quantity, exactly as a capacitor's q = C·v.
public struct BehavioralDerivative: Device {
    public let name: String
    /// The internal node that carries du/dt.
    public let node: Int
    let core: BehavioralCore
    var selfSlot = 0

    public init(name: String, node: Int, expression: CompiledExpression, inputs: [ResolvedInput]) {
        self.name = name
        self.node = node
        core = BehavioralCore(expression: expression, inputs: inputs)
    }

    public var isLinear: Bool { false }

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
        c.slots = [Int](repeating: 0, count: 2 * n)
        for k in 0..<n {
            c.slots[2 * k] = binder.slot(node, c.plus[k])
            c.slots[2 * k + 1] = binder.slot(node, c.minus[k])
        }
        selfSlot = binder.slot(node, node)
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
        let u = c.expression.valueAndGradient(c.values, gradient: &c.gradient, workspace: c.workspace)
        ctx.f[node] += ctx.x[node]
        ctx.jf[selfSlot] += 1
        ctx.q[node] -= u
        let jq = ctx.jq
        c.gradient.withUnsafeBufferPointer { g in
            c.slots.withUnsafeBufferPointer { sl in
                for k in 0..<n where g[k] != 0 {
                    jq[sl[2 * k]] -= g[k]
                    jq[sl[2 * k + 1]] += g[k]
                }
            }
        }
    }
}
