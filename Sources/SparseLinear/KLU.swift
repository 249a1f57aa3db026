import CKLU
import FoundationEssentials
import Glibc
import LithicCore

/// Why a factorisation failed, with the matrix column (0-based, = unknown − 1) when known.
public enum LinearSolverFailure: Error, Sendable {
    case singular(column: Int?)
    case outOfMemory
    case invalid(String)
}

/// KLU (SuiteSparse) sparse LU on a fixed pattern: symbolic analysis (AMD ordering, BTF) once,
/// numeric factorisation on the first call and after pivot trouble, `klu_refactor` otherwise.
/// Owns C resources, so it is a class; not shared between threads.
public final class KLUSolver {
    public let pattern: SparsePattern
    private var common = klu_common()
    private var symbolic: UnsafeMutablePointer<klu_symbolic>?
    private var numeric: UnsafeMutablePointer<klu_numeric>?
    private var columnPointers: [Int32]
    private var rowIndices: [Int32]
    public let isComplex: Bool
    /// Below this reciprocal pivot-growth estimate a refactorisation is redone with fresh pivoting.
    public var refactorConditionLimit = 1e-12
    /// How many times a refactorisation costs a solve (factorisation flops over solve flops),
    /// measured at the last full factorisation: about 3 for ordinary circuits, 18 for a 64×64
    /// crossbar, 55 for 256×256. Decides whether a stale factorisation is worth using as a
    /// preconditioner instead of refactoring.
    public private(set) var refactorToSolveCost = 1.0
    /// Whether a numeric factorisation exists (solves are possible).
    public var hasFactorization: Bool { numeric != nil }
    /// Number of full (pivoting) factorisations and of refactorisations done, for statistics.
    public private(set) var fullFactorizations = 0
    public private(set) var refactorizations = 0

    /// The ordering the symbolic analysis used (nested dissection falls back to minimum degree
    /// if METIS fails on the pattern).
    public private(set) var ordering: FillReducingOrdering

    public init(pattern: SparsePattern, complex: Bool = false, ordering requested: FillReducingOrdering = .automatic) throws {
        self.pattern = pattern
        self.isComplex = complex
        columnPointers = pattern.columnPointers
        rowIndices = pattern.rowIndices
        klu_defaults(&common)
        var ordering = requested
        if ordering == .automatic {
            ordering = pattern.dimension >= FillReducingOrdering.nestedDissectionThreshold ? .nestedDissection : .minimumDegree
        }
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_ORDERING"] {
            ordering = o == "nd" ? .nestedDissection : .minimumDegree
        }
        self.ordering = ordering
        if ordering == .nestedDissection {
            common.ordering = 3
            common.user_order = nestedDissectionOrder
        }
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_BTF"], let v = Int32(o) { common.btf = v }
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_SCALE"], let v = Int32(o) { common.scale = v }
        let n = Int32(pattern.dimension)
        guard n > 0 else { return }
        symbolic = klu_analyze(n, &columnPointers, &rowIndices, &common)
        if symbolic == nil && self.ordering == .nestedDissection {
            common.ordering = 0
            common.user_order = nil
            self.ordering = .minimumDegree
            symbolic = klu_analyze(n, &columnPointers, &rowIndices, &common)
        }
        guard symbolic != nil else {
            throw LinearSolverFailure.invalid("KLU symbolic analysis failed (status \(common.status))")
        }
    }

    deinit {
        if numeric != nil {
            if isComplex { klu_z_free_numeric(&numeric, &common) } else { klu_free_numeric(&numeric, &common) }
        }
        if symbolic != nil { klu_free_symbolic(&symbolic, &common) }
    }

    /// Factors the matrix whose CSC values (real, or interleaved re/im when complex) are `values`.
    /// Reuses the previous pivot order when it is still numerically sound.
    public func factor(_ values: inout [Double]) throws {
        guard pattern.dimension > 0 else { return }
        if numeric != nil {
            let ok: Int32 = isComplex
                ? klu_z_refactor(&columnPointers, &rowIndices, &values, symbolic, numeric, &common)
                : klu_refactor(&columnPointers, &rowIndices, &values, symbolic, numeric, &common)
            if ok == 1 {
                let rc: Int32 = isComplex ? klu_z_rcond(symbolic, numeric, &common) : klu_rcond(symbolic, numeric, &common)
                if rc == 1, common.rcond > refactorConditionLimit, common.rcond.isFinite {
                    refactorizations += 1
                    return
                }
            }
            if isComplex { klu_z_free_numeric(&numeric, &common) } else { klu_free_numeric(&numeric, &common) }
            numeric = nil
        }
        numeric = isComplex
            ? klu_z_factor(&columnPointers, &rowIndices, &values, symbolic, &common)
            : klu_factor(&columnPointers, &rowIndices, &values, symbolic, &common)
        fullFactorizations += 1
        guard numeric != nil else {
            if common.status == KLU_SINGULAR {
                throw LinearSolverFailure.singular(column: common.singular_col >= 0 && common.singular_col < pattern.dimension ? Int(common.singular_col) : nil)
            }
            if common.status == KLU_OUT_OF_MEMORY { throw LinearSolverFailure.outOfMemory }
            throw LinearSolverFailure.invalid("KLU factorisation failed (status \(common.status))")
        }
        if common.numerical_rank >= 0, common.numerical_rank < pattern.dimension {
            throw LinearSolverFailure.singular(column: Int(common.singular_col))
        }
        if !isComplex, let numeric, klu_flops(symbolic, numeric, &common) == 1 {
            let solveFlops = 2 * (Double(numeric.pointee.lnz) + Double(numeric.pointee.unz)) + Double(pattern.dimension)
            refactorToSolveCost = max(1, common.flops / max(solveFlops, 1))
        }
    }

    /// Solves in place on a raw buffer of length n (real factorisations only).
    public func solve(inPlace rhs: UnsafeMutablePointer<Double>) throws {
        guard pattern.dimension > 0 else { return }
        guard numeric != nil, !isComplex else { throw LinearSolverFailure.invalid("solve before factor") }
        let ok = klu_solve(symbolic, numeric, Int32(pattern.dimension), 1, rhs, &common)
        guard ok == 1 else { throw LinearSolverFailure.invalid("KLU solve failed (status \(common.status))") }
    }

    /// y ← A·x for the CSC matrix with this pattern and `values` (real).
    public func multiply(_ values: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let n = pattern.dimension
        y.update(repeating: 0, count: n)
        columnPointers.withUnsafeBufferPointer { cp in
            rowIndices.withUnsafeBufferPointer { ri in
                for j in 0..<n {
                    let xj = x[j]
                    if xj == 0 { continue }
                    for p in Int(cp[j])..<Int(cp[j + 1]) { y[Int(ri[p])] += values[p] * xj }
                }
            }
        }
    }

    /// Solves Aᵀy = rhs in place (plain transpose, no conjugation; length n, or 2n interleaved when
    /// complex): the adjoint system of noise analysis.
    public func solveTransposed(_ rhs: inout [Double]) throws {
        guard pattern.dimension > 0 else { return }
        guard numeric != nil else { throw LinearSolverFailure.invalid("solve before factor") }
        let n = Int32(pattern.dimension)
        let ok: Int32 = isComplex
            ? klu_z_tsolve(symbolic, numeric, n, 1, &rhs, 0, &common)
            : klu_tsolve(symbolic, numeric, n, 1, &rhs, &common)
        guard ok == 1 else { throw LinearSolverFailure.invalid("KLU transposed solve failed (status \(common.status))") }
    }

    /// Solves in place: `rhs` (length n, or 2n interleaved when complex) becomes the solution.
    public func solve(_ rhs: inout [Double]) throws {
        guard pattern.dimension > 0 else { return }
        guard numeric != nil else { throw LinearSolverFailure.invalid("solve before factor") }
        let n = Int32(pattern.dimension)
        let ok: Int32 = isComplex
            ? klu_z_solve(symbolic, numeric, n, 1, &rhs, &common)
            : klu_solve(symbolic, numeric, n, 1, &rhs, &common)
        guard ok == 1 else { throw LinearSolverFailure.invalid("KLU solve failed (status \(common.status))") }
    }
}
