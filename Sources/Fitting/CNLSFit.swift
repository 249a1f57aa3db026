import ComplexModule
import RealModule
import Dispatch
import FoundationEssentials
import Glibc
import Impedance
import LithicCore

/// A measured or simulated spectrum: frequencies (Hz) and complex impedances (Ω), Z'' < 0 for
/// capacitive behaviour.
public struct Spectrum: Sendable {
    public var frequencies: [Double]
    public var impedances: [Complex<Double>]
    /// Where it came from (file name), for messages and tables.
    public var source: String
    public init(frequencies: [Double], impedances: [Complex<Double>], source: String = "") {
        self.frequencies = frequencies; self.impedances = impedances; self.source = source
    }
    public var count: Int { frequencies.count }

    /// The spectrum without inductive points (Z'' > 0), as impedance.py's `ignoreBelowX`.
    public func droppingInductivePoints() -> Spectrum {
        let keep = impedances.indices.filter { impedances[$0].imaginary <= 0 }
        return Spectrum(frequencies: keep.map { frequencies[$0] }, impedances: keep.map { impedances[$0] }, source: source)
    }
}

/// Settings of a complex non-linear least-squares fit.
public struct FitSettings: Sendable {
    public var weighting: Weighting = .modulus
    /// Parameters held at a value, by name (`R0`, `CPE1_1`).
    public var fixed: [String: Double] = [:]
    /// Bounds by name; defaults are each element's (non-negative; exponents ≤ 1).
    public var bounds: [String: (Double, Double)] = [:]
    /// Number of starts: the given initial guess plus `starts − 1` random ones around it
    /// (log-uniform within a factor `spread` for scales, uniform in (0, 1] for exponents).
    public var starts = 32
    public var spread = 100.0
    public var seed: UInt64 = 1
    /// Function evaluations per start; 0 means MINPACK's recommendation for lmder, 100·(n + 1)
    /// with n free parameters (a crawl along a flat valley is cut short; other starts cover it).
    public var maximumEvaluations = 0
    public init() {}
}

/// The outcome of a fit, with uncertainties.
///
/// Uncertainties: the covariance is s²·(JᵀWJ)⁻¹ at the optimum, with J the Jacobian of the model
/// with respect to the (untransformed) free parameters, W the weights and s² = χ²/(2N − p) the
/// reduced χ² (the weights are taken as relative, as impedance.py's curve_fit does with
/// absolute_sigma = False). Standard errors are √diag; 95 % intervals use Student's t with
/// 2N − p degrees of freedom. A parameter at a bound, or a singular JᵀWJ, gives an infinite
/// error and an identifiability warning instead of a misleading number.
public struct FitResult: Sendable {
    public var circuit: String
    public var names: [String]
    public var values: [Double]
    public var isFixed: [Bool]
    public var standardErrors: [Double]
    public var confidence95: [(Double, Double)]
    /// Correlation matrix of the free parameters (in `names` order, fixed ones have NaN rows).
    public var correlation: [[Double]]
    public var covariance: [[Double]]
    /// Weighted χ², reduced χ², and the residual measure impedance.py users compare:
    /// rms of (Zfit − Zexp)/|Zexp| over real and imaginary parts.
    public var chiSquare: Double
    public var reducedChiSquare: Double
    public var rmsRelative: Double
    /// Akaike and Bayesian information criteria (Gaussian likelihood, weights relative).
    public var aic: Double
    public var bic: Double
    public var evaluations: Int
    /// Wall-clock seconds spent in the fit itself (all starts, statistics included).
    public var seconds: Double = 0
    public var converged: Bool
    public var warnings: [String]
    public var weighting: Weighting
    public var fitted: [Complex<Double>]
}

/// Complex non-linear least squares on MINPACK's Levenberg-Marquardt (`lmder`) with the exact
/// Jacobian of the circuit; bounds by smooth transformation; multi-start global search.
public struct CNLSFitter {
    public let circuit: EquivalentCircuit
    public var settings: FitSettings

    public init(circuit: EquivalentCircuit, settings: FitSettings = FitSettings()) {
        self.circuit = circuit
        self.settings = settings
    }

    /// A bound as a smooth map u ↦ p(u) and its derivative.
    enum Transform {
        case identity
        case logarithmic(lower: Double)     // p = lower + e^u
        case upperLog(upper: Double)        // p = upper − e^u
        case logistic(lower: Double, upper: Double)

        func value(_ u: Double) -> Double {
            switch self {
            case .identity: return u
            case .logarithmic(let lo): return lo + exp(u)
            case .upperLog(let hi): return hi - exp(u)
            case .logistic(let lo, let hi): return lo + (hi - lo) / (1 + exp(-u))
            }
        }
        func derivative(_ u: Double) -> Double {
            switch self {
            case .identity: return 1
            case .logarithmic: return exp(u)
            case .upperLog: return -exp(u)
            case .logistic(let lo, let hi):
                let s = 1 / (1 + exp(-u))
                return (hi - lo) * s * (1 - s)
            }
        }
        func inverse(_ p: Double) -> Double {
            switch self {
            case .identity: return p
            case .logarithmic(let lo): return log(max(p - lo, 1e-300))
            case .upperLog(let hi): return log(max(hi - p, 1e-300))
            case .logistic(let lo, let hi):
                let s = min(max((p - lo) / (hi - lo), 1e-12), 1 - 1e-12)
                return log(s / (1 - s))
            }
        }
        init(_ b: (Double, Double)) {
            switch (b.0.isFinite, b.1.isFinite) {
            case (true, true): self = .logistic(lower: b.0, upper: b.1)
            case (true, false): self = .logarithmic(lower: b.0)
            case (false, true): self = .upperLog(upper: b.1)
            default: self = .identity
            }
        }
    }

    /// Fits `spectrum` from `initial` (one value per circuit parameter, fixed ones included).
    public func fit(_ spectrum: Spectrum, initial: [Double]) throws -> FitResult {
        let began = DispatchTime.now().uptimeNanoseconds
        var result = try fitUntimed(spectrum, initial: initial)
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - began) * 1e-9
        return result
    }

    func fitUntimed(_ spectrum: Spectrum, initial: [Double]) throws -> FitResult {
        let names = circuit.parameterNames
        guard initial.count == names.count else {
            throw InputError(.commandLine, "circuit \(circuit) has \(names.count) parameters (\(names.joined(separator: ", "))), \(initial.count) initial values given")
        }
        guard spectrum.count > 0 else { throw InputError(.commandLine, "spectrum \(spectrum.source) has no points") }
        for k in settings.fixed.keys where !names.contains(k) {
            throw InputError(.commandLine, "fixed parameter '\(k)' is not a parameter of \(circuit) (\(names.joined(separator: ", ")))")
        }
        for k in settings.bounds.keys where !names.contains(k) {
            throw InputError(.commandLine, "bounded parameter '\(k)' is not a parameter of \(circuit)")
        }
        var full = initial
        var isFixed = [Bool](repeating: false, count: names.count)
        for (k, n) in names.enumerated() { if let v = settings.fixed[n] { full[k] = v; isFixed[k] = true } }
        let free = (0..<names.count).filter { !isFixed[$0] }
        guard 2 * spectrum.count > free.count else {
            throw InputError(.commandLine, "\(free.count) free parameters cannot be fitted to \(spectrum.count) points")
        }
        var transforms: [Transform] = []
        for k in free {
            let info = circuit.parameterInfo[k]
            let b = settings.bounds[names[k]] ?? info.kind.bounds[info.index]
            guard b.0 < b.1 else { throw InputError(.commandLine, "bounds of \(names[k]) are empty: [\(b.0), \(b.1)]") }
            transforms.append(Transform(b))
            let v = full[k]
            guard v.isFinite else { throw InputError(.commandLine, "initial value of \(names[k]) is not finite") }
            if v <= b.0 || v >= b.1 {
                // Move a start on or outside a bound just inside it.
                full[k] = b.1.isFinite && b.0.isFinite ? b.0 + (b.1 - b.0) * (v <= b.0 ? 0.01 : 0.99)
                    : (v <= b.0 ? (b.0 == 0 ? 1e-6 : b.0 + abs(b.0) * 0.01 + 1e-12) : b.1 - abs(b.1) * 0.01 - 1e-12)
            }
        }
        // Data and weights.
        let n = spectrum.count
        let omegas = spectrum.frequencies.map { 2 * Double.pi * $0 }
        let weights = spectrum.impedances.map { settings.weighting.rootWeights($0) }
        let data = spectrum.impedances
        let template = full

        let workspace = EvaluationWorkspace(template: template, free: free.count, points: n)
        let problem = Minpack.Problem(m: 2 * n, n: free.count) { u, r, jac in
            // MINPACK asks for the Jacobian at the point it evaluated last (an accepted step), and
            // the circuit's impedance comes with its gradient anyway: every evaluation fills the
            // weighted Jacobian, and a Jacobian request at the same point copies it.
            let count = free.count
            if let jac, workspace.hasJacobian, (0..<count).allSatisfy({ workspace.point[$0] == u[$0] }) {
                jac.update(from: workspace.jacobian, count: 2 * n * count)
                for i in 0..<(2 * n) { r[i] = workspace.residuals[i] }
                return true
            }
            for j in 0..<count {
                workspace.point[j] = u[j]
                workspace.parameters[free[j]] = transforms[j].value(u[j])
                workspace.slopes[j] = transforms[j].derivative(u[j])
            }
            var ok = true
            workspace.parameters.withUnsafeBufferPointer { params in
                for i in 0..<n {
                    let z = circuit.impedance(omega: omegas[i], parameters: params, gradient: workspace.gradient)
                    let (wr, wi) = weights[i]
                    let rr = wr * (z.real - data[i].real), ri = wi * (z.imaginary - data[i].imaginary)
                    r[2 * i] = rr
                    r[2 * i + 1] = ri
                    workspace.residuals[2 * i] = rr
                    workspace.residuals[2 * i + 1] = ri
                    if !(rr.isFinite && ri.isFinite) { ok = false }
                    for j in 0..<count {
                        let g = workspace.gradient[free[j]], slope = workspace.slopes[j]
                        workspace.jacobian[j * 2 * n + 2 * i] = wr * g.real * slope
                        workspace.jacobian[j * 2 * n + 2 * i + 1] = wi * g.imaginary * slope
                    }
                }
            }
            workspace.hasJacobian = ok
            if let jac, ok { jac.update(from: workspace.jacobian, count: 2 * n * count) }
            return ok
        }

        // Starts: the initial guess, then deterministic pseudo-random ones around it.
        var rng = SplitMix64(seed: settings.seed)
        var best: (x: [Double], cost: Double, info: Int, evaluations: Int)?
        var totalEvaluations = 0
        for start in 0..<max(settings.starts, 1) {
            var u0 = [Double](repeating: 0, count: free.count)
            for (j, k) in free.enumerated() {
                var v = full[k]
                if start > 0 {
                    let info = circuit.parameterInfo[k]
                    if info.kind.isExponent(info.index) {
                        v = 0.3 + 0.7 * rng.nextUniform()
                    } else {
                        v *= exp((rng.nextUniform() * 2 - 1) * log(settings.spread))
                    }
                    let b = settings.bounds[names[k]] ?? info.kind.bounds[info.index]
                    if v <= b.0 || v >= b.1 { v = full[k] }
                }
                u0[j] = transforms[j].inverse(v)
            }
            let budget = settings.maximumEvaluations > 0 ? settings.maximumEvaluations : 100 * (free.count + 1)
            let outcome = Minpack.levenbergMarquardt(problem, start: u0, maximumEvaluations: budget, relativeReduction: 1e-8)
            totalEvaluations += outcome.evaluations
            var r = [Double](repeating: 0, count: 2 * n)
            let ok = outcome.x.withUnsafeBufferPointer { x in r.withUnsafeMutableBufferPointer { problem.evaluate(x.baseAddress!, $0.baseAddress!, nil) } }
            guard ok else { continue }
            let cost = r.reduce(0) { $0 + $1 * $1 }
            if best.map({ cost < $0.cost }) ?? true { best = (outcome.x, cost, outcome.info, outcome.evaluations) }
        }
        guard let winner = best else {
            throw SimulationError(analysis: "fit", point: spectrum.source, message: "every start produced a non-finite model (check the initial values)")
        }
        var values = template
        for (j, k) in free.enumerated() { values[k] = transforms[j].value(winner.x[j]) }
        return summarize(spectrum: spectrum, values: values, isFixed: isFixed, free: free, chiSquare: winner.cost,
                         info: winner.info, evaluations: totalEvaluations, weights: weights, omegas: omegas)
    }

    /// The buffers one fit's evaluations reuse (no allocation per evaluation), and the last
    /// evaluated point with its residuals and weighted Jacobian.
    final class EvaluationWorkspace {
        var parameters: [Double]
        let point: UnsafeMutablePointer<Double>
        let slopes: UnsafeMutablePointer<Double>
        let gradient: UnsafeMutablePointer<Complex<Double>>
        let residuals: UnsafeMutablePointer<Double>
        let jacobian: UnsafeMutablePointer<Double>
        var hasJacobian = false
        init(template: [Double], free: Int, points: Int) {
            parameters = template
            point = .allocate(capacity: max(free, 1)); point.initialize(repeating: .nan, count: max(free, 1))
            slopes = .allocate(capacity: max(free, 1)); slopes.initialize(repeating: 0, count: max(free, 1))
            gradient = .allocate(capacity: max(template.count, 1)); gradient.initialize(repeating: .zero, count: max(template.count, 1))
            residuals = .allocate(capacity: max(2 * points, 1)); residuals.initialize(repeating: 0, count: max(2 * points, 1))
            jacobian = .allocate(capacity: max(2 * points * free, 1)); jacobian.initialize(repeating: 0, count: max(2 * points * free, 1))
        }
        deinit {
            point.deallocate(); slopes.deallocate(); gradient.deallocate(); residuals.deallocate(); jacobian.deallocate()
        }
    }

    func summarize(spectrum: Spectrum, values: [Double], isFixed: [Bool], free: [Int], chiSquare: Double, info: Int,
                   evaluations: Int, weights: [(Double, Double)], omegas: [Double]) -> FitResult {
        let names = circuit.parameterNames
        let n = spectrum.count
        var fitted: [Complex<Double>] = []
        var jacobian = [Complex<Double>](repeating: .zero, count: n * free.count)
        var grad = [Complex<Double>](repeating: .zero, count: names.count)
        grad.withUnsafeMutableBufferPointer { g in
            for i in 0..<n {
                fitted.append(circuit.impedance(omega: omegas[i], parameters: values, gradient: g.baseAddress!))
                for (a, k) in free.enumerated() { jacobian[i * free.count + a] = g[k] }
            }
        }
        let bounds = names.indices.map { k -> (Double, Double) in
            let info = circuit.parameterInfo[k]
            return settings.bounds[names[k]] ?? info.kind.bounds[info.index]
        }
        return FitResult.assemble(circuit: circuit.description, names: names, values: values, isFixed: isFixed, free: free, bounds: bounds,
                                  spectrum: spectrum, fitted: fitted, jacobian: jacobian, weights: weights, weighting: settings.weighting,
                                  chiSquare: chiSquare, converged: (1...4).contains(info), evaluations: evaluations)
    }
}

extension FitResult {
    /// Statistics at an optimum from the model's Jacobian with respect to the natural free
    /// parameters (`jacobian[i·p + a]` = ∂Z_i/∂p_a): covariance s²(JᵀWJ)⁻¹, standard errors, 95 %
    /// intervals, correlation, χ², AIC, BIC and identifiability warnings. Shared by equivalent-
    /// circuit fits (exact Jacobian) and netlist fits (finite-difference Jacobian).
    public static func assemble(circuit: String, names: [String], values: [Double], isFixed: [Bool], free: [Int],
                                bounds: [(Double, Double)], spectrum: Spectrum, fitted: [Complex<Double>], jacobian: [Complex<Double>],
                                weights: [(Double, Double)], weighting: Weighting, chiSquare: Double, converged: Bool,
                                evaluations: Int) -> FitResult {
        let n = spectrum.count
        let m = 2 * n
        let pf = free.count
        var jtj = [Double](repeating: 0, count: pf * pf)
        var relSquares = 0.0
        for i in 0..<n {
            let d = fitted[i] - spectrum.impedances[i]
            let mag = spectrum.impedances[i].length
            relSquares += (d.real * d.real + d.imaginary * d.imaginary) / (mag * mag)
            let (wr, wi) = weights[i]
            for a in 0..<pf {
                let ga = jacobian[i * pf + a]
                for b in a..<pf {
                    let gb = jacobian[i * pf + b]
                    jtj[a * pf + b] += wr * wr * ga.real * gb.real + wi * wi * ga.imaginary * gb.imaginary
                }
            }
        }
        for a in 0..<pf { for b in 0..<a { jtj[a * pf + b] = jtj[b * pf + a] } }
        let dof = max(m - pf, 1)
        let reduced = chiSquare / Double(dof)
        var warnings: [String] = []
        let inverse = DenseLinearAlgebra.invertSymmetric(jtj, size: pf)
        var covariance = [[Double]](repeating: [Double](repeating: .nan, count: names.count), count: names.count)
        var errors = [Double](repeating: 0, count: names.count)
        var intervals = values.map { ($0, $0) }
        let t = StudentT.quantile975(degreesOfFreedom: dof)
        if let inv = inverse {
            for a in 0..<pf {
                for b in 0..<pf { covariance[free[a]][free[b]] = inv[a * pf + b] * reduced }
            }
            for (a, k) in free.enumerated() {
                let variance = inv[a * pf + a] * reduced
                errors[k] = variance > 0 ? variance.squareRoot() : .infinity
                intervals[k] = (values[k] - t * errors[k], values[k] + t * errors[k])
            }
        } else {
            for k in free { errors[k] = .infinity; intervals[k] = (-.infinity, .infinity) }
            warnings.append("JᵀWJ is singular: some parameters are not identifiable from this spectrum with this circuit")
        }
        var correlation = covariance
        for a in 0..<names.count {
            for b in 0..<names.count {
                let d = (covariance[a][a] * covariance[b][b]).squareRoot()
                correlation[a][b] = d > 0 ? covariance[a][b] / d : .nan
            }
        }
        for (ai, a) in free.enumerated() {
            for b in free[(ai + 1)...] where abs(correlation[a][b]) > 0.995 {
                warnings.append("\(names[a]) and \(names[b]) are almost interchangeable (correlation \(String(format: "%.4f", correlation[a][b])))")
            }
            let bound = bounds[a]
            let scale = max(abs(values[a]), 1e-300)
            if (bound.0.isFinite && abs(values[a] - bound.0) < 1e-6 * max(scale, abs(bound.0))) ||
                (bound.1.isFinite && abs(values[a] - bound.1) < 1e-6 * max(scale, abs(bound.1))) {
                warnings.append("\(names[a]) is at its bound; its error is not meaningful")
            }
            if errors[a].isFinite, errors[a] > abs(values[a]) {
                warnings.append("\(names[a]) has a standard error larger than its value")
            }
        }
        let likelihoodTerm = Double(m) * log(max(chiSquare, 1e-300) / Double(m))
        let k = Double(pf)
        return FitResult(circuit: circuit, names: names, values: values, isFixed: isFixed, standardErrors: errors,
                         confidence95: intervals, correlation: correlation, covariance: covariance, chiSquare: chiSquare,
                         reducedChiSquare: reduced, rmsRelative: (relSquares / Double(m)).squareRoot(),
                         aic: likelihoodTerm + 2 * k, bic: likelihoodTerm + k * log(Double(m)), evaluations: evaluations,
                         converged: converged, warnings: warnings, weighting: weighting, fitted: fitted)
    }
}

/// Student's t 97.5 % quantile (two-sided 95 % interval).
public enum StudentT {
    public static func quantile975(degreesOfFreedom v: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if v >= 1 && v <= 30 { return table[v - 1] }
        // Cornish–Fisher expansion about the normal quantile for larger v.
        let z = 1.959963984540054
        let g1 = (z * z * z + z) / 4
        let g2 = (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / 96
        let dv = Double(v)
        return z + g1 / dv + g2 / (dv * dv)
    }
}
