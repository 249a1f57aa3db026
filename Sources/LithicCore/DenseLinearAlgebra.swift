/// Small dense linear algebra (row-major) for fitting statistics, DRT and lin-KK, where the
/// matrices have at most a few hundred columns. Plain Swift: no C type, deterministic.
public enum DenseLinearAlgebra {
    /// Cholesky factor L (lower, row-major) of a symmetric positive-definite n×n matrix, or nil.
    public static func cholesky(_ a: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }

    /// Solves (L Lᵀ) x = b given the Cholesky factor.
    public static func choleskySolve(_ l: [Double], size n: Int, _ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * y[k] }
            y[i] = s / l[i * n + i]
        }
        return y
    }

    /// Inverse of a symmetric positive-definite matrix (scaled to unit diagonal first for
    /// conditioning); nil when it is not positive definite to working precision.
    public static func invertSymmetric(_ a: [Double], size n: Int) -> [Double]? {
        guard n > 0 else { return [] }
        var d = [Double](repeating: 1, count: n)
        for i in 0..<n {
            guard a[i * n + i] > 0 else { return nil }
            d[i] = 1 / a[i * n + i].squareRoot()
        }
        var scaled = a
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= d[i] * d[j] } }
        guard let l = cholesky(scaled, size: n) else { return nil }
        for i in 0..<n where l[i * n + i] < 1e-7 { return nil }  // condition number beyond ~1e14
        var inv = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let col = choleskySolve(l, size: n, e)
            for i in 0..<n { inv[i * n + j] = col[i] * d[i] * d[j] }
        }
        return inv
    }

    /// AᵀA (n×n) and Aᵀb for a row-major m×n matrix A.
    public static func normalEquations(_ a: [Double], rows m: Int, columns n: Int, _ b: [Double]) -> ([Double], [Double]) {
        var ata = [Double](repeating: 0, count: n * n)
        var atb = [Double](repeating: 0, count: n)
        for r in 0..<m {
            let base = r * n
            for i in 0..<n {
                let ai = a[base + i]
                if ai == 0 { continue }
                atb[i] += ai * b[r]
                for j in i..<n { ata[i * n + j] += ai * a[base + j] }
            }
        }
        for i in 0..<n { for j in 0..<i { ata[i * n + j] = ata[j * n + i] } }
        return (ata, atb)
    }

    /// Non-negative least squares on the normal equations: minimise ½xᵀGx − cᵀx subject to
    /// x ≥ 0 (Lawson–Hanson active set; G = AᵀA positive semi-definite, c = Aᵀb).
    /// `free` marks variables without the sign constraint (kept in the passive set). A tiny
    /// `ridge` (relative to each diagonal entry) keeps passive subsystems positive definite.
    /// A variable enters when its gradient exceeds `enteringTolerance` (absolute) or, when that
    /// is nil, 1e-14 of its |c|. Guard against cycling: a variable that enters and at once comes
    /// back non-positive (or whose subsystem is singular) is blocked until the passive set next
    /// changes by a successful step.
    public static func nonNegativeLeastSquares(gram g: [Double], _ c: [Double], size n: Int, free: Set<Int> = [],
                                               ridge: Double = 1e-14, enteringTolerance: Double? = nil,
                                               maximumIterations: Int = 1000) -> [Double] {
        var x = [Double](repeating: 0, count: n)
        var passive = [Bool](repeating: false, count: n)
        var blocked = [Bool](repeating: false, count: n)
        for k in free { passive[k] = true }
        func solvePassive() -> [Double]? {
            let idx = (0..<n).filter { passive[$0] }
            guard !idx.isEmpty else { return [Double](repeating: 0, count: n) }
            let p = idx.count
            var sub = [Double](repeating: 0, count: p * p)
            var rhs = [Double](repeating: 0, count: p)
            for (a, i) in idx.enumerated() {
                rhs[a] = c[i]
                for (b, j) in idx.enumerated() { sub[a * p + b] = g[i * n + j] }
                sub[a * p + a] += ridge * max(g[i * n + i], 1e-300)
            }
            guard let l = cholesky(sub, size: p) else { return nil }
            let sol = choleskySolve(l, size: p, rhs)
            var full = [Double](repeating: 0, count: n)
            for (a, i) in idx.enumerated() { full[i] = sol[a] }
            return full
        }
        if !free.isEmpty, let s = solvePassive() { x = s }
        for _ in 0..<maximumIterations {
            // Gradient of the objective's negative: w = c − Gx.
            var best = -1
            var bestW = enteringTolerance ?? 0
            for j in 0..<n where !passive[j] && !blocked[j] {
                var w = c[j]
                for k in 0..<n where x[k] != 0 { w -= g[j * n + k] * x[k] }
                let enters = enteringTolerance == nil ? w > bestW * (1 + 1e-12) && w > 1e-14 * (abs(c[j]) + 1e-300) : w > bestW
                if enters { bestW = w; best = j }
            }
            if best < 0 { break }
            passive[best] = true
            for _ in 0...n {
                guard let z = solvePassive() else { passive[best] = false; blocked[best] = true; break }
                let nonPositive = (0..<n).filter { passive[$0] && !free.contains($0) && z[$0] <= 0 }
                if nonPositive.isEmpty {
                    x = z
                    blocked = [Bool](repeating: false, count: n)
                    break
                }
                if nonPositive == [best] && x[best] == 0 {
                    passive[best] = false
                    blocked[best] = true
                    break
                }
                // Step back towards x until a passive variable hits zero.
                var alpha = 1.0
                for j in nonPositive where x[j] - z[j] > 0 { alpha = min(alpha, x[j] / (x[j] - z[j])) }
                for j in 0..<n where passive[j] { x[j] += alpha * (z[j] - x[j]) }
                for j in 0..<n where passive[j] && !free.contains(j) && x[j] <= 1e-300 { passive[j] = false; x[j] = 0 }
                if !passive[best] { blocked[best] = true; break }
            }
        }
        return x
    }
}
