/// One output vector of an analysis: a node voltage, a branch current or the scale.
public struct OutputVector: Sendable {
    /// ngspice-style name: `time`, `frequency`, `v-sweep`, `v(node)`, `i(vsource)`.
    public var name: String
    /// ngspice raw-file type: `time`, `frequency`, `voltage`, `current`.
    public var type: String
    public var real: [Double]
    /// Imaginary parts for complex (AC) plots.
    public var imaginary: [Double]?
    public init(name: String, type: String, real: [Double] = [], imaginary: [Double]? = nil) {
        self.name = name; self.type = type; self.real = real; self.imaginary = imaginary
    }
}

/// The result of one analysis: a scale vector followed by the saved vectors, point by point.
public struct Plot: Sendable {
    /// `Operating Point`, `DC transfer characteristic`, `Transient Analysis`, `AC Analysis`.
    public var name: String
    /// Short name used in file names: `op`, `dc`, `tran`, `ac`.
    public var kind: String
    public var vectors: [OutputVector]
    public var isComplex: Bool
    /// False when the analysis stopped early (the points so far are kept).
    public var isComplete = true
    public var points: Int { vectors.first?.real.count ?? 0 }
    public init(name: String, kind: String, vectors: [OutputVector], isComplex: Bool) {
        self.name = name; self.kind = kind; self.vectors = vectors; self.isComplex = isComplex
    }
    /// The vector called `name` (case-insensitive), if saved.
    public func vector(_ name: String) -> OutputVector? {
        let n = name.lowercased()
        return vectors.first { $0.name == n }
    }
}

/// Counters a user can read to see where the time went.
public struct SolverStatistics: Sendable {
    public var newtonIterations = 0
    public var acceptedSteps = 0
    public var rejectedSteps = 0
    public var fullFactorizations = 0
    public var refactorizations = 0
    /// Newton steps solved by GMRES on a stale factorisation, their GMRES iterations, and the
    /// attempts that did not converge (and were refactored instead).
    public var krylovSolves = 0
    public var krylovIterations = 0
    public var krylovFailures = 0
    /// Newton solves accepted because the residual was at the rounding level of its terms while
    /// the updates had stopped shrinking (see `BoundSystem.residualIsRoundoff`).
    public var roundoffConvergences = 0
    public var unknowns = 0
    public var nonzeros = 0
    public init() {}
}
