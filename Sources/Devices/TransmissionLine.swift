import Glibc
import LithicCore

/// Lossless transmission line `T<name> p1+ p1− p2+ p2− Z0=… TD=…` (or `F=… [NL=…]`, TD = NL/F,
/// NL = 0.25 by default), as SPICE's TRA: Branin's method of characteristics. Each port's current
/// is an unknown; in transient
///   v₁(t) − Z₀·i₁(t) = v₂(t − TD) + Z₀·i₂(t − TD),   v₂(t) − Z₀·i₂(t) = v₁(t − TD) + Z₀·i₁(t − TD),
/// with the delayed terms interpolated from the accepted time points (the time step is bounded by
/// TD so they are always in the past); at DC the delay vanishes (a lossless line is a through
/// connection) and in AC the delay is the exact factor e^{−jωTD}.
public struct TransmissionLine: Device {
    public let name: String
    public let a1: Int, b1: Int, a2: Int, b2: Int
    /// Characteristic impedance (Ω) and delay (s).
    public let impedance: Double
    public let delay: Double
    var i1 = 0, i2 = 0
    var historySlot = 0
    // Row i1: a1, b1, i1, a2, b2, i2; row i2 likewise; KCL: (a1,i1) (b1,i1) (a2,i2) (b2,i2).
    var row1 = [Int](repeating: 0, count: 6), row2 = [Int](repeating: 0, count: 6)
    var kcl = [Int](repeating: 0, count: 4)
    var history = History()

    /// The accepted points' outgoing waves v + Z₀·i at each port (one per analysis, made by `bind`).
    final class History {
        var times: [Double] = []
        var wave1: [Double] = []   // v₁ + Z₀ i₁
        var wave2: [Double] = []   // v₂ + Z₀ i₂
        /// Linear interpolation at τ; the first point before the start, the last after the end.
        func value(at tau: Double) -> (Double, Double) {
            guard let first = times.first, let last = times.last else { return (0, 0) }
            if tau <= first { return (wave1[0], wave2[0]) }
            if tau >= last { return (wave1[times.count - 1], wave2[times.count - 1]) }
            var lo = 0, hi = times.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if times[mid] <= tau { lo = mid } else { hi = mid }
            }
            let w = (tau - times[lo]) / (times[hi] - times[lo])
            return (wave1[lo] + w * (wave1[hi] - wave1[lo]), wave2[lo] + w * (wave2[hi] - wave2[lo]))
        }
    }

    public init(name: String, a1: Int, b1: Int, a2: Int, b2: Int, impedance: Double, delay: Double) {
        self.name = name; self.a1 = a1; self.b1 = b1; self.a2 = a2; self.b2 = b2
        self.impedance = impedance; self.delay = delay
    }

    /// Not linear for the solver: the delayed waves are recorded from each evaluation, so the
    /// converged step must be evaluated (a linear system would be solved without it).
    public var isLinear: Bool { false }
    public var maximumTimeStep: Double? { delay }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        i1 = allocator.addUnknown(name + "#i1", kind: .current)
        i2 = allocator.addUnknown(name + "#i2", kind: .current)
        historySlot = allocator.addDiscreteState(3)  // time, wave₁, wave₂ of this evaluation
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        let columns1 = [a1, b1, i1, a2, b2, i2], columns2 = [a2, b2, i2, a1, b1, i1]
        for k in 0..<6 { row1[k] = binder.slot(i1, columns1[k]); row2[k] = binder.slot(i2, columns2[k]) }
        kcl = [binder.slot(a1, i1), binder.slot(b1, i1), binder.slot(a2, i2), binder.slot(b2, i2)]
        history = History()
    }

    public func load(_ c: inout LoadContext) {
        let x = c.x, z = impedance
        let v1 = x[a1] - x[b1], v2 = x[a2] - x[b2]
        let w1 = v1 + z * x[i1], w2 = v2 + z * x[i2]
        c.f[a1] += x[i1]; c.f[b1] -= x[i1]; c.f[a2] += x[i2]; c.f[b2] -= x[i2]
        let jf = c.jf
        jf[kcl[0]] += 1; jf[kcl[1]] -= 1; jf[kcl[2]] += 1; jf[kcl[3]] -= 1
        // Own port: v − Z₀ i.
        c.f[i1] += v1 - z * x[i1]
        c.f[i2] += v2 - z * x[i2]
        for row in [row1, row2] { jf[row[0]] += 1; jf[row[1]] -= 1; jf[row[2]] -= z }
        let d = c.discreteState + historySlot
        if let t = c.time, !c.smallSignal {
            // Record the last accepted point, then read the far port's wave one delay ago.
            let accepted = c.acceptedDiscreteState + historySlot
            if history.times.isEmpty || accepted[0] > (history.times.last ?? -.infinity) {
                history.times.append(accepted[0]); history.wave1.append(accepted[1]); history.wave2.append(accepted[2])
            }
            let (past1, past2) = history.value(at: t - delay)
            c.f[i1] -= past2
            c.f[i2] -= past1
            d[0] = t
        } else if !c.smallSignal {
            // DC: no delay — the far port's present wave, with its Jacobian.
            c.f[i1] -= w2
            c.f[i2] -= w1
            for row in [row1, row2] { jf[row[3]] -= 1; jf[row[4]] += 1; jf[row[5]] -= z }
            d[0] = 0
        }
        // (Small signal: the delayed coupling is the exact admittance below.)
        d[1] = w1; d[2] = w2
    }

    public func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {
        // −e^{−jωTD} (v_far + Z₀ i_far) in each port's row.
        let re = -cos(omega * delay), im = sin(omega * delay)
        for row in [row1, row2] {
            add(row[3], re, im); add(row[4], -re, -im); add(row[5], impedance * re, impedance * im)
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[i1] }
}

extension TransmissionLine {
    /// `T<name> a1 b1 a2 b2 Z0= TD=|F= [NL=]` (ngspice's lossless line).
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "lossless transmission line", syntax: "T<name> a1 b1 a2 b2 Z0= TD=|F= [NL=]",
        summary: "ideal lossless line: characteristic impedance and delay, method of characteristics (Branin 1967; ngspice tra)",
        prototype: ParameterValues(), parameters: [
            ParameterValues.setting("z0", aliases: ["zo"], unit: "Ω", range: .positive, default: nil, defaultText: "required", "characteristic impedance"),
            ParameterValues.setting("td", unit: "s", range: .positive, default: nil, defaultText: "NL/F", "delay"),
            ParameterValues.setting("f", unit: "Hz", range: .positive, default: nil, defaultText: "—", "frequency at which the line is NL wavelengths long"),
            ParameterValues.setting("nl", unit: "-", range: .positive, default: 0.25, "electrical length at F in wavelengths"),
            .notModelled("ic", unit: "V, A", scope: .instance, "initial port voltages and currents"),
        ])
}
