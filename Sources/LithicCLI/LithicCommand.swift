import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic

/// `lithic`: the command-line program. Argument parsing, exit codes and progress only.
@main
struct LithicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lithic",
        abstract: "A circuit emulator for solid-state battery interfaces and memristors.",
        subcommands: [Run.self, Fit.self, Read.self, DRT.self, KK.self, EIS.self, CrossbarCommand.self, DevicesCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as InputError {
            StandardError.write("\(e)\n")
            Glibc.exit(2)
        } catch let e as SimulationError {
            StandardError.write("error: \(e)\n")
            Glibc.exit(1)
        } catch let e as ExitCode {
            Glibc.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            StandardError.write("\(fullMessage(for: error))\n")
            Glibc.exit(2)  // usage errors are input errors
        }
    }
}

/// Progress on stderr when it is a terminal, unless `--quiet`: one line, redrawn at most five
/// times a second, with what the analysis reports (simulated time and steps, cycle n of N), the
/// fraction done, the elapsed and the estimated remaining wall-clock time.
struct ProgressReporter {
    let enabled: Bool
    init(quiet: Bool) { enabled = !quiet && Self.stderrIsTerminal }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    final class State: @unchecked Sendable {
        var started = Date()
        var lastDraw = Date.distantPast
        var label = ""
    }

    /// `0:07`, `12:05`, `3:02:10`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// The progress line for `label` at `fraction` done after `elapsed` seconds.
    static func line(label: String, fraction: Double, elapsed: Double) -> String {
        let f = min(max(fraction.isFinite ? fraction : 0, 0), 1)
        let width = 24
        let filled = Int(f * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var text = "\(label) [\(bar)] \(String(format: "%5.1f", f * 100))%  \(clock(elapsed)) elapsed"
        if f >= 1 { return text }
        text += f > 0.002 && elapsed > 0.5 ? ", \(clock(elapsed * (1 - f) / f)) left" : ", – left"
        return text
    }

    func callback() -> ((String, Double) -> Void)? {
        guard enabled else { return nil }
        let state = State()
        return { label, fraction in
            let now = Date()
            let kind = label.split(separator: " ").first.map(String.init) ?? label
            if kind != state.label {
                // A new analysis: its own clock, and the previous line stays as it ended.
                if !state.label.isEmpty { StandardError.write("\n") }
                state.label = kind
                state.started = now
                state.lastDraw = .distantPast
            }
            guard fraction >= 1 || now.timeIntervalSince(state.lastDraw) >= 0.2 else { return }
            state.lastDraw = now
            StandardError.write("\r\u{1B}[K" + Self.line(label: label, fraction: fraction, elapsed: now.timeIntervalSince(state.started)))
            if fraction >= 1 { StandardError.write("\n"); state.label = "" }
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Simulate a netlist: every analysis it contains.")

    typealias Format = OutputWriters.RunFormat

    @Argument(help: "The netlist (ngspice dialect).") var netlist: String
    @Option(name: [.short, .customLong("output")], help: "Directory for the outputs.") var output: String?
    @Option(name: .customLong("raw"), help: "Also write an ngspice raw file here.") var rawPath: String?
    @Flag(help: "Write raw files in binary (default ASCII).") var binary = false
    @Option(help: "Output format for the per-analysis files.") var format: Format = .csv
    @Flag(help: "Write SVG plots of the saved vectors.") var plot = false
    @Flag(help: "No progress or summary on stderr.") var quiet = false
    @Flag(help: "Continue a cycling run (.experiment) from the checkpoint in the output folder.") var resume = false
    @Option(name: .customLong("param"), help: "Replace a top-level .param: NAME=VALUE (engineering suffixes allowed); repeatable.") var parameters: [ParameterAssignment] = []
    @Option(help: "Points of a .step/.mc sweep run at once (default: the number of cores).") var jobs: Int?

    func run() throws {
        // A netlist with .step/.mc cards runs every point (SweepWorkflow): exit 0, or 2 when a point failed.
        if let status = try SweepWorkflow.runIfSwept(path: netlist, parameters: ParameterAssignment.dictionary(parameters), output: output, jobs: jobs, quiet: quiet, plot: plot) { fflush(stdout); Glibc.exit(status) }
        var options = RunWorkflow.Options(netlist: netlist)
        options.parameters = ParameterAssignment.dictionary(parameters)
        options.outputDirectory = output
        options.resume = resume
        let prepared = try RunWorkflow.prepare(options)
        if !quiet { for w in prepared.warnings { StandardError.write("\(w)\n") } }
        let started = Date()
        Interruption.installHandler()
        let directory = options.directory
        let result = try RunWorkflow.simulate(prepared, progress: ProgressReporter(quiet: quiet).callback())
        if !quiet { for w in OutputWriters.unmatchedSaveWarnings(result) { StandardError.write("\(w)\n") } }
        let report = try OutputWriters.writeRun(result, directory: directory, format: format, binary: binary, plot: plot, rawPath: rawPath)
        print(report.console, terminator: "")
        for w in report.warnings { StandardError.write("\(w)\n") }
        if !quiet {
            StandardError.write(OutputWriters.runStatistics(result, name: URL(fileURLWithPath: netlist).deletingPathExtension().lastPathComponent,
                                                            seconds: Date().timeIntervalSince(started)) + "\n")
            for w in report.written { StandardError.write("wrote \(w)\n") }
        }
        if result.outcome.failure != nil, Interruption.isRequested {
            // Ctrl-C: say what was kept and how to go on, and leave as an interrupted program does.
            if ProgressReporter.stderrIsTerminal { StandardError.write("\r\u{1B}[K") }
            StandardError.write(OutputWriters.interruptionMessage(result, directory: directory, netlist: netlist,
                                                                  cycling: prepared.isCycling, format: format) + "\n")
            fflush(stdout)
            Glibc.exit(130)
        }
        if let failure = result.outcome.failure { throw failure }
        // Every output is written and closed: leave without tearing down the circuit and the
        // results object by object (tens of milliseconds for a large netlist).
        fflush(stdout)
        Glibc.exit(0)
    }
}

extension OutputWriters.RunFormat: ExpressibleByArgument {}

/// A command-line number that may carry an engineering suffix as in netlists (`1m` = 1e-3,
/// `10meg`, `2.5k`, `100n`); plain numbers and exponents work as usual.
struct Quantity: ExpressibleByArgument, CustomStringConvertible {
    var value: Double
    init(_ value: Double) { self.value = value }
    init?(argument: String) {
        guard let v = SINumber.parse(argument), v.isFinite else { return nil }
        value = v
    }
    var description: String { "\(value)" }
    var defaultValueDescription: String { "\(value)" }
}

/// `--param NAME=VALUE`: a value for a top-level `.param` of the netlist.
struct ParameterAssignment: ExpressibleByArgument {
    var name: String
    var value: Double
    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let v = SINumber.parse(parts[1].trimmingSpaces()), v.isFinite else { return nil }
        name = parts[0].trimmingSpaces().lowercased()
        value = v
    }
    static func dictionary(_ list: [ParameterAssignment]) -> [String: Double] {
        var d: [String: Double] = [:]
        for p in list { d[p.name] = p.value }
        return d
    }
}
