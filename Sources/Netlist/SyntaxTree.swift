import LithicCore

/// `name = expression` with where it was written.
public struct Assignment: Sendable {
    public var name: String
    /// nil for a bare flag (`.options klu`).
    public var value: ArithmeticExpression?
    public var location: SourceLocation
    public init(name: String, value: ArithmeticExpression?, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

/// An element line (`R1 a b 1k`, `XU1 in out amp gain=2`): name plus its tokens; the meaning of
/// the tokens is decided by elaboration, which knows the element kinds.
public struct ElementStatement: Sendable {
    /// Lower-cased instance name; its first letter is the element kind (`r`, `c`, `x`, `y…`).
    public var name: String
    /// All tokens after the name.
    public var tokens: [Token]
    public var card: Card
}

/// `.subckt name ports… [params:] p=default…` … `.ends`.
public struct SubcircuitDefinition: Sendable {
    public var name: String
    public var ports: [String]
    public var parameters: [Assignment]
    public var body: [Statement]
    public var location: SourceLocation
}

/// `.model name type (p=v …)`.
public struct ModelStatement: Sendable {
    public var name: String
    public var type: String
    public var parameters: [Assignment]
    public var location: SourceLocation
}

/// `.func name(a, b) {body}`.
public struct FunctionDefinition: Sendable {
    public var name: String
    public var function: UserFunction
    public var location: SourceLocation
}

/// An analysis card.
public enum AnalysisStatement: Sendable {
    case operatingPoint(SourceLocation)
    /// Sweeps, innermost first: (source or parameter name, start, stop, step).
    case dcSweep([(source: String, start: ArithmeticExpression, stop: ArithmeticExpression, step: ArithmeticExpression)], SourceLocation)
    case transient(step: ArithmeticExpression, stop: ArithmeticExpression, start: ArithmeticExpression?, maximumStep: ArithmeticExpression?, useInitialConditions: Bool, SourceLocation)
    case ac(scale: String, points: ArithmeticExpression, start: ArithmeticExpression, stop: ArithmeticExpression, SourceLocation)
    /// `.tf output input`: small-signal DC transfer function, input and output resistance.
    case transferFunction(output: String, input: String, SourceLocation)
    /// `.noise v(out[,ref]) source dec|oct|lin points fstart fstop`: output and input noise.
    case noise(output: String, input: String, scale: String, points: ArithmeticExpression, start: ArithmeticExpression, stop: ArithmeticExpression, SourceLocation)
}

/// One statement of a netlist (or a subcircuit body).
public enum Statement: Sendable {
    case element(ElementStatement)
    case subcircuit(SubcircuitDefinition)
    case model(ModelStatement)
    case parameters([Assignment])
    case function(FunctionDefinition)
    case global([String], SourceLocation)
    case options([Assignment])
    case analysis(AnalysisStatement)
    /// `.ic` (forced) or `.nodeset` (initial guess): node name → value.
    case initialConditions(nodeset: Bool, [(node: String, value: ArithmeticExpression, location: SourceLocation)])
    case save([String], SourceLocation)
    case print(String, [String], SourceLocation)
    /// `.measure`: what it measures, as written (its meaning is decided by elaboration).
    case measure(MeasureStatement)
    case temperature([ArithmeticExpression], SourceLocation)
    /// `.eis plus minus [key=value…]`: FFT impedance spectroscopy of a port (run by the facade).
    case impedanceSpectroscopy(ImpedanceSpectroscopyStatement)
    /// `.experiment plus minus "step" … [capacity=… repeat=…]`: a cycling protocol (Lithic).
    case experiment(ExperimentStatement)
    /// `.four frequency vector…`: Fourier analysis of the last period of the transient.
    case fourier(FourierStatement)
    /// `.if (cond) … .elseif (cond) … .else … .endif`: the branches in order; the elaborator keeps
    /// the first whose condition (on `.param` values) is non-zero.
    case conditional([ConditionalBranch])
    /// `.step …`: one dimension of a parameter or temperature sweep (SweepCards.swift).
    case step(StepStatement)
    /// `.mc RUNS [seed=S] [sampling=lhs]`: a Monte Carlo run (SweepCards.swift).
    case monteCarlo(MonteCarloStatement)
}

/// One branch of a `.if` block: its condition (nil for `.else`) and its statements.
public struct ConditionalBranch: Sendable {
    public var condition: ArithmeticExpression?
    public var body: [Statement]
    public var location: SourceLocation
    public init(condition: ArithmeticExpression?, body: [Statement], location: SourceLocation) {
        self.condition = condition; self.body = body; self.location = location
    }
}

/// A whole parsed netlist: title and top-level statements, plus warnings met while reading.
public struct SyntaxTree: Sendable {
    public var title: String
    public var statements: [Statement]
    public var warnings: [Warning]
    /// OSDI libraries the netlist loads (`.osdi PATH`, or ngspice's `pre_osdi PATH` in a
    /// `.control` block), with the card that names each; paths as written.
    public var osdiLibraries: [(path: String, location: SourceLocation)] = []
    public init(title: String, statements: [Statement], warnings: [Warning], osdiLibraries: [(path: String, location: SourceLocation)] = []) {
        self.title = title
        self.statements = statements
        self.warnings = warnings
        self.osdiLibraries = osdiLibraries
    }
}
