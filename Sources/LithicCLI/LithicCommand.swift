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
    init(quiet: Bool) { enabled = !quiet && isatty(2) == 1 }

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

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, raw, json }

    @Argument(help: "The netlist (ngspice dialect).") var netlist: String
    @Option(name: [.short, .customLong("output")], help: "Directory for the outputs.") var output: String?
    @Option(name: .customLong("raw"), help: "Also write an ngspice raw file here.") var rawPath: String?
    @Flag(help: "Write raw files in binary (default ASCII).") var binary = false
    @Option(help: "Output format for the per-analysis files.") var format: Format = .csv
    @Flag(help: "Write SVG plots of the saved vectors.") var plot = false
    @Flag(help: "No progress or summary on stderr.") var quiet = false
    @Flag(help: "Continue a cycling run (.experiment) from the checkpoint in the output folder.") var resume = false
    @Option(name: .customLong("param"), help: "Replace a top-level .param: NAME=VALUE (engineering suffixes allowed); repeatable.") var parameters: [ParameterAssignment] = []

    func run() throws {
        let circuit = try NetlistRun.prepare(path: netlist, parameters: ParameterAssignment.dictionary(parameters)).1  // the syntax tree is freed here
        if !quiet { for w in circuit.warnings { StandardError.write("\(w)\n") } }
        let started = Date()
        Interruption.installHandler()
        let directory = output ?? URL(fileURLWithPath: netlist).deletingPathExtension().lastPathComponent + ".out"
        let result = try NetlistRun.simulate(circuit: circuit, progress: ProgressReporter(quiet: quiet).callback(),
                                             checkpointStem: circuit.experiments.isEmpty ? nil : "\(directory)/cycler", resume: resume)
        let base = URL(fileURLWithPath: netlist).deletingPathExtension().lastPathComponent
        var written: [String] = []
        var kindCount: [String: Int] = [:]
        let plots = result.outcome.plots.map { result.filtered($0) }
        if !quiet {
            // A `.save`/`.print` name that no analysis produced (a typo, or ngspice's @device[param]).
            let produced = Set(result.outcome.plots.flatMap { $0.vectors.map(\.name) })
            for name in result.savedNames().sorted() where name != "v(all)" && !produced.contains(name) && !result.outcome.plots.isEmpty {
                let hint = name.hasPrefix("@") ? " (of ngspice's @device[…] parameters Lithic outputs only the current [i] of devices whose current follows from the solution: resistors, memristors, behavioural sources, inductors)" : ""
                StandardError.write("warning: .save/.print '\(name)' matches no vector of any analysis\(hint)\n")
            }
        }
        for plot in plots {
            kindCount[plot.kind, default: 0] += 1
            let n = kindCount[plot.kind] ?? 1
            let stem = "\(directory)/\(plot.kind)\(n > 1 ? "\(n)" : "")\(plot.isComplete ? "" : ".partial")"
            if plot.isComplete {
                // A complete result replaces what an interrupted run left.
                for ext in ["csv", "json", "raw"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(plot.kind)\(n > 1 ? "\(n)" : "").partial.\(ext)") }
            }
            switch format {
            case .csv:
                try AtomicFile.write(OutputWriters.csv(plot), to: stem + ".csv"); written.append(stem + ".csv")
            case .json:
                try AtomicFile.write(OutputWriters.json(plot), to: stem + ".json"); written.append(stem + ".json")
            case .raw:
                try AtomicFile.write(RawFile.write([plot], title: circuit.title, binary: binary), to: stem + ".raw"); written.append(stem + ".raw")
            }
            if plot.kind == "op" {
                print("Operating point:")
                for v in plot.vectors { print("  \(v.name) = \(v.real.first ?? .nan)") }
            }
            if plot.kind == "tf" || plot.kind == "noiseint" {
                for v in plot.vectors { print(String(format: "%@ = %e", v.name, v.real.first ?? .nan)) }
            }
            if self.plot {
                for (suffix, svg) in OutputWriters.charts(plot, title: circuit.title, names: result.savedNames()) {
                    try AtomicFile.write(svg, to: stem + suffix + ".svg"); written.append(stem + suffix + ".svg")
                }
            }
        }
        if let rawPath {
            try AtomicFile.write(RawFile.write(plots, title: circuit.title, binary: binary), to: rawPath)
            written.append(rawPath)
        }
        for m in result.measures {
            if let v = m.value { print("\(m.name) = \(String(format: "%.6e", v))") } else { print("\(m.name) = failed (\(m.message ?? ""))") }
        }
        if !result.fourier.isEmpty {
            for f in result.fourier {
                print("Fourier analysis for \(f.vector):")
                print(String(format: "  No. Harmonics: %d, THD: %g %%, Gridsize: %d, Interpolation Degree: 1\n", f.harmonics.count, f.totalHarmonicDistortion, f.gridSize))
                print("Harmonic Frequency   Magnitude   Phase       Norm. Mag   Norm. Phase")
                print("-------- ---------   ---------   -----       ---------   -----------")
                for h in f.harmonics {
                    print(String(format: " %-7d %-11g %-11g %-11g %-11g %-11g", h.index, h.frequency, h.magnitude, h.phase, h.normalizedMagnitude, h.normalizedPhase))
                }
                print("")
            }
            try AtomicFile.write(OutputWriters.fourierJSON(result.fourier), to: "\(directory)/fourier.json")
            written.append("\(directory)/fourier.json")
        }
        for failure in result.fourierFailures { StandardError.write("warning: \(failure)\n") }
        for (k, spectrum) in result.impedanceSpectra.enumerated() {
            let stem = "\(directory)/eis\(k > 0 ? "\(k + 1)" : "")"
            try AtomicFile.write(FFTImpedance.csv(spectrum), to: stem + ".csv"); written.append(stem + ".csv")
            if self.plot {
                let (n, b, ph) = FFTImpedance.charts(spectrum, title: circuit.title)
                try AtomicFile.write(n, to: stem + "-nyquist.svg"); written.append(stem + "-nyquist.svg")
                try AtomicFile.write(b, to: stem + "-bode.svg"); written.append(stem + "-bode.svg")
                try AtomicFile.write(ph, to: stem + "-phase.svg"); written.append(stem + "-phase.svg")
            }
            for w in spectrum.warnings { StandardError.write("warning: \(w)\n") }
        }
        if !result.measures.isEmpty {
            try AtomicFile.write(OutputWriters.measuresJSON(result.measures), to: "\(directory)/measures.json")
            written.append("\(directory)/measures.json")
        }
        if !quiet {
            let s = result.outcome.statistics
            let elapsed = Date().timeIntervalSince(started)
            StandardError.write(String(format: "%@: %d unknowns, %d nonzeros, %d Newton iterations, %d factorisations (%d full), %d steps (%d rejected), %.3f s\n",
                                                      base, s.unknowns, s.nonzeros, s.newtonIterations, s.fullFactorizations + s.refactorizations, s.fullFactorizations, s.acceptedSteps, s.rejectedSteps, elapsed))
            for w in written { StandardError.write("wrote \(w)\n") }
        }
        if result.outcome.failure != nil, Interruption.isRequested {
            // Ctrl-C: say what was kept and how to go on, and leave as an interrupted program does.
            if isatty(2) == 1 { StandardError.write("\r\u{1B}[K") }
            StandardError.write(Self.interruptionMessage(plots: plots, directory: directory, netlist: netlist,
                                                         cycling: !circuit.experiments.isEmpty, format: format.rawValue) + "\n")
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

extension Run {
    /// What an interrupted run kept and how to continue it.
    static func interruptionMessage(plots: [Plot], directory: String, netlist: String, cycling: Bool, format: String) -> String {
        if cycling {
            let table = plots.last { $0.kind == "cycles" }
            let done = table?.points ?? 0
            var text = "interrupted: \(done) complete cycle\(done == 1 ? "" : "s") kept in \(directory)/cycles.partial.\(format) (trace in \(directory)/cycler.partial.\(format))"
            text += done > 0
                ? "; continue from the checkpoint with: lithic run \(netlist) -o \(directory) --resume"
                : "; no cycle was complete, so there is no checkpoint: run again without --resume"
            return text
        }
        guard let partial = plots.last(where: { !$0.isComplete }) else { return "interrupted" }
        let reached = partial.vectors.first?.real.last.map { "\(Simulator.engineering($0))\(partial.kind == "tran" ? "s" : "")" } ?? "the start"
        return "interrupted at \(partial.kind == "tran" ? "t = " : "")\(reached): \(partial.points) points on the output grid kept in \(directory)/\(partial.kind).partial.\(format)"
    }
}

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
