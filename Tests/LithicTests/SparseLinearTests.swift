import Foundation
import Testing
import SparseLinear
import LithicCore

/// The sparse linear algebra under the solver: KLU with either fill-reducing ordering, and GMRES
/// preconditioned by a factorisation of a nearby matrix.
@Suite("sparse linear algebra")
struct SparseLinearTests {
    /// A 2-D mesh (k×k nodes, conductance 1 between neighbours, 1e-3 to ground) plus a random
    /// non-symmetric coupling per node, as triplets in 1-based MNA slots.
    static func mesh(_ k: Int, seed: UInt64) -> (pattern: SparsePattern, values: [Double]) {
        var rng = SplitMix64(seed: seed)
        var entries: [Int: Double] = [:]   // key: row·(n+1) + column, one slot per position
        let n = k * k
        func add(_ r: Int, _ c: Int, _ v: Double) { entries[r * (n + 1) + c, default: 0] += v }
        for i in 0..<k { for j in 0..<k {
            let a = i * k + j + 1
            add(a, a, 1e-3 + 0.5 * rng.nextUniform())
            for b in [j + 1 < k ? a + 1 : 0, i + 1 < k ? a + k : 0] where b > 0 {
                let g = 0.5 + rng.nextUniform()
                add(a, a, g); add(b, b, g); add(a, b, -g); add(b, a, -g)
            }
            let other = 1 + Int(rng.nextUniform() * Double(n - 1))
            if other != a { add(a, other, 0.05 * (rng.nextUniform() - 0.5)) }
        } }
        let keys = entries.keys.sorted()
        let pattern = SparsePattern(dimension: n, rows: keys.map { Int32($0 / (n + 1)) }, columns: keys.map { Int32($0 % (n + 1)) })
        var csc = [Double](repeating: 0, count: pattern.nonzeros)
        for (s, key) in keys.enumerated() { csc[pattern.position[s + 1]] = entries[key] ?? 0 }
        return (pattern, csc)
    }

    @Test("nested dissection and minimum degree orderings solve the same mesh system to 1e-12")
    func orderingsAgree() throws {
        let (pattern, values) = Self.mesh(40, seed: 3)
        let b = (0..<pattern.dimension).map { Double($0 % 7) - 3 }
        var solutions: [[Double]] = []
        for ordering in [FillReducingOrdering.minimumDegree, .nestedDissection] {
            let klu = try KLUSolver(pattern: pattern, ordering: ordering)
            #expect(klu.ordering == ordering)
            var v = values
            try klu.factor(&v)
            var x = b
            try klu.solve(&x)
            solutions.append(x)
        }
        let scale = solutions[0].map(abs).max() ?? 1
        for k in solutions[0].indices { #expect(abs(solutions[0][k] - solutions[1][k]) <= 1e-12 * scale) }
    }

    @Test("GMRES on a stale factorisation reaches the direct solution to its weighted target; a too small budget reports failure")
    func gmresWithStalePreconditioner() throws {
        let (pattern, values) = Self.mesh(30, seed: 11)
        let n = pattern.dimension
        // The preconditioner: the same matrix with every value changed by up to ±20 %.
        var rng = SplitMix64(seed: 4)
        var stale = values.map { $0 * (1 + 0.4 * (rng.nextUniform() - 0.5)) }
        let preconditioner = try KLUSolver(pattern: pattern)
        try preconditioner.factor(&stale)
        let exactSolver = try KLUSolver(pattern: pattern)
        var exactValues = values
        try exactSolver.factor(&exactValues)
        let rhs = (0..<n).map { sin(Double($0)) }
        var exact = rhs
        try exactSolver.solve(&exact)
        // Row weights: the residual of row k read as an update error of unknown k (divided by
        // the row's largest entry) in units of that unknown's tolerance.
        var rowMax = [Double](repeating: 0, count: n)
        for j in 0..<n { for p in Int(pattern.columnPointers[j])..<Int(pattern.columnPointers[j + 1]) {
            rowMax[Int(pattern.rowIndices[p])] = max(rowMax[Int(pattern.rowIndices[p])], abs(values[p])) } }
        let tolerances = exact.map { 1e-3 * abs($0) + 1e-6 }
        let weights = (0..<n).map { 1 / (tolerances[$0] * rowMax[$0]) }

        let gmres = PreconditionedGMRES(dimension: n, maximumIterations: 30)
        var x = rhs
        let result = try values.withUnsafeBufferPointer { v in
            try x.withUnsafeMutableBufferPointer { xb in
                try gmres.solve(xb.baseAddress!, rowWeights: weights, target: 0.1, relativeTarget: 0,
                                multiply: { preconditioner.multiply(v.baseAddress!, $0, into: $1) },
                                precondition: { try preconditioner.solve(inPlace: $0) })
            }
        }
        #expect(result.converged)
        #expect(result.iterations > 1 && result.iterations < 30, "\(result.iterations) iterations")
        // ‖D·r‖ ≤ 0.1 on a diagonally dominant matrix bounds each update error by a few tenths of
        // its tolerance.
        let worst = (0..<n).map { abs(x[$0] - exact[$0]) / tolerances[$0] }.max() ?? 0
        #expect(worst <= 0.5, "error \(worst) tolerances")

        let short = PreconditionedGMRES(dimension: n, maximumIterations: 1)
        var y = rhs
        let failed = try values.withUnsafeBufferPointer { v in
            try y.withUnsafeMutableBufferPointer { yb in
                try short.solve(yb.baseAddress!, rowWeights: weights, target: 1e-6, relativeTarget: 0,
                                multiply: { preconditioner.multiply(v.baseAddress!, $0, into: $1) },
                                precondition: { try preconditioner.solve(inPlace: $0) })
            }
        }
        #expect(!failed.converged)
        #expect(y == rhs, "a failed solve leaves the right-hand side untouched")
    }
}
