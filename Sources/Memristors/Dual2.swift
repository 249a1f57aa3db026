import FoundationEssentials
import Glibc

/// A real number with its derivatives with respect to the unknowns a memristor sees: the
/// terminal voltage v, its state x and an optional second state y (the LLZO filament's
/// interphase) — forward-mode automatic differentiation. Model equations are written once over
/// this type and give exact Jacobians.
public struct Dual2: Sendable {
    public var value: Double
    public var dv: Double
    public var dx: Double
    public var dy: Double
    @inlinable public init(_ value: Double, _ dv: Double = 0, _ dx: Double = 0, _ dy: Double = 0) {
        self.value = value; self.dv = dv; self.dx = dx; self.dy = dy
    }

    @inlinable public static func + (a: Dual2, b: Dual2) -> Dual2 { Dual2(a.value + b.value, a.dv + b.dv, a.dx + b.dx, a.dy + b.dy) }
    @inlinable public static func - (a: Dual2, b: Dual2) -> Dual2 { Dual2(a.value - b.value, a.dv - b.dv, a.dx - b.dx, a.dy - b.dy) }
    @inlinable public static prefix func - (a: Dual2) -> Dual2 { Dual2(-a.value, -a.dv, -a.dx, -a.dy) }
    @inlinable public static func * (a: Dual2, b: Dual2) -> Dual2 {
        Dual2(a.value * b.value, a.dv * b.value + a.value * b.dv, a.dx * b.value + a.value * b.dx, a.dy * b.value + a.value * b.dy)
    }
    @inlinable public static func / (a: Dual2, b: Dual2) -> Dual2 {
        let q = a.value / b.value
        return Dual2(q, (a.dv - q * b.dv) / b.value, (a.dx - q * b.dx) / b.value, (a.dy - q * b.dy) / b.value)
    }
    @inlinable public static func + (a: Dual2, b: Double) -> Dual2 { Dual2(a.value + b, a.dv, a.dx, a.dy) }
    @inlinable public static func - (a: Dual2, b: Double) -> Dual2 { Dual2(a.value - b, a.dv, a.dx, a.dy) }
    @inlinable public static func - (a: Double, b: Dual2) -> Dual2 { Dual2(a - b.value, -b.dv, -b.dx, -b.dy) }
    @inlinable public static func + (a: Double, b: Dual2) -> Dual2 { Dual2(a + b.value, b.dv, b.dx, b.dy) }
    @inlinable public static func * (a: Dual2, b: Double) -> Dual2 { Dual2(a.value * b, a.dv * b, a.dx * b, a.dy * b) }
    @inlinable public static func * (a: Double, b: Dual2) -> Dual2 { Dual2(a * b.value, a * b.dv, a * b.dx, a * b.dy) }
    @inlinable public static func / (a: Dual2, b: Double) -> Dual2 { Dual2(a.value / b, a.dv / b, a.dx / b, a.dy / b) }
    @inlinable public static func / (a: Double, b: Dual2) -> Dual2 {
        let q = a / b.value
        return Dual2(q, -q * b.dv / b.value, -q * b.dx / b.value, -q * b.dy / b.value)
    }

    @inlinable func chain(_ f: Double, _ slope: Double) -> Dual2 { Dual2(f, slope * dv, slope * dx, slope * dy) }

    @inlinable public static func exp(_ a: Dual2) -> Dual2 { let e = Glibc.exp(a.value); return a.chain(e, e) }
    @inlinable public static func log(_ a: Dual2) -> Dual2 { a.chain(Glibc.log(a.value), 1 / a.value) }
    @inlinable public static func sinh(_ a: Dual2) -> Dual2 { a.chain(Glibc.sinh(a.value), Glibc.cosh(a.value)) }
    @inlinable public static func tanh(_ a: Dual2) -> Dual2 { let t = Glibc.tanh(a.value); return a.chain(t, 1 - t * t) }
    @inlinable public static func sqrt(_ a: Dual2) -> Dual2 { let r = Glibc.sqrt(a.value); return a.chain(r, 0.5 / r) }
    /// a^p for a constant exponent; a ≥ 0 expected (p may be fractional).
    @inlinable public static func pow(_ a: Dual2, _ p: Double) -> Dual2 {
        if a.value == 0 { return Dual2(p == 0 ? 1 : 0, 0, 0) }
        let r = Glibc.pow(a.value, p)
        return a.chain(r, p * r / a.value)
    }
    /// Integer power, defined for negative bases.
    @inlinable public static func ipow(_ a: Dual2, _ n: Int) -> Dual2 {
        if n == 0 { return Dual2(1) }
        let r = Glibc.pow(a.value, Double(n))
        let d = Double(n) * Glibc.pow(a.value, Double(n - 1))
        return a.chain(r, d)
    }
}
