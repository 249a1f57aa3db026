import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Netlist

/// SyntaxTree → flat `Circuit`: evaluates parameters, expands subcircuits (hierarchical names
/// `x1.x2.node`), resolves models, builds devices. Every problem is an `InputError` with the
/// source location.
public struct Elaborator {
    /// How deep subcircuit instances may nest.
    public static let maximumInstanceDepth = 100

    let catalog: DeviceCatalog
    var nodeIndex: [String: Int] = ["0": 0]
    var nodeNames: [String] = ["0"]
    var globals: Set<String> = ["0"]
    var groups = DeviceGroups()
    var warnings: [Warning] = []
    /// Location and text of every warning given, so a model shared by many instances warns once.
    var warnedKeys: Set<String> = []
    var options = SimulatorOptions()
    var transientStep = 0.0
    var transientStop = 0.0
    var capacitorICs: [(Int, Int, Double, Double)] = []
    var inductorICs: [(String, Double)] = []
    var branchDevices: [String] = []
    var deviceNames: Set<String> = []
    var subcircuitStack: [String] = []
    var overrides: [String: Double] = [:]
    /// Nodes touched by the elements being elaborated (innermost last) and the groups of nodes
    /// connected through elements.
    var elementNodes: [[Int]] = []
    var connectivity = NodeConnectivity()

    public init(catalog: DeviceCatalog = .basic) { self.catalog = catalog }

    /// Elaborates a parsed netlist.
    /// - Parameter overrides: values that replace top-level `.param` definitions (a fit varying
    ///   physical parameters re-elaborates with these); each must name an existing parameter.
    public static func elaborate(_ tree: SyntaxTree, catalog: DeviceCatalog = .basic, overrides: [String: Double] = [:]) throws -> Circuit {
        var e = Elaborator(catalog: catalog)
        e.overrides = overrides
        return try e.run(tree)
    }

    /// The top-level `.param` names of a netlist and their values.
    public static func topLevelParameters(_ tree: SyntaxTree) throws -> [(String, Double)] {
        let scope = ParameterScope(parent: nil, temperature: 27)
        var names: [String] = []
        for s in tree.statements {
            if case .parameters(let list) = s { for a in list { scope.define(a); names.append(a.name) } }
            if case .function(let f) = s { scope.defineFunction(f.name, f.function) }
        }
        return try names.map { ($0, try scope.parameterValue($0) ?? .nan) }
    }

    /// A level of the hierarchy during expansion.
    struct Context {
        var prefix: String             // "" at top, "x1." inside x1
        var nodeMap: [String: Int]     // port name → node index
        var scope: ParameterScope
        var subcircuits: [String: SubcircuitDefinition]
        var models: [String: (ModelStatement, ParameterScope)]
        var parent: [Context]          // enclosing contexts, for lookups (boxed to keep value semantics)
        /// Product of the `m=` multipliers of the enclosing subcircuit instances (parallel copies).
        var multiplier = 1.0
    }

    mutating func run(_ tree: SyntaxTree) throws -> Circuit {
        warnings = tree.warnings
        let conditionScope = ParameterScope(parent: nil, temperature: options.temperature)
        Self.hoistDefinitions(tree.statements, into: conditionScope)
        for (name, value) in overrides { conditionScope.set(name, value) }
        let top = try resolveConditionals(tree.statements, scope: conditionScope)
        // Options and temperature first (they affect evaluation).
        for s in top {
            if case .options(let list) = s { try applyOptions(list) }
        }
        let globalScope = ParameterScope(parent: nil, temperature: options.temperature)
        for s in top {
            switch s {
            case .temperature(let ts, let loc):
                if let first = ts.first { options.temperature = try globalScope.evaluate(first, at: loc) }
            case .global(let names, _):
                for n in names { globals.insert(canonicalNode(n)) }
            default: break
            }
        }
        let scope = ParameterScope(parent: nil, temperature: options.temperature)
        var context = Context(prefix: "", nodeMap: [:], scope: scope, subcircuits: [:], models: [:], parent: [])
        collectDefinitions(top, into: &context)
        let defined = Set(top.flatMap { s -> [String] in
            if case .parameters(let list) = s { return list.map(\.name) }
            return []
        })
        for (name, value) in overrides {
            guard defined.contains(name) else {
                throw InputError(.commandLine, "'\(name)' is not a top-level .param of the netlist (have: \(defined.sorted().joined(separator: ", ")))")
            }
            context.scope.set(name, value)
        }
        try context.scope.evaluateAll()
        var parameterValues: [String: Double] = [:]
        for name in defined { if let v = try context.scope.parameterValue(name) { parameterValues[name] = v } }

        // Analyses (needed for waveform defaults).
        var analyses: [(Analysis, SourceLocation)] = []
        for s in top {
            guard case .analysis(let a) = s else { continue }
            analyses.append(try resolveAnalysis(a, scope: scope))
        }
        // Sized once for a node per card (growing these arrays by doubling while elaboration
        // allocates cost 10 MiB of peak memory on a 100,000-node ladder).
        connectivity.reserve(top.count + 16)
        try expand(top, in: context, depth: 0)

        // Initial conditions and node sets.
        var ics: [Int: Double] = [:]
        var nodesets: [Int: Double] = [:]
        var saves: [String] = []
        var measureStatements: [MeasureStatement] = []
        var eisStatements: [ImpedanceSpectroscopyStatement] = []
        var experiments: [ExperimentProtocol] = []
        var fourier: [(frequency: Double, vectors: [String], location: SourceLocation)] = []
        for s in top {
            switch s {
            case .initialConditions(let isNodeset, let list):
                for (node, value, loc) in list {
                    guard let k = nodeIndex[canonicalNode(node)] else {
                        throw InputError(loc, "\(isNodeset ? ".nodeset" : ".ic") names unknown node '\(node)'")
                    }
                    let v = try scope.evaluate(value, at: loc)
                    if isNodeset { nodesets[k] = v } else { ics[k] = v }
                }
            case .save(let names, _): saves.append(contentsOf: names)
            case .print:
                break  // as in ngspice batch mode, .print does not restrict what is stored
            case .measure(let m): measureStatements.append(m)
            case .fourier(let four):
                let f = try scope.evaluate(four.frequency, at: four.frequencyLocation)
                guard f > 0, f.isFinite else { throw InputError(four.frequencyLocation, ".four: the fundamental frequency must be positive, got \(f)") }
                fourier.append((f, four.vectors, four.location))
            case .impedanceSpectroscopy(let e): eisStatements.append(e)
            case .experiment(let e): experiments.append(try resolveExperiment(e, scope: scope))
            default: break
            }
        }
        if let r = options.rshunt, r > 0 {
            for k in 1..<max(nodeNames.count, 1) {
                groups.append(Resistor(name: "rshunt.\(nodeNames[k])", a: k, b: 0, resistance: r))
            }
        }
        if options.rshunt == nil, let (floating, location) = connectivity.firstNodesWithoutGround(count: nodeNames.count) {
            let names = floating.prefix(5).map { "'\(nodeNames[$0])'" }.joined(separator: ", ")
            let more = floating.count > 5 ? " and \(floating.count - 5) more" : ""
            throw InputError(location, "node\(floating.count > 1 ? "s" : "") \(names)\(more) \(floating.count > 1 ? "have" : "has") no connection to ground (node 0) through any element, so \(floating.count > 1 ? "their voltages are" : "its voltage is") undefined; connect \(floating.count > 1 ? "them" : "it") (a large resistor to 0 will do) or add .options rshunt=1e12")
        }
        // Directives are typed here, so a mistake in one is an input error before any analysis runs.
        let measures = try resolveMeasures(measureStatements, parameters: parameterValues)
        let eisRequests = try eisStatements.map {
            try resolveImpedanceSpectroscopy($0, scope: scope, analyses: analyses, hasExperiment: !experiments.isEmpty)
        }
        if analyses.isEmpty && eisRequests.isEmpty && experiments.isEmpty {
            warnings.append(Warning(SourceLocation(file: "<netlist>", line: 1, column: 1), "no analysis card (.op, .dc, .tran, .ac): nothing to simulate"))
        }
        var circuit = Circuit(title: tree.title, nodeNames: nodeNames, groups: groups.groups, analyses: analyses, options: options,
                              initialConditions: ics, nodesets: nodesets, capacitorInitialConditions: capacitorICs,
                              inductorInitialConditions: inductorICs, saves: saves, measures: measures, warnings: warnings,
                              branchDevices: branchDevices)
        circuit.impedanceSpectroscopy = eisRequests
        circuit.fourier = fourier
        circuit.experiments = experiments
        circuit.parameters = parameterValues
        return circuit
    }

    func canonicalNode(_ n: String) -> String { n == "gnd" ? "0" : n }

    /// Defines every `.param` and `.func` of a level, those inside `.if` branches included (as
    /// ngspice, whose .param lines are evaluated whatever the condition; the last one wins).
    static func hoistDefinitions(_ statements: [Statement], into scope: ParameterScope) {
        for s in statements {
            switch s {
            case .parameters(let list): for a in list { scope.define(a) }
            case .function(let f): scope.defineFunction(f.name, f.function)
            case .conditional(let branches): for b in branches { hoistDefinitions(b.body, into: scope) }
            default: break
            }
        }
    }

    /// Replaces each `.if` block by the statements of its first branch whose condition is
    /// non-zero (`.else` always is), evaluated on the level's `.param` values as ngspice does
    /// before it reads the circuit. The `.param` and `.func` cards of the other branches stay
    /// (ngspice 39 evaluates them whatever the condition: with `.if (a==1) .param b=5 .else
    /// .param b=7 .endif` it takes b = 7 for either a), with a warning at each.
    mutating func resolveConditionals(_ statements: [Statement], scope: ParameterScope) throws -> [Statement] {
        var out: [Statement] = []
        for s in statements {
            guard case .conditional(let branches) = s else { out.append(s); continue }
            var taken = false
            for b in branches {
                let take: Bool
                if taken { take = false } else if let c = b.condition { take = try scope.evaluate(c, at: b.location) != 0 } else { take = true }
                if take {
                    taken = true
                    out += try resolveConditionals(b.body, scope: scope)
                } else {
                    out += definitionsOnly(b.body)
                }
            }
        }
        return out
    }

    /// The `.param` and `.func` statements of a branch not taken (nested blocks included), warned about.
    mutating func definitionsOnly(_ statements: [Statement]) -> [Statement] {
        var out: [Statement] = []
        for s in statements {
            switch s {
            case .parameters(let list):
                for a in list {
                    warnings.append(Warning(a.location, "'.param \(a.name)' inside a .if branch that is not taken is still defined, as ngspice does (its .param lines are evaluated whatever the condition)"))
                }
                out.append(s)
            case .function: out.append(s)
            case .conditional(let branches): for b in branches { out += definitionsOnly(b.body) }
            default: break
            }
        }
        return out
    }

    func collectDefinitions(_ statements: [Statement], into c: inout Context) {
        for s in statements {
            switch s {
            case .subcircuit(let d): c.subcircuits[d.name] = d
            case .model(let m): c.models[m.name] = (m, c.scope)
            case .parameters(let list): for a in list { c.scope.define(a) }
            case .function(let f): c.scope.defineFunction(f.name, f.function)
            default: break
            }
        }
    }

    mutating func applyOptions(_ list: [Assignment]) throws {
        let scope = ParameterScope(parent: nil, temperature: 27)
        for a in list {
            func number() throws -> Double {
                guard let v = a.value else { throw InputError(a.location, "option '\(a.name)' needs a value") }
                let x = try scope.evaluate(v, at: a.location)
                guard x.isFinite else { throw InputError(a.location, "option '\(a.name)' must be finite") }
                return x
            }
            func positive() throws -> Double {
                let x = try number()
                guard x > 0 else { throw InputError(a.location, "option '\(a.name)' must be positive, got \(x)") }
                return x
            }
            func count() throws -> Int {
                let x = try number()
                guard x >= 1, x < 1e7 else { throw InputError(a.location, "option '\(a.name)' must be an iteration count ≥ 1") }
                return Int(x)
            }
            switch a.name {
            case "reltol": options.reltol = try positive()
            case "abstol": options.abstol = try positive()
            case "vntol": options.vntol = try positive()
            case "chgtol": options.chgtol = try positive()
            case "trtol": options.trtol = try positive()
            case "gmin": options.gmin = try positive()
            case "itl1": options.itl1 = try count()
            case "itl2": options.itl2 = try count()
            case "itl4": options.itl4 = try count()
            case "maxord":
                options.maxord = try count()
                if options.maxord > 2 {
                    warnings.append(Warning(a.location, "maxord \(options.maxord) reduced to 2 (Lithic integrates with order ≤ 2)"))
                    options.maxord = 2
                }
            case "temp": options.temperature = try number()
            case "tnom": options.nominalTemperature = try number()
            case "rshunt": options.rshunt = try positive()
            case "defl": options.defaultLength = try positive()
            case "defw": options.defaultWidth = try positive()
            case "scale": options.geometryScale = try positive()
            case "krylov":
                // Lithic's own: the refactorisation-to-solve cost ratio from which transient
                // Newton steps try GMRES on the previous factorisation (0 = always, off = never).
                if case .name(let m)? = a.value, m == "off" { options.krylovCostRatio = .infinity }
                else {
                    let r = try number()
                    guard r >= 0 else { throw InputError(a.location, "option 'krylov' must be ≥ 0 or off, got \(r)") }
                    options.krylovCostRatio = r
                }
            case "chordage": options.chordAgeLimit = try count()
            case "method":
                guard case .name(let m)? = a.value else { throw InputError(a.location, "method must be trap or gear") }
                switch m {
                case "trap", "trapezoidal": options.method = .trapezoidal
                case "gear": options.method = .gear
                default: throw InputError(a.location, "method must be trap or gear, got '\(m)'")
                }
            case "klu", "sparse", "savecurrents", "noacct", "acct", "nopage", "numdgt", "post", "ingold", "warn", "list", "node", "opts":
                break  // accepted; KLU is always Lithic's solver
            default:
                warnings.append(Warning(a.location, "option '\(a.name)' ignored"))
            }
        }
    }

    mutating func resolveAnalysis(_ a: AnalysisStatement, scope: ParameterScope) throws -> (Analysis, SourceLocation) {
        switch a {
        case .operatingPoint(let loc):
            return (.operatingPoint, loc)
        case .dcSweep(let sweeps, let loc):
            var resolved: [(String, [Double])] = []
            for s in sweeps {
                if s.source == "temp" {
                    throw InputError(loc, "unsupported: '.dc temp' (a temperature sweep); Lithic sweeps sources, resistors and parameters only — run one .temp per netlist instead")
                }
                let start = try scope.evaluate(s.start, at: loc)
                let stop = try scope.evaluate(s.stop, at: loc)
                let step = try scope.evaluate(s.step, at: loc)
                guard step != 0, (stop - start) / step >= 0 || start == stop else {
                    throw InputError(loc, ".dc step \(step) does not go from \(start) to \(stop)")
                }
                let points = ((stop - start) / step + 1e-9).rounded(.down) + 1
                guard points.isFinite, points > 0, points <= 10_000_000 else {
                    throw InputError(loc, ".dc sweep from \(start) to \(stop) by \(step) has \(points) points (limit 10⁷)")
                }
                let n = Int(points)
                resolved.append((s.source, (0..<n).map { start + Double($0) * step }))
            }
            return (.dcSweep(resolved), loc)
        case .transient(let step, let stop, let start, let tmax, let uic, let loc):
            let givenStep = try scope.evaluate(step, at: loc)
            let tstop = try scope.evaluate(stop, at: loc)
            let tstart = try start.map { try scope.evaluate($0, at: loc) } ?? 0
            let maxStep = try tmax.map { try scope.evaluate($0, at: loc) }
            guard tstop > 0 else { throw InputError(loc, ".tran stop time must be positive, got \(tstop)") }
            guard givenStep >= 0 else { throw InputError(loc, ".tran step must not be negative, got \(givenStep)") }
            // Xyce netlists write `.tran 0 tstop`: take tstop/100 as the nominal step.
            let tstep = givenStep > 0 ? givenStep : tstop / 100
            guard tstart >= 0, tstart < tstop else { throw InputError(loc, ".tran start time must be in [0, tstop)") }
            if let m = maxStep, m <= 0 { throw InputError(loc, ".tran maximum step must be positive") }
            transientStep = tstep
            transientStop = tstop
            return (.transient(step: tstep, stop: tstop, start: tstart, maximumStep: maxStep, useInitialConditions: uic), loc)
        case .noise(let output, let input, let scale, let points, let start, let stop, let loc):
            guard input.first == "v" || input.first == "i" else {
                throw InputError(loc, ".noise input must be an independent voltage or current source, got '\(input)'")
            }
            guard case (.ac(let frequencies), _) = try resolveAnalysis(.ac(scale: scale, points: points, start: start, stop: stop, loc), scope: scope) else {
                throw InputError(loc, ".noise: bad frequency sweep")
            }
            return (.noise(output: output, input: input, frequencies: frequencies), loc)
        case .transferFunction(let output, let input, let loc):
            guard input.first == "v" || input.first == "i" else {
                throw InputError(loc, ".tf input must be an independent voltage or current source, got '\(input)'")
            }
            return (.transferFunction(output: output, input: input), loc)
        case .ac(let scale, let points, let start, let stop, let loc):
            let n = try scope.evaluate(points, at: loc)
            let f0 = try scope.evaluate(start, at: loc)
            let f1 = try scope.evaluate(stop, at: loc)
            guard n >= 1, n < 1e6 else { throw InputError(loc, ".ac point count must be between 1 and 10⁶") }
            guard f0 > 0, f1 >= f0 else { throw InputError(loc, ".ac needs 0 < fstart ≤ fstop") }
            var freqs: [Double] = []
            switch scale {
            case "lin":
                let count = Int(n)
                for k in 0..<count { freqs.append(count == 1 ? f0 : f0 + (f1 - f0) * Double(k) / Double(count - 1)) }
            default:
                let perDecade = scale == "dec" ? n : n / log10(2)
                let ratio = pow(10, 1 / perDecade)
                var f = f0
                // ngspice stops once f exceeds fstop by more than a rounding margin.
                while f <= f1 * (1 + 1e-9), freqs.count < 10_000_000 {
                    freqs.append(f)
                    f *= ratio
                }
            }
            return (.ac(frequencies: freqs), loc)
        }
    }
}

/// Groups of nodes joined through elements (union–find), to find nodes that no chain of elements
/// connects to ground: their potential is undefined in every analysis (SPICE's "every node needs
/// a path to ground"; a solver sees it only as a singular or nearly singular matrix). All of an
/// element's terminals count as joined, control terminals included, so the check never flags a
/// connected circuit; it may miss an island tied to the rest only through a control input.
struct NodeConnectivity {
    private var parent: [Int] = [0]
    /// The first element that touched each node, for the error's location, packed as
    /// (file index << 32 | line) with −1 for none: 8 bytes a node (a 100,000-node ladder would
    /// otherwise carry a dictionary of full locations).
    private var firstTouch: [Int64] = [-1]
    private var files: [String] = []
    private var fileIndex: [String: Int] = [:]

    mutating func reserve(_ nodes: Int) {
        parent.reserveCapacity(nodes)
        firstTouch.reserveCapacity(nodes)
    }

    private mutating func find(_ a: Int) -> Int {
        while parent.count <= a { parent.append(parent.count) }
        var r = a
        while parent[r] != r { r = parent[r] }
        var x = a
        while parent[x] != r { let next = parent[x]; parent[x] = r; x = next }
        return r
    }

    mutating func join(_ nodes: [Int], at location: SourceLocation) {
        guard let first = nodes.first else { return }
        let file: Int
        if let k = fileIndex[location.file] { file = k } else { file = files.count; files.append(location.file); fileIndex[location.file] = file }
        let packed = Int64(file) << 32 | Int64(min(max(location.line, 0), Int(UInt32.max)))
        for n in nodes {
            if firstTouch.count <= n { firstTouch.append(contentsOf: repeatElement(-1, count: n + 1 - firstTouch.count)) }
            if firstTouch[n] < 0 { firstTouch[n] = packed }
        }
        let root = find(first)
        for n in nodes.dropFirst() {
            let r = find(n)
            if r != root { parent[r] = root }
        }
    }

    /// The nodes (touched by some element) in groups without ground, the first such group
    /// first, and where the first of them is used; nil when every node reaches ground.
    mutating func firstNodesWithoutGround(count: Int) -> ([Int], SourceLocation)? {
        let ground = find(0)
        var floating: [Int] = []
        for n in 1..<max(count, 1) where n < firstTouch.count && firstTouch[n] >= 0 && find(n) != ground { floating.append(n) }
        guard let first = floating.first else { return nil }
        let packed = firstTouch[first]
        let file = Int(packed >> 32)
        let location = SourceLocation(file: file < files.count ? files[file] : "<netlist>", line: Int(packed & 0xffff_ffff), column: 1)
        let group = find(first)
        let sameGroup = floating.filter { find($0) == group }
        return (sameGroup, location)
    }
}
