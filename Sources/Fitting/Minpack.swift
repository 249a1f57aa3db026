import CMinpack
import ComplexModule
import RealModule
import FoundationEssentials
import Glibc
import LithicCore

/// The one place Lithic calls MINPACK (cminpack): Levenberg-Marquardt `lmder` with a
/// user-supplied Jacobian. No C type leaves this file.
enum Minpack {
    /// The problem: residuals r(x) (length m) and their Jacobian ∂r/∂x (m × n, column-major).
    final class Problem {
        let m: Int
        let n: Int
        let evaluate: (_ x: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ jacobian: UnsafeMutablePointer<Double>?) -> Bool
        /// Room for the residuals MINPACK does not need back from a Jacobian evaluation.
        var scratch: [Double]
        init(m: Int, n: Int, evaluate: @escaping (UnsafePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>?) -> Bool) {
            self.m = m; self.n = n; self.evaluate = evaluate
            self.scratch = [Double](repeating: 0, count: max(m, 1))
        }
    }

    /// The residual given to every component of a trial point where the model is not finite:
    /// large enough that any finite point is better, small enough that MINPACK's scaled norms
    /// (sums of squares over at most ~1e6 residuals) stay finite.
    static let rejectedResidual = 1e100

    struct Outcome {
        var x: [Double]
        /// MINPACK's info code (1–4 converged, 5 too many evaluations, 6–8 tolerance too small).
        var info: Int
        var evaluations: Int
    }

    /// MINPACK's variable scaling: mode 2 with D = I. Lithic fits transformed variables (the
    /// logarithm of a scale parameter, the logit of a bounded one), which are dimensionless and of
    /// order one by construction, so unit scaling is the natural metric for the trust region.
    /// MINPACK's default (mode 1) scales by the Jacobian's column norms and never lets a scale
    /// fall: once a parameter nears a bound its column shrinks but its scale does not, and the
    /// trust region then admits only tiny steps in it — a crawl of hundreds of evaluations.
    /// Measured (session 6) on 120 synthetic spectra (two RQ, RQ–Wo, 1 % noise, boukamp): 32-start
    /// fits 918k → 218k evaluations to the same χ² on every spectrum; single starts 4.9k → 4.8k
    /// evaluations with a lower mean log χ²; the 20 impedance.py comparison fits 3170 → 1481.
    static let unitScaling: Int32 = 2
    /// The initial trust-region radius as a multiple of ‖D·x₀‖ (MINPACK's `factor`; its default
    /// 100 throws random starts far away before they settle; 10 measured best of 1, 10, 100).
    static let initialStepFactor = 10.0

    /// Minimises ½‖r(x)‖² from `start`.
    static func levenbergMarquardt(_ problem: Problem, start: [Double], maximumEvaluations: Int = 2000,
                                   tolerance: Double = 1e-10, relativeReduction: Double = 1e-10) -> Outcome {
        let m = Int32(problem.m), n = Int32(problem.n)
        var x = start
        var fvec = [Double](repeating: 0, count: problem.m)
        var fjac = [Double](repeating: 0, count: problem.m * problem.n)
        var diag = [Double](repeating: 1, count: problem.n)
        var ipvt = [Int32](repeating: 0, count: problem.n)
        var qtf = [Double](repeating: 0, count: problem.n)
        var wa1 = [Double](repeating: 0, count: problem.n), wa2 = wa1, wa3 = wa1
        var wa4 = [Double](repeating: 0, count: problem.m)
        var nfev: Int32 = 0, njev: Int32 = 0
        let callback: cminpack_funcder_mn = { context, m, n, x, fvec, fjac, ldfjac, iflag in
            guard let context, let x, let fvec, let fjac else { return -1 }
            let problem = Unmanaged<Problem>.fromOpaque(context).takeUnretainedValue()
            if iflag == 1 {
                // A trial step into a region where the model is not finite (an overflowing
                // exponent, a zero capacitance) is a failed step, not the end of the fit: a huge
                // residual makes MINPACK reject it and shrink its trust region. (Stopping here
                // ended some single-start fits after two evaluations far from the minimum.)
                if !problem.evaluate(x, fvec, nil) {
                    for i in 0..<Int(m) { fvec[i] = Minpack.rejectedResidual }
                }
                return 0
            }
            if iflag == 2 {
                // The Jacobian is only asked for at accepted (finite) points.
                return problem.scratch.withUnsafeMutableBufferPointer { scratch in
                    guard let base = scratch.baseAddress else { return -1 }
                    return problem.evaluate(x, base, fjac) ? 0 : -1
                }
            }
            return 0
        }
        let info = withExtendedLifetime(problem) { () -> Int32 in
            let context = Unmanaged.passUnretained(problem).toOpaque()
            return lmder(callback, context, m, n, &x, &fvec, &fjac, m, relativeReduction, tolerance, 0,
                         Int32(maximumEvaluations), &diag, unitScaling, initialStepFactor, 0, &nfev, &njev, &ipvt, &qtf, &wa1, &wa2, &wa3, &wa4)
        }
        return Outcome(x: x, info: Int(info), evaluations: Int(nfev))
    }
}

extension Minpack {
    /// Minimises ½‖r(x)‖² from `start` with MINPACK `lmdif` (forward-difference Jacobian), for
    /// models without derivatives (a netlist's AC analysis).
    static func levenbergMarquardtDifferences(m: Int, n: Int, start: [Double], maximumEvaluations: Int,
                                              residuals: @escaping (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Bool) -> Outcome {
        final class Box {
            let f: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Bool
            init(_ f: @escaping (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Bool) { self.f = f }
        }
        let box = Box(residuals)
        var x = start
        var fvec = [Double](repeating: 0, count: m)
        var fjac = [Double](repeating: 0, count: m * n)
        var diag = [Double](repeating: 1, count: n)
        var ipvt = [Int32](repeating: 0, count: n)
        var qtf = [Double](repeating: 0, count: n)
        var wa1 = [Double](repeating: 0, count: n), wa2 = wa1, wa3 = wa1
        var wa4 = [Double](repeating: 0, count: m)
        var nfev: Int32 = 0
        let callback: cminpack_func_mn = { context, _, _, x, fvec, _ in
            guard let context, let x, let fvec else { return -1 }
            return Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().f(x, fvec) ? 0 : -1
        }
        let info = withExtendedLifetime(box) { () -> Int32 in
            lmdif(callback, Unmanaged.passUnretained(box).toOpaque(), Int32(m), Int32(n), &x, &fvec, 1e-10, 1e-10, 0,
                  Int32(maximumEvaluations), 1e-7, &diag, unitScaling, initialStepFactor, 0, &nfev, &fjac, Int32(m), &ipvt, &qtf, &wa1, &wa2, &wa3, &wa4)
        }
        return Outcome(x: x, info: Int(info), evaluations: Int(nfev))
    }
}

/// Least squares on any model Z(f; p) that can only be evaluated (no derivatives): parameters
/// fitted in log space (positive values) by MINPACK `lmdif`, statistics from a central-difference
/// Jacobian at the optimum.
public enum DerivativeFreeFit {
    public static func fit(spectrum: Spectrum, names: [String], initial: [Double], weighting: Weighting, description: String,
                           maximumEvaluations: Int = 400, model: @escaping ([Double]) throws -> [Complex<Double>]) throws -> FitResult {
        let n = spectrum.count
        let p = names.count
        guard 2 * n > p else { throw InputError(.commandLine, "\(p) parameters cannot be fitted to \(n) points") }
        for (k, v) in initial.enumerated() where !(v > 0 && v.isFinite) {
            throw InputError(.commandLine, "netlist fits vary positive parameters; \(names[k]) starts at \(v)")
        }
        let weights = spectrum.impedances.map { weighting.rootWeights($0) }
        var firstError: Error?
        let outcome = Minpack.levenbergMarquardtDifferences(m: 2 * n, n: p, start: initial.map { log($0) }, maximumEvaluations: maximumEvaluations) { u, r in
            let values = (0..<p).map { exp(u[$0]) }
            do {
                let z = try model(values)
                for i in 0..<n {
                    r[2 * i] = weights[i].0 * (z[i].real - spectrum.impedances[i].real)
                    r[2 * i + 1] = weights[i].1 * (z[i].imaginary - spectrum.impedances[i].imaginary)
                }
                return true
            } catch {
                if firstError == nil { firstError = error }
                return false
            }
        }
        if let firstError, outcome.evaluations <= 1 { throw firstError }
        let values = outcome.x.map { exp($0) }
        let fitted = try model(values)
        var chi = 0.0
        for i in 0..<n {
            let d = fitted[i] - spectrum.impedances[i]
            chi += weights[i].0 * weights[i].0 * d.real * d.real + weights[i].1 * weights[i].1 * d.imaginary * d.imaginary
        }
        // Central differences in each parameter for the statistics.
        var jacobian = [Complex<Double>](repeating: .zero, count: n * p)
        for a in 0..<p {
            let h = 1e-5 * values[a]
            var up = values, down = values
            up[a] += h; down[a] -= h
            let zu = try model(up), zd = try model(down)
            for i in 0..<n { jacobian[i * p + a] = (zu[i] - zd[i]) / Complex(2 * h, 0) }
        }
        return FitResult.assemble(circuit: description, names: names, values: values, isFixed: names.map { _ in false }, free: Array(0..<p),
                                  bounds: names.map { _ in (0, .infinity) }, spectrum: spectrum, fitted: fitted, jacobian: jacobian,
                                  weights: weights, weighting: weighting, chiSquare: chi, converged: (1...4).contains(outcome.info),
                                  evaluations: outcome.evaluations + 2 * p)
    }
}
