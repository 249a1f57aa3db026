import ArgumentParser
import FoundationEssentials
import Glibc
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
        var s = FFTImpedance.Settings()
        guard let m = PortExcitation.Mode(rawValue: mode) else { throw InputError(.commandLine, "--mode must be potentiostatic or galvanostatic") }
        guard let e = FFTImpedance.Excitation(rawValue: excitation) else { throw InputError(.commandLine, "--excitation must be multisine or sine") }
        guard let p = FFTImpedance.Phases(rawValue: phases) else { throw InputError(.commandLine, "--phases must be schroeder or random") }
        if let a = amplitude?.value, !(a > 0 && a.isFinite) { throw InputError(.commandLine, "--amplitude must be positive") }
        guard let start = FFTImpedance.Start(rawValue: after) else { throw InputError(.commandLine, "--after must be op, tran or experiment") }
        s.mode = m; s.excitation = e; s.phases = p; s.amplitude = amplitude?.value; s.start = start
        switch bias {
        case nil: s.biasAtOpenCircuit = start != .op
        case "ocv"?: s.biasAtOpenCircuit = true
        case let text?:
            guard let value = SINumber.parse(text), value.isFinite else { throw InputError(.commandLine, "--bias must be a number or 'ocv', got '\(text)'") }
            s.bias = value
        }
        s.minimumFrequency = fmin.value; s.maximumFrequency = fmax.value; s.pointsPerDecade = pointsPerDecade
        var circuit = try NetlistRun.prepare(path: netlist, parameters: ParameterAssignment.dictionary(parameters)).1
        let began = Date()
        let reporter = ProgressReporter(quiet: quiet).callback()
        circuit.stateOverrides = try NetlistRun.startingStates(circuit: circuit, after: start, progress: reporter)
        let r = try FFTImpedance.run(circuit: circuit, plus: port[0], minus: port[1], settings: s, progress: reporter.map { cb in { cb("eis", $0) } })
        let stem = "\(output)/\(URL(fileURLWithPath: netlist).deletingPathExtension().lastPathComponent)"
        try AtomicFile.write(FFTImpedance.csv(r), to: stem + ".eis.csv")
        if plot {
            let (n, b, ph) = FFTImpedance.charts(r, title: circuit.title)
            try AtomicFile.write(n, to: stem + ".nyquist.svg")
            try AtomicFile.write(b, to: stem + ".bode.svg")
            try AtomicFile.write(ph, to: stem + ".phase.svg")
        }
        var worst = 0.0
        for l in r.lines { if let ac = l.ac { worst = max(worst, (l.impedance - ac).length / ac.length) } }
        print(String(format: "%@: %d frequencies, %d periods simulated (%.3g s of cell time) in %.3f s; max |Z_FFT − Z_AC|/|Z_AC| = %.3e",
                     netlist, r.lines.count, r.periods, r.simulatedSeconds, Date().timeIntervalSince(began), worst))
        for w in r.warnings { print("warning: \(w)") }
    }
}
