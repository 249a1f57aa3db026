import CFFTW
import LithicCore
import ComplexModule
import RealModule
import FoundationEssentials
import Glibc

/// Discrete Fourier transform of real samples through FFTW (r2c). Plans are made once per size
/// (FFTW_ESTIMATE: deterministic, no overwriting while planning) and cached; planning is
/// serialised by a lock because FFTW's planner is not thread-safe. No FFTW type leaves this file.
public enum RealFFT {
    private static let lock = Lock()
    nonisolated(unsafe) private static var plans: [Int: Plan] = [:]

    final class Plan {
        let size: Int
        let input: UnsafeMutablePointer<Double>
        let output: UnsafeMutablePointer<fftw_complex>
        let plan: fftw_plan?
        let use = Lock()
        init(size: Int) {
            self.size = size
            input = fftw_alloc_real(size)
            output = fftw_alloc_complex(size / 2 + 1)
            plan = fftw_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))
        }
        deinit {
            if let plan { fftw_destroy_plan(plan) }
            fftw_free(input)
            fftw_free(output)
        }
    }

    /// The N/2 + 1 complex coefficients X_k = Σ x_n e^{−2πikn/N} of `samples` (N = count).
    public static func transform(_ samples: [Double]) -> [Complex<Double>] {
        let n = samples.count
        guard n >= 2 else { return samples.map { Complex($0, 0) } }
        lock.lock()
        let plan: Plan
        if let p = plans[n] { plan = p } else { plan = Plan(size: n); plans[n] = plan }
        lock.unlock()
        plan.use.lock()
        defer { plan.use.unlock() }
        samples.withUnsafeBufferPointer { s in
            if let base = s.baseAddress { plan.input.update(from: base, count: n) }
        }
        guard let p = plan.plan else { return [] }
        fftw_execute(p)
        var result = [Complex<Double>](repeating: .zero, count: n / 2 + 1)
        for k in 0..<(n / 2 + 1) { result[k] = Complex(plan.output[k].0, plan.output[k].1) }
        return result
    }
}
