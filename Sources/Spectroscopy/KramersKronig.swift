import ComplexModule
import FoundationEssentials
import Glibc
import LithicCore
import RealModule

/// The linear Kramers–Kronig test of Schönleber et al., Electrochim. Acta 131:20 (2014)
/// (doi:10.1016/j.electacta.2014.01.034): fit
/// Ẑ(ω) = R₀ + Σₖ Rₖ/(1 + jωτₖ) [+ 1/(jωC)] [+ jωL]
/// with M time constants log-spaced from 1/ω_max to 1/ω_min, by linear least squares on the
/// real and imaginary parts together (weights 1/|Z|). A spectrum that obeys Kramers–Kronig is
/// fitted to within its noise; the relative residuals Δ' = (Z' − Ẑ')/|Z|, Δ'' = (Z'' − Ẑ'')/|Z|
/// show where it does not (drift, non-linearity, non-stationarity).
///
/// **How many elements the points support.** The fit has 1 + M (+ C, + L) unknowns and 2N
/// equations, but the real and imaginary parts of a Kramers–Kronig-consistent spectrum are not
/// independent: one determines the other up to R₀ (and the series C and L). N points therefore
/// determine at most N + 1 numbers, and M ≤ N − (C ? 1 : 0) − (L ? 1 : 0). A larger M is an
/// interpolant that can absorb non-KK behaviour (a 30-point spectrum "fitted" by 50 RC
/// elements nearly passes whatever it is); pyimpspec caps M at N too. The bound is in
/// `elementBound` and printed by `lithic kk`.
///
/// **The fit** is a Householder QR factorisation of the column-scaled weighted design matrix
/// (no normal equations, whose squared condition number ruins large M), and the pseudo-χ²
/// (Boukamp 1995, eq. 14) χ²_ps = Σᵢ (Δ'ᵢ² + Δ''ᵢ²) is the sum of the squares of the residuals
/// recomputed from the coefficients, so it is non-negative by construction (a shortcut
/// ‖b‖² − xᵀAᵀb can round below zero on a near-perfect fit).
///
/// **Choosing M.** μ = 1 − Σ_{Rₖ<0}|Rₖ| / Σ_{Rₖ≥0}|Rₖ| falls as the fit starts to over-fit.
/// Every M from 1 to the bound is fitted; the candidates are the fits whose χ²_ps is within 4×
/// (rms within 2×) of the best any M achieves, and among them Lithic keeps the largest M with
/// μ ≥ c (c = 0.85: the downward μ search of pyimpspec), else the smallest candidate. The upward
/// search of impedance.py stops at a small M where μ is still noisy and leaves residuals of
/// several per cent on valid data (EIS.md §5); the χ²_ps restriction keeps the downward search
/// from stopping on an under-fitting M when rounding plays the part of noise.
public struct KramersKronigTest: Sendable {
    /// Why M is bounded where it is.
    public struct ElementBound: Sendable, Equatable {
        /// Points of the spectrum, series elements besides R₀ (C, L), and the resulting bound
        /// M ≤ N − series (at least 1), possibly lowered by the caller's `maximumElements`.
        public var points: Int
        public var seriesElements: Int
        public var maximum: Int
        public var requested: Int?

        public var description: String {
            var s = "M ≤ \(maximum): \(points) points determine at most \(points + 1) numbers (R₀, \(seriesElements) series element\(seriesElements == 1 ? "" : "s"), M RC elements)"
            if let r = requested, r < points - seriesElements { s += ", lowered to \(r) on request" }
            return s
        }
    }

    /// One M of the scan.
    public struct ScanPoint: Sendable {
        public var elements: Int
        public var mu: Double
        public var pseudoChiSquare: Double
    }

    public var elements: Int
    public var elementBound: ElementBound
    public var mu: Double
    public var tau: [Double]
    public var resistances: [Double]
    public var seriesResistance: Double
    public var capacitance: Double?
    public var inductance: Double?
    public var fitted: [Complex<Double>]
    public var residualReal: [Double]
    public var residualImaginary: [Double]
    /// Σᵢ (Δ'ᵢ² + Δ''ᵢ²), Boukamp's pseudo-χ² (≥ 0).
    public var pseudoChiSquare: Double
    /// Largest |Δ'| or |Δ''| and the rms over both (√(χ²_ps / 2N), pyimpspec's noise estimate).
    public var maximumResidual: Double
    public var rmsResidual: Double
    /// Every M tried, from the bound down to 1.
    public var scan: [ScanPoint]

    /// Whether every relative residual is below `threshold` (1 % by default).
    public func passes(threshold: Double = 0.01) -> Bool { maximumResidual < threshold }

    /// The bound on M for `points` points (see the type's documentation).
    public static func elementBound(points n: Int, capacitance: Bool, inductance: Bool, maximumElements: Int? = nil) -> ElementBound {
        let series = (capacitance ? 1 : 0) + (inductance ? 1 : 0)
        var m = max(n - series, 1)
        if let r = maximumElements { m = max(1, min(m, r)) }
        return ElementBound(points: n, seriesElements: series, maximum: m, requested: maximumElements)
    }

    public static func run(frequencies f: [Double], impedances z: [Complex<Double>], cutoff c: Double = 0.85,
                           maximumElements: Int? = nil, capacitance: Bool = true, inductance: Bool = true) throws -> KramersKronigTest {
        let n = f.count
        guard n >= 4, z.count == n else { throw InputError(.commandLine, "lin-KK needs at least 4 points, got \(n)") }
        guard let fmin = f.min(), let fmax = f.max(), fmin > 0, fmax > fmin, f.allSatisfy(\.isFinite) else {
            throw InputError(.commandLine, "lin-KK needs positive, distinct, finite frequencies")
        }
        guard z.allSatisfy({ $0.real.isFinite && $0.imaginary.isFinite && $0.length > 0 }) else {
            throw InputError(.commandLine, "lin-KK needs finite, non-zero impedances")
        }
        let bound = elementBound(points: n, capacitance: capacitance, inductance: inductance, maximumElements: maximumElements)
        var fits: [Fit] = []
        for m in stride(from: bound.maximum, through: 1, by: -1) {
            fits.append(fit(f, z, m: m, fmin: fmin, fmax: fmax, capacitance: capacitance, inductance: inductance))
        }
        let best = fits.map(\.pseudoChiSquare).min() ?? 0
        let good = fits.filter { $0.pseudoChiSquare <= max(4 * best, best + 2e-12 * Double(n)) }
        guard let pick = good.first(where: { $0.mu >= c }) ?? good.last ?? fits.last else {
            throw InputError(.commandLine, "lin-KK: no fit")
        }
        let m0 = pick.m
        let x = pick.x
        var col = 1 + m0
        var cap: Double?
        if capacitance { cap = x[col] != 0 ? 1 / x[col] : .infinity; col += 1 }
        let ind: Double? = inductance ? x[col] : nil
        let all = pick.residualReal + pick.residualImaginary
        return KramersKronigTest(elements: m0, elementBound: bound, mu: pick.mu, tau: pick.tau, resistances: Array(x[1...m0]),
                                 seriesResistance: x[0], capacitance: cap, inductance: ind, fitted: pick.fitted,
                                 residualReal: pick.residualReal, residualImaginary: pick.residualImaginary,
                                 pseudoChiSquare: pick.pseudoChiSquare, maximumResidual: all.map(abs).max() ?? 0,
                                 rmsResidual: (pick.pseudoChiSquare / Double(2 * n)).squareRoot(),
                                 scan: fits.map { ScanPoint(elements: $0.m, mu: $0.mu, pseudoChiSquare: $0.pseudoChiSquare) })
    }

    static func timeConstants(_ m: Int, fmin: Double, fmax: Double) -> [Double] {
        let t0 = 1 / (2 * Double.pi * fmax), t1 = 1 / (2 * Double.pi * fmin)
        if m == 1 { return [(t0 * t1).squareRoot()] }
        return (0..<m).map { t0 * pow(t1 / t0, Double($0) / Double(m - 1)) }
    }

    struct Fit {
        var m: Int
        var tau: [Double]
        /// R₀, R₁…R_M, [1/C], [L].
        var x: [Double]
        var mu: Double
        var fitted: [Complex<Double>]
        var residualReal: [Double]
        var residualImaginary: [Double]
        var pseudoChiSquare: Double
    }

    /// Weighted linear least squares for M elements (QR), with the residuals recomputed from
    /// the coefficients.
    static func fit(_ f: [Double], _ z: [Complex<Double>], m: Int, fmin: Double, fmax: Double,
                    capacitance: Bool, inductance: Bool) -> Fit {
        let n = f.count
        let taus = timeConstants(m, fmin: fmin, fmax: fmax)
        let cols = 1 + m + (capacitance ? 1 : 0) + (inductance ? 1 : 0)
        var a = [Double](repeating: 0, count: 2 * n * cols)
        var b = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let w = 2 * Double.pi * f[i]
            let weight = 1 / z[i].length
            let re = 2 * i * cols, im = (2 * i + 1) * cols
            b[2 * i] = z[i].real * weight
            b[2 * i + 1] = z[i].imaginary * weight
            a[re] = weight
            for k in 0..<m {
                let d = 1 + w * w * taus[k] * taus[k]
                a[re + 1 + k] = weight / d
                a[im + 1 + k] = -weight * w * taus[k] / d
            }
            var c = 1 + m
            if capacitance { a[im + c] = -weight / w; c += 1 }
            if inductance { a[im + c] = weight * w }
        }
        let x = LeastSquaresQR.solve(a, rows: 2 * n, columns: cols, b)
        var fitted: [Complex<Double>] = []
        var dr: [Double] = [], di: [Double] = []
        var chi = 0.0
        for i in 0..<n {
            let w = 2 * Double.pi * f[i]
            var zh = Complex<Double>(x[0], 0)
            for k in 0..<m { zh += Complex(x[1 + k], 0) / Complex(1, w * taus[k]) }
            var col = 1 + m
            if capacitance { zh += Complex(0, -x[col] / w); col += 1 }
            if inductance { zh += Complex(0, w * x[col]) }
            fitted.append(zh)
            let mag = z[i].length
            let r = (z[i].real - zh.real) / mag, s = (z[i].imaginary - zh.imaginary) / mag
            dr.append(r)
            di.append(s)
            chi += r * r + s * s
        }
        var negative = 0.0, positive = 0.0
        for k in 0..<m { if x[1 + k] < 0 { negative += -x[1 + k] } else { positive += x[1 + k] } }
        let mu = positive > 0 ? max(0, 1 - negative / positive) : 0
        return Fit(m: m, tau: taus, x: x, mu: mu, fitted: fitted, residualReal: dr, residualImaginary: di, pseudoChiSquare: chi)
    }
}

/// Dense linear least squares min ‖Ax − b‖ by Householder QR with column scaling: the
/// condition number enters once (normal equations square it). Columns whose pivot falls below
/// 1e-12 of the largest are rank-deficient directions and get a zero coefficient (basic
/// solution), so a nearly collinear design gives a finite answer instead of a blow-up.
enum LeastSquaresQR {
    /// `a` is row-major `rows × columns`, rows ≥ columns.
    static func solve(_ a: [Double], rows m: Int, columns n: Int, _ b: [Double]) -> [Double] {
        guard m >= n, n > 0, a.count == m * n, b.count == m else { return [Double](repeating: 0, count: max(n, 0)) }
        // Column-major copy, scaled to unit norm.
        var q = [Double](repeating: 0, count: m * n)
        var scale = [Double](repeating: 1, count: n)
        for c in 0..<n {
            var s = 0.0
            for r in 0..<m { s += a[r * n + c] * a[r * n + c] }
            scale[c] = s > 0 ? 1 / s.squareRoot() : 1
            for r in 0..<m { q[c * m + r] = a[r * n + c] * scale[c] }
        }
        var rhs = b
        var diag = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var norm = 0.0
            for r in k..<m { norm += q[k * m + r] * q[k * m + r] }
            norm = norm.squareRoot()
            if norm == 0 { diag[k] = 0; continue }
            let alpha = q[k * m + k] > 0 ? -norm : norm
            q[k * m + k] -= alpha
            var vnorm2 = 0.0
            for r in k..<m { vnorm2 += q[k * m + r] * q[k * m + r] }
            diag[k] = alpha
            guard vnorm2 > 0 else { continue }
            for c in (k + 1)..<n {
                var dot = 0.0
                for r in k..<m { dot += q[k * m + r] * q[c * m + r] }
                let t = 2 * dot / vnorm2
                for r in k..<m { q[c * m + r] -= t * q[k * m + r] }
            }
            var dot = 0.0
            for r in k..<m { dot += q[k * m + r] * rhs[r] }
            let t = 2 * dot / vnorm2
            for r in k..<m { rhs[r] -= t * q[k * m + r] }
        }
        // Back substitution on R (diagonal in `diag`, above it in q[c * m + k] for c > k).
        let largest = diag.map(abs).max() ?? 0
        var x = [Double](repeating: 0, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) {
            guard abs(diag[k]) > 1e-12 * largest else { x[k] = 0; continue }
            var s = rhs[k]
            for c in (k + 1)..<n { s -= q[c * m + k] * x[c] }
            x[k] = s / diag[k]
        }
        for c in 0..<n { x[c] *= scale[c] }
        return x
    }
}
