import FoundationEssentials
import LithicCore
import Elaboration
import Analyses

/// `lithic run` as a library call with plain options: read and elaborate the netlist (input
/// errors, with file, line and column, before any analysis runs), simulate every analysis, its
/// `.measure`, `.four`, `.eis` and `.experiment` cards (`NetlistRun`), and report where the
/// outputs go. Results are in SI units as the analyses produce them.
public enum RunWorkflow {
    public struct Options: Sendable {
        public var netlist: String
        /// Values replacing top-level `.param`s (lower-case names).
        public var parameters: [String: Double] = [:]
        /// Output directory; nil: `NAME.out` for netlist `NAME.cir`, in the working directory.
        public var outputDirectory: String?
        /// Continue a cycling run (`.experiment`) from the checkpoint in the output directory.
        public var resume = false
        public init(netlist: String) { self.netlist = netlist }
        /// The directory the outputs go to.
        public var directory: String { outputDirectory ?? OutputWriters.fileStem(netlist) + ".out" }
    }

    /// An elaborated netlist, ready to simulate.
    public struct Prepared {
        public var options: Options
        public var circuit: Circuit
        /// Everything accepted but not modelled, as `file:line:column: warning: …` lines.
        public var warnings: [String] { circuit.warnings.map { "\($0)" } }
        /// The netlist has `.experiment` cards (a cycling run, which keeps a checkpoint).
        public var isCycling: Bool { !circuit.experiments.isEmpty }
        public var title: String { circuit.title }
    }

    public static func prepare(_ o: Options) throws -> Prepared {
        Prepared(options: o, circuit: try NetlistRun.prepare(path: o.netlist, parameters: o.parameters).1)  // the syntax tree is freed here
    }

    /// Simulates. A simulation failure (or Ctrl-C, `Interruption`) is in the result's
    /// `outcome.failure`, with whatever was computed before it.
    public static func simulate(_ p: Prepared, progress: ((String, Double) -> Void)? = nil) throws -> NetlistRun {
        try NetlistRun.simulate(circuit: p.circuit, progress: progress,
                                checkpointStem: p.isCycling ? "\(p.options.directory)/cycler" : nil, resume: p.options.resume)
    }
}
