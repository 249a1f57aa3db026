import ComplexModule
import FoundationEssentials
import LithicCore
import Elaboration
import Analyses

/// Electrochemical impedance of a netlist port as `lithic eis` measures it: the circuit is
/// excited about its DC bias by a multisine or stepped sines, the port's voltage and current are
/// simulated to a periodic steady state, and Z(f) is their FFT ratio (`FFTImpedance`), compared
/// with the small-signal AC impedance at the same bias. Frequencies in Hz, bias and amplitude in
/// V (potentiostatic) or A (galvanostatic), impedances in Ω.
public enum EISWorkflow {
    /// The DC operating point of the measurement.
    public enum Bias: Sendable, Equatable {
        /// 0, or the open-circuit voltage when the measurement starts after `.tran`/`.experiment`.
        case automatic
        /// The port's open-circuit voltage where the measurement starts.
        case openCircuit
        /// This bias (V, or A galvanostatic).
        case value(Double)
    }

    public struct Options: Sendable {
        public var netlist: String
        /// The port: its two nodes.
        public var plus: String
        public var minus: String
        /// `potentiostatic` or `galvanostatic`; `multisine` or `sine`; `schroeder` or `random`;
        /// start at `op`, or after the netlist's `tran` or `experiment`.
        public var mode = "potentiostatic"
        public var excitation = "multisine"
        public var phases = "schroeder"
        public var after = "op"
        public var bias = Bias.automatic
        /// Excitation amplitude; nil: 10 mV or its galvanostatic equivalent.
        public var amplitude: Double?
        public var minimumFrequency = 0.1
        public var maximumFrequency = 1e5
        public var pointsPerDecade = 10.0
        /// Values for top-level `.param`s (lower-case names).
        public var parameters: [String: Double] = [:]
        public init(netlist: String, plus: String, minus: String) { self.netlist = netlist; self.plus = plus; self.minus = minus }
    }

    public struct Result: Sendable {
        public var options: Options
        /// The netlist's title line.
        public var title: String
        public var spectrum: FFTImpedance.Result
        /// Wall-clock time of the measurement (starting states and transients), s.
        public var seconds: Double
        /// Largest |Z_FFT − Z_AC|/|Z_AC| over the lines that have an AC value.
        public var maximumRelativeDifferenceToAC: Double {
            var worst = 0.0
            for l in spectrum.lines { if let ac = l.ac { worst = max(worst, (l.impedance - ac).length / ac.length) } }
            return worst
        }
    }

    /// Reads and elaborates the netlist, runs what the start needs (the netlist's `.tran` or
    /// `.experiment`), then the FFT measurement. `progress(label, fraction)` as for `lithic run`.
    public static func run(_ o: Options, progress: ((String, Double) -> Void)? = nil) throws -> Result {
        var s = FFTImpedance.Settings()
        guard let m = PortExcitation.Mode(rawValue: o.mode) else { throw InputError(.commandLine, "--mode must be potentiostatic or galvanostatic") }
        guard let e = FFTImpedance.Excitation(rawValue: o.excitation) else { throw InputError(.commandLine, "--excitation must be multisine or sine") }
        guard let p = FFTImpedance.Phases(rawValue: o.phases) else { throw InputError(.commandLine, "--phases must be schroeder or random") }
        if let a = o.amplitude, !(a > 0 && a.isFinite) { throw InputError(.commandLine, "--amplitude must be positive") }
        guard let start = FFTImpedance.Start(rawValue: o.after) else { throw InputError(.commandLine, "--after must be op, tran or experiment") }
        s.mode = m; s.excitation = e; s.phases = p; s.amplitude = o.amplitude; s.start = start
        switch o.bias {
        case .automatic: s.biasAtOpenCircuit = start != .op
        case .openCircuit: s.biasAtOpenCircuit = true
        case .value(let v):
            guard v.isFinite else { throw InputError(.commandLine, "--bias must be finite") }
            s.bias = v
        }
        s.minimumFrequency = o.minimumFrequency; s.maximumFrequency = o.maximumFrequency; s.pointsPerDecade = o.pointsPerDecade
        var circuit = try NetlistRun.prepare(path: o.netlist, parameters: o.parameters).1
        let began = Date()
        circuit.stateOverrides = try NetlistRun.startingStates(circuit: circuit, after: start, progress: progress)
        let r = try FFTImpedance.run(circuit: circuit, plus: o.plus, minus: o.minus, settings: s, progress: progress.map { cb in { cb("eis", $0) } })
        return Result(options: o, title: circuit.title, spectrum: r, seconds: Date().timeIntervalSince(began))
    }
}
