import FoundationEssentials
import Glibc
import CKLU

/// Fill-reducing orderings KLU can use for its diagonal blocks.
public enum FillReducingOrdering: Sendable, Equatable {
    /// Approximate minimum degree on A+Aᵀ (KLU's default): best for the small, irregular
    /// matrices of ordinary circuits.
    case minimumDegree
    /// METIS nested dissection with constrained minimum degree on the leaves (CHOLMOD's NESDIS):
    /// on 2-D meshes such as crossbar arrays it halves (64×64) to thirds (256×256) the flops of
    /// a refactorisation, at the price of a slower (still sub-second) symbolic analysis.
    case nestedDissection
    /// Chosen from the matrix size: nested dissection from `nestedDissectionThreshold` unknowns.
    case automatic

    /// The dimension from which `automatic` uses nested dissection. Measured on crossbar
    /// matrices: at 3,300 unknowns (32×32) both orderings refactor in the same time, at 12,500
    /// (64×64) nested dissection is 2× faster.
    public static let nestedDissectionThreshold = 5_000
}

/// CHOLMOD's entry points, loaded with `dlopen` the first time a nested-dissection ordering is
/// asked for: linking CHOLMOD pulls METIS, LAPACK, BLAS and libgfortran into every run (1.7 MiB of
/// resident memory) although only large meshes use it. Nil when the library cannot be loaded;
/// the ordering then reports failure and KLU falls back to minimum degree.
struct CHOLMODFunctions {
    typealias Common = UnsafeMutablePointer<cholmod_common>
    typealias Sparse = UnsafeMutablePointer<cholmod_sparse>
    let start: @convention(c) (Common?) -> Int32
    let finish: @convention(c) (Common?) -> Int32
    let allocateSparse: @convention(c) (Int, Int, Int, Int32, Int32, Int32, Int32, Common?) -> Sparse?
    let freeSparse: @convention(c) (UnsafeMutablePointer<Sparse?>?, Common?) -> Int32
    let transpose: @convention(c) (Sparse?, Int32, Common?) -> Sparse?
    let add: @convention(c) (Sparse?, Sparse?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, Int32, Int32, Common?) -> Sparse?
    let nestedDissection: @convention(c) (Sparse?, UnsafeMutablePointer<Int32>?, Int, UnsafeMutablePointer<Int32>?,
                                          UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, Common?) -> Int

    nonisolated(unsafe) static let shared: CHOLMODFunctions? = load()

    static func load() -> CHOLMODFunctions? {
        let names: [String] = ["libcholmod.so.3", "libcholmod.so"]
        var opened: UnsafeMutableRawPointer?
        for name in names where opened == nil { opened = dlopen(name, RTLD_NOW | RTLD_LOCAL) }
        guard let handle = opened else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            guard let p = dlsym(handle, name) else { return nil }
            return unsafeBitCast(p, to: type)
        }
        guard let start = symbol("cholmod_start", (@convention(c) (Common?) -> Int32).self),
              let finish = symbol("cholmod_finish", (@convention(c) (Common?) -> Int32).self),
              let allocateSparse = symbol("cholmod_allocate_sparse", (@convention(c) (Int, Int, Int, Int32, Int32, Int32, Int32, Common?) -> Sparse?).self),
              let freeSparse = symbol("cholmod_free_sparse", (@convention(c) (UnsafeMutablePointer<Sparse?>?, Common?) -> Int32).self),
              let transpose = symbol("cholmod_transpose", (@convention(c) (Sparse?, Int32, Common?) -> Sparse?).self),
              let add = symbol("cholmod_add", (@convention(c) (Sparse?, Sparse?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, Int32, Int32, Common?) -> Sparse?).self),
              let nestedDissection = symbol("cholmod_nested_dissection", (@convention(c) (Sparse?, UnsafeMutablePointer<Int32>?, Int, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, Common?) -> Int).self)
        else { return nil }
        return CHOLMODFunctions(start: start, finish: finish, allocateSparse: allocateSparse, freeSparse: freeSparse,
                                transpose: transpose, add: add, nestedDissection: nestedDissection)
    }
}

/// KLU's user-ordering hook: orders one diagonal block (n, Ap, Ai in CSC) by CHOLMOD's nested
/// dissection of the pattern of A+Aᵀ and writes the permutation to `permutation`.
/// Returns 0 on failure (KLU then reports it), −1 on success (no fill estimate).
func nestedDissectionOrder(_ n: Int32, _ columnPointers: UnsafeMutablePointer<Int32>?, _ rowIndices: UnsafeMutablePointer<Int32>?,
                           _ permutation: UnsafeMutablePointer<Int32>?, _ klu: UnsafeMutablePointer<klu_common>?) -> Int32 {
    guard n > 0, let ap = columnPointers, let ai = rowIndices, let perm = permutation else { return 0 }
    if n < 3 {
        for k in 0..<Int(n) { perm[k] = Int32(k) }
        return -1
    }
    guard let cm = CHOLMODFunctions.shared else { return 0 }
    var common = cholmod_common()
    guard cm.start(&common) == 1 else { return 0 }
    defer { _ = cm.finish(&common) }
    let nonzeros = Int(ap[Int(n)])
    guard let a = cm.allocateSparse(Int(n), Int(n), nonzeros, 1, 1, 0, Int32(CHOLMOD_PATTERN), &common) else { return 0 }
    var aOwned: UnsafeMutablePointer<cholmod_sparse>? = a
    defer { _ = cm.freeSparse(&aOwned, &common) }
    let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
    let i = a.pointee.i.assumingMemoryBound(to: Int32.self)
    for k in 0...Int(n) { p[k] = ap[k] }
    for k in 0..<nonzeros { i[k] = ai[k] }
    var transposed = cm.transpose(a, 0, &common)
    defer { _ = cm.freeSparse(&transposed, &common) }
    guard transposed != nil else { return 0 }
    var symmetric = cm.add(a, transposed, nil, nil, 0, 0, &common)
    defer { _ = cm.freeSparse(&symmetric, &common) }
    guard let s = symmetric else { return 0 }
    s.pointee.stype = 1   // symmetric, upper part used
    var componentParent = [Int32](repeating: 0, count: Int(n))
    var componentMember = [Int32](repeating: 0, count: Int(n))
    let components = cm.nestedDissection(s, nil, 0, perm, &componentParent, &componentMember, &common)
    return components > 0 && common.status == CHOLMOD_OK ? -1 : 0
}
