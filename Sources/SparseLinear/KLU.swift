import CKLU
import Foundation
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
    /// Number of full (pivoting) factorisations and of refactorisations done, for statistics.
    public private(set) var fullFactorizations = 0
    public private(set) var refactorizations = 0

    public init(pattern: SparsePattern, complex: Bool = false) throws {
        self.pattern = pattern
        self.isComplex = complex
        columnPointers = pattern.columnPointers
        rowIndices = pattern.rowIndices
        klu_defaults(&common)
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_ORDERING"], let v = Int32(o) { common.ordering = v }
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_BTF"], let v = Int32(o) { common.btf = v }
        if let o = ProcessInfo.processInfo.environment["LITHIC_KLU_SCALE"], let v = Int32(o) { common.scale = v }
        let n = Int32(pattern.dimension)
        guard n > 0 else { return }
        symbolic = klu_analyze(n, &columnPointers, &rowIndices, &common)
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
