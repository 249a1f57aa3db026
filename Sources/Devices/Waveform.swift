import FoundationEssentials
import Glibc

/// An independent source's time function (ngspice manual §4.1), with its defaults already
/// resolved against the `.tran` step and stop time.
public enum Waveform: Sendable {
    /// PULSE(V1 V2 TD TR TF PW PER NP): NP = 0 means unlimited pulses.
    case pulse(v1: Double, v2: Double, delay: Double, rise: Double, fall: Double, width: Double, period: Double, count: Double)
    /// SIN(VO VA FREQ TD THETA PHASE): phase in degrees.
    case sine(offset: Double, amplitude: Double, frequency: Double, delay: Double, damping: Double, phaseDegrees: Double)
    /// EXP(V1 V2 TD1 TAU1 TD2 TAU2).
    case exponential(v1: Double, v2: Double, riseDelay: Double, riseTau: Double, fallDelay: Double, fallTau: Double)
    /// PWL(T1 V1 …) with optional repeat (`r=`, -1 = none) and delay (`td=`).
    case piecewiseLinear(times: [Double], values: [Double], repeatFrom: Double, delay: Double)
    /// SFFM(VO VA FC MDI FS PHASEC PHASES): single-frequency FM.
    case sffm(offset: Double, amplitude: Double, carrier: Double, modulationIndex: Double, signal: Double, carrierPhase: Double, signalPhase: Double)
    /// AM(VA VO MF FC TD PHASES).
    case am(amplitude: Double, offset: Double, modulation: Double, carrier: Double, delay: Double, phase: Double)
    /// A multisine (impedance spectroscopy): offset + Σ aₖ·sin(2πfₖt + φₖ), phases in radians.
    case multisine(offset: Double, amplitudes: [Double], frequencies: [Double], phases: [Double])

    /// The value at time `t` (s).
    public func value(at t: Double) -> Double {
        switch self {
        case let .pulse(v1, v2, td, tr, tf, pw, per, np):
            if t < td { return v1 }
            var tt = t - td
            if per > 0 {
                let k = (tt / per).rounded(.down)
                if np > 0, k >= np { return v1 }
                tt -= k * per
            }
            if tt < tr { return tr > 0 ? v1 + (v2 - v1) * tt / tr : v2 }
            if tt < tr + pw { return v2 }
            if tt < tr + pw + tf { return tf > 0 ? v2 + (v1 - v2) * (tt - tr - pw) / tf : v1 }
            return v1
        case let .sine(vo, va, freq, td, theta, phase):
            let ph = phase * Double.pi / 180
            if t <= td { return vo + va * Glibc.sin(ph) }
            let tt = t - td
            return vo + va * Glibc.sin(2 * Double.pi * freq * tt + ph) * Glibc.exp(-tt * theta)
        case let .exponential(v1, v2, td1, tau1, td2, tau2):
            if t <= td1 { return v1 }
            var v = v1 + (v2 - v1) * (1 - Glibc.exp(-(t - td1) / tau1))
            if t > td2 { v += (v1 - v2) * (1 - Glibc.exp(-(t - td2) / tau2)) }
            return v
        case let .piecewiseLinear(times, values, repeatFrom, delay):
            guard let first = times.first, let last = times.last, !values.isEmpty else { return 0 }
            var tt = t - delay
            if tt <= first { return values[0] }
            if tt >= last {
                if repeatFrom >= 0, last > repeatFrom {
                    let span = last - repeatFrom
                    tt = repeatFrom + (tt - last).truncatingRemainder(dividingBy: span)
                    if tt == repeatFrom, t - delay > last { tt = last }
                } else {
                    return values[values.count - 1]
                }
            }
            var lo = 0, hi = times.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if times[mid] <= tt { lo = mid } else { hi = mid }
            }
            let dt = times[hi] - times[lo]
            return dt > 0 ? values[lo] + (values[hi] - values[lo]) * (tt - times[lo]) / dt : values[hi]
        case let .sffm(vo, va, fc, mdi, fs, pc, ps):
            return vo + va * Glibc.sin(2 * Double.pi * fc * t + mdi * Glibc.sin(2 * Double.pi * fs * t + ps * Double.pi / 180) + pc * Double.pi / 180)
        case let .multisine(offset, amplitudes, frequencies, phases):
            var v = offset
            for k in 0..<amplitudes.count { v += amplitudes[k] * Glibc.sin(2 * Double.pi * frequencies[k] * t + phases[k]) }
            return v
        case let .am(va, vo, mf, fc, td, ph):
            if t <= td { return 0 }
            let tt = t - td
            return va * (vo + Glibc.sin(2 * Double.pi * mf * tt)) * Glibc.sin(2 * Double.pi * fc * tt + ph * Double.pi / 180)
        }
    }

    /// Corners of the waveform in (from, to], where the integrator must land and restart.
    public func breakpoints(from: Double, to: Double, into list: inout [Double]) {
        switch self {
        case let .pulse(_, _, td, tr, tf, pw, per, np):
            let corners = [0, tr, tr + pw, tr + pw + tf]
            if per > 0, per.isFinite {
                var k = max(0, ((from - td) / per).rounded(.down) - 1)
                while true {
                    if np > 0, k >= np { break }
                    let base = td + k * per
                    if base > to { break }
                    for c in corners where base + c > from && base + c <= to { list.append(base + c) }
                    k += 1
                    if k > 1e9 { break }
                }
            } else {
                for c in corners where td + c > from && td + c <= to { list.append(td + c) }
            }
        case let .exponential(_, _, td1, _, td2, _):
            for c in [td1, td2] where c > from && c <= to { list.append(c) }
        case let .piecewiseLinear(times, _, repeatFrom, delay):
            guard let last = times.last else { return }
            for tp in times where tp + delay > from && tp + delay <= to { list.append(tp + delay) }
            if repeatFrom >= 0, last > repeatFrom {
                let span = last - repeatFrom
                var base = last + delay
                var count = 0
                while base < to, count < 100_000 {
                    for tp in times where tp >= repeatFrom {
                        let tt = base + (tp - repeatFrom)
                        if tt > from && tt <= to { list.append(tt) }
                    }
                    base += span
                    count += 1
                }
            }
        case let .sine(_, _, _, td, _, _):
            if td > from && td <= to { list.append(td) }
        case .sffm, .am, .multisine:
            break
        }
    }
}

/// Everything an independent source line says: DC value, AC magnitude and phase, time function.
public struct SourceSpecification: Sendable {
    public var dc: Double = 0
    /// Whether `DC` was given explicitly (else the DC value is the waveform at t = 0).
    public var hasExplicitDC = false
    public var acMagnitude: Double = 0
    public var acPhaseDegrees: Double = 0
    public var waveform: Waveform?
    public init() {}

    /// The value at `time` (s), or the DC value when `time` is nil.
    @inline(__always)
    public func value(at time: Double?) -> Double {
        if let t = time, let w = waveform { return w.value(at: t) }
        if time == nil, !hasExplicitDC, let w = waveform { return w.value(at: 0) }
        return dc
    }
}
