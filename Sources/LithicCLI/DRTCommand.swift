import ArgumentParser
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
        var o = DRTWorkflow.Options(file: file)
        o.basis = basis; o.selection = select; o.inductance = inductance; o.lambda = lambda; o.pointsPerDecade = pointsPerDecade
        o.dropInductive = dropInductive; o.derivative = derivative; o.tauMargin = tauMargin
        let r = try DRTWorkflow.run(o)
        print(OutputWriters.drtSummary(r))
        try OutputWriters.write(OutputWriters.drtFiles(r, plot: plot), in: output)
    }
}
