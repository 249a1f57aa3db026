import FoundationEssentials
import Glibc

/// Integration of one device's state at a held voltage: what a cell does during a write pulse
/// when the array around it is quasi-static (no reactive elements, so the line voltages follow
/// the states instantly). Implicit Euler with steps that move the state by at most 0.5 % of its
/// range (the models are stiff near their windows), Newton on x − x₀ − h·rate(v, x) = 0.
extension MemristorModel {
    /// The span of the state variable (its unit).
    public var stateRange: Double {
        switch self {
        case .linearDrift, .yakopcic: return 1
        case .team(let m): return (m.xoff - m.xon) * m.xscaling
        case .vteam(let m): return (m.xoff - m.xon) * m.xscaling
        case .llzo(let m): return m.gap * 1e6
        case .stanford(let m): return (m.gapMaximum - m.gapMinimum) * 1e9
        }
    }

    /// Small-signal conductance (S) at state x, measured at `readVoltage` (V).
    public func conductance(state x: Double, readVoltage: Double = 0.1) -> Double {
        current(v: Dual2(readVoltage), x: Dual2(x)).value / readVoltage
    }

    /// One implicit-Euler step of length h at voltage v from state x.
    func implicitStep(_ x: Double, voltage v: Double, h: Double) -> Double {
        var y = x + h * rateValue(v, x)
        for _ in 0..<30 {
            let xv = Dual2(y, 0, 1)
            let r = rate(v: Dual2(v), x: xv, i: current(v: Dual2(v), x: xv))
            let g = y - x - h * r.value
            let dg = 1 - h * r.dx
            guard dg != 0, dg.isFinite else { break }
            let dy = g / dg
            y -= dy
            if abs(dy) <= 1e-12 * max(stateRange, abs(y)) { break }
        }
        return y
    }

    func rateValue(_ v: Double, _ x: Double) -> Double {
        let xv = Dual2(x)
        return rate(v: Dual2(v), x: xv, i: current(v: Dual2(v), x: xv)).value
    }

    /// The state after `duration` seconds at constant voltage `v`, from `x`.
    public func advance(state x: Double, voltage v: Double, duration: Double) -> Double {
        var t = 0.0, y = x
        let limit = 0.005 * stateRange
        var steps = 0
        while t < duration && steps < 100_000 {
            let r = abs(rateValue(v, y))
            if r == 0 { break }
            var h = min(duration - t, limit / r)
            var next = implicitStep(y, voltage: v, h: h)
            // Implicit Euler can still jump across a window; halve until the move is bounded.
            while abs(next - y) > 4 * limit && h > 1e-18 { h /= 2; next = implicitStep(y, voltage: v, h: h) }
            y = next; t += h; steps += 1
        }
        return y
    }

    /// How long a constant voltage `v` must be held, from state `x`, until the conductance
    /// (read at `readVoltage`) reaches `target`; nil if it does not within `maximum` seconds.
    public func timeToReach(conductance target: Double, from x: Double, voltage v: Double, readVoltage: Double, maximum: Double) -> Double? {
        let g0 = conductance(state: x, readVoltage: readVoltage)
        let rising = target > g0
        var t = 0.0, y = x, g = g0
        let limit = 0.002 * stateRange
        var steps = 0
        while t < maximum && steps < 100_000 {
            let r = abs(rateValue(v, y))
            if r == 0 { return nil }
            let h = min(maximum - t, limit / r)
            let next = implicitStep(y, voltage: v, h: h)
            let gn = conductance(state: next, readVoltage: readVoltage)
            if rising ? gn >= target : gn <= target {
                // Interpolate the crossing in log-conductance.
                let a = log(max(g, 1e-300)), b = log(max(gn, 1e-300)), c = log(target)
                let f = b != a ? (c - a) / (b - a) : 1
                return t + max(0, min(1, f)) * h
            }
            if (rising && gn < g) || (!rising && gn > g) { return nil }   // moving the wrong way
            y = next; g = gn; t += h; steps += 1
        }
        return nil
    }
}

extension MemristorModel {
    /// The same model with its ON resistance scaled by `on` and its OFF resistance by `off`
    /// (device-to-device variability): R_on/R_off of the linear-drift, TEAM and VTEAM models; the
    /// LLZO filament's resistance (ρ_Li, contact) and its ionic spreading resistance (σ); for
    /// Yakopcic and Stanford, whose conductance is one prefactor, the current scale by 1/on.
    public func scaled(on: Double, off: Double) -> MemristorModel {
        switch self {
        case .linearDrift(var m): m.ron *= on; m.roff *= off; return .linearDrift(m)
        case .team(var m): m.ron *= on; m.roff *= off; return .team(m)
        case .vteam(var m): m.ron *= on; m.roff *= off; return .vteam(m)
        case .yakopcic(var m): m.a1 /= on; m.a2 /= on; return .yakopcic(m)
        case .stanford(var m): m.i0 /= on; return .stanford(m)
        case .llzo(var m):
            m.lithiumResistivity *= on; m.contactResistance *= on; m.conductivity /= off
            return .llzo(m)
        }
    }

    /// The two ends of the state range (OFF, ON) in the state's unit.
    public var stateEnds: (off: Double, on: Double) {
        switch self {
        case .linearDrift: return (0, 1)
        case .yakopcic: return (0, 1)
        case .team(let m): return (m.xoff * m.xscaling, m.xon * m.xscaling)
        case .vteam(let m): return (m.xoff * m.xscaling, m.xon * m.xscaling)
        case .llzo(let m): return (0, m.gap * 1e6)
        case .stanford(let m): return (m.gapMaximum * 1e9, m.gapMinimum * 1e9)
        }
    }
}
