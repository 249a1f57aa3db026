import CMinpack

/// The one place Lithic calls MINPACK (cminpack): Levenberg-Marquardt `lmder` with a
/// user-supplied Jacobian. No C type leaves this file.
enum Minpack {
    /// The problem: residuals r(x) (length m) and their Jacobian ∂r/∂x (m × n, column-major).
    final class Problem {
        let m: Int
        let n: Int
        let evaluate: (_ x: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ jacobian: UnsafeMutablePointer<Double>?) -> Bool
        init(m: Int, n: Int, evaluate: @escaping (UnsafePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>?) -> Bool) {
            self.m = m; self.n = n; self.evaluate = evaluate
        }
    }

    struct Outcome {
        var x: [Double]
        /// MINPACK's info code (1–4 converged, 5 too many evaluations, 6–8 tolerance too small).
        var info: Int
        var evaluations: Int
    }

    /// Minimises ½‖r(x)‖² from `start`.
    static func levenbergMarquardt(_ problem: Problem, start: [Double], maximumEvaluations: Int = 2000,
                                   tolerance: Double = 1e-10) -> Outcome {
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
                return problem.evaluate(x, fvec, nil) ? 0 : -1
            }
            if iflag == 2 {
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: Int(m))
                defer { scratch.deallocate() }
                return problem.evaluate(x, scratch, fjac) ? 0 : -1
            }
            return 0
        }
        let info = withExtendedLifetime(problem) { () -> Int32 in
            let context = Unmanaged.passUnretained(problem).toOpaque()
            return lmder(callback, context, m, n, &x, &fvec, &fjac, m, tolerance, tolerance, 0,
                         Int32(maximumEvaluations), &diag, 1, 100, 0, &nfev, &njev, &ipvt, &qtf, &wa1, &wa2, &wa3, &wa4)
        }
        return Outcome(x: x, info: Int(info), evaluations: Int(nfev))
    }
}
