import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic

struct DRT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drt",
        abstract: "Distribution of relaxation times of a measured spectrum (Tikhonov, non-negative).")

    @Argument(help: "Spectrum file.") var file: String
    @Option(help: "Basis: gaussian or pwl.") var basis: String = "gaussian"
    @Option(help: "Regularisation choice: gcv or lcurve.") var select: String = "gcv"
    @Option(help: "Fixed regularisation parameter λ (overrides --select).") var lambda: Double?
    @Option(help: "Grid points per decade of τ.") var pointsPerDecade: Double = 10
    @Flag(help: "Drop inductive points (Z'' > 0) first.") var dropInductive = false
    @Option(help: "Series inductance L as an unknown: auto (when there are inductive points), on or off.") var inductance: String = "auto"
    @Option(help: "Order of the derivative the Tikhonov penalty acts on: 2 (default) or 1 (pyDRTtools' default).") var derivative: Int = 2
    @Option(help: "Extend the τ grid beyond the measured range 1/(2πf_max)…1/(2πf_min) by this many decades on each side (0–3).") var tauMargin: Double = 0
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "drt.out"
    @Flag(help: "Write an SVG plot of γ(τ).") var plot = false

    func run() throws {
        guard let b = DistributionOfRelaxationTimes.Basis(rawValue: basis) else { throw InputError(.commandLine, "--basis must be gaussian or pwl") }
        guard let s = DistributionOfRelaxationTimes.Selection(rawValue: select) else { throw InputError(.commandLine, "--select must be gcv or lcurve") }
        guard let ind = DistributionOfRelaxationTimes.SeriesInductance(rawValue: inductance) else { throw InputError(.commandLine, "--inductance must be auto, on or off") }
        guard derivative == 1 || derivative == 2 else { throw InputError(.commandLine, "--derivative must be 1 or 2") }
        guard tauMargin >= 0, tauMargin <= 3 else { throw InputError(.commandLine, "--tau-margin must be 0 to 3 decades") }
        guard pointsPerDecade >= 2, pointsPerDecade <= 100 else { throw InputError(.commandLine, "--points-per-decade must be in [2, 100]") }
        if let l = lambda, !(l > 0 && l.isFinite) { throw InputError(.commandLine, "--lambda must be positive") }
        let spectrum = try FitWorkflow.load(file, dropInductive: dropInductive)
        let d = try DistributionOfRelaxationTimes.compute(frequencies: spectrum.frequencies, impedances: spectrum.impedances, basis: b,
                                                         selection: s, lambda: lambda, pointsPerDecade: pointsPerDecade,
                                                         inductance: ind, tauMarginDecades: tauMargin, penaltyOrder: derivative)
        let stem = "\(output)/\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)"
        var csv = "tau,frequency,gamma\n"
        for (t, g) in zip(d.tau, d.gamma) { csv += String(format: "%.8e,%.8e,%.8e\n", t, 1 / (2 * Double.pi * t), g) }
        try AtomicFile.write(csv, to: stem + ".drt.csv")
        var peaks = "tau,frequency,resistance,height\n"
        for p in d.peaks { peaks += String(format: "%.6e,%.6e,%.6e,%.6e\n", p.tau, p.frequency, p.resistance, p.height) }
        try AtomicFile.write(peaks, to: stem + ".drt-peaks.csv")
        print(String(format: "%@: λ = %.3e (%@), R∞ = %.6g Ω, L = %@, rms relative residual %.3e", file, d.lambda, lambda == nil ? select : "fixed",
                     d.seriesResistance, d.inductanceIncluded ? String(format: "%.4g H", d.inductance) : "not in the model", d.rmsRelative))
        print(String(format: "  τ grid %.4e s … %.4e s: the measured range 1/(2πf) extended by %g decade%@ on each side", d.tauRange.lower, d.tauRange.upper,
                     d.tauMarginDecades, d.tauMarginDecades == 1 ? "" : "s"))
        for p in d.peaks { print(String(format: "  peak τ = %.4e s (f = %.4e Hz), R = %.5g Ω", p.tau, p.frequency, p.resistance)) }
        let peakList = d.peaks.map { p in
            "{\"tau\": \(KKDRTJSON.number(p.tau)), \"frequency\": \(KKDRTJSON.number(p.frequency)), \"resistance\": \(KKDRTJSON.number(p.resistance)), \"height\": \(KKDRTJSON.number(p.height))}"
        }
        try AtomicFile.write(KKDRTJSON.object([
            ("file", KKDRTJSON.string(file)), ("points", "\(spectrum.count)"), ("lambda", KKDRTJSON.number(d.lambda)),
            ("selection", KKDRTJSON.string(lambda == nil ? select : "fixed")), ("series_resistance", KKDRTJSON.number(d.seriesResistance)),
            ("inductance", d.inductanceIncluded ? KKDRTJSON.number(d.inductance) : "null"),
            ("tau_min", KKDRTJSON.number(d.tauRange.lower)), ("tau_max", KKDRTJSON.number(d.tauRange.upper)),
            ("tau_margin_decades", KKDRTJSON.number(d.tauMarginDecades)), ("rms_relative", KKDRTJSON.number(d.rmsRelative)),
            ("peaks", "[" + peakList.joined(separator: ", ") + "]"),
        ]), to: stem + ".drt.json")
        if plot {
            var chart = LineChart(title: "DRT: \(URL(fileURLWithPath: file).lastPathComponent)", xLabel: "τ (s)", yLabel: "γ (Ω)", logX: true)
            chart.series.append(.init(name: "γ(τ)", x: d.tau, y: d.gamma))
            try AtomicFile.write(chart.svg(), to: stem + ".drt.svg")
        }
    }
}
