import Glibc
import LithicCore
import Netlist

/// The points of a netlist's `.step` and `.mc` cards: the meaning of `StepStatement` and
/// `MonteCarloStatement`, with every mistake an `InputError` at the card.
///
/// Semantics (LTspice help ".STEP — Parameter Sweeps"; Xyce Reference Guide ".STEP"):
/// - `.step [lin] param X start stop incr`: start + k·incr for k = 0, 1, … while the value does
///   not pass stop (stop itself when it lies on the grid, to 1e-9 of an increment). An increment
///   of zero, or one that points away from stop, is an error.
/// - `.step dec|oct param X start stop n`: n points per decade (octave): start·10^(k/n)
///   (start·2^(k/n)) up to stop; start and stop positive, stop ≥ start, n a positive integer.
/// - `.step param X list v1 v2 …`: the values as written.
/// - `.step temp …`: the circuit temperature in °C (as `.temp`), with the same value forms.
/// - `param` may be left out (Xyce: `.step X 1 10 1`); the name must be a top-level `.param`
///   (a source, device or model parameter is not stepped directly).
/// - Several `.step` cards: the Cartesian product, the FIRST card varying fastest (LTspice's and
///   Xyce's order: the first card is the inner loop).
/// - `.mc RUNS [seed=S] [sampling=random|lhs]` adds RUNS Monte Carlo runs as the innermost
///   (fastest) dimension: run r of every step point uses the same variates (common random
///   numbers), from a SplitMix64 stream seeded with `runSeed(r)`; `sampling=lhs` (or a bare
///   `lhs`) stratifies each draw over the runs (Latin hypercube). Default seed 1 (ngspice's
///   default `rndseed`).
public struct SweepPlan: Sendable {
    /// One `.step` card's values.
    public struct Dimension: Sendable {
        /// The parameter, or `temp`.
        public var name: String
        public var isTemperature: Bool
        public var values: [Double]
        public var location: SourceLocation
    }

    /// The `.mc` card.
    public struct MonteCarlo: Sendable {
        public var runs: Int
        public var seed: UInt64
        public var latinHypercube: Bool
        public var location: SourceLocation

        /// The seed of run `r` (0-based): a SplitMix64 step from the card's seed, so that runs
        /// are independent streams and the same whatever order they are computed in.
        public func runSeed(_ r: Int) -> UInt64 {
            var g = SplitMix64(seed: seed &+ UInt64(r) &* 0x9E3779B97F4A7C15)
            return g.next()
        }
    }

    /// One point of the plan.
    public struct Point: Sendable {
        /// 1-based, in plan order.
        public var index: Int
        /// Stepped `.param` values, in card order.
        public var parameters: [(name: String, value: Double)]
        /// The stepped temperature (°C), if `.step temp`.
        public var temperature: Double?
        /// Monte Carlo run (1-based) and its seed.
        public var run: Int?
        public var seed: UInt64?
    }

    /// `.step` cards in netlist order (the first varies fastest).
    public var dimensions: [Dimension]
    public var monteCarlo: MonteCarlo?
    /// The Latin-hypercube design shared by the runs (when `sampling=lhs`).
    public let design: LatinHypercubeDesign?

    /// Largest number of points accepted (a typo in an increment is an error, not a day's run).
    public static let maximumPoints = 10_000_000

    /// Number of points.
    public var count: Int {
        dimensions.reduce(monteCarlo?.runs ?? 1) { $0 * $1.values.count }
    }

    /// Point `i` (0-based): the Monte Carlo run fastest, then the first `.step` card, …
    public func point(_ i: Int) -> Point {
        var rest = i
        var p = Point(index: i + 1, parameters: [], temperature: nil, run: nil, seed: nil)
        if let mc = monteCarlo {
            let r = rest % mc.runs
            rest /= mc.runs
            p.run = r + 1
            p.seed = mc.runSeed(r)
        }
        for d in dimensions {
            let v = d.values[rest % d.values.count]
            rest /= d.values.count
            if d.isTemperature { p.temperature = v } else { p.parameters.append((d.name, v)) }
        }
        return p
    }

    /// The syntax tree to elaborate for `point`: the netlist with a `.temp` card appended when
    /// the temperature is stepped (a later `.temp` wins).
    public func tree(for point: Point, from tree: SyntaxTree) -> SyntaxTree {
        guard let t = point.temperature, let d = dimensions.first(where: \.isTemperature) else { return tree }
        var copy = tree
        copy.statements.append(.temperature([.number(t)], d.location))
        return copy
    }

    /// The `.param` overrides of `point` on top of `base` (`--param`): a stepped value wins.
    public func overrides(for point: Point, base: [String: Double]) -> [String: Double] {
        var o = base
        for (n, v) in point.parameters { o[n] = v }
        return o
    }

    /// The sampler for `point`'s elaboration (nil outside a Monte Carlo).
    public func sampler(for point: Point) -> StatisticalSampler? {
        guard let seed = point.seed, let run = point.run else { return nil }
        return StatisticalSampler(seed: seed, run: run - 1, design: design)
    }

    init(dimensions: [Dimension], monteCarlo: MonteCarlo?) {
        self.dimensions = dimensions
        self.monteCarlo = monteCarlo
        design = monteCarlo.flatMap { $0.latinHypercube ? LatinHypercubeDesign(runs: $0.runs, seed: $0.seed) : nil }
    }

    /// The plan of `tree`, or nil when it has no `.step` or `.mc` card.
    /// - Parameter overrides: `--param` values (the step bounds may use parameters).
    public static func resolve(_ tree: SyntaxTree, overrides: [String: Double] = [:]) throws -> SweepPlan? {
        try rejectNested(tree.statements, top: true)
        var steps: [StepStatement] = []
        var mcs: [MonteCarloStatement] = []
        for s in tree.statements {
            if case .step(let st) = s { steps.append(st) }
            if case .monteCarlo(let m) = s { mcs.append(m) }
        }
        guard !steps.isEmpty || !mcs.isEmpty else { return nil }
        let scope = ParameterScope(parent: nil, temperature: 27)
        var defined = Set<String>()
        func collect(_ statements: [Statement]) {
            for s in statements {
                switch s {
                case .parameters(let list): for a in list { scope.define(a); defined.insert(a.name) }
                case .function(let f): scope.defineFunction(f.name, f.function)
                case .conditional(let branches): for b in branches { collect(b.body) }
                default: break
                }
            }
        }
        collect(tree.statements)
        for (n, v) in overrides { scope.set(n, v) }

        var dimensions: [Dimension] = []
        for st in steps {
            let name: String
            switch st.target {
            case .temperature: name = "temp"
            case .parameter(let n):
                guard defined.contains(n) else {
                    let have = defined.isEmpty ? "the netlist has no .param" : "have: \(defined.sorted().joined(separator: ", "))"
                    throw InputError(st.targetLocation, ".step: '\(n)' is not a top-level .param of the netlist (\(have)); define it with .param \(n)=… and use {\(n)} where it is needed")
                }
                name = n
            }
            if let earlier = dimensions.first(where: { $0.name == name }) {
                throw InputError(st.targetLocation, ".step: '\(name)' is already stepped by the card at line \(earlier.location.line)")
            }
            dimensions.append(Dimension(name: name, isTemperature: st.target == .temperature,
                                        values: try values(of: st, scope: scope), location: st.location))
        }
        var monteCarlo: MonteCarlo?
        if mcs.count > 1 { throw InputError(mcs[1].location, "only one .mc card is allowed (the first is at line \(mcs[0].location.line))") }
        if let m = mcs.first {
            let r = try scope.evaluate(m.runs, at: m.runsLocation)
            guard r >= 1, r == r.rounded(), r <= Double(maximumPoints) else {
                throw InputError(m.runsLocation, ".mc: the number of runs must be a whole number from 1 to \(maximumPoints), got \(r)")
            }
            var seed: UInt64 = 1
            var lhs = false
            for a in m.settings {
                switch a.name {
                case "seed":
                    guard let e = a.value else { throw InputError(a.location, ".mc: seed needs a value, e.g. seed=42") }
                    let v = try scope.evaluate(e, at: a.location)
                    guard v >= 0, v == v.rounded(), v < 0x1p63 else { throw InputError(a.location, ".mc: seed must be a non-negative whole number, got \(v)") }
                    seed = UInt64(v)
                case "sampling", "method":
                    guard case .name(let how)? = a.value, ["random", "mc", "lhs"].contains(how) else {
                        throw InputError(a.location, ".mc: \(a.name)= must be random or lhs")
                    }
                    lhs = how == "lhs"
                case "lhs": lhs = true
                case "random": lhs = false
                default:
                    throw InputError(a.location, ".mc: unknown setting '\(a.name)' (have: seed=, sampling=random|lhs)")
                }
            }
            monteCarlo = MonteCarlo(runs: Int(r), seed: seed, latinHypercube: lhs, location: m.location)
        }
        let plan = SweepPlan(dimensions: dimensions, monteCarlo: monteCarlo)
        var total = 1.0
        for d in dimensions { total *= Double(d.values.count) }
        total *= Double(monteCarlo?.runs ?? 1)
        guard total <= Double(maximumPoints) else {
            throw InputError((steps.first?.location ?? mcs.first?.location) ?? .commandLine,
                             "the .step/.mc cards make \(total) points, more than \(maximumPoints)")
        }
        return plan
    }

    /// `.step` and `.mc` belong at the top level, outside `.if` blocks and subcircuits.
    static func rejectNested(_ statements: [Statement], top: Bool) throws {
        for s in statements {
            switch s {
            case .step(let st) where !top:
                throw InputError(st.location, ".step must be at the top level of the netlist (not inside .subckt or .if)")
            case .monteCarlo(let m) where !top:
                throw InputError(m.location, ".mc must be at the top level of the netlist (not inside .subckt or .if)")
            case .subcircuit(let d): try rejectNested(d.body, top: false)
            case .conditional(let branches): for b in branches { try rejectNested(b.body, top: false) }
            default: break
            }
        }
    }

    /// The values of one `.step` card.
    static func values(of st: StepStatement, scope: ParameterScope) throws -> [Double] {
        let locs = st.valueLocations
        func at(_ k: Int) -> SourceLocation { k < locs.count ? locs[k] : st.location }
        func eval(_ e: ArithmeticExpression, _ k: Int) throws -> Double { try scope.evaluate(e, at: at(k)) }
        let limit = maximumPoints
        switch st.values {
        case .list(let list):
            guard !list.isEmpty else { throw InputError(st.location, ".step … list needs at least one value") }
            return try list.enumerated().map { try eval($0.element, $0.offset) }
        case .linear(let a, let b, let c):
            let (start, stop, step) = (try eval(a, 0), try eval(b, 1), try eval(c, 2))
            guard step != 0 else { throw InputError(at(2), ".step: the increment is zero") }
            let span = (stop - start) / step
            guard span > -1e-9 else {
                throw InputError(at(2), ".step: stop \(stop) cannot be reached from start \(start) with increment \(step) (wrong sign?)")
            }
            guard span < Double(limit) else { throw InputError(at(2), ".step: \(start) to \(stop) by \(step) is more than \(limit) points") }
            let n = Int((span + 1e-9).rounded(.down)) + 1
            return (0..<n).map { k in
                // The last point is stop itself when it lies on the grid (no 0.30000000000000004).
                let v = start + Double(k) * step
                return abs(v - stop) <= 1e-9 * abs(step) ? stop : v
            }
        case .decade(let a, let b, let c), .octave(let a, let b, let c):
            let base = { if case .decade = st.values { return 10.0 }; return 2.0 }()
            let word = base == 10 ? "dec" : "oct"
            let (start, stop, perUnit) = (try eval(a, 0), try eval(b, 1), try eval(c, 2))
            guard start > 0, stop > 0 else { throw InputError(at(start > 0 ? 1 : 0), ".step \(word): start and stop must be positive, got \(start) and \(stop)") }
            guard stop >= start else { throw InputError(at(1), ".step \(word): stop \(stop) is below start \(start)") }
            guard perUnit >= 1, perUnit == perUnit.rounded() else {
                throw InputError(at(2), ".step \(word): the number of points per \(base == 10 ? "decade" : "octave") must be a positive whole number, got \(perUnit)")
            }
            let span = log(stop / start) / log(base) * perUnit
            guard span < Double(limit) else { throw InputError(at(2), ".step \(word): more than \(limit) points") }
            let n = Int((span + 1e-9).rounded(.down)) + 1
            return (0..<n).map { k in
                let v = start * pow(base, Double(k) / perUnit)
                return abs(v - stop) <= 1e-9 * stop ? stop : v
            }
        }
    }
}
