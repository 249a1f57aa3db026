import ArgumentParser
import Lithic

struct KK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kk",
        abstract: "Kramers-Kronig validation of a spectrum (lin-KK, Schönleber 2014, downward search for M).")

    @Argument(help: "Spectrum file.") var file: String
    @Option(help: "μ cut-off c.") var cutoff: Double = 0.85
    @Option(help: "Residual threshold for the verdict (relative to |Z|).") var threshold: Double = 0.01
    @Flag(help: "Leave out the series capacitance.") var noCapacitance = false
    @Flag(help: "Leave out the series inductance.") var noInductance = false
    @Option(help: "Largest number of RC elements M to try (default and ceiling: N − series elements, what N points support).") var maxElements: Int?
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "kk.out"
    @Flag(help: "Write an SVG plot of the residuals.") var plot = false

    func run() throws {
        var o = KKWorkflow.Options(file: file)
        o.cutoff = cutoff; o.threshold = threshold; o.capacitance = !noCapacitance; o.inductance = !noInductance; o.maximumElements = maxElements
        let r = try KKWorkflow.run(o)
        try OutputWriters.write(OutputWriters.kkFiles(r, plot: plot), in: output)
        print(OutputWriters.kkSummary(r))
        if !r.passes { throw ExitCode(3) }
    }
}
