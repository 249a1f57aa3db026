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
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "drt.out"
    @Flag(help: "Write an SVG plot of γ(τ).") var plot = false

    func run() throws {
        guard let b = DistributionOfRelaxationTimes.Basis(rawValue: basis) else { throw InputError(.commandLine, "--basis must be gaussian or pwl") }
        guard let s = DistributionOfRelaxationTimes.Selection(rawValue: select) else { throw InputError(.commandLine, "--select must be gcv or lcurve") }
        guard pointsPerDecade >= 2, pointsPerDecade <= 100 else { throw InputError(.commandLine, "--points-per-decade must be in [2, 100]") }
        if let l = lambda, !(l > 0 && l.isFinite) { throw InputError(.commandLine, "--lambda must be positive") }
        let spectrum = try FitWorkflow.load(file, dropInductive: dropInductive)
        let d = try DistributionOfRelaxationTimes.compute(frequencies: spectrum.frequencies, impedances: spectrum.impedances, basis: b,
                                                         selection: s, lambda: lambda, pointsPerDecade: pointsPerDecade)
        let stem = "\(output)/\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)"
        var csv = "tau,frequency,gamma\n"
        for (t, g) in zip(d.tau, d.gamma) { csv += String(format: "%.8e,%.8e,%.8e\n", t, 1 / (2 * Double.pi * t), g) }
        try AtomicFile.write(csv, to: stem + ".drt.csv")
        var peaks = "tau,frequency,resistance,height\n"
        for p in d.peaks { peaks += String(format: "%.6e,%.6e,%.6e,%.6e\n", p.tau, p.frequency, p.resistance, p.height) }
        try AtomicFile.write(peaks, to: stem + ".drt-peaks.csv")
        print(String(format: "%@: λ = %.3e (%@), R∞ = %.6g Ω, L = %.3g H, rms relative residual %.3e", file, d.lambda, lambda == nil ? select : "fixed",
                     d.seriesResistance, d.inductance, d.rmsRelative))
        for p in d.peaks { print(String(format: "  peak τ = %.4e s (f = %.4e Hz), R = %.5g Ω", p.tau, p.frequency, p.resistance)) }
        if plot {
            var chart = LineChart(title: "DRT: \(URL(fileURLWithPath: file).lastPathComponent)", xLabel: "τ (s)", yLabel: "γ (Ω)", logX: true)
            chart.series.append(.init(name: "γ(τ)", x: d.tau, y: d.gamma))
            try AtomicFile.write(chart.svg(), to: stem + ".drt.svg")
        }
    }
}
