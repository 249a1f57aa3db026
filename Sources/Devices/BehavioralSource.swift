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
    public let expression: CompiledExpression
    public let inputs: [ResolvedInput]
    var inputUnknowns: [(Int, Int)] = []  // (plus, minus) unknown per input; 0 = none
    var inputSlots: [(Int, Int, Int, Int)] = []  // per input: (row a or branch)×(plus, minus) slots
    public private(set) var branch = 0
    var branchSlots: (Int, Int, Int, Int) = (0, 0, 0, 0)
    let scratch = BehavioralScratch()

    public init(name: String, a: Int, b: Int, kind: Kind, expression: CompiledExpression, inputs: [ResolvedInput]) {
        self.name = name; self.a = a; self.b = b; self.kind = kind; self.expression = expression; self.inputs = inputs
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        if kind == .voltage { branch = allocator.addBranch(device: name) }
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        inputUnknowns = []
        for input in inputs {
            switch input {
            case .voltage(let p, let m): inputUnknowns.append((p, m))
            case .current(let device):
                guard let k = binder.branch(of: device) else {
                    throw SimulationError(analysis: "setup", point: "", message: "\(name): i(\(device)) names no voltage source or inductor")
                }
                inputUnknowns.append((k, 0))
            case .time, .constant: inputUnknowns.append((0, 0))
            }
        }
        inputSlots = inputUnknowns.map { (p, m) in
            if kind == .current {
                return (binder.slot(a, p), binder.slot(a, m), binder.slot(b, p), binder.slot(b, m))
            }
            return (binder.slot(branch, p), binder.slot(branch, m), 0, 0)
        }
        if kind == .voltage {
            branchSlots = (binder.slot(a, branch), binder.slot(b, branch), binder.slot(branch, a), binder.slot(branch, b))
        }
        scratch.values = [Double](repeating: 0, count: inputs.count)
        scratch.gradient = [Double](repeating: 0, count: inputs.count)
    }

    public func load(_ c: inout LoadContext) {
        let s = scratch
        for k in 0..<inputs.count {
            switch inputs[k] {
            case .voltage, .current:
                let (p, m) = inputUnknowns[k]
                s.values[k] = c.x[p] - c.x[m]
            case .time: s.values[k] = c.time ?? 0
            case .constant(let v): s.values[k] = v
            }
        }
        let value = expression.valueAndGradient(s.values, gradient: &s.gradient, workspace: s.workspace)
        switch kind {
        case .current:
            c.f[a] += value; c.f[b] -= value
            for k in 0..<inputs.count {
                let g = s.gradient[k]
                if g == 0 { continue }
                let sl = inputSlots[k]
                c.jf[sl.0] += g; c.jf[sl.1] -= g; c.jf[sl.2] -= g; c.jf[sl.3] += g
            }
        case .voltage:
            let i = c.x[branch]
            c.f[a] += i; c.f[b] -= i
            c.f[branch] += c.x[a] - c.x[b] - value
            c.jf[branchSlots.0] += 1; c.jf[branchSlots.1] -= 1; c.jf[branchSlots.2] += 1; c.jf[branchSlots.3] -= 1
            for k in 0..<inputs.count {
                let g = s.gradient[k]
                if g == 0 { continue }
                let sl = inputSlots[k]
                c.jf[sl.0] -= g; c.jf[sl.1] += g
            }
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { kind == .voltage ? x[branch] : nil }
}

/// Per-device scratch for evaluating a behavioural expression without allocating.
final class BehavioralScratch {
    var values: [Double] = []
    var gradient: [Double] = []
    let workspace = ExpressionWorkspace()
}
