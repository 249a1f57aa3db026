import Glibc

/// The statistical functions of netlist expressions, as the ngspice manual defines them
/// (§2.8.6 "Statistical functions", §22.2 "Using random param(eters)"), plus a log-normal:
///
/// | function | value drawn | Z ~ N(0, 1), U ~ U[-1, 1) |
/// |---|---|---|
/// | `agauss(nom, avar, sigma)` | `nom + avar/sigma · Z` | absolute standard deviation `avar` at `sigma` sigmas |
/// | `gauss(nom, rvar, sigma)` | `nom + nom·rvar/sigma · Z` | relative standard deviation |
/// | `aunif(nom, avar)` | `nom + avar · U` | absolute half-width |
/// | `unif(nom, rvar)` | `nom + nom·rvar · U` | relative half-width |
/// | `lognormal(nom, rvar, sigma)` | `nom · exp(rvar/sigma · Z)` | median `nom`, σ of ln(value) = `rvar/sigma` (Lithic) |
///
/// A draw happens only while a `StatisticalSampler` is bound (`StatisticalSampler.$current`),
/// which Lithic's Monte Carlo runner (`.mc`) does around the elaboration of each run; every
/// occurrence of a function evaluated is a new draw, so an instance parameter written
/// `{agauss(1k, 100, 1)}` gets its own value in every instance (and every subcircuit copy), while
/// a `.param` is evaluated once per scope (ngspice does the same). Outside a Monte Carlo run the
/// functions return `nom`. This differs from ngspice, which always draws (from seed 1 unless
/// `.options seed=` or `setseed` says otherwise): Lithic's ordinary runs stay deterministic.
public enum StatisticalFunction: String, Sendable, CaseIterable {
    case agauss, gauss, aunif, unif, lognormal

    /// Number of arguments ngspice requires.
    public var arity: Int {
        switch self {
        case .agauss, .gauss, .lognormal: return 3
        case .aunif, .unif: return 2
        }
    }

    /// The value for arguments `a` and one uniform variate `u` in (0, 1) (transformed by the
    /// inverse CDF, so a Latin-hypercube stratum maps to a stratum of the distribution).
    public func value(_ a: [Double], uniform u: Double) -> Double {
        let nominal = a.first ?? 0
        switch self {
        case .agauss: return nominal + a[1] / a[2] * StatisticalSampler.inverseNormal(u)
        case .gauss: return nominal + nominal * a[1] / a[2] * StatisticalSampler.inverseNormal(u)
        case .aunif: return nominal + a[1] * (2 * u - 1)
        case .unif: return nominal + nominal * a[1] * (2 * u - 1)
        case .lognormal: return nominal * exp(a[1] / a[2] * StatisticalSampler.inverseNormal(u))
        }
    }
}

/// The source of random variates for one Monte Carlo run: a SplitMix64 stream seeded with the
/// run's seed, optionally stratified by a shared Latin-hypercube design (the k-th draw of run i
/// falls in stratum π_k(i) of N equal-probability strata, π_k a seeded permutation).
///
/// Used by one elaboration at a time (one thread); the design it may share is locked.
public final class StatisticalSampler: @unchecked Sendable {
    /// The sampler the expression compiler draws from; nil (nominal values) unless a Monte Carlo
    /// run binds one with `StatisticalSampler.$current.withValue(sampler) { … }`.
    @TaskLocal public static var current: StatisticalSampler?

    private var generator: SplitMix64
    private let design: LatinHypercubeDesign?
    private let run: Int
    /// Number of variates drawn so far.
    public private(set) var draws = 0

    /// - Parameters:
    ///   - seed: this run's seed.
    ///   - run: the run's index (0-based) in a Latin-hypercube design.
    public init(seed: UInt64, run: Int = 0, design: LatinHypercubeDesign? = nil) {
        generator = SplitMix64(seed: seed)
        self.design = design
        self.run = run
    }

    /// A uniform variate in (0, 1), never exactly 0 or 1.
    public func nextUniform() -> Double {
        defer { draws += 1 }
        let v = (Double(generator.next() >> 11) + 0.5) * 0x1.0p-53
        guard let design else { return v }
        return (Double(design.stratum(dimension: draws, run: run)) + v) / Double(design.runs)
    }

    /// One draw of `function` with arguments `arguments`.
    public func draw(_ function: StatisticalFunction, _ arguments: [Double]) -> Double {
        function.value(arguments, uniform: nextUniform())
    }

    /// The standard normal quantile Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation
    /// (relative error 1.15e-9) refined by one Halley step on erfc, to about 1e-15.
    public static func inverseNormal(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement: e = Φ(x) − p, Φ(x) = erfc(−x/√2)/2.
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// A Latin-hypercube design over `runs` runs (McKay, Beckman & Conover 1979,
/// doi:10.1080/00401706.1979.10489755): for every dimension (the k-th statistical draw of a
/// run) a permutation of the strata 0…runs−1, made on first use from the seed and the
/// dimension by a Fisher–Yates shuffle, so that the design is the same whatever order or thread
/// the runs are elaborated in.
public final class LatinHypercubeDesign: @unchecked Sendable {
    public let runs: Int
    private let seed: UInt64
    private var permutations: [Int: [Int]] = [:]
    private let lock = Lock()

    public init(runs: Int, seed: UInt64) {
        self.runs = max(runs, 1)
        self.seed = seed
    }

    /// The stratum of `run` in `dimension`.
    public func stratum(dimension: Int, run: Int) -> Int {
        lock.withLock {
            if let p = permutations[dimension] { return p[min(max(run, 0), runs - 1)] }
            var g = SplitMix64(seed: seed ^ (0xD1B54A32D192ED03 &* UInt64(dimension + 1)))
            var p = Array(0..<runs)
            if runs > 1 {
                for i in stride(from: runs - 1, to: 0, by: -1) {
                    let j = Int(g.next() % UInt64(i + 1))
                    p.swapAt(i, j)
                }
            }
            permutations[dimension] = p
            return p[min(max(run, 0), runs - 1)]
        }
    }
}
