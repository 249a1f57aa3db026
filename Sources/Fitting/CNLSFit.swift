import ComplexModule
import RealModule
import Dispatch
import FoundationEssentials
import Glibc
import Impedance
import LithicCore

/// A measured or simulated spectrum: frequencies (Hz) and complex impedances (Ω), Z'' < 0 for
/// capacitive behaviour.
public struct Spectrum: Sendable {
    public var frequencies: [Double]
    public var impedances: [Complex<Double>]
    /// Where it came from (file name), for messages and tables.
    public var source: String
    public init(frequencies: [Double], impedances: [Complex<Double>], source: String = "") {
        self.frequencies = frequencies; self.impedances = impedances; self.source = source
    }
    public var count: Int { frequencies.count }

    /// The spectrum without inductive points (Z'' > 0), as impedance.py's `ignoreBelowX`.
    public func droppingInductivePoints() -> Spectrum {
        let keep = impedances.indices.filter { impedances[$0].imaginary <= 0 }
        return Spectrum(frequencies: keep.map { frequencies[$0] }, impedances: keep.map { impedances[$0] }, source: source)
    }
}

/// Settings of a complex non-linear least-squares fit.
public struct FitSettings: Sendable {
    public var weighting: Weighting = .modulus
    /// Parameters held at a value, by name (`R0`, `CPE1_1`).
    public var fixed: [String: Double] = [:]
    /// Bounds by name; defaults are each element's (non-negative; exponents ≤ 1).
    public var bounds: [String: (Double, Double)] = [:]
    /// Number of starts: the given initial guess plus `starts − 1` random ones around it
    /// (log-uniform within a factor `spread` for scales, uniform in (0, 1] for exponents).
    public var starts = 32
    public var spread = 100.0
    public var seed: UInt64 = 1
    /// Function evaluations per start; 0 means MINPACK's recommendation for lmder, 100·(n + 1)
    /// with n free parameters (a crawl along a flat valley is cut short; other starts cover it).
    public var maximumEvaluations = 0
    /// Optional early end of the multi-start search (off by default). The starts run in rounds
    /// of `roundSize` (in start order); after each round the search ends when at least
    /// `agreeingStarts` of the starts run so far ended within relative `agreement` of the best
    /// cost so far. 0 runs every start. The rule looks at whole rounds in start order only, so
    /// the result does not depend on the number of threads.
    ///
    /// Off because agreement is no proof of a global minimum: on the fixture spectra (5 files ×
    /// 4 circuits × 4 weightings × with/without inductive points, 160 fits) every rule tried
    /// (2–8 agreeing starts, tolerance 1e-8–1e-4, rounds of 4 or 8, at least 0–16 starts) ended
    /// some fits in a worse minimum than all 32 starts: with 4 agreeing within 1e-6 after rounds
    /// of 8, 10 of 160 (Gamry R-RQ-Wo with proportional weights 42.4 against 5.94, where only
    /// start 30 of 32 finds the lower minimum), for 2.2× fewer starts on average (14.6 of 32).
    public var agreeingStarts = 0
    public var agreement = 1e-6
    public var roundSize = 8
    /// Threads a round's starts run on; 0 means all cores. The result is the same for any value.
    public var threads = 0
    public init() {}
}

/// The outcome of a fit, with uncertainties.
///
/// Uncertainties: the covariance is s²·(JᵀWJ)⁻¹ at the optimum, with J the Jacobian of the model
/// with respect to the (untransformed) free parameters, W the weights and s² = χ²/(2N − p) the
/// reduced χ² (the weights are taken as relative, as impedance.py's curve_fit does with
/// absolute_sigma = False). Standard errors are √diag; 95 % intervals use Student's t with
/// 2N − p degrees of freedom. A parameter at a bound, or a singular JᵀWJ, gives an infinite
/// error and an identifiability warning instead of a misleading number.
public struct FitResult: Sendable {
    public var circuit: String
    public var names: [String]
    public var values: [Double]
    public var isFixed: [Bool]
    public var standardErrors: [Double]
    public var confidence95: [(Double, Double)]
    /// Correlation matrix of the free parameters (in `names` order, fixed ones have NaN rows).
    public var correlation: [[Double]]
    public var covariance: [[Double]]
    /// Weighted χ², reduced χ², and the residual measure impedance.py users compare:
    /// rms of (Zfit − Zexp)/|Zexp| over real and imaginary parts.
    public var chiSquare: Double
    public var reducedChiSquare: Double
    public var rmsRelative: Double
    /// Akaike and Bayesian information criteria (Gaussian likelihood, weights relative).
    public var aic: Double
    public var bic: Double
    public var evaluations: Int
    /// Wall-clock seconds spent in the fit itself (all starts, statistics included).
    public var seconds: Double = 0
    /// Starts run (the search may end before all of them) and extra starts among them.
    public var startsRun = 0
    public var extraStartsRun = 0
    /// χ² where each start ended, in start order (extra starts last; infinity: not finite), and
    /// the evaluations each took.
    public var startCosts: [Double] = []
    public var startEvaluations: [Int] = []
    public var converged: Bool
    public var warnings: [String]
    public var weighting: Weighting
    public var fitted: [Complex<Double>]
}

/// Complex non-linear least squares on MINPACK's Levenberg-Marquardt (`lmder`) with the exact
/// Jacobian of the circuit; bounds by smooth transformation; multi-start global search.
public struct CNLSFitter {
    public let circuit: EquivalentCircuit
    public var settings: FitSettings

    public init(circuit: EquivalentCircuit, settings: FitSettings = FitSettings()) {
        self.circuit = circuit
        self.settings = settings
    }

    /// A bound as a smooth map u ↦ p(u) and its derivative.
    enum Transform {
        case identity
        case logarithmic(lower: Double)     // p = lower + e^u
        case upperLog(upper: Double)        // p = upper − e^u
        case logistic(lower: Double, upper: Double)

        func value(_ u: Double) -> Double {
            switch self {
            case .identity: return u
            case .logarithmic(let lo): return lo + exp(u)
            case .upperLog(let hi): return hi - exp(u)
            case .logistic(let lo, let hi): return lo + (hi - lo) / (1 + exp(-u))
            }
        }
        func derivative(_ u: Double) -> Double {
            switch self {
            case .identity: return 1
            case .logarithmic: return exp(u)
            case .upperLog: return -exp(u)
            case .logistic(let lo, let hi):
                let s = 1 / (1 + exp(-u))
                return (hi - lo) * s * (1 - s)
            }
        }
        func inverse(_ p: Double) -> Double {
            switch self {
            case .identity: return p
            case .logarithmic(let lo): return log(max(p - lo, 1e-300))
            case .upperLog(let hi): return log(max(hi - p, 1e-300))
            case .logistic(let lo, let hi):
                let s = min(max((p - lo) / (hi - lo), 1e-12), 1 - 1e-12)
                return log(s / (1 - s))
            }
        }
        init(_ b: (Double, Double)) {
            switch (b.0.isFinite, b.1.isFinite) {
            case (true, true): self = .logistic(lower: b.0, upper: b.1)
            case (true, false): self = .logarithmic(lower: b.0)
            case (false, true): self = .upperLog(upper: b.1)
            default: self = .identity
            }
        }
    }

    /// Fits `spectrum` from `initial` (one value per circuit parameter, fixed ones included).
    ///
    /// `extraStarts` (each one value per parameter; fixed ones are ignored) are further starts,
    /// run in addition to the search from `initial` and never counted by its stopping rule: the
    /// starts run from `initial` are exactly those of a fit without extras, so the result with
    /// extras is the best over a superset of starts, never worse (a batch passes the neighbour's
    /// result this way). A non-finite or wrongly sized extra start is skipped.
    public func fit(_ spectrum: Spectrum, initial: [Double], extraStarts: [[Double]] = []) throws -> FitResult {
        let began = DispatchTime.now().uptimeNanoseconds
        var result = try fitUntimed(spectrum, initial: initial, extraStarts: extraStarts)
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - began) * 1e-9
        return result
    }

    func fitUntimed(_ spectrum: Spectrum, initial: [Double], extraStarts: [[Double]]) throws -> FitResult {
        let names = circuit.parameterNames
        guard initial.count == names.count else {
            throw InputError(.commandLine, "circuit \(circuit) has \(names.count) parameters (\(names.joined(separator: ", "))), \(initial.count) initial values given")
        }
        guard spectrum.count > 0 else { throw InputError(.commandLine, "spectrum \(spectrum.source) has no points") }
        for k in settings.fixed.keys where !names.contains(k) {
            throw InputError(.commandLine, "fixed parameter '\(k)' is not a parameter of \(circuit) (\(names.joined(separator: ", ")))")
        }
        for k in settings.bounds.keys where !names.contains(k) {
            throw InputError(.commandLine, "bounded parameter '\(k)' is not a parameter of \(circuit)")
        }
        var full = initial
        var isFixed = [Bool](repeating: false, count: names.count)
        for (k, n) in names.enumerated() { if let v = settings.fixed[n] { full[k] = v; isFixed[k] = true } }
        let free = (0..<names.count).filter { !isFixed[$0] }
        guard 2 * spectrum.count > free.count else {
            throw InputError(.commandLine, "\(free.count) free parameters cannot be fitted to \(spectrum.count) points")
        }
        var transforms: [Transform] = []
        for k in free {
            let info = circuit.parameterInfo[k]
            let b = settings.bounds[names[k]] ?? info.kind.bounds[info.index]
            guard b.0 < b.1 else { throw InputError(.commandLine, "bounds of \(names[k]) are empty: [\(b.0), \(b.1)]") }
            transforms.append(Transform(b))
            guard full[k].isFinite else { throw InputError(.commandLine, "initial value of \(names[k]) is not finite") }
            full[k] = Self.inside(full[k], b)
        }
        // Data and weights.
        let n = spectrum.count
        let omegas = spectrum.frequencies.map { 2 * Double.pi * $0 }
        let weights = spectrum.impedances.map { settings.weighting.rootWeights($0) }
        let data = spectrum.impedances
        let template = full

        /// One MINPACK problem with its own buffers: a thread runs its starts on its own problem.
        func makeProblem() -> Minpack.Problem {
            let workspace = EvaluationWorkspace(template: template, free: free.count, points: n)
            return Minpack.Problem(m: 2 * n, n: free.count) { u, r, jac in
                // MINPACK asks for the Jacobian at the point it evaluated last (an accepted step), and
                // the circuit's impedance comes with its gradient anyway: every evaluation fills the
                // weighted Jacobian, and a Jacobian request at the same point copies it.
                let count = free.count
                if let jac, workspace.hasJacobian, (0..<count).allSatisfy({ workspace.point[$0] == u[$0] }) {
                    jac.update(from: workspace.jacobian, count: 2 * n * count)
                    for i in 0..<(2 * n) { r[i] = workspace.residuals[i] }
                    return true
                }
                for j in 0..<count {
                    workspace.point[j] = u[j]
                    workspace.parameters[free[j]] = transforms[j].value(u[j])
                    workspace.slopes[j] = transforms[j].derivative(u[j])
                }
                var ok = true
                workspace.parameters.withUnsafeBufferPointer { params in
                    for i in 0..<n {
                        let z = circuit.impedance(omega: omegas[i], parameters: params, gradient: workspace.gradient)
                        let (wr, wi) = weights[i]
                        let rr = wr * (z.real - data[i].real), ri = wi * (z.imaginary - data[i].imaginary)
                        r[2 * i] = rr
                        r[2 * i + 1] = ri
                        workspace.residuals[2 * i] = rr
                        workspace.residuals[2 * i + 1] = ri
                        if !(rr.isFinite && ri.isFinite) { ok = false }
                        for j in 0..<count {
                            let g = workspace.gradient[free[j]], slope = workspace.slopes[j]
                            workspace.jacobian[j * 2 * n + 2 * i] = wr * g.real * slope
                            workspace.jacobian[j * 2 * n + 2 * i + 1] = wi * g.imaginary * slope
                        }
                    }
                }
                workspace.hasJacobian = ok
                if let jac, ok { jac.update(from: workspace.jacobian, count: 2 * n * count) }
                return ok
            }
        }

        // Starts: the initial guess, then deterministic pseudo-random ones around it (all drawn
        // up front, in the order and from the generator a start-by-start loop would use).
        var rng = SplitMix64(seed: settings.seed)
        var starts: [[Double]] = []
        for start in 0..<max(settings.starts, 1) {
            var u0 = [Double](repeating: 0, count: free.count)
            for (j, k) in free.enumerated() {
                var v = full[k]
                if start > 0 {
                    let info = circuit.parameterInfo[k]
                    if info.kind.isExponent(info.index) {
                        v = 0.3 + 0.7 * rng.nextUniform()
                    } else {
                        v *= exp((rng.nextUniform() * 2 - 1) * log(settings.spread))
                    }
                    let b = settings.bounds[names[k]] ?? info.kind.bounds[info.index]
                    if v <= b.0 || v >= b.1 { v = full[k] }
                }
                u0[j] = transforms[j].inverse(v)
            }
            starts.append(u0)
        }
        var extras: [[Double]] = []
        for extra in extraStarts where extra.count == names.count {
            var u0 = [Double](repeating: 0, count: free.count)
            var usable = true
            for (j, k) in free.enumerated() {
                let info = circuit.parameterInfo[k]
                let b = settings.bounds[names[k]] ?? info.kind.bounds[info.index]
                guard extra[k].isFinite else { usable = false; break }
                u0[j] = transforms[j].inverse(Self.inside(extra[k], b))
            }
            if usable { extras.append(u0) }
        }
        let budget = settings.maximumEvaluations > 0 ? settings.maximumEvaluations : 100 * (free.count + 1)
        let threads = max(1, settings.threads > 0 ? settings.threads : ProcessInfo.processInfo.activeProcessorCount)
        let runner = StartRunner(threads: threads, makeProblem: makeProblem, budget: budget)

        // Rounds of starts in start order; the stopping rule sees whole rounds only.
        var outcomes: [StartOutcome?] = []
        let round = settings.agreeingStarts > 0 ? max(settings.roundSize, 1) : starts.count
        var next = 0
        while next < starts.count {
            let batch = Array(starts[next..<min(starts.count, next + round)])
            outcomes += runner.run(batch)
            next += batch.count
            if settings.agreeingStarts > 0, let best = outcomes.compactMap({ $0?.cost }).min() {
                let agreeing = outcomes.filter { ($0?.cost).map { $0 <= best * (1 + settings.agreement) + Double.leastNormalMagnitude } ?? false }.count
                if agreeing >= settings.agreeingStarts { break }
            }
        }
        if !extras.isEmpty { outcomes += runner.run(extras) }
        var best: StartOutcome?
        for outcome in outcomes {
            guard let outcome else { continue }
            if best.map({ outcome.cost < $0.cost }) ?? true { best = outcome }
        }
        let totalEvaluations = outcomes.reduce(0) { $0 + ($1?.evaluations ?? 0) } + runner.failedEvaluations
        guard let winner = best else {
            throw SimulationError(analysis: "fit", point: spectrum.source, message: "every start produced a non-finite model (check the initial values)")
        }
        var values = template
        for (j, k) in free.enumerated() { values[k] = transforms[j].value(winner.x[j]) }
        var result = summarize(spectrum: spectrum, values: values, isFixed: isFixed, free: free, chiSquare: winner.cost,
                               info: winner.info, evaluations: totalEvaluations, weights: weights, omegas: omegas)
        result.startsRun = outcomes.count
        result.extraStartsRun = extras.count
        result.startCosts = outcomes.map { $0?.cost ?? .infinity }
        result.startEvaluations = outcomes.map { $0?.evaluations ?? 0 }
        return result
    }

    /// A start moved just inside its bounds when it lies on or outside one.
    static func inside(_ v: Double, _ b: (Double, Double)) -> Double {
        guard v <= b.0 || v >= b.1 else { return v }
        return b.1.isFinite && b.0.isFinite ? b.0 + (b.1 - b.0) * (v <= b.0 ? 0.01 : 0.99)
            : (v <= b.0 ? (b.0 == 0 ? 1e-6 : b.0 + abs(b.0) * 0.01 + 1e-12) : b.1 - abs(b.1) * 0.01 - 1e-12)
    }

    /// Where one start ended: its point (transformed variables), cost χ², MINPACK info, evaluations.
    struct StartOutcome: Sendable {
        var x: [Double]
        var cost: Double
        var info: Int
        var evaluations: Int
    }

    /// Runs starts on up to `threads` threads, each with its own problem (buffers), and returns
    /// their outcomes in start order (nil for a start whose end point is not finite). The outcome
    /// of a start depends on the start alone, not on the thread or what ran before it.
    final class StartRunner: @unchecked Sendable {
        let threads: Int
        let budget: Int
        let makeProblem: () -> Minpack.Problem
        private var problems: [Minpack.Problem] = []
        private(set) var failedEvaluations = 0
        private let lock = Lock()
        init(threads: Int, makeProblem: @escaping () -> Minpack.Problem, budget: Int) {
            self.threads = threads; self.makeProblem = makeProblem; self.budget = budget
        }

        func run(_ starts: [[Double]]) -> [StartOutcome?] {
            let workers = min(threads, starts.count)
            while problems.count < workers { problems.append(makeProblem()) }
            let results = OutcomeBox(count: starts.count)
            if workers <= 1 {
                for (i, u0) in starts.enumerated() { results.items[i] = one(u0, on: problems[0]) }
            } else {
                // Each worker takes the next start not yet taken, on its own problem (starts
                // differ in cost by 10× or more; a fixed assignment leaves a worker idle).
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    while let i = results.take() {
                        results.set(i, self.one(starts[i], on: self.problems[w]))
                    }
                }
            }
            return results.items
        }

        func one(_ u0: [Double], on problem: Minpack.Problem) -> StartOutcome? {
            let outcome = Minpack.levenbergMarquardt(problem, start: u0, maximumEvaluations: budget, relativeReduction: 1e-8)
            var r = [Double](repeating: 0, count: problem.m)
            let ok = outcome.x.withUnsafeBufferPointer { x in
                r.withUnsafeMutableBufferPointer { rb -> Bool in
                    guard let xb = x.baseAddress, let rp = rb.baseAddress else { return false }
                    return problem.evaluate(xb, rp, nil)
                }
            }
            guard ok else {
                lock.lock(); failedEvaluations += outcome.evaluations; lock.unlock()
                return nil
            }
            return StartOutcome(x: outcome.x, cost: r.reduce(0) { $0 + $1 * $1 }, info: outcome.info, evaluations: outcome.evaluations)
        }
    }

    /// Outcomes written by index from several threads (each index by one thread).
    final class OutcomeBox: @unchecked Sendable {
        private let lock = Lock()
        var items: [StartOutcome?]
        private var next = 0
        init(count: Int) { items = [StartOutcome?](repeating: nil, count: count) }
        func set(_ i: Int, _ outcome: StartOutcome?) { lock.lock(); items[i] = outcome; lock.unlock() }
        /// The index of the next start nobody has taken, nil when all are taken.
        func take() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < items.count else { return nil }
            next += 1
            return next - 1
        }
    }

    /// The buffers one fit's evaluations reuse (no allocation per evaluation), and the last
    /// evaluated point with its residuals and weighted Jacobian.
    final class EvaluationWorkspace {
        var parameters: [Double]
        let point: UnsafeMutablePointer<Double>
        let slopes: UnsafeMutablePointer<Double>
        let gradient: UnsafeMutablePointer<Complex<Double>>
        let residuals: UnsafeMutablePointer<Double>
        let jacobian: UnsafeMutablePointer<Double>
        var hasJacobian = false
        init(template: [Double], free: Int, points: Int) {
            parameters = template
            point = .allocate(capacity: max(free, 1)); point.initialize(repeating: .nan, count: max(free, 1))
            slopes = .allocate(capacity: max(free, 1)); slopes.initialize(repeating: 0, count: max(free, 1))
            gradient = .allocate(capacity: max(template.count, 1)); gradient.initialize(repeating: .zero, count: max(template.count, 1))
            residuals = .allocate(capacity: max(2 * points, 1)); residuals.initialize(repeating: 0, count: max(2 * points, 1))
            jacobian = .allocate(capacity: max(2 * points * free, 1)); jacobian.initialize(repeating: 0, count: max(2 * points * free, 1))
        }
        deinit {
            point.deallocate(); slopes.deallocate(); gradient.deallocate(); residuals.deallocate(); jacobian.deallocate()
        }
    }

    func summarize(spectrum: Spectrum, values: [Double], isFixed: [Bool], free: [Int], chiSquare: Double, info: Int,
                   evaluations: Int, weights: [(Double, Double)], omegas: [Double]) -> FitResult {
        let names = circuit.parameterNames
        let n = spectrum.count
        var fitted: [Complex<Double>] = []
        var jacobian = [Complex<Double>](repeating: .zero, count: n * free.count)
        var grad = [Complex<Double>](repeating: .zero, count: names.count)
        grad.withUnsafeMutableBufferPointer { g in
            for i in 0..<n {
                fitted.append(circuit.impedance(omega: omegas[i], parameters: values, gradient: g.baseAddress!))
                for (a, k) in free.enumerated() { jacobian[i * free.count + a] = g[k] }
            }
        }
        let bounds = names.indices.map { k -> (Double, Double) in
            let info = circuit.parameterInfo[k]
            return settings.bounds[names[k]] ?? info.kind.bounds[info.index]
        }
        return FitResult.assemble(circuit: circuit.description, names: names, values: values, isFixed: isFixed, free: free, bounds: bounds,
                                  spectrum: spectrum, fitted: fitted, jacobian: jacobian, weights: weights, weighting: settings.weighting,
                                  chiSquare: chiSquare, converged: (1...4).contains(info), evaluations: evaluations)
    }
}

extension FitResult {
    /// Statistics at an optimum from the model's Jacobian with respect to the natural free
    /// parameters (`jacobian[i·p + a]` = ∂Z_i/∂p_a): covariance s²(JᵀWJ)⁻¹, standard errors, 95 %
    /// intervals, correlation, χ², AIC, BIC and identifiability warnings. Shared by equivalent-
    /// circuit fits (exact Jacobian) and netlist fits (finite-difference Jacobian).
    public static func assemble(circuit: String, names: [String], values: [Double], isFixed: [Bool], free: [Int],
                                bounds: [(Double, Double)], spectrum: Spectrum, fitted: [Complex<Double>], jacobian: [Complex<Double>],
                                weights: [(Double, Double)], weighting: Weighting, chiSquare: Double, converged: Bool,
                                evaluations: Int) -> FitResult {
        let n = spectrum.count
        let m = 2 * n
        let pf = free.count
        var jtj = [Double](repeating: 0, count: pf * pf)
        var relSquares = 0.0
        for i in 0..<n {
            let d = fitted[i] - spectrum.impedances[i]
            let mag = spectrum.impedances[i].length
            relSquares += (d.real * d.real + d.imaginary * d.imaginary) / (mag * mag)
            let (wr, wi) = weights[i]
            for a in 0..<pf {
                let ga = jacobian[i * pf + a]
                for b in a..<pf {
                    let gb = jacobian[i * pf + b]
                    jtj[a * pf + b] += wr * wr * ga.real * gb.real + wi * wi * ga.imaginary * gb.imaginary
                }
            }
        }
        for a in 0..<pf { for b in 0..<a { jtj[a * pf + b] = jtj[b * pf + a] } }
        let dof = max(m - pf, 1)
        let reduced = chiSquare / Double(dof)
        var warnings: [String] = []
        let inverse = DenseLinearAlgebra.invertSymmetric(jtj, size: pf)
        var covariance = [[Double]](repeating: [Double](repeating: .nan, count: names.count), count: names.count)
        var errors = [Double](repeating: 0, count: names.count)
        var intervals = values.map { ($0, $0) }
        let t = StudentT.quantile975(degreesOfFreedom: dof)
        if let inv = inverse {
            for a in 0..<pf {
                for b in 0..<pf { covariance[free[a]][free[b]] = inv[a * pf + b] * reduced }
            }
            for (a, k) in free.enumerated() {
                let variance = inv[a * pf + a] * reduced
                errors[k] = variance > 0 ? variance.squareRoot() : .infinity
                intervals[k] = (values[k] - t * errors[k], values[k] + t * errors[k])
            }
        } else {
            for k in free { errors[k] = .infinity; intervals[k] = (-.infinity, .infinity) }
            warnings.append("JᵀWJ is singular: some parameters are not identifiable from this spectrum with this circuit")
        }
        var correlation = covariance
        for a in 0..<names.count {
            for b in 0..<names.count {
                let d = (covariance[a][a] * covariance[b][b]).squareRoot()
                correlation[a][b] = d > 0 ? covariance[a][b] / d : .nan
            }
        }
        for (ai, a) in free.enumerated() {
            for b in free[(ai + 1)...] where abs(correlation[a][b]) > 0.995 {
                warnings.append("\(names[a]) and \(names[b]) are almost interchangeable (correlation \(String(format: "%.4f", correlation[a][b])))")
            }
            let bound = bounds[a]
            let scale = max(abs(values[a]), 1e-300)
            if (bound.0.isFinite && abs(values[a] - bound.0) < 1e-6 * max(scale, abs(bound.0))) ||
                (bound.1.isFinite && abs(values[a] - bound.1) < 1e-6 * max(scale, abs(bound.1))) {
                warnings.append("\(names[a]) is at its bound; its error is not meaningful")
            }
            if errors[a].isFinite, errors[a] > abs(values[a]) {
                warnings.append("\(names[a]) has a standard error larger than its value")
            }
        }
        let likelihoodTerm = Double(m) * log(max(chiSquare, 1e-300) / Double(m))
        let k = Double(pf)
        return FitResult(circuit: circuit, names: names, values: values, isFixed: isFixed, standardErrors: errors,
                         confidence95: intervals, correlation: correlation, covariance: covariance, chiSquare: chiSquare,
                         reducedChiSquare: reduced, rmsRelative: (relSquares / Double(m)).squareRoot(),
                         aic: likelihoodTerm + 2 * k, bic: likelihoodTerm + k * log(Double(m)), evaluations: evaluations,
                         converged: converged, warnings: warnings, weighting: weighting, fitted: fitted)
    }
}

/// Student's t 97.5 % quantile (two-sided 95 % interval).
public enum StudentT {
    public static func quantile975(degreesOfFreedom v: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if v >= 1 && v <= 30 { return table[v - 1] }
        // Cornish–Fisher expansion about the normal quantile for larger v.
        let z = 1.959963984540054
        let g1 = (z * z * z + z) / 4
        let g2 = (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / 96
        let dv = Double(v)
        return z + g1 / dv + g2 / (dv * dv)
    }
}
