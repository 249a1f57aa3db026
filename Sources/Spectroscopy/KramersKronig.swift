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
/// The number of elements M: μ = 1 − Σ_{Rₖ<0}|Rₖ| / Σ_{Rₖ≥0}|Rₖ| falls as the fit starts to
/// over-fit. Lithic searches **downward** from a large M and keeps the largest M with μ ≥ c
/// (c = 0.85), as pyimpspec does; the upward search of impedance.py stops at a small M where μ
/// is still noisy and leaves residuals of several per cent on valid data (EIS.md §5).
public struct KramersKronigTest: Sendable {
    public var elements: Int
    public var mu: Double
    public var tau: [Double]
    public var resistances: [Double]
    public var seriesResistance: Double
    public var capacitance: Double?
    public var inductance: Double?
    public var fitted: [Complex<Double>]
    public var residualReal: [Double]
    public var residualImaginary: [Double]
    /// Largest |Δ'| or |Δ''| and the rms over both.
    public var maximumResidual: Double
    public var rmsResidual: Double
    /// (M, μ) for every M tried.
    public var scan: [(Int, Double)]

    /// Whether every relative residual is below `threshold` (1 % by default).
    public func passes(threshold: Double = 0.01) -> Bool { maximumResidual < threshold }

    public static func run(frequencies f: [Double], impedances z: [Complex<Double>], cutoff c: Double = 0.85,
                           maximumElements: Int? = nil, capacitance: Bool = true, inductance: Bool = true) throws -> KramersKronigTest {
        let n = f.count
        guard n >= 4 else { throw InputError(.commandLine, "lin-KK needs at least 4 points, got \(n)") }
        guard let fmin = f.min(), let fmax = f.max(), fmin > 0, fmax > fmin else {
            throw InputError(.commandLine, "lin-KK needs positive, distinct frequencies")
        }
        let extras = 1 + (capacitance ? 1 : 0) + (inductance ? 1 : 0)
        let upper = min(maximumElements ?? 2 * n, 2 * n - extras - 1, 80)
        guard upper >= 1 else { throw InputError(.commandLine, "too few points for lin-KK") }
        var scan: [(Int, Double)] = []
        // Fit every M once; then choose. The downward μ search alone can stop on an under-fitting
        // M when the data are noise-free (rounding then plays the part of noise and keeps μ low
        // over a wide range), so the choice is restricted to fits whose rms residual is within 2×
        // of the best any M achieves: among those, the largest M with μ ≥ c (the downward
        // search), else the smallest such M.
        var fits: [(m: Int, x: [Double], mu: Double, rms: Double)] = []
        for m in stride(from: upper, through: 1, by: -1) {
            let (x, mu) = fit(f, z, m: m, fmin: fmin, fmax: fmax, capacitance: capacitance, inductance: inductance)
            scan.append((m, mu))
            let r = residuals(f, z, x: x, m: m, fmin: fmin, fmax: fmax, capacitance: capacitance, inductance: inductance)
            let all = r.0 + r.1
            fits.append((m, x, mu, (all.reduce(0) { $0 + $1 * $1 } / Double(all.count)).squareRoot()))
        }
        let best = fits.map(\.rms).min() ?? 0
        let good = fits.filter { $0.rms <= max(2 * best, best + 1e-6) }
        let result: (m: Int, x: [Double], mu: Double)
        if let pick = good.first(where: { $0.mu >= c }) ?? good.last ?? fits.last {
            result = (pick.m, pick.x, pick.mu)
        } else {
            result = (1, [], 1)
        }
        let m0 = result.m
        let taus = timeConstants(m0, fmin: fmin, fmax: fmax)
        var fitted: [Complex<Double>] = []
        var dr: [Double] = [], di: [Double] = []
        for i in 0..<n {
            let w = 2 * Double.pi * f[i]
            var zh = Complex<Double>(result.x.first ?? 0, 0)
            for k in 0..<m0 { zh += Complex(result.x[1 + k], 0) / Complex(1, w * taus[k]) }
            var col = 1 + m0
            if capacitance { let invC = result.x[col]; zh += Complex(0, -invC / w); col += 1 }
            if inductance { zh += Complex(0, w * result.x[col]) }
            fitted.append(zh)
            let mag = z[i].length
            dr.append((z[i].real - zh.real) / mag)
            di.append((z[i].imaginary - zh.imaginary) / mag)
        }
        let all = dr + di
        let maxAbs = all.map(abs).max() ?? 0
        let rms = (all.reduce(0) { $0 + $1 * $1 } / Double(all.count)).squareRoot()
        var col = 1 + m0
        var cap: Double?
        if capacitance { cap = result.x[col] != 0 ? 1 / result.x[col] : .infinity; col += 1 }
        let ind: Double? = inductance ? result.x[col] : nil
        return KramersKronigTest(elements: m0, mu: result.mu, tau: taus, resistances: Array(result.x[1...m0]), seriesResistance: result.x[0],
                                 capacitance: cap, inductance: ind, fitted: fitted, residualReal: dr, residualImaginary: di,
                                 maximumResidual: maxAbs, rmsResidual: rms, scan: scan)
    }

    static func residuals(_ f: [Double], _ z: [Complex<Double>], x: [Double], m: Int, fmin: Double, fmax: Double,
                          capacitance: Bool, inductance: Bool) -> ([Double], [Double]) {
        let taus = timeConstants(m, fmin: fmin, fmax: fmax)
        var dr: [Double] = [], di: [Double] = []
        for i in 0..<f.count {
            let w = 2 * Double.pi * f[i]
            var zh = Complex<Double>(x.first ?? 0, 0)
            for k in 0..<m where 1 + k < x.count { zh += Complex(x[1 + k], 0) / Complex(1, w * taus[k]) }
            var col = 1 + m
            if capacitance, col < x.count { zh += Complex(0, -x[col] / w); col += 1 }
            if inductance, col < x.count { zh += Complex(0, w * x[col]) }
            let mag = z[i].length
            dr.append((z[i].real - zh.real) / mag)
            di.append((z[i].imaginary - zh.imaginary) / mag)
        }
        return (dr, di)
    }

    static func timeConstants(_ m: Int, fmin: Double, fmax: Double) -> [Double] {
        let t0 = 1 / (2 * Double.pi * fmax), t1 = 1 / (2 * Double.pi * fmin)
        if m == 1 { return [(t0 * t1).squareRoot()] }
        return (0..<m).map { t0 * pow(t1 / t0, Double($0) / Double(m - 1)) }
    }

    /// Weighted linear least squares for M elements; returns the coefficients and μ.
    static func fit(_ f: [Double], _ z: [Complex<Double>], m: Int, fmin: Double, fmax: Double,
                    capacitance: Bool, inductance: Bool) -> ([Double], Double) {
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
        // Column scaling for conditioning, then normal equations with a tiny ridge.
        var scale = [Double](repeating: 0, count: cols)
        for c in 0..<cols {
            var s = 0.0
            for r in 0..<(2 * n) { s += a[r * cols + c] * a[r * cols + c] }
            scale[c] = s > 0 ? 1 / s.squareRoot() : 1
        }
        for r in 0..<(2 * n) { for c in 0..<cols { a[r * cols + c] *= scale[c] } }
        var (ata, atb) = DenseLinearAlgebra.normalEquations(a, rows: 2 * n, columns: cols, b)
        for c in 0..<cols { ata[c * cols + c] += 1e-13 }
        guard let l = DenseLinearAlgebra.cholesky(ata, size: cols) else { return ([Double](repeating: 0, count: cols), 0) }
        var x = DenseLinearAlgebra.choleskySolve(l, size: cols, atb)
        for c in 0..<cols { x[c] *= scale[c] }
        var negative = 0.0, positive = 0.0
        for k in 0..<m { if x[1 + k] < 0 { negative += -x[1 + k] } else { positive += x[1 + k] } }
        let mu = positive > 0 ? 1 - negative / positive : 0
        return (x, mu)
    }
}
