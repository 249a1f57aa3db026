import LithicCore
import Netlist

/// A `.measure`/`.meas` card with its meaning resolved at elaboration: the analysis it reads,
/// its signals (`par('…')` expressions compiled), and its numbers evaluated on the netlist's
/// top-level `.param` values — or, where they name an earlier measurement, kept as expressions
/// for when that result exists. The analyses evaluate it on the finished plots (`MeasureEvaluator`).
public struct MeasureRequest: Sendable {
    /// A signal: a vector by name, `fn(a[,b])` (`v(out)`, `v(a,b)`, `vdb(out)`, `i(v1)`,
    /// `phi(ya)`), or a compiled `par('…')` expression of the plot's vectors.
    public enum Signal: Sendable {
        case vector(String, SourceLocation)
        case function(String, [String], SourceLocation)
        case expression(CompiledExpression, SourceLocation)
    }
    /// A number (volts, seconds, hertz … as the measured quantity): known at elaboration, or an
    /// expression naming earlier measurements (evaluated when they have been measured).
    public enum Value: Sendable {
        case constant(Double)
        case dynamic(ArithmeticExpression, SourceLocation)
    }
    /// Which crossings count: direction (1 rise, −1 fall, 0 either), `LAST`, and the RISE/FALL/
    /// CROSS counts in the order they are checked (the last one given applies; default 1).
    public struct Crossing: Sendable {
        public var direction = 0
        public var last = false
        public var counts: [Value] = []
        public var delay: Value?
    }
    /// One half of TRIG/TARG: `AT=time`, or a signal crossing `VAL=` (or, given `AT=`, that time).
    public struct Part: Sendable {
        public var signal: Signal?
        public var at: Value?
        public var level: Value?
        public var crossing: Crossing
    }
    /// WHEN: the first scale value where `signal` crosses `level` (or the signal `other`).
    public struct Condition: Sendable {
        public var signal: Signal
        public var other: Signal?
        public var level: Value?
        public var crossing: Crossing
    }
    public enum Measurement: Sendable {
        case trigTarg(Part, Part)
        case findAt(Signal, Value)
        case findWhen(Signal, Condition)
        case when(Condition)
        case derivative(Signal, at: Value)
        /// avg/mean, rms, min, max, pp, integ/integral, min_at, max_at over [from, to] (nil = whole scale).
        case aggregate(String, Signal, from: Value?, to: Value?)
        case param(Value)
    }
    /// The plot kind it reads: tran, ac, dc, op, cycles or cycler.
    public var analysis: String
    public var name: String
    public var measurement: Measurement
    public var location: SourceLocation
}

/// A `.eis plus minus [fmin= fmax= ppd= amplitude= bias=value|ocv mode= excitation= phases= after=]`
/// card, settings evaluated and checked at elaboration (frequencies in Hz, bias in V or A,
/// amplitude in V or A; nil = 10 mV or its galvanostatic equivalent). Run by the facade
/// (`FFTImpedance`) after the analyses.
public struct ImpedanceSpectroscopyRequest: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case potentiostatic, galvanostatic }
    public enum Excitation: String, Sendable, CaseIterable { case multisine, sine }
    public enum Phases: String, Sendable, CaseIterable { case schroeder, random }
    public enum Start: String, Sendable, CaseIterable { case op, tran, experiment }
    public var plus: String
    public var minus: String
    public var minimumFrequency = 0.1
    public var maximumFrequency = 1e5
    public var pointsPerDecade = 10.0
    public var mode = Mode.potentiostatic
    public var bias = 0.0
    public var biasAtOpenCircuit = false
    public var start = Start.op
    public var amplitude: Double?
    public var excitation = Excitation.multisine
    public var phases = Phases.schroeder
    public var location: SourceLocation
    /// A `.eis` card's settings when it names none (no port; from the command line).
    public static var defaults: ImpedanceSpectroscopyRequest { ImpedanceSpectroscopyRequest(plus: "", minus: "", location: .commandLine) }
}

/// Top-level `.param` values as the scope of `.measure` numbers (no `.func`s, as ngspice), with
/// the names of earlier measurements standing for a value yet to come.
struct MeasureElaborationScope: ExpressionScope {
    var parameters: [String: Double]
    var measured: Set<String>
    func parameterValue(_ name: String) throws -> Double? { measured.contains(name) ? 1 : parameters[name] }
    func userFunction(_ name: String) -> UserFunction? { nil }
}

extension Elaborator {
    /// Resolves the `.measure` cards in order (a card may use the results of those before it).
    func resolveMeasures(_ statements: [MeasureStatement], parameters: [String: Double]) throws -> [MeasureRequest] {
        var measured: Set<String> = []
        var out: [MeasureRequest] = []
        for m in statements {
            let scope = MeasureElaborationScope(parameters: parameters, measured: measured)
            out.append(try resolveMeasure(m, scope: scope))
            measured.insert(m.name)
        }
        return out
    }

    func resolveMeasure(_ m: MeasureStatement, scope: MeasureElaborationScope) throws -> MeasureRequest {
        func value(_ s: MeasureSetting) throws -> MeasureRequest.Value {
            var names = Set<String>()
            s.expression.collectNames(into: &names)
            if names.isDisjoint(with: scope.measured) {
                return .constant(try ExpressionCompiler.evaluate(s.expression, scope: MeasureElaborationScope(parameters: scope.parameters, measured: []), at: s.location))
            }
            // Names an earlier measurement: check now that every other name is defined.
            _ = try ExpressionCompiler.compile(s.expression, scope: scope, at: s.location, allowRuntime: false)
            return .dynamic(s.expression, s.location)
        }
        func occurrence(_ s: MeasureSetting) throws -> MeasureRequest.Value {
            let v = try value(s)
            if case .constant(let x) = v, !(x >= 1 && x < 1e9) {
                throw InputError(s.location, ".measure: RISE/FALL/CROSS must be a positive count or LAST, got \(x)")
            }
            return v
        }
        func crossing(_ settings: [String: MeasureSetting]) throws -> MeasureRequest.Crossing {
            var c = MeasureRequest.Crossing()
            for (key, direction) in [("rise", 1), ("fall", -1), ("cross", 0)] {
                guard let s = settings[key] else { continue }
                c.direction = direction
                if s.isLast { c.last = true } else { c.counts.append(try occurrence(s)) }
            }
            c.delay = try settings["td"].map(value)
            return c
        }
        func signal(_ s: MeasureSignalSyntax) throws -> MeasureRequest.Signal {
            switch s {
            case .vector(let name, let location):
                return .vector(name, location)
            case .expression(let e, let location):
                let compiled = try ExpressionCompiler.compile(e, scope: EmptyScope(), at: location, allowRuntime: true)
                for input in compiled.inputs {
                    if case .voltage(let a, let b) = input {
                        for node in [a] + (b.map { [$0] } ?? []) { try checkMeasuredNode(node, m, at: location) }
                    }
                }
                return .expression(compiled, location)
            case .function(let fn, let args, let location):
                // As the evaluator reads it: `fn(a)` may be a device's own vector (`phi(ya)`);
                // otherwise a node voltage or a branch current, possibly a complex view of one.
                let mayBeDeviceVector = args.count == 1 && (!(fn.hasPrefix("v") || fn.hasPrefix("i")) || fn.count > 3)
                if !mayBeDeviceVector {
                    guard fn.hasPrefix("v") || fn.hasPrefix("i"), ["db", "m", "p", "i", "r", ""].contains(fn.dropFirst(1)) else {
                        throw InputError(location, ".measure: unknown signal function '\(fn)'")
                    }
                    if fn.hasPrefix("v") { for node in args { try checkMeasuredNode(node, m, at: location) } }
                }
                return .function(fn, args, location)
            }
        }
        func part(_ p: MeasurePartSyntax) throws -> MeasureRequest.Part {
            MeasureRequest.Part(signal: try p.signal.map(signal), at: try p.settings["at"].map(value),
                                level: try p.settings["val"].map(value), crossing: try crossing(p.settings))
        }
        func condition(_ c: MeasureConditionSyntax) throws -> MeasureRequest.Condition {
            MeasureRequest.Condition(signal: try signal(c.signal), other: try c.other.map(signal), level: try c.level.map(value),
                                     crossing: try crossing(c.settings))
        }
        let measurement: MeasureRequest.Measurement
        switch m.body {
        case .trigTarg(let trig, let targ): measurement = .trigTarg(try part(trig), try part(targ))
        case .findAt(let s, let at): measurement = .findAt(try signal(s), try value(at))
        case .findWhen(let s, let c): measurement = .findWhen(try signal(s), try condition(c))
        case .when(let c): measurement = .when(try condition(c))
        case .derivative(let s, let settings):
            guard let at = settings["at"] else { throw InputError(m.location, ".measure DERIV needs AT=") }
            measurement = .derivative(try signal(s), at: try value(at))
        case .aggregate(let kind, let s, let settings):
            measurement = .aggregate(kind, try signal(s), from: try settings["from"].map(value), to: try settings["to"].map(value))
        case .param(let s): measurement = .param(try value(s))
        }
        return MeasureRequest(analysis: m.analysis, name: m.name, measurement: measurement, location: m.location)
    }

    /// A node a `.measure` reads must exist (a device's internal node, `name#…`, cannot be checked
    /// before the analysis allocates it).
    func checkMeasuredNode(_ node: String, _ m: MeasureStatement, at location: SourceLocation) throws {
        guard !node.contains("#"), node != "0", node != "gnd", nodeIndex[node] == nil else { return }
        throw InputError(location, ".measure \(m.name): no node '\(node)' in the circuit, so there is no vector v(\(node))")
    }

    /// Evaluates and checks the settings of a `.eis` card.
    func resolveImpedanceSpectroscopy(_ e: ImpedanceSpectroscopyStatement, scope: ParameterScope, analyses: [(Analysis, SourceLocation)],
                                      hasExperiment: Bool) throws -> ImpedanceSpectroscopyRequest {
        var r = ImpedanceSpectroscopyRequest(plus: e.plus, minus: e.minus, location: e.location)
        for node in [e.plus, e.minus] where node != "0" && node != "gnd" && nodeIndex[node] == nil {
            throw InputError(e.location, ".eis port node '\(node)' is not a node of the netlist")
        }
        var biasGiven = false
        var frequencyLocation = e.location, pointsLocation = e.location
        for a in e.settings {
            guard let v = a.value else { throw InputError(a.location, ".eis \(a.name) needs a value") }
            func number() throws -> Double {
                let x = try scope.evaluate(v, at: a.location)
                guard x.isFinite else { throw InputError(a.location, ".eis \(a.name) must be finite") }
                return x
            }
            func word() throws -> String {
                guard case .name(let n) = v else { throw InputError(a.location, ".eis \(a.name) needs a word") }
                return n
            }
            switch a.name {
            case "fmin": r.minimumFrequency = try number(); frequencyLocation = a.location
            case "fmax": r.maximumFrequency = try number(); frequencyLocation = a.location
            case "ppd": r.pointsPerDecade = try number(); pointsLocation = a.location
            case "amplitude": r.amplitude = try number()
            case "bias":
                biasGiven = true
                if case .name(let n) = v, n == "ocv" { r.biasAtOpenCircuit = true } else { r.bias = try number() }
            case "after":
                guard let start = ImpedanceSpectroscopyRequest.Start(rawValue: try word()) else { throw InputError(a.location, ".eis after= must be op, tran or experiment") }
                r.start = start
            case "mode":
                guard let m = ImpedanceSpectroscopyRequest.Mode(rawValue: try word()) else { throw InputError(a.location, ".eis mode must be potentiostatic or galvanostatic") }
                r.mode = m
            case "excitation":
                guard let x = ImpedanceSpectroscopyRequest.Excitation(rawValue: try word()) else { throw InputError(a.location, ".eis excitation must be multisine or sine") }
                r.excitation = x
            case "phases":
                guard let p = ImpedanceSpectroscopyRequest.Phases(rawValue: try word()) else { throw InputError(a.location, ".eis phases must be schroeder or random") }
                r.phases = p
            default:
                throw InputError(a.location, "unknown .eis setting '\(a.name)' (fmin, fmax, ppd, amplitude, bias, mode, excitation, phases, after)")
            }
        }
        // Starting from a cycled or charged state, the natural bias is the cell's own voltage.
        if r.start != .op && !biasGiven { r.biasAtOpenCircuit = true }
        if let amp = r.amplitude, !(amp > 0) { throw InputError(e.location, ".eis amplitude must be positive") }
        guard r.minimumFrequency > 0, r.maximumFrequency > r.minimumFrequency else {
            throw InputError(frequencyLocation, ".eis needs 0 < fmin < fmax, got fmin=\(r.minimumFrequency) fmax=\(r.maximumFrequency)")
        }
        guard r.pointsPerDecade >= 1, r.pointsPerDecade <= 40 else { throw InputError(pointsLocation, ".eis ppd (points per decade) must be in [1, 40], got \(r.pointsPerDecade)") }
        switch r.start {
        case .op: break
        case .tran:
            guard analyses.contains(where: { if case .transient = $0.0 { return true } else { return false } }) else {
                throw InputError(e.location, ".eis after=tran needs a .tran analysis in the netlist")
            }
        case .experiment:
            guard hasExperiment else { throw InputError(e.location, ".eis after=experiment needs an .experiment card in the netlist") }
        }
        return r
    }

    /// Resolves a `.experiment` card and checks its nodes.
    func resolveExperiment(_ e: ExperimentStatement, scope: ParameterScope) throws -> ExperimentProtocol {
        let p = try ExperimentProtocol.resolve(e, scope: scope)
        for node in [p.plus, p.minus] where node != "0" && node != "gnd" && nodeIndex[node] == nil {
            throw InputError(e.location, ".experiment node '\(node)' is not in the circuit")
        }
        return p
    }
}
