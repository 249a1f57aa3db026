import LithicCore
import Devices
import Elaboration
import SparseLinear

/// A circuit bound to numbers: unknowns numbered once, sparsity pattern and KLU symbolic
/// analysis built once, value arrays allocated once. Everything the Newton core touches.
public final class BoundSystem {
    public let circuit: Circuit
    public let groups: [any DeviceGroup]
    /// Unknown names (index 0 = ground) and kinds.
    public let unknownNames: [String]
    public let unknownKinds: [UnknownKind]
    public let branches: [String: Int]
    /// Initial values of state unknowns.
    public let initialValues: [Int: Double]
    public let pattern: SparsePattern
    let solver: KLUSolver
    /// Number of unknowns excluding ground.
    public var dimension: Int { unknownNames.count - 1 }
    let slotRows: [Int32]
    let slotColumns: [Int32]
    let diagonalSlot: [Int]
    public let isLinear: Bool

    // Value arrays (index 0 = ground or discard slot).
    var x: [Double]
    var f: [Double]
    var q: [Double]
    var jf: [Double]
    var jq: [Double]
    var limitState: [Double]
    var discrete: [Double]
    var acceptedDiscrete: [Double]
    var matrixValues: [Double]
    var rhs: [Double]

    public var statistics = SolverStatistics()
    /// Let operating points reuse the previous factorisation (chord Newton, refactoring as soon as
    /// the updates stop contracting): for a caller that solves many operating points of one
    /// circuit whose matrix changes little between them (crossbar programming).
    public var reuseFactorisationInOperatingPoint = false
    /// How many Newton solves may reuse one factorisation while the updates contract (2 in
    /// transient; a caller whose matrix changes by a low-rank update per solve can raise it).
    public var chordAgeLimit = 2
    /// For linear circuits: the (a0, shunt) the present factorisation was made with, so that
    /// steps with an unchanged matrix skip assembly and factorisation and only solve.
    var linearFactorKey: (a0: Double, shunt: Double)?
    /// The integration coefficient of the present factorisation and how many solves have used
    /// it since (chord Newton in transient).
    var factoredA0 = Double.nan
    var factorAge = 0
    /// GMRES workspace for Newton steps on a stale factorisation (made on first use).
    var krylov: PreconditionedGMRES?
    /// Row weights of the Krylov residual (see `solveByKrylov`) and a row-scale workspace.
    var krylovWeights: [Double] = []
    var krylovProduct: [Double] = []
    /// Solves spent by GMRES beyond what a chord step would have used, since the last
    /// factorisation; when it reaches the cost of a refactorisation, the next step refactors.
    var krylovDebt = 0.0

    /// - Parameter copyDevices: bind a private copy of the device groups (needed when several
    ///   analyses run on one circuit, so one cannot change what the next sees).
    public init(circuit: Circuit, copyDevices: Bool = true) throws {
        self.circuit = circuit
        self.groups = copyDevices ? circuit.groups.map { $0.copy() } : circuit.groups
        var allocator = UnknownAllocator(nodeNames: circuit.nodeNames)
        allocator.stateOverrides = circuit.stateOverrides
        chordAgeLimit = max(1, circuit.options.chordAgeLimit)
        for g in groups { try g.allocate(&allocator) }
        unknownNames = allocator.names
        unknownKinds = allocator.kinds
        branches = allocator.branches
        initialValues = allocator.initialValues
        var binder = MatrixBinder(branches: allocator.branches)
        let n = allocator.names.count
        var diag = [Int](repeating: 0, count: n)
        for k in 1..<max(n, 1) { diag[k] = binder.slot(k, k) }  // every diagonal exists: gmin stepping, pivoting
        for g in groups { try g.bind(&binder) }
        diagonalSlot = diag
        slotRows = binder.rows
        slotColumns = binder.columns
        pattern = SparsePattern(dimension: n - 1, rows: binder.rows, columns: binder.columns)
        solver = try KLUSolver(pattern: pattern)
        isLinear = groups.allSatisfy(\.isLinear)
        let slots = binder.rows.count + 1
        x = [Double](repeating: 0, count: n)
        for (k, v) in allocator.initialValues { x[k] = v }
        f = x; q = x
        jf = [Double](repeating: 0, count: slots)
        jq = jf
        limitState = [Double](repeating: 0, count: max(allocator.limitStateCount, 1))
        discrete = [Double](repeating: 0, count: max(allocator.discreteStateCount, 1))
        acceptedDiscrete = discrete
        matrixValues = [Double](repeating: 0, count: pattern.nonzeros)
        rhs = [Double](repeating: 0, count: n - 1)
        statistics.unknowns = n - 1
        statistics.nonzeros = pattern.nonzeros
    }

    /// Settings of one evaluation.
    struct LoadSettings {
        var time: Double?
        var sourceFactor = 1.0
        var initializeJunctions = false
        var statesFrozen = true
        var smallSignal = false
        var gmin = 1e-12
        var temperature = 300.15
    }

    /// Evaluates every device at `x`; fills f, q, jf, jq. Returns how many devices limited.
    @discardableResult
    func load(_ s: LoadSettings) -> Int {
        f.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        q.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        jf.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        jq.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        x[0] = 0
        var limited = 0
        x.withUnsafeMutableBufferPointer { xp in
        f.withUnsafeMutableBufferPointer { fp in
        q.withUnsafeMutableBufferPointer { qp in
        jf.withUnsafeMutableBufferPointer { jfp in
        jq.withUnsafeMutableBufferPointer { jqp in
        limitState.withUnsafeMutableBufferPointer { lp in
        discrete.withUnsafeMutableBufferPointer { dp in
        acceptedDiscrete.withUnsafeMutableBufferPointer { ap in
            var c = LoadContext(x: xp.baseAddress!, f: fp.baseAddress!, q: qp.baseAddress!, jf: jfp.baseAddress!, jq: jqp.baseAddress!,
                                limitState: lp.baseAddress!, discreteState: dp.baseAddress!, acceptedDiscreteState: ap.baseAddress!)
            c.time = s.time
            c.sourceFactor = s.sourceFactor
            c.initializeJunctions = s.initializeJunctions
            c.statesFrozen = s.statesFrozen
            c.smallSignal = s.smallSignal
            c.gmin = s.gmin
            c.temperature = s.temperature
            c.reltol = circuit.options.reltol
            c.vntol = circuit.options.vntol
            c.abstol = circuit.options.abstol
            for g in groups { g.load(&c) }
            limited = c.limitedCount
        }}}}}}}}
        return limited
    }

    /// A readable name for unknown k: `v(node)`, `i(vsource)`, or the internal name.
    public func describeUnknown(_ k: Int) -> String {
        guard k > 0, k < unknownNames.count else { return "unknown #\(k)" }
        let name = unknownNames[k]
        if name.hasSuffix("#branch") { return "i(\(name.dropLast(7)))" }
        if case .voltage = unknownKinds[k] { return "v(\(name))" }
        return name
    }
}

extension BoundSystem {
    /// The present value of every internal state unknown, by unknown name (`ym1#x`), for a later
    /// analysis to start from (`Circuit.stateOverrides`).
    public var stateValues: [String: Double] {
        var out: [String: Double] = [:]
        for k in unknownNames.indices where k < x.count {
            if case .state = unknownKinds[k] { out[unknownNames[k]] = x[k] }
        }
        return out
    }

    /// Public entry to the operating-point search (for programmatic circuits such as crossbars).
    public func solveOperatingPoint() throws {
        try operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "op", point: "")
    }
    /// The present solution, indexed by unknown (0 = ground).
    public var solution: [Double] { x }
    /// Sets the present value of unknown k (a starting point for the next solve).
    public func setUnknown(_ k: Int, _ value: Double) { if k > 0 && k < x.count { x[k] = value } }
}
