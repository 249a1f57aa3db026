import ComplexModule
import RealModule

/// The equivalent-circuit elements of impedance spectroscopy, with impedance.py's formulas and
/// parameter order (so its users' initial-guess lists work unchanged). ω = 2πf, j² = −1.
///
/// | element | Z(ω) | parameters |
/// |---|---|---|
/// | R | R | R (Ω) |
/// | C | 1/(jωC) | C (F) |
/// | L | jωL | L (H) |
/// | CPE | 1/(Q (jω)^α) | Q (Ω⁻¹ sᵅ), α |
/// | W | A_W (1 − j)/√ω | A_W (Ω s^-½) |
/// | Wo | Z0 coth(√(jωτ))/√(jωτ) (finite, reflective) | Z0 (Ω), τ (s) |
/// | Ws | Z0 tanh(√(jωτ))/√(jωτ) (finite, transmissive) | Z0 (Ω), τ (s) |
/// | La | (L jω)^α | L (H s), α |
/// | G | R_G/√(1 + jω t_G) (Gerischer) | R_G (Ω), t_G (s) |
/// | Gs | R_G/(√(1+jωt_G) tanh(φ√(1+jωt_G))) (finite Gerischer, Green 2008) | R_G, t_G, φ |
/// | K | R/(1 + jωτ) (Voigt element) | R (Ω), τ (s) |
/// | Zarc | R/(1 + (jωτ)^γ) | R (Ω), τ (s), γ |
/// | TLMQ | √(R_ion Z_s) coth √(R_ion/Z_s), Z_s = 1/(Q_s (jω)^γ) (Landesfeind 2016) | R_ion, Q_s, γ |
/// | T | A coth β/β + B/(β sinh β), β = √(a + jωb) (Paasch 1993) | A, B, a, b |
public enum ElementKind: String, CaseIterable, Sendable {
    case R, C, L, CPE, W, Wo, Ws, La, G, Gs, K, Zarc, TLMQ, T

    /// Parameter names in impedance.py's order; the fit names them `<element>` when there is one
    /// and `<element>_<k>` otherwise, as impedance.py does.
    public var parameterNames: [String] {
        switch self {
        case .R: return ["R"]
        case .C: return ["C"]
        case .L: return ["L"]
        case .CPE: return ["Q", "alpha"]
        case .W: return ["A_W"]
        case .Wo, .Ws: return ["Z0", "tau"]
        case .La: return ["L", "alpha"]
        case .G: return ["R_G", "t_G"]
        case .Gs: return ["R_G", "t_G", "phi"]
        case .K: return ["R", "tau_k"]
        case .Zarc: return ["R", "tau_k", "gamma"]
        case .TLMQ: return ["R_ion", "Q_s", "gamma"]
        case .T: return ["A", "B", "a", "b"]
        }
    }

    public var units: [String] {
        switch self {
        case .R: return ["Ohm"]
        case .C: return ["F"]
        case .L: return ["H"]
        case .CPE: return ["Ohm^-1 s^a", ""]
        case .W: return ["Ohm s^-1/2"]
        case .Wo, .Ws: return ["Ohm", "s"]
        case .La: return ["H s", ""]
        case .G: return ["Ohm", "s"]
        case .Gs: return ["Ohm", "s", ""]
        case .K: return ["Ohm", "s"]
        case .Zarc: return ["Ohm", "s", ""]
        case .TLMQ: return ["Ohm", "F s^(gamma-1)", ""]
        case .T: return ["Ohm m^2", "Ohm m^2", "", "s"]
        }
    }

    /// Default bounds (impedance.py's: non-negative, exponents at most 1).
    public var bounds: [(Double, Double)] {
        switch self {
        case .CPE, .La: return [(0, .infinity), (0, 1)]
        case .Zarc: return [(0, .infinity), (0, .infinity), (0, 1)]
        case .TLMQ: return [(0, .infinity), (0, .infinity), (0, 1)]
        default: return parameterNames.map { _ in (0, .infinity) }
        }
    }

    /// Whether a parameter is a scale (positive, fitted in log space) or an exponent.
    public func isExponent(_ k: Int) -> Bool {
        switch self {
        case .CPE, .La: return k == 1
        case .Zarc, .TLMQ: return k == 2
        default: return false
        }
    }

    /// Z(ω) with exact derivatives with respect to each parameter (in order).
    @inlinable
    public func impedance(omega w: Double, _ p: [Double]) -> ComplexDual {
        guard p.count >= parameterNames.count else { return ComplexDual(Complex(.nan, .nan)) }
        return p.withUnsafeBufferPointer { impedance(omega: w, parameters: $0.baseAddress!) }
    }

    /// Z(ω) and its derivatives, reading this element's parameters from `p[0…]`.
    @inlinable
    public func impedance(omega w: Double, parameters p: UnsafePointer<Double>) -> ComplexDual {
        func q(_ k: Int) -> ComplexDual { .parameter(p[k], index: k) }
        let jw = Complex<Double>(0, w)
        switch self {
        case .R:
            return q(0)
        case .C:
            return (ComplexDual.complex(jw) * q(0)).reciprocal
        case .L:
            return .complex(jw) * q(0)
        case .CPE:
            // Z = ω^−α/Q · e^{−jπα/2} in closed form (one exp, one sincos), with
            // ∂Z/∂Q = −Z/Q and ∂Z/∂α = −Z·(ln ω + jπ/2).
            let logOmega = Double.log(w)
            let magnitude = Double.exp(-p[1] * logOmega) / p[0]
            let phase = -Double.pi / 2 * p[1]
            let z = Complex(magnitude * Double.cos(phase), magnitude * Double.sin(phase))
            return ComplexDual(z, -z / Complex(p[0], 0), -z * Complex(logOmega, Double.pi / 2))
        case .W:
            return q(0) * .complex(Complex(1, -1) / Complex(w.squareRoot(), 0))
        case .Wo:
            let x = ComplexDual.sqrt(.complex(jw) * q(1))
            return q(0) / (x * .tanh(x))
        case .Ws:
            let x = ComplexDual.sqrt(.complex(jw) * q(1))
            return q(0) * .tanh(x) / x
        case .La:
            return .power(.complex(jw) * q(0), q(1))
        case .G:
            return q(0) / .sqrt(.real(1) + .complex(jw) * q(1))
        case .Gs:
            let s = ComplexDual.sqrt(.real(1) + .complex(jw) * q(1))
            return q(0) / (s * .tanh(q(2) * s))
        case .K:
            return q(0) / (.real(1) + .complex(jw) * q(1))
        case .Zarc:
            return q(0) / (.real(1) + .power(.complex(jw) * q(1), q(2)))
        case .TLMQ:
            let zs = (q(1) * .power(base: jw, q(2))).reciprocal
            return .sqrt(q(0) * zs) / .tanh(.sqrt(q(0) / zs))
        case .T:
            let beta = ComplexDual.sqrt(q(2) + .complex(jw) * q(3))
            return q(0) / (beta * .tanh(beta)) + q(1) / (beta * .sinh(beta))
        }
    }
}
