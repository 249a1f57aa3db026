import ComplexModule
import RealModule

/// A complex number with its exact partial derivatives with respect to up to four real
/// parameters (forward-mode automatic differentiation). Element impedances are written once over
/// this type and so come with exact parameter Jacobians for CNLS fitting.
public struct ComplexDual: Sendable {
    public var value: Complex<Double>
    public var d0: Complex<Double>, d1: Complex<Double>, d2: Complex<Double>, d3: Complex<Double>

    @inlinable public init(_ value: Complex<Double>, _ d0: Complex<Double> = .zero, _ d1: Complex<Double> = .zero,
                           _ d2: Complex<Double> = .zero, _ d3: Complex<Double> = .zero) {
        self.value = value; self.d0 = d0; self.d1 = d1; self.d2 = d2; self.d3 = d3
    }

    /// A real constant.
    @inlinable public static func real(_ x: Double) -> ComplexDual { ComplexDual(Complex(x, 0)) }
    /// A complex constant.
    @inlinable public static func complex(_ z: Complex<Double>) -> ComplexDual { ComplexDual(z) }
    /// The real parameter number `index` (0…3) with value `x`.
    @inlinable public static func parameter(_ x: Double, index: Int) -> ComplexDual {
        var r = ComplexDual(Complex(x, 0))
        switch index {
        case 0: r.d0 = .one
        case 1: r.d1 = .one
        case 2: r.d2 = .one
        default: r.d3 = .one
        }
        return r
    }

    @inlinable public func derivative(_ k: Int) -> Complex<Double> {
        switch k { case 0: return d0; case 1: return d1; case 2: return d2; default: return d3 }
    }

    /// Applies f with f'(value) = slope (chain rule).
    @inlinable func chain(_ f: Complex<Double>, _ slope: Complex<Double>) -> ComplexDual {
        ComplexDual(f, slope * d0, slope * d1, slope * d2, slope * d3)
    }

    @inlinable public static func + (a: ComplexDual, b: ComplexDual) -> ComplexDual {
        ComplexDual(a.value + b.value, a.d0 + b.d0, a.d1 + b.d1, a.d2 + b.d2, a.d3 + b.d3)
    }
    @inlinable public static func - (a: ComplexDual, b: ComplexDual) -> ComplexDual {
        ComplexDual(a.value - b.value, a.d0 - b.d0, a.d1 - b.d1, a.d2 - b.d2, a.d3 - b.d3)
    }
    @inlinable public static prefix func - (a: ComplexDual) -> ComplexDual {
        ComplexDual(-a.value, -a.d0, -a.d1, -a.d2, -a.d3)
    }
    @inlinable public static func * (a: ComplexDual, b: ComplexDual) -> ComplexDual {
        ComplexDual(a.value * b.value, a.d0 * b.value + a.value * b.d0, a.d1 * b.value + a.value * b.d1,
                    a.d2 * b.value + a.value * b.d2, a.d3 * b.value + a.value * b.d3)
    }
    @inlinable public static func / (a: ComplexDual, b: ComplexDual) -> ComplexDual {
        let q = a.value / b.value
        let inv = Complex<Double>.one / b.value
        return ComplexDual(q, (a.d0 - q * b.d0) * inv, (a.d1 - q * b.d1) * inv, (a.d2 - q * b.d2) * inv, (a.d3 - q * b.d3) * inv)
    }
    @inlinable public var reciprocal: ComplexDual { ComplexDual.real(1) / self }

    @inlinable public static func sqrt(_ a: ComplexDual) -> ComplexDual {
        let s = Complex.sqrt(a.value)
        return a.chain(s, Complex(0.5, 0) / s)
    }
    @inlinable public static func exp(_ a: ComplexDual) -> ComplexDual {
        let e = Complex.exp(a.value)
        return a.chain(e, e)
    }
    @inlinable public static func tanh(_ a: ComplexDual) -> ComplexDual {
        let t = Complex.tanh(a.value)
        return a.chain(t, .one - t * t)
    }
    /// coth z = 1/tanh z, d/dz = 1 − coth² z.
    @inlinable public static func coth(_ a: ComplexDual) -> ComplexDual {
        let c = Complex<Double>.one / Complex.tanh(a.value)
        return a.chain(c, .one - c * c)
    }
    @inlinable public static func sinh(_ a: ComplexDual) -> ComplexDual {
        a.chain(Complex.sinh(a.value), Complex.cosh(a.value))
    }
    /// z^p for a dual exponent p and a constant base z ≠ 0: exp(p·log z).
    @inlinable public static func power(base z: Complex<Double>, _ p: ComplexDual) -> ComplexDual {
        exp(p * .complex(Complex.log(z)))
    }
    /// a^p with both dual: exp(p·log a).
    @inlinable public static func power(_ a: ComplexDual, _ p: ComplexDual) -> ComplexDual {
        let l = a.chain(Complex.log(a.value), Complex<Double>.one / a.value)
        return exp(p * l)
    }
}
