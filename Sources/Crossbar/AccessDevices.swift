import FoundationEssentials
import Glibc
import LithicCore
import Devices

/// The access element in series with each crossbar cell.
public enum AccessDevice: Sendable {
    /// Cell directly between word and bit line (passive "0T1R" array).
    case none
    /// A two-terminal threshold selector (1S1R), see `Selector`.
    case selector(Selector)
    /// A transistor (1T1R) whose gate is driven per row, see `AccessTransistor`.
    case transistor(AccessTransistor)
}

/// A bidirectional threshold selector (an ovonic-threshold-like volatile switch, in its smooth
/// non-volatile-free compact form): I = G_leak·V + G_on·V_s·[s((V − V_th)/V_s) − s((−V − V_th)/V_s)],
/// s the softplus. Below |V_th| only the leakage conducts; above it the incremental conductance
/// rises to G_on within a few V_s. Half-selected cells under V/2 or V/3 sit below threshold, which
/// is what suppresses sneak paths. Units: S, S, V, V.
public struct Selector: Sendable {
    public var leakage = 1e-9
    public var onConductance = 1e-2
    public var threshold = 0.5
    /// Width of the turn-on (V): the sub-threshold current falls e-fold per `smoothing` below V_th,
    /// 10 mV giving ~7 decades between V_th and V_th/3 (real selectors: 10³–10⁷ nonlinearity).
    public var smoothing = 0.01
    public init() {}

    /// Current (A) and dI/dV at voltage v with threshold vth.
    @inline(__always)
    func current(_ v: Double, threshold vth: Double) -> (Double, Double) {
        func softplus(_ z: Double) -> (Double, Double) {
            let s = z > 30 ? z : log1p(exp(z))
            return (s, 1 / (1 + exp(-z)))
        }
        let (sp, dp) = softplus((v - vth) / smoothing)
        let (sn, dn) = softplus((-v - vth) / smoothing)
        return (leakage * v + onConductance * smoothing * (sp - sn), leakage + onConductance * (dp + dn))
    }
}

/// An n-channel access transistor in the symmetric square-law form used for 1T1R cells:
/// I_ds = (K/2)·[u(V_gs − V_t)² − u(V_gd − V_t)²] with u(z) = V_s·softplus(z/V_s) (smooth turn-on,
/// exponential subthreshold), which is K(V_gs − V_t − V_ds/2)V_ds in the linear region and
/// (K/2)(V_gs − V_t)² in saturation, and swaps drain and source when V_ds < 0. The gate is an ideal
/// per-row voltage (gate lines carry no current; their resistance is not modelled). Units: V, A/V², V.
public struct AccessTransistor: Sendable {
    public var threshold = 0.5
    public var transconductance = 2e-3
    public var smoothing = 0.03
    /// Gate voltage of a selected and of an unselected row (V).
    public var gateOn = 1.8
    public var gateOff = 0.0
    public init() {}

    /// Current d → s (A) and its derivatives with respect to V_d and V_s, for gate voltage g.
    @inline(__always)
    func current(drain vd: Double, source vs: Double, gate g: Double) -> (Double, Double, Double) {
        func u(_ z: Double) -> (Double, Double) {
            let t = z / smoothing
            let s = t > 30 ? z : smoothing * log1p(exp(t))
            return (s, 1 / (1 + exp(-t)))
        }
        let (us, dus) = u(g - vs - threshold)
        let (ud, dud) = u(g - vd - threshold)
        let k = transconductance / 2
        let i = k * (us * us - ud * ud)
        return (i, k * 2 * ud * dud, -k * 2 * us * dus)
    }
}

/// The selector or transistor of one cell as a circuit device between nodes `a` (towards the
/// memristor / word line) and `b` (bit line).
struct AccessElement: Device {
    let name: String
    let a: Int, b: Int
    let kind: AccessDevice
    /// Threshold of this cell's selector (device-to-device spread), V.
    let threshold: Double
    /// Gate voltage of this cell's row for the present operation, V.
    var gate: Double
    var slots: [Int] = []

    var isLinear: Bool { false }

    mutating func bind(_ binder: inout MatrixBinder) throws {
        slots = [binder.slot(a, a), binder.slot(a, b), binder.slot(b, a), binder.slot(b, b)]
    }

    func load(_ c: inout LoadContext) {
        let va = c.x[a], vb = c.x[b]
        let i: Double, da: Double, db: Double
        switch kind {
        case .none:
            return
        case .selector(let s):
            let (cur, g) = s.current(va - vb, threshold: threshold)
            i = cur; da = g; db = -g
        case .transistor(let t):
            (i, da, db) = t.current(drain: va, source: vb, gate: gate)
        }
        c.f[a] += i; c.f[b] -= i
        c.jf[slots[0]] += da; c.jf[slots[1]] += db
        c.jf[slots[2]] -= da; c.jf[slots[3]] -= db
    }

    func terminalCurrent(x: UnsafePointer<Double>) -> Double? {
        switch kind {
        case .none: return nil
        case .selector(let s): return s.current(x[a] - x[b], threshold: threshold).0
        case .transistor(let t): return t.current(drain: x[a], source: x[b], gate: gate).0
        }
    }
}
