import FoundationEssentials
import Glibc

/// A real number with its derivatives with respect to up to eight unknowns (forward-mode AD on
/// SIMD8 lanes): used by multi-state electrochemical devices for exact Jacobians.
public struct DualState: Sendable {
    public var value: Double
    public var d: SIMD8<Double>
    @inlinable public init(_ value: Double, _ d: SIMD8<Double> = .zero) { self.value = value; self.d = d }
    @inlinable public static func variable(_ value: Double, _ index: Int) -> DualState {
        var d = SIMD8<Double>.zero
        d[index] = 1
        return DualState(value, d)
    }
    @inline(__always) @inlinable public static func + (a: DualState, b: DualState) -> DualState { DualState(a.value + b.value, a.d + b.d) }
    @inline(__always) @inlinable public static func - (a: DualState, b: DualState) -> DualState { DualState(a.value - b.value, a.d - b.d) }
    @inline(__always) @inlinable public static prefix func - (a: DualState) -> DualState { DualState(-a.value, -a.d) }
    @inline(__always) @inlinable public static func * (a: DualState, b: DualState) -> DualState { DualState(a.value * b.value, a.d * b.value + b.d * a.value) }
    @inline(__always) @inlinable public static func / (a: DualState, b: DualState) -> DualState {
        let q = a.value / b.value
        return DualState(q, (a.d - b.d * q) / b.value)
    }
    @inline(__always) @inlinable public static func + (a: DualState, b: Double) -> DualState { DualState(a.value + b, a.d) }
    @inline(__always) @inlinable public static func + (a: Double, b: DualState) -> DualState { DualState(a + b.value, b.d) }
    @inline(__always) @inlinable public static func - (a: DualState, b: Double) -> DualState { DualState(a.value - b, a.d) }
    @inline(__always) @inlinable public static func - (a: Double, b: DualState) -> DualState { DualState(a - b.value, -b.d) }
    @inline(__always) @inlinable public static func * (a: DualState, b: Double) -> DualState { DualState(a.value * b, a.d * b) }
    @inline(__always) @inlinable public static func * (a: Double, b: DualState) -> DualState { DualState(a * b.value, b.d * a) }
    @inline(__always) @inlinable public static func / (a: DualState, b: Double) -> DualState { DualState(a.value / b, a.d / b) }
    @inline(__always) @inlinable public static func / (a: Double, b: DualState) -> DualState { DualState(a / b.value, b.d * (-a / (b.value * b.value))) }
    @inline(__always) @inlinable func chain(_ f: Double, _ slope: Double) -> DualState { DualState(f, d * slope) }
    @inlinable public static func exp(_ a: DualState) -> DualState { let e = Glibc.exp(min(a.value, 700)); return a.chain(e, e) }
    @inlinable public static func log(_ a: DualState) -> DualState { a.chain(Glibc.log(a.value), 1 / a.value) }
    @inlinable public static func pow(_ a: DualState, _ p: Double) -> DualState {
        if a.value <= 0 { return DualState(0) }
        let r = Glibc.pow(a.value, p)
        return a.chain(r, p * r / a.value)
    }
    /// s·ln(1 + e^{x/s}): a smooth max(x, 0) with width s.
    @inlinable public static func softplus(_ a: DualState, scale s: Double) -> DualState {
        let z = a.value / s
        let v = z > 30 ? a.value : s * Glibc.log1p(Glibc.exp(z))
        let slope = 1 / (1 + Glibc.exp(-z))
        return a.chain(v, slope)
    }
    /// 1/(1 + e^(−a)), evaluated without overflow for any a.
    @inlinable public static func logistic(_ a: DualState) -> DualState {
        let v = a.value >= 0 ? 1 / (1 + Glibc.exp(-a.value)) : Glibc.exp(a.value) / (1 + Glibc.exp(a.value))
        return a.chain(v, v * (1 - v))
    }
    @inlinable public static func tanh(_ a: DualState) -> DualState { let t = Glibc.tanh(a.value); return a.chain(t, 1 - t * t) }
}
