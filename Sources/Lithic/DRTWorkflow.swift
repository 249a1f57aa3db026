import FoundationEssentials
import LithicCore
import Fitting
import Spectroscopy

/// The distribution of relaxation times of a measured spectrum as `lithic drt` computes it:
/// Tikhonov-regularised non-negative least squares on a τ grid (Gaussian or piecewise-linear
/// basis), λ by generalised cross-validation, the L-curve or given; optional series inductance.
/// τ in s, γ and resistances in Ω, inductance in H.
public enum DRTWorkflow {
    public struct Options: Sendable {
        public var file: String
        /// `gaussian` or `pwl`; `gcv` or `lcurve`; `auto`, `on` or `off`.
        public var basis = "gaussian"
        public var selection = "gcv"
        public var inductance = "auto"
        /// A fixed λ (overrides `selection`).
        public var lambda: Double?
        public var pointsPerDecade = 10.0
        public var dropInductive = false
        /// Order of the derivative the penalty acts on (1 or 2).
        public var derivative = 2
        /// Decades the τ grid extends beyond 1/(2πf_max)…1/(2πf_min) on each side (0–3).
        public var tauMargin = 0.0
        public init(file: String) { self.file = file }
    }

    public struct Result: Sendable {
        public var options: Options
        public var spectrum: Spectrum
        public var distribution: DistributionOfRelaxationTimes
        /// `gcv`, `lcurve`, or `fixed` when λ was given.
        public var selection: String { options.lambda == nil ? options.selection : "fixed" }
        /// The frequency 1/(2πτ) of every grid point (Hz).
        public var frequencies: [Double] { distribution.tau.map { 1 / (2 * Double.pi * $0) } }
    }

    public static func run(_ o: Options) throws -> Result {
        guard let b = DistributionOfRelaxationTimes.Basis(rawValue: o.basis) else { throw InputError(.commandLine, "--basis must be gaussian or pwl") }
        guard let s = DistributionOfRelaxationTimes.Selection(rawValue: o.selection) else { throw InputError(.commandLine, "--select must be gcv or lcurve") }
        guard let ind = DistributionOfRelaxationTimes.SeriesInductance(rawValue: o.inductance) else { throw InputError(.commandLine, "--inductance must be auto, on or off") }
        guard o.derivative == 1 || o.derivative == 2 else { throw InputError(.commandLine, "--derivative must be 1 or 2") }
        guard o.tauMargin >= 0, o.tauMargin <= 3 else { throw InputError(.commandLine, "--tau-margin must be 0 to 3 decades") }
        guard o.pointsPerDecade >= 2, o.pointsPerDecade <= 100 else { throw InputError(.commandLine, "--points-per-decade must be in [2, 100]") }
        if let l = o.lambda, !(l > 0 && l.isFinite) { throw InputError(.commandLine, "--lambda must be positive") }
        let spectrum = try FitWorkflow.load(o.file, dropInductive: o.dropInductive)
        let d = try DistributionOfRelaxationTimes.compute(frequencies: spectrum.frequencies, impedances: spectrum.impedances, basis: b,
                                                         selection: s, lambda: o.lambda, pointsPerDecade: o.pointsPerDecade,
                                                         inductance: ind, tauMarginDecades: o.tauMargin, penaltyOrder: o.derivative)
        return Result(options: o, spectrum: spectrum, distribution: d)
    }
}
