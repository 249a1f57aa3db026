import LithicCore
import Devices
import Netlist

/// Simulator settings from `.options`, with ngspice's defaults (CIRCUITS.md §1.4).
public struct SimulatorOptions: Sendable {
    /// Relative tolerance (Newton and truncation error).
    public var reltol = 1e-3
    /// Newton solves that may reuse one factorisation in transient while the updates contract
    /// (Lithic's own; 2 by default, more for large arrays whose matrix changes slowly).
    public var chordAgeLimit = 2
    /// In transient, where a refactorisation costs at least this many solves (large meshes such
    /// as crossbars), a Newton step whose chord would be refused is first solved by GMRES
    /// preconditioned with the previous factorisation, and refactored only when GMRES does not
    /// converge (Lithic's own; infinity switches it off).
    public var krylovCostRatio = 8.0
    /// Absolute current tolerance (A).
    public var abstol = 1e-12
    /// Absolute voltage tolerance (V).
    public var vntol = 1e-6
    /// Charge tolerance in truncation-error control (C).
    public var chgtol = 1e-14
    /// Truncation-error over-estimation factor.
    public var trtol = 7.0
    /// Minimum conductance across junctions (S).
    public var gmin = 1e-12
    /// Newton iteration limits: DC operating point, DC sweep point, transient time point.
    public var itl1 = 100
    public var itl2 = 50
    public var itl4 = 10
    /// Integration method.
    public enum Method: String, Sendable { case trapezoidal = "trap", gear }
    public var method = Method.trapezoidal
    /// Maximum integration order (2 for trap; Lithic's Gear is limited to order 2).
    public var maxord = 2
    /// Circuit and nominal temperature (°C).
    public var temperature = 27.0
    public var nominalTemperature = 27.0
    /// Resistance from every node to ground (Ω), nil = none.
    public var rshunt: Double?
    /// MOSFET length and width when an instance gives none (m; ngspice `.options defl defw`, 100 µm).
    public var defaultLength = 100e-6
    public var defaultWidth = 100e-6
    /// `.options scale`: instance geometry (MOSFET and resistor L, W; areas by its square,
    /// perimeters by itself) is given in units of this many metres, as ngspice.
    public var geometryScale = 1.0
    /// The most transient breakpoints (source corners) held at once; more are fetched as the run
    /// passes them (not a netlist option: a bound on memory, lowered by tests).
    public var breakpointWindow = 100_000
    public init() {}
}

/// An analysis with its numbers resolved.
public enum Analysis: Sendable {
    case operatingPoint
    /// Nested sweep: `sweeps[0]` is the inner (fast) loop. Source name fully qualified.
    case dcSweep([(source: String, values: [Double])])
    case transient(step: Double, stop: Double, start: Double, maximumStep: Double?, useInitialConditions: Bool)
    case ac(frequencies: [Double])
    /// `.tf`: output `v(a)`, `v(a,b)` or `i(source)`, input source name (fully qualified).
    case transferFunction(output: String, input: String)
    /// `.noise`: output `v(a)`/`v(a,b)`, input source (fully qualified), frequencies (Hz).
    case noise(output: String, input: String, frequencies: [Double])
}

/// The elaborated, flat circuit: numbered nodes, devices grouped by type, analyses, options.
public struct Circuit {
    public var title: String
    /// Node names; index 0 is ground ("0").
    public var nodeNames: [String]
    public var groups: [any DeviceGroup]
    public var analyses: [(Analysis, SourceLocation)]
    public var options: SimulatorOptions
    /// `.ic` values (node index → volts) and `.nodeset` guesses.
    public var initialConditions: [Int: Double]
    public var nodesets: [Int: Double]
    /// Element `IC=` values for capacitors (node pair, capacitance, volts) and inductors (branch device, amps).
    public var capacitorInitialConditions: [(Int, Int, Double, Double)]
    public var inductorInitialConditions: [(String, Double)]
    public var saves: [String]
    /// The vector names `.save`/`.print` ask for: `v(…)`, `i(…)` and `@device[…]` as written, a
    /// bare node name as `v(name)`. Empty means everything.
    public var savedVectorNames: Set<String> {
        Set(saves.map { $0.contains("(") || $0.hasPrefix("@") ? $0 : "v(\($0))" })
    }
    /// `.measure` cards, resolved (evaluated on the plots after the analyses).
    public var measures: [MeasureRequest]
    /// `.eis` requests, settings checked, run by the facade after the analyses.
    public var impedanceSpectroscopy: [ImpedanceSpectroscopyRequest] = []
    /// `.experiment` cards (cycling protocols), run after the analyses.
    public var experiments: [ExperimentProtocol] = []
    /// `.four` requests: fundamental frequency (Hz, parameters resolved) and the output vectors.
    public var fourier: [(frequency: Double, vectors: [String], location: SourceLocation)] = []
    /// Top-level `.param` values (after command-line overrides), visible to `.measure … PARAM`.
    public var parameters: [String: Double] = [:]
    /// Device states carried over from an earlier run (unknown name → value), see
    /// `UnknownAllocator.stateOverrides`; empty for a freshly parsed netlist.
    public var stateOverrides: [String: Double] = [:]
    public var warnings: [Warning]
    /// Names of voltage-defined devices (whose branch current is an output `i(name)`).
    public var branchDevices: [String]
    public var deviceCount: Int { groups.reduce(0) { $0 + $1.count } }
}

extension Circuit {
    /// A circuit built by a program rather than parsed (crossbar arrays, generated test
    /// structures): nodes, device groups and analyses given directly, options at their defaults.
    public init(title: String, nodeNames: [String], groups: [any DeviceGroup], analyses: [Analysis] = [], saves: [String] = []) {
        self.init(title: title, nodeNames: nodeNames, groups: groups,
                  analyses: analyses.map { ($0, SourceLocation(file: "<generated>", line: 0, column: 0)) },
                  options: SimulatorOptions(), initialConditions: [:], nodesets: [:], capacitorInitialConditions: [],
                  inductorInitialConditions: [], saves: saves, measures: [], warnings: [], branchDevices: [])
    }
}
