import LithicCore
import Devices

/// A memristor `YMEMRISTOR name n+ n- model [x0=…]`: a two-terminal device whose state x is an
/// unknown of the circuit with q = x and f = −dx/dt (Xyce's formulation), so Newton, truncation
/// error control and AC linearisation treat it like a node voltage. During an operating point
/// the state holds its initial value.
public struct Memristor: Device {
    public let name: String
    public let plus: Int, minus: Int
    public let model: MemristorModel
    public let initialState: Double
    var state = 0
    var s: [Int] = []  // slots: pp pn np nn px nx xp xn xx

    public init(name: String, plus: Int, minus: Int, model: MemristorModel, initialState: Double) {
        self.name = name; self.plus = plus; self.minus = minus; self.model = model; self.initialState = initialState
    }

    public var isLinear: Bool { false }
    public var maximumTimeStep: Double? { model.maximumTimeStep }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        state = allocator.addState(name + "#x", absoluteTolerance: model.stateTolerance, initialValue: initialState)
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = [b.slot(plus, plus), b.slot(plus, minus), b.slot(minus, plus), b.slot(minus, minus),
             b.slot(plus, state), b.slot(minus, state), b.slot(state, plus), b.slot(state, minus), b.slot(state, state)]
    }

    public func load(_ c: inout LoadContext) {
        let v = Dual2(c.x[plus] - c.x[minus], 1, 0)
        let x = Dual2(c.x[state], 0, 1)
        let i = model.current(v: v, x: x)
        c.f[plus] += i.value; c.f[minus] -= i.value
        c.jf[s[0]] += i.dv; c.jf[s[1]] -= i.dv; c.jf[s[2]] -= i.dv; c.jf[s[3]] += i.dv
        c.jf[s[4]] += i.dx; c.jf[s[5]] -= i.dx
        c.q[state] += x.value
        c.jq[s[8]] += 1
        if c.statesFrozen {
            c.f[state] += x.value - initialState
            c.jf[s[8]] += 1
        } else {
            let r = model.rate(v: v, x: x, i: i)
            c.f[state] -= r.value
            c.jf[s[6]] -= r.dv; c.jf[s[7]] += r.dv
            c.jf[s[8]] -= r.dx
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? {
        model.current(v: Dual2(x[plus] - x[minus]), x: Dual2(x[state])).value
    }
}
