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
    /// The model's physics, evaluated in `load` without copying its parameters.
    let physics: any MemristorPhysics
    public let initialState: Double
    var state = 0
    /// The second state (LLZO interphase, nm) when the model has one; −1 otherwise.
    var second = -1
    /// The values the states hold during an operating point (the initial state, or the value
    /// carried over from an earlier run).
    var heldState = 0.0, heldSecond = 0.0
    var s: [Int] = []  // slots: pp pn np nn px nx xp xn xx [py ny yp yn yx yy xy]

    public init(name: String, plus: Int, minus: Int, model: MemristorModel, initialState: Double) {
        self.name = name; self.plus = plus; self.minus = minus; self.model = model; self.initialState = initialState
        self.physics = model.physics
    }

    public var isLinear: Bool { false }
    /// Holds the state at `value` during later operating points (a programmed cell read again
    /// without rebuilding the circuit).
    public mutating func hold(state value: Double) { heldState = value }
    /// The solver unknown of the state (after allocation).
    public var stateIndex: Int { state }
    public var maximumTimeStep: Double? { model.maximumTimeStep }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        state = allocator.addState(name + "#x", absoluteTolerance: model.stateTolerance, initialValue: initialState)
        heldState = allocator.initialValue(of: state)
        if model.hasSecondState {
            second = allocator.addState(name + "#y", absoluteTolerance: 1e-6, initialValue: model.secondStateInitial)
            heldSecond = allocator.initialValue(of: second)
        }
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = [b.slot(plus, plus), b.slot(plus, minus), b.slot(minus, plus), b.slot(minus, minus),
             b.slot(plus, state), b.slot(minus, state), b.slot(state, plus), b.slot(state, minus), b.slot(state, state)]
        if second >= 0 {
            s += [b.slot(plus, second), b.slot(minus, second), b.slot(second, plus), b.slot(second, minus),
                  b.slot(second, state), b.slot(second, second), b.slot(state, second)]
        }
    }

    public static func loadAll(_ devices: UnsafeBufferPointer<Memristor>, _ context: inout LoadContext) {
        for i in 0..<devices.count { devices[i].load(&context) }
    }

    public func load(_ c: inout LoadContext) {
        let v = Dual2(c.x[plus] - c.x[minus], 1, 0)
        let x = Dual2(c.x[state], 0, 1)
        let y = second >= 0 ? Dual2(c.x[second], 0, 0, 1) : Dual2(0)
        let i = physics.current(v: v, x: x, y: y)
        c.f[plus] += i.value; c.f[minus] -= i.value
        c.jf[s[0]] += i.dv; c.jf[s[1]] -= i.dv; c.jf[s[2]] -= i.dv; c.jf[s[3]] += i.dv
        c.jf[s[4]] += i.dx; c.jf[s[5]] -= i.dx
        c.q[state] += x.value
        c.jq[s[8]] += 1
        if second >= 0 {
            c.jf[s[9]] += i.dy; c.jf[s[10]] -= i.dy
            c.q[second] += y.value
            c.jq[s[14]] += 1
        }
        if c.statesFrozen {
            c.f[state] += x.value - heldState
            c.jf[s[8]] += 1
            if second >= 0 {
                c.f[second] += y.value - heldSecond
                c.jf[s[14]] += 1
            }
        } else {
            let r = physics.rate(v: v, x: x, i: i)
            c.f[state] -= r.value
            c.jf[s[6]] -= r.dv; c.jf[s[7]] += r.dv
            c.jf[s[8]] -= r.dx
            if second >= 0 {
                c.jf[s[15]] -= r.dy
                let ry = physics.secondRate(v: v, x: x, y: y)
                c.f[second] -= ry.value
                c.jf[s[11]] -= ry.dv; c.jf[s[12]] += ry.dv
                c.jf[s[13]] -= ry.dx
                c.jf[s[14]] -= ry.dy
            }
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? {
        physics.current(v: Dual2(x[plus] - x[minus]), x: Dual2(x[state]), y: Dual2(second >= 0 ? x[second] : 0)).value
    }
}
