import ComplexModule
import FoundationEssentials
import Glibc
import LithicCore
import RealModule

/// The distribution of relaxation times (DRT) of a spectrum:
/// Z(ω) = R∞ [+ jωL] + ∫ γ(ln τ)/(1 + jωτ) d ln τ, with γ ≥ 0.
///
/// γ is expanded on a grid of `ln τ` (Gaussian radial basis functions, as pyDRTtools, or
/// piecewise-linear hat functions), the basis integrals are computed once by quadrature, and the
/// coefficients minimise ‖W(Ax − Z)‖² + λ‖Dx‖² under x ≥ 0 (Tikhonov with a second-derivative
/// penalty D; non-negative least squares, Lawson–Hanson). W weights each point by 1/|Z|. The
/// regularisation λ is chosen by generalised cross-validation (GCV, on the unconstrained
/// problem) or the corner of the L-curve (maximum curvature). Time constants are τ = 1/(2πf).
public struct DistributionOfRelaxationTimes: Sendable {
    public enum Basis: String, Sendable, CaseIterable { case gaussian, piecewiseLinear = "pwl" }
    public enum Selection: String, Sendable, CaseIterable { case gcv, lcurve }

    public struct Peak: Sendable {
        /// Time constant at the maximum (s) and the corresponding frequency 1/(2πτ) (Hz).
        public var tau: Double
        public var frequency: Double
        /// Resistance of the peak: ∫γ d ln τ between the neighbouring minima (Ω).
        public var resistance: Double
        public var height: Double
    }

    public var tau: [Double]
    public var gamma: [Double]
    public var seriesResistance: Double
    public var inductance: Double
    public var lambda: Double
    public var peaks: [Peak]
    /// Model impedance and rms relative residual.
    public var fitted: [Complex<Double>]
    public var rmsRelative: Double
    /// (λ, residual norm, penalty norm, GCV score) for every λ tried.
    public var scan: [(Double, Double, Double, Double)]

    /// Computes the DRT of (f, Z).
    public static func compute(frequencies f: [Double], impedances z: [Complex<Double>], basis: Basis = .gaussian,
                               selection: Selection = .gcv, lambda fixedLambda: Double? = nil, pointsPerDecade: Double = 10,
                               includeInductance: Bool = true) throws -> DistributionOfRelaxationTimes {
        let n = f.count
        guard n >= 5 else { throw InputError(.commandLine, "DRT needs at least 5 points, got \(n)") }
        guard let fmin = f.min(), let fmax = f.max(), fmin > 0, fmax > fmin else {
            throw InputError(.commandLine, "DRT needs positive, distinct frequencies")
        }
        // Grid of ln τ one decade beyond the measured range on each side.
        let lo = log(1 / (2 * Double.pi * fmax)) - log(10), hi = log(1 / (2 * Double.pi * fmin)) + log(10)
        let m = max(Int(((hi - lo) / log(10) * pointsPerDecade).rounded()) + 1, 8)
        let step = (hi - lo) / Double(m - 1)
        let grid = (0..<m).map { lo + Double($0) * step }
        // Columns: R∞, [L], γ_0 … γ_{m−1}.
        let extra = includeInductance ? 2 : 1
        let cols = extra + m
        var a = [Double](repeating: 0, count: 2 * n * cols)
        var b = [Double](repeating: 0, count: 2 * n)
        let width = basis == .gaussian ? step : step  // RBF width equal to the grid spacing (FWHM ≈ 1.67 step)
        let quadrature = 120
        for i in 0..<n {
            let w = 2 * Double.pi * f[i]
            let weight = 1 / max(z[i].length, 1e-300)
            b[2 * i] = z[i].real * weight
            b[2 * i + 1] = z[i].imaginary * weight
            a[(2 * i) * cols] = weight
            if includeInductance { a[(2 * i + 1) * cols + 1] = w * weight * 1e-6 }  // L in µH for scaling
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
        let (ata, atb) = DenseLinearAlgebra.normalEquations(a, rows: 2 * n, columns: cols, b)
        // Second-derivative penalty on γ.
        var dtd = [Double](repeating: 0, count: cols * cols)
        for k in 1..<(m - 1) {
            let idx = [extra + k - 1, extra + k, extra + k + 1]
            let coef = [1.0, -2.0, 1.0]
            for p in 0..<3 { for q in 0..<3 { dtd[idx[p] * cols + idx[q]] += coef[p] * coef[q] } }
        }
        let scale = (0..<cols).map { ata[$0 * cols + $0] }.reduce(0, +) / Double(cols)
        let free: Set<Int> = includeInductance ? [1] : []
        func solve(_ lambda: Double) -> (x: [Double], residual: Double, penalty: Double, gcv: Double) {
            var g = ata
            for i in 0..<(cols * cols) { g[i] += lambda * scale * dtd[i] }
            for k in 0..<cols { g[k * cols + k] += 1e-12 * scale }
            let x = DenseLinearAlgebra.nonNegativeLeastSquares(gram: g, atb, size: cols, free: free)
            var r2 = 0.0
            for row in 0..<(2 * n) {
                var s = -b[row]
                for c in 0..<cols { s += a[row * cols + c] * x[c] }
                r2 += s * s
            }
            var pen = 0.0
            for k in 1..<(m - 1) {
                let d = x[extra + k - 1] - 2 * x[extra + k] + x[extra + k + 1]
                pen += d * d
            }
            // GCV on the unconstrained problem: trace of the influence matrix = tr((G)⁻¹ AᵀA).
            var gcv = Double.infinity
            if let inv = DenseLinearAlgebra.invertSymmetric(g, size: cols) {
                var trace = 0.0
                for i in 0..<cols { for k in 0..<cols { trace += inv[i * cols + k] * ata[k * cols + i] } }
                let dof = Double(2 * n) - trace
                if dof > 0 { gcv = Double(2 * n) * r2 / (dof * dof) }
            }
            return (x, r2, pen, gcv)
        }
        var scan: [(Double, Double, Double, Double)] = []
        var chosen: Double
        var best: (x: [Double], residual: Double, penalty: Double, gcv: Double)
        if let l = fixedLambda {
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
            var s = 0.0
            for k in 0..<m {
                let d = grid[j] - grid[k]
                let phi = basis == .gaussian ? exp(-pow(d / width, 2)) : max(0, 1 - abs(d) / step)
                s += x[extra + k] * phi
            }
            gamma[j] = s
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
        // Peaks: local maxima above 1 % of the largest, with the area between neighbouring minima.
        var peaks: [Peak] = []
        let top = gamma.max() ?? 0
        for j in 1..<(m - 1) where gamma[j] > gamma[j - 1] && gamma[j] >= gamma[j + 1] && gamma[j] > 0.01 * top {
            var l = j, r = j
            while l > 0 && gamma[l - 1] < gamma[l] { l -= 1 }
            while r < m - 1 && gamma[r + 1] < gamma[r] { r += 1 }
            var area = 0.0
            for k in l..<r { area += 0.5 * (gamma[k] + gamma[k + 1]) * step }
            let t = exp(grid[j])
            peaks.append(Peak(tau: t, frequency: 1 / (2 * Double.pi * t), resistance: area, height: gamma[j]))
        }
        return DistributionOfRelaxationTimes(tau: grid.map { exp($0) }, gamma: gamma, seriesResistance: x[0],
                                             inductance: includeInductance ? x[1] * 1e-6 : 0, lambda: chosen, peaks: peaks,
                                             fitted: fitted, rmsRelative: (rel / Double(2 * n)).squareRoot(), scan: scan)
    }
}
