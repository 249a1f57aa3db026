import ArgumentParser
import Lithic

struct EIS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eis",
        abstract: "Impedance spectrum of a netlist port from simulated transients (FFT), compared with AC analysis.")

    @Argument(help: "The netlist.") var netlist: String
    @Option(parsing: .upToNextOption, help: "The two port nodes: PLUS MINUS.") var port: [String] = []
    @Option(help: "potentiostatic or galvanostatic.") var mode: String = "potentiostatic"
    @Option(help: "DC bias (V, or A galvanostatic), or 'ocv' for the port's open-circuit voltage; default 0, or ocv with --after.") var bias: String?
    @Option(help: "Start from the operating point (op), or from the states left by the netlist's .tran (tran) or .experiment (experiment).") var after: String = "op"
    @Option(help: "Excitation amplitude (V, or A); default 10 mV or its galvanostatic equivalent.") var amplitude: Quantity?
    @Option(help: "Lowest frequency (Hz).") var fmin = Quantity(0.1)
    @Option(help: "Highest frequency (Hz).") var fmax = Quantity(1e5)
    @Option(help: "Points per decade.") var pointsPerDecade: Double = 10
    @Option(help: "multisine or sine.") var excitation: String = "multisine"
    @Option(help: "Multisine phases: schroeder or random.") var phases: String = "schroeder"
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "eis.out"
    @Flag(help: "Write Nyquist and Bode SVG plots.") var plot = false
    @Flag(help: "No progress on stderr.") var quiet = false
    @Option(name: .customLong("param"), help: "Replace a top-level .param: NAME=VALUE; repeatable.") var parameters: [ParameterAssignment] = []

    func run() throws {
        guard port.count == 2 else { throw InputError(.commandLine, "--port needs two nodes: PLUS MINUS") }
        var o = EISWorkflow.Options(netlist: netlist, plus: port[0], minus: port[1])
        o.mode = mode; o.excitation = excitation; o.phases = phases; o.after = after; o.amplitude = amplitude?.value
        switch bias {
        case nil: o.bias = .automatic
        case "ocv"?: o.bias = .openCircuit
        case let text?:
            guard let value = SINumber.parse(text), value.isFinite else { throw InputError(.commandLine, "--bias must be a number or 'ocv', got '\(text)'") }
            o.bias = .value(value)
        }
        o.minimumFrequency = fmin.value; o.maximumFrequency = fmax.value; o.pointsPerDecade = pointsPerDecade
        o.parameters = ParameterAssignment.dictionary(parameters)
        let r = try EISWorkflow.run(o, progress: ProgressReporter(quiet: quiet).callback())
        try OutputWriters.write(OutputWriters.eisFiles(r, plot: plot), in: output)
        print(OutputWriters.eisSummary(r))
    }
}
