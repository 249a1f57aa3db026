import ComplexModule
import FoundationEssentials
import Glibc
import LithicCore
import RealModule

/// The distribution of relaxation times (DRT) of a spectrum:
/// Z(ω) = R∞ [+ jωL] + ∫ γ(ln τ)/(1 + jωτ) d ln τ, with γ ≥ 0, R∞ ≥ 0 and L ≥ 0.
///
/// γ is expanded on a grid of `ln τ` (Gaussian radial basis functions, as pyDRTtools, or
/// piecewise-linear hat functions), the basis integrals are computed once by quadrature, and the
/// unknowns — R∞, the series inductance L when it is part of the model, and the basis
/// coefficients — minimise ‖W(Ax − Z)‖² + λ‖Dx‖² under x ≥ 0 (Tikhonov with a
/// second-derivative penalty D acting on γ only, so R∞ and L are not pulled towards zero;
/// non-negative least squares, Lawson–Hanson). W weights each point by 1/|Z|; the columns are
/// scaled to unit norm before the solve (L's column grows with ω over many decades). λ is
/// relative to the mean diagonal of AᵀA and chosen by generalised cross-validation (GCV, on the
/// unconstrained problem) or the corner of the L-curve (maximum curvature).
///
/// **The τ range.** The grid spans the measured range, τ from 1/(2πf_max) to 1/(2πf_min),
/// extended by `tauMarginDecades` on each side (0 by default). A grid reaching far beyond the
/// data lets R∞ leak into a peak at τ ≪ 1/ω_max (an RC with a tiny τ is a resistance at every
/// measured frequency) and a series L or a capacitive tail into peaks beyond the slow end:
/// peaks nobody measured, and R∞ pushed to its bound 0.
///
/// **The series inductance** is an unknown when the spectrum has inductive points (Z'' > 0)
/// or when asked for (`SeriesInductance.included`); otherwise L = 0 and inductive points are
/// left to the residual.
///
/// Time constants are τ = 1/(2πf) (pyDRTtools places its collocation points at τ = 1/f, but
/// its kernel uses ω = 2πf too, so its τ axis is the same physical τ).
public struct DistributionOfRelaxationTimes: Sendable {
    public enum Basis: String, Sendable, CaseIterable { case gaussian, piecewiseLinear = "pwl" }
    public enum Selection: String, Sendable, CaseIterable { case gcv, lcurve }
    public enum SeriesInductance: String, Sendable, CaseIterable {
        /// L is an unknown when the spectrum has a point with Z'' > 0.
        case automatic = "auto"
        case included = "on"
        case excluded = "off"
    }

    public struct Peak: Sendable {
        /// Time constant at the maximum (s; parabolic interpolation in ln τ between grid points)
        /// and the corresponding frequency 1/(2πτ) (Hz).
        public var tau: Double
        public var frequency: Double
        /// Resistance of the peak: ∫γ d ln τ between the neighbouring minima (Ω).
        public var resistance: Double
        public var height: Double
    }

    public var tau: [Double]
    public var gamma: [Double]
    /// The τ range of the grid (s) and its margin beyond the measured range (decades).
    public var tauRange: (lower: Double, upper: Double)
    public var tauMarginDecades: Double
    public var seriesResistance: Double
    public var inductance: Double
    public var inductanceIncluded: Bool
    public var lambda: Double
    public var peaks: [Peak]
    /// Model impedance and rms relative residual.
    public var fitted: [Complex<Double>]
    public var rmsRelative: Double
    /// (λ, residual norm, penalty norm, GCV score) for every λ tried.
    public var scan: [(Double, Double, Double, Double)]

    /// A peak is a local maximum of γ whose prominence (its height above the higher of the two
    /// minima that separate it from higher ground on either side) is at least this fraction of
    /// the largest γ: ripples of the regularised solution are not peaks.
    public static let peakProminence = 0.05

    /// Computes the DRT of (f, Z).
    public static func compute(frequencies f: [Double], impedances z: [Complex<Double>], basis: Basis = .gaussian,
                               selection: Selection = .gcv, lambda fixedLambda: Double? = nil, pointsPerDecade: Double = 10,
                               inductance: SeriesInductance = .automatic, tauMarginDecades: Double = 0,
                               penaltyOrder: Int = 2) throws -> DistributionOfRelaxationTimes {
        let n = f.count
        guard n >= 5, z.count == n else { throw InputError(.commandLine, "DRT needs at least 5 points, got \(n)") }
        guard let fmin = f.min(), let fmax = f.max(), fmin > 0, fmax > fmin, f.allSatisfy(\.isFinite) else {
            throw InputError(.commandLine, "DRT needs positive, distinct, finite frequencies")
        }
        guard z.allSatisfy({ $0.real.isFinite && $0.imaginary.isFinite && $0.length > 0 }) else {
            throw InputError(.commandLine, "DRT needs finite, non-zero impedances")
        }
        guard tauMarginDecades >= 0, tauMarginDecades <= 3 else { throw InputError(.commandLine, "the τ margin must be 0 to 3 decades") }
        guard penaltyOrder == 1 || penaltyOrder == 2 else { throw InputError(.commandLine, "the penalty is on the 1st or 2nd derivative") }
        guard pointsPerDecade >= 2, pointsPerDecade <= 100 else { throw InputError(.commandLine, "points per decade must be in [2, 100]") }
        let withL: Bool
        switch inductance {
        case .automatic: withL = z.contains { $0.imaginary > 0 }
        case .included: withL = true
        case .excluded: withL = false
        }
        let ln10 = log(10.0)
        let lo = log(1 / (2 * Double.pi * fmax)) - tauMarginDecades * ln10, hi = log(1 / (2 * Double.pi * fmin)) + tauMarginDecades * ln10
        let m = max(Int(((hi - lo) / ln10 * pointsPerDecade).rounded()) + 1, 8)
        let step = (hi - lo) / Double(m - 1)
        let grid = (0..<m).map { lo + Double($0) * step }
        // Columns: R∞, [L], γ_0 … γ_{m−1}.
        let extra = withL ? 2 : 1
        let cols = extra + m
        var a = [Double](repeating: 0, count: 2 * n * cols)
        var b = [Double](repeating: 0, count: 2 * n)
        let width = step  // RBF width equal to the grid spacing (FWHM ≈ 1.67 step)
        let quadrature = 120
        for i in 0..<n {
            let w = 2 * Double.pi * f[i]
            let weight = 1 / z[i].length
            b[2 * i] = z[i].real * weight
            b[2 * i + 1] = z[i].imaginary * weight
            a[(2 * i) * cols] = weight
            if withL { a[(2 * i + 1) * cols + 1] = w * weight }
            let lnw = log(w)
            for k in 0..<m {
                // ∫ φ_k(y) K(ω, y) dy with K = 1/(1 + jω e^y); quadrature over the support of φ_k.
                var re = 0.0, im = 0.0
                let half = basis == .gaussian ? 4 * width : step
                let h = 2 * half / Double(quadrature)
                for q in 0...quadrature {
                    let y = grid[k] - half + Double(q) * h
                    let phi: Double
                    switch basis {
                    case .gaussian: phi = exp(-pow((y - grid[k]) / width, 2))
                    case .piecewiseLinear: phi = max(0, 1 - abs(y - grid[k]) / step)
                    }
                    let x = exp(lnw + y)  // ωτ
                    let den = 1 + x * x
                    let trap = (q == 0 || q == quadrature) ? 0.5 : 1
                    re += trap * h * phi / den
                    im -= trap * h * phi * x / den
                }
                a[(2 * i) * cols + extra + k] = re * weight
                a[(2 * i + 1) * cols + extra + k] = im * weight
            }
        }
        // Unit-norm column scaling s: the solve is in y = x / s (y ≥ 0 ⇔ x ≥ 0).
        var s = [Double](repeating: 1, count: cols)
        for c in 0..<cols {
            var t = 0.0
            for r in 0..<(2 * n) { t += a[r * cols + c] * a[r * cols + c] }
            s[c] = t > 0 ? 1 / t.squareRoot() : 1
        }
        let (ata, atb) = DenseLinearAlgebra.normalEquations(a, rows: 2 * n, columns: cols, b)
        // Derivative penalty on the γ coefficients: second differences (default) or first.
        var dtd = [Double](repeating: 0, count: cols * cols)
        let stencil: [Double] = penaltyOrder == 1 ? [-1, 1] : [1, -2, 1]
        for k in 0...(m - stencil.count) {
            for p in stencil.indices { for q in stencil.indices { dtd[(extra + k + p) * cols + extra + k + q] += stencil[p] * stencil[q] } }
        }
        // λ is relative to the mean diagonal of the γ block of AᵀA (not R∞'s or L's: L's column
        // grows with ω and would make λ depend on the top frequency).
        let scale = (extra..<cols).map { ata[$0 * cols + $0] }.reduce(0, +) / Double(m)
        var atbScaled = atb
        for i in 0..<cols { atbScaled[i] *= s[i] }
        func solve(_ lambda: Double) -> (x: [Double], residual: Double, penalty: Double, gcv: Double) {
            var g = ata
            for i in 0..<(cols * cols) { g[i] += lambda * scale * dtd[i] }
            var gs = g
            for i in 0..<cols { for j in 0..<cols { gs[i * cols + j] *= s[i] * s[j] } }
            for k in 0..<cols { gs[k * cols + k] += 1e-12 }
            var x = nonNegativeLeastSquares(gram: gs, atbScaled, size: cols)
            for c in 0..<cols { x[c] = max(0, x[c]) * s[c] }
            var r2 = 0.0
            for row in 0..<(2 * n) {
                var t = -b[row]
                for c in 0..<cols { t += a[row * cols + c] * x[c] }
                r2 += t * t
            }
            var pen = 0.0
            for k in 0...(m - stencil.count) {
                var d = 0.0
                for p in stencil.indices { d += stencil[p] * x[extra + k + p] }
                pen += d * d
            }
            // GCV on the unconstrained problem: trace of the influence matrix = tr(G⁻¹ AᵀA),
            // invariant under the column scaling.
            var gcv = Double.infinity
            if let inv = DenseLinearAlgebra.invertSymmetric(gs, size: cols) {
                var trace = 0.0
                for i in 0..<cols { for k in 0..<cols { trace += inv[i * cols + k] * ata[k * cols + i] * s[k] * s[i] } }
                let dof = Double(2 * n) - trace
                if dof > 0 { gcv = Double(2 * n) * r2 / (dof * dof) }
            }
            return (x, r2, pen, gcv)
        }
        var scan: [(Double, Double, Double, Double)] = []
        var chosen: Double
        var best: (x: [Double], residual: Double, penalty: Double, gcv: Double)
        if let l = fixedLambda {
            guard l > 0, l.isFinite else { throw InputError(.commandLine, "λ must be positive") }
            chosen = l
            best = solve(l)
            scan.append((l, best.residual, best.penalty, best.gcv))
        } else {
            let lambdas = (0..<25).map { pow(10, -7 + Double($0) * 0.375) }
            var results: [(x: [Double], residual: Double, penalty: Double, gcv: Double)] = []
            for l in lambdas {
                let r = solve(l)
                results.append(r)
                scan.append((l, r.residual, r.penalty, r.gcv))
            }
            var index = 0
            switch selection {
            case .gcv:
                for k in results.indices where results[k].gcv < results[index].gcv { index = k }
            case .lcurve:
                // Maximum curvature of (log residual, log penalty).
                let xs = results.map { log(max($0.residual, 1e-300)) }, ys = results.map { log(max($0.penalty, 1e-300)) }
                var bestCurvature = -Double.infinity
                for k in 1..<(results.count - 1) {
                    let dx = (xs[k + 1] - xs[k - 1]) / 2, dy = (ys[k + 1] - ys[k - 1]) / 2
                    let ddx = xs[k + 1] - 2 * xs[k] + xs[k - 1], ddy = ys[k + 1] - 2 * ys[k] + ys[k - 1]
                    let c = (dx * ddy - dy * ddx) / pow(dx * dx + dy * dy + 1e-300, 1.5)
                    if c > bestCurvature { bestCurvature = c; index = k }
                }
            }
            chosen = lambdas[index]
            best = results[index]
        }
        let x = best.x
        // γ on the grid: Σ x_k φ_k(y_j).
        var gamma = [Double](repeating: 0, count: m)
        for j in 0..<m {
            var t = 0.0
            for k in 0..<m {
                let d = grid[j] - grid[k]
                let phi = basis == .gaussian ? exp(-pow(d / width, 2)) : max(0, 1 - abs(d) / step)
                t += x[extra + k] * phi
            }
            gamma[j] = t
        }
        var fitted: [Complex<Double>] = []
        var rel = 0.0
        for i in 0..<n {
            var re = 0.0, im = 0.0
            for c in 0..<cols { re += a[(2 * i) * cols + c] * x[c]; im += a[(2 * i + 1) * cols + c] * x[c] }
            let mag = z[i].length
            let zf = Complex(re * mag, im * mag)
            fitted.append(zf)
            let d = zf - z[i]
            rel += (d.real * d.real + d.imaginary * d.imaginary) / (mag * mag)
        }
        return DistributionOfRelaxationTimes(tau: grid.map { exp($0) }, gamma: gamma, tauRange: (exp(lo), exp(hi)),
                                             tauMarginDecades: tauMarginDecades, seriesResistance: x[0],
                                             inductance: withL ? x[1] : 0, inductanceIncluded: withL, lambda: chosen,
                                             peaks: peaks(logTau: grid, gamma: gamma), fitted: fitted,
                                             rmsRelative: (rel / Double(2 * n)).squareRoot(), scan: scan)
    }

    /// min ½yᵀGy − cᵀy subject to y ≥ 0: the shared Lawson–Hanson solver with its anti-cycling
    /// guard. G is the column-scaled Gram matrix of the DRT problem (unit diagonal plus the
    /// penalty), so a 1e-12 ridge keeps each passive subsystem positive definite; a variable
    /// enters above 1e-12 of max |c|.
    static func nonNegativeLeastSquares(gram g: [Double], _ c: [Double], size n: Int) -> [Double] {
        DenseLinearAlgebra.nonNegativeLeastSquares(gram: g, c, size: n, ridge: 1e-12,
                                                   enteringTolerance: 1e-12 * max(c.map(abs).max() ?? 0, 1e-300),
                                                   maximumIterations: 4 * n + 20)
    }

    /// Peaks of γ on an evenly spaced ln τ grid (see `peakProminence`); each with the area
    /// between its neighbouring minima.
    public static func peaks(logTau grid: [Double], gamma: [Double], prominence: Double = peakProminence) -> [Peak] {
        let m = gamma.count
        guard m >= 3, grid.count == m, let top = gamma.max(), top > 0 else { return [] }
        let step = (grid[m - 1] - grid[0]) / Double(m - 1)
        var peaks: [Peak] = []
        for j in 1..<(m - 1) where gamma[j] > gamma[j - 1] && gamma[j] >= gamma[j + 1] {
            // Prominence: walk each way until higher ground or the end, keeping the minimum.
            var leftMin = gamma[j], rightMin = gamma[j]
            var k = j - 1
            while k >= 0 && gamma[k] <= gamma[j] { leftMin = min(leftMin, gamma[k]); k -= 1 }
            k = j + 1
            while k < m && gamma[k] <= gamma[j] { rightMin = min(rightMin, gamma[k]); k += 1 }
            guard gamma[j] - max(leftMin, rightMin) >= prominence * top else { continue }
            var l = j, r = j
            while l > 0 && gamma[l - 1] < gamma[l] { l -= 1 }
            while r < m - 1 && gamma[r + 1] <= gamma[r] { r += 1 }
            var area = 0.0
            for k in l..<r { area += 0.5 * (gamma[k] + gamma[k + 1]) * step }
            // Parabola through the three points around the maximum.
            let y0 = gamma[j - 1], y1 = gamma[j], y2 = gamma[j + 1]
            let den = y0 - 2 * y1 + y2
            let shift = den < 0 ? max(-0.5, min(0.5, 0.5 * (y0 - y2) / den)) : 0
            let t = exp(grid[j] + shift * step)
            peaks.append(Peak(tau: t, frequency: 1 / (2 * Double.pi * t), resistance: area, height: gamma[j]))
        }
        return peaks
    }
}
