/// Right-preconditioned, row-weighted GMRES without restart (flexible form: the preconditioned
/// directions are kept, so the answer costs no extra solve) for J·Δ = b, where the
/// preconditioner M is a factorisation of a nearby matrix (the Jacobian of an earlier Newton
/// iteration).
///
/// It minimises ‖D·(b − J·Δ)‖₂ over Δ ∈ M⁻¹·K_k, with D a diagonal row weight chosen by the
/// caller (for Newton: each row's residual converted to its unknown's update and divided by that
/// unknown's tolerance), and stops when that norm is below `target` or after
/// `maximumIterations` products. Each iteration costs one solve with M and one product with J,
/// so a fresh factorisation costs exactly what a chord step does. Arnoldi with modified
/// Gram-Schmidt and Givens rotations (Saad, *Iterative Methods for Sparse Linear Systems*, 2nd
/// ed., §6.5 and §9.4.1 for the flexible variant). Workspace is allocated once and reused; a
/// class because it owns that workspace.
public final class PreconditionedGMRES {
    public let dimension: Int
    public let maximumIterations: Int
    /// Krylov basis v_0 … v_m (weighted residual space) and preconditioned directions
    /// z_j = M⁻¹·D⁻¹·v_j, column after column.
    private let basis: UnsafeMutablePointer<Double>
    private let directions: UnsafeMutablePointer<Double>
    private let work: UnsafeMutablePointer<Double>
    /// Column j of the Hessenberg matrix holds h[0…j+1, j] (after rotation: R's column j).
    private var hessenberg: [[Double]]
    private var cosines: [Double], sines: [Double], g: [Double]

    public init(dimension: Int, maximumIterations: Int) {
        self.dimension = dimension
        let m = max(1, maximumIterations)
        self.maximumIterations = m
        basis = .allocate(capacity: (m + 1) * max(dimension, 1))
        directions = .allocate(capacity: m * max(dimension, 1))
        work = .allocate(capacity: max(dimension, 1))
        hessenberg = (0..<m).map { _ in [Double](repeating: 0, count: m + 1) }
        cosines = [Double](repeating: 0, count: m)
        sines = cosines
        g = [Double](repeating: 0, count: m + 1)
    }

    deinit {
        basis.deallocate()
        directions.deallocate()
        work.deallocate()
    }

    /// The outcome of one solve.
    public struct Result: Sendable {
        public var converged: Bool
        public var iterations: Int
        /// ‖D·(b − J·Δ)‖₂ at the end.
        public var residual: Double
    }

    /// Solves J·Δ = b. `b` holds the right-hand side on entry and, when the result converged,
    /// Δ on exit (it is left untouched otherwise).
    /// - Parameters:
    ///   - rowWeights: D (positive, finite, length `dimension`).
    ///   - target: stop once ‖D·(b − J·Δ)‖₂ is below this…
    ///   - relativeTarget: …or below this fraction of ‖D·b‖₂ (the inexact-Newton forcing
    ///     term), whichever is larger.
    ///   - multiply: y ← J·x (x and y of length `dimension`, distinct buffers).
    ///   - precondition: v ← M⁻¹·v in place.
    public func solve(_ b: UnsafeMutablePointer<Double>, rowWeights: UnsafePointer<Double>, target: Double, relativeTarget: Double,
                      multiply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void,
                      precondition: (UnsafeMutablePointer<Double>) throws -> Void) rethrows -> Result {
        let n = dimension, m = maximumIterations
        guard n > 0 else { return Result(converged: true, iterations: 0, residual: 0) }
        let work = self.work
        // r0 = D·b (Δ0 = 0) becomes v_0 = r0/β.
        var beta = 0.0
        for k in 0..<n { let r = rowWeights[k] * b[k]; basis[k] = r; beta += r * r }
        beta = beta.squareRoot()
        guard beta.isFinite else { return Result(converged: false, iterations: 0, residual: beta) }
        if beta == 0 {
            b.update(repeating: 0, count: n)
            return Result(converged: true, iterations: 0, residual: 0)
        }
        let stop = max(target, relativeTarget * beta)
        let inverseBeta = 1 / beta
        for k in 0..<n { basis[k] *= inverseBeta }
        g[0] = beta
        for k in 1...m { g[k] = 0 }
        var residual = beta
        var used = 0
        for j in 0..<m {
            // z_j = M⁻¹·D⁻¹·v_j;  w = D·J·z_j
            let vj = basis + j * n, zj = directions + j * n
            for k in 0..<n { zj[k] = vj[k] / rowWeights[k] }
            try precondition(zj)
            multiply(UnsafePointer(zj), work)
            for k in 0..<n { work[k] *= rowWeights[k] }
            // Modified Gram-Schmidt against v_0 … v_j.
            for i in 0...j {
                let vi = basis + i * n
                var dot = 0.0
                for k in 0..<n { dot += vi[k] * work[k] }
                hessenberg[j][i] = dot
                for k in 0..<n { work[k] -= dot * vi[k] }
            }
            var norm = 0.0
            for k in 0..<n { norm += work[k] * work[k] }
            norm = norm.squareRoot()
            guard norm.isFinite else { return Result(converged: false, iterations: j + 1, residual: .infinity) }
            hessenberg[j][j + 1] = norm
            if norm > 0 {
                let next = basis + (j + 1) * n
                let inverse = 1 / norm
                for k in 0..<n { next[k] = work[k] * inverse }
            }
            // Earlier rotations on the new column, then a new one that zeroes h[j+1, j].
            for i in 0..<j {
                let a = hessenberg[j][i], c = hessenberg[j][i + 1]
                hessenberg[j][i] = cosines[i] * a + sines[i] * c
                hessenberg[j][i + 1] = -sines[i] * a + cosines[i] * c
            }
            let a = hessenberg[j][j], c = hessenberg[j][j + 1]
            let r = (a * a + c * c).squareRoot()
            guard r > 0 else { return Result(converged: false, iterations: j + 1, residual: residual) }
            cosines[j] = a / r; sines[j] = c / r
            hessenberg[j][j] = r; hessenberg[j][j + 1] = 0
            g[j + 1] = -sines[j] * g[j]
            g[j] = cosines[j] * g[j]
            residual = abs(g[j + 1])
            used = j + 1
            if residual <= stop || norm == 0 { break }
        }
        guard residual <= stop else { return Result(converged: false, iterations: used, residual: residual) }
        // Back substitution R·y = g, then Δ = Z·y.
        var y = [Double](repeating: 0, count: used)
        for i in stride(from: used - 1, through: 0, by: -1) {
            var s = g[i]
            for l in (i + 1)..<used { s -= hessenberg[l][i] * y[l] }
            y[i] = s / hessenberg[i][i]
        }
        b.update(repeating: 0, count: n)
        for i in 0..<used {
            let yi = y[i], zi = directions + i * n
            for k in 0..<n { b[k] += yi * zi[k] }
        }
        return Result(converged: true, iterations: used, residual: residual)
    }
}
