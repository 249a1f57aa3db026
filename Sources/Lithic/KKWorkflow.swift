import FoundationEssentials
import LithicCore
import Fitting
import Spectroscopy

/// Kramers–Kronig validation of a measured spectrum as `lithic kk` runs it: lin-KK (Schönleber
/// et al. 2014) with the downward search for the number of RC elements M, the verdict against a
/// residual threshold relative to |Z|, and for a failing spectrum the diagnosis of where the
/// offending points lie and the test repeated without them. Frequencies in Hz, impedances in Ω.
public enum KKWorkflow {
    public struct Options: Sendable {
        /// The spectrum file (any layout `lithic read` knows; FILE#N selects one spectrum).
        public var file: String
        /// μ cut-off c of the M search, in (0, 1).
        public var cutoff = 0.85
        /// Largest |Δ|/|Z| of a passing spectrum.
        public var threshold = 0.01
        /// Series capacitance and inductance in the lin-KK model.
        public var capacitance = true
        public var inductance = true
        /// Largest M to try (nil: N − series elements).
        public var maximumElements: Int?
        public init(file: String) { self.file = file }
    }

    public struct Result: Sendable {
        public var options: Options
        public var spectrum: Spectrum
        public var test: KramersKronigTest
        /// Only for a failing spectrum (nil when it passes).
        public var diagnosis: KramersKronigDiagnosis?
        public var passes: Bool { test.passes(threshold: options.threshold) }
    }

    public static func run(_ o: Options) throws -> Result {
        guard o.cutoff > 0, o.cutoff < 1 else { throw InputError(.commandLine, "--cutoff must be in (0, 1)") }
        guard o.threshold > 0, o.threshold.isFinite else { throw InputError(.commandLine, "--threshold must be positive") }
        if let m = o.maximumElements, m < 1 { throw InputError(.commandLine, "--max-elements must be at least 1") }
        let s = try FitWorkflow.load(o.file, dropInductive: false)
        let r = try KramersKronigTest.run(frequencies: s.frequencies, impedances: s.impedances, cutoff: o.cutoff,
                                          maximumElements: o.maximumElements, capacitance: o.capacitance, inductance: o.inductance)
        let d = try KramersKronigDiagnosis.diagnose(frequencies: s.frequencies, impedances: s.impedances, result: r, threshold: o.threshold,
                                                    cutoff: o.cutoff, capacitance: o.capacitance, inductance: o.inductance)
        return Result(options: o, spectrum: s, test: r, diagnosis: d)
    }
}
