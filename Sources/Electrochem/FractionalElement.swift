import ComplexModule
import FoundationEssentials
import Glibc
import Devices
import Impedance
import LithicCore
import RealModule

/// An RC-ladder (Foster) approximation of a fractional impedance over a frequency band:
/// Z(ω) ≈ R₀ + Σₖ Rₖ/(1 + jωτₖ) + 1/(jωC_s), with τₖ log-spaced one decade beyond the band on
/// each side and Rₖ, R₀, 1/C_s ≥ 0 from non-negative least squares on |Z|-weighted residuals at
/// 20 points per decade. `maximumError` is the largest |Z_ladder − Z|/|Z| over the band.
public struct RCLadder: Sendable {
    public var seriesResistance: Double
    public var sections: [(resistance: Double, tau: Double)]
    /// Series capacitance (F), nil when the fit needs none.
    public var seriesCapacitance: Double?
    public var maximumError: Double

    public func impedance(omega w: Double) -> Complex<Double> {
        var z = Complex<Double>(seriesResistance, 0)
        for s in sections { z += Complex(s.resistance, 0) / Complex(1, w * s.tau) }
        if let c = seriesCapacitance { z += Complex(0, -1 / (w * c)) }
        return z
    }

    public static func fit(_ exact: (Double) -> Complex<Double>, minimumFrequency fmin: Double, maximumFrequency fmax: Double,
                           sectionsPerDecade: Double = 3) -> RCLadder {
        let decades = log10(fmax / fmin) + 2
        let m = max(Int((decades * sectionsPerDecade).rounded()), 2)
        let tauLow = 1 / (2 * Double.pi * fmax * 10), tauHigh = 10 / (2 * Double.pi * fmin)
        let taus = (0..<m).map { tauLow * pow(tauHigh / tauLow, Double($0) / Double(m - 1)) }
        let pointsCount = max(Int((log10(fmax / fmin) * 20).rounded()) + 1, 10)
        let freqs = (0..<pointsCount).map { fmin * pow(fmax / fmin, Double($0) / Double(pointsCount - 1)) }
        let cols = m + 2  // R0, R_k…, 1/Cs
        var a = [Double](repeating: 0, count: 2 * freqs.count * cols)
        var b = [Double](repeating: 0, count: 2 * freqs.count)
        for (i, f) in freqs.enumerated() {
            let w = 2 * Double.pi * f
            let z = exact(w)
            let weight = 1 / max(z.length, 1e-300)
            b[2 * i] = z.real * weight
            b[2 * i + 1] = z.imaginary * weight
            a[(2 * i) * cols] = weight
            for k in 0..<m {
                let d = 1 + w * w * taus[k] * taus[k]
                a[(2 * i) * cols + 1 + k] = weight / d
                a[(2 * i + 1) * cols + 1 + k] = -weight * w * taus[k] / d
            }
            a[(2 * i + 1) * cols + m + 1] = -weight / w
        }
        // Column scaling for conditioning.
        var scale = [Double](repeating: 1, count: cols)
        for c in 0..<cols {
            var s = 0.0
            for r in 0..<(2 * freqs.count) { s += a[r * cols + c] * a[r * cols + c] }
            scale[c] = s > 0 ? 1 / s.squareRoot() : 1
            for r in 0..<(2 * freqs.count) { a[r * cols + c] *= scale[c] }
        }
        var (ata, atb) = DenseLinearAlgebra.normalEquations(a, rows: 2 * freqs.count, columns: cols, b)
        for c in 0..<cols { ata[c * cols + c] += 1e-12 }
        var x = DenseLinearAlgebra.nonNegativeLeastSquares(gram: ata, atb, size: cols)
        for c in 0..<cols { x[c] *= scale[c] }
        let invC = x[m + 1]
        var ladder = RCLadder(seriesResistance: x[0],
                              sections: (0..<m).compactMap { x[1 + $0] > 0 ? (x[1 + $0], taus[$0]) : nil },
                              seriesCapacitance: invC > 0 ? 1 / invC : nil, maximumError: 0)
        var worst = 0.0
        for f in freqs {
            let w = 2 * Double.pi * f
            let z = exact(w)
            worst = max(worst, (ladder.impedance(omega: w) - z).length / z.length)
        }
        ladder.maximumError = worst
        return ladder
    }
}

/// A fractional element as a circuit device, `Y<TYPE> name n+ n- model`: CPE (`cpe`: Q, α),
/// semi-infinite Warburg (`warburg`: A_W), finite Warburg open/reflective (`wo`: Z0, τ) and
/// short/transmissive (`ws`: Z0, τ), Gerischer (`gerischer`: R_G, t_G), with impedance.py's
/// formulas (EIS.md §2). In AC analysis it stamps its exact admittance 1/Z(ω); in transient it is
/// the RC ladder fitted over the model's band [FMIN, FMAX] (default 1 mHz–1 MHz), whose largest
/// relative deviation from the exact impedance over that band is `ladder.maximumError`.
public struct FractionalElement: Device {
    public let name: String
    public let plus: Int, minus: Int
    public let kind: ElementKind
    public let parameters: [Double]
    public let ladder: RCLadder
    var nodes: [Int] = []        // internal ladder nodes: after R0, after each section
    var slots: [Int] = []
    var terminalSlots: (Int, Int, Int, Int) = (0, 0, 0, 0)

    public init(name: String, plus: Int, minus: Int, kind: ElementKind, parameters: [Double], ladder: RCLadder) {
        self.name = name; self.plus = plus; self.minus = minus; self.kind = kind; self.parameters = parameters; self.ladder = ladder
    }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        // n+ —R0— a —(R1‖C1)— … —(RK‖CK)— b —Cs— n-
        nodes = []
        let count = 1 + ladder.sections.count
        for k in 0..<count { nodes.append(allocator.addUnknown("\(name)#ladder\(k)", kind: .voltage)) }
    }

    /// The chain of two-terminal pieces as (from, to, conductance, capacitance).
    var pieces: [(Int, Int, Double, Double)] {
        var out: [(Int, Int, Double, Double)] = []
        let a = nodes.first ?? plus
        out.append((plus, a, 1 / max(ladder.seriesResistance, 1e-6), 0))
        var previous = a
        for (k, s) in ladder.sections.enumerated() {
            let next = nodes[k + 1]
            out.append((previous, next, 1 / s.resistance, s.tau / s.resistance))
            previous = next
        }
        if let c = ladder.seriesCapacitance {
            out.append((previous, minus, 0, c))
        } else {
            out.append((previous, minus, 1e9, 0))  // no series capacitor: a 1 nΩ link
        }
        return out
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        slots = []
        for (p, n, _, _) in pieces {
            slots += [binder.slot(p, p), binder.slot(p, n), binder.slot(n, p), binder.slot(n, n)]
        }
        for k in nodes { slots.append(binder.slot(k, k)) }
        terminalSlots = (binder.slot(plus, plus), binder.slot(plus, minus), binder.slot(minus, plus), binder.slot(minus, minus))
    }

    public func load(_ c: inout LoadContext) {
        if c.smallSignal {
            // AC: internal nodes held (identity rows), the exact admittance is added per frequency.
            let base = pieces.count * 4
            for (k, node) in nodes.enumerated() {
                c.jf[slots[base + k]] += 1
                c.f[node] += c.x[node]
            }
            return
        }
        for (j, piece) in pieces.enumerated() {
            let (p, n, g, cap) = piece
            let v = c.x[p] - c.x[n]
            let s = j * 4
            if g > 0 {
                c.f[p] += g * v; c.f[n] -= g * v
                c.jf[slots[s]] += g; c.jf[slots[s + 1]] -= g; c.jf[slots[s + 2]] -= g; c.jf[slots[s + 3]] += g
            }
            if cap > 0 {
                c.q[p] += cap * v; c.q[n] -= cap * v
                c.jq[slots[s]] += cap; c.jq[slots[s + 1]] -= cap; c.jq[slots[s + 2]] -= cap; c.jq[slots[s + 3]] += cap
            }
        }
    }

    /// The exact Z(ω) of the element.
    public func exactImpedance(omega: Double) -> Complex<Double> {
        kind.impedance(omega: omega, parameters).value
    }

    public func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {
        let y = Complex<Double>.one / exactImpedance(omega: omega)
        add(terminalSlots.0, y.real, y.imaginary); add(terminalSlots.1, -y.real, -y.imaginary)
        add(terminalSlots.2, -y.real, -y.imaginary); add(terminalSlots.3, y.real, y.imaginary)
    }
}
