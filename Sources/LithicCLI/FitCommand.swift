import ArgumentParser
import FoundationEssentials
import Lithic

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an equivalent circuit to measured impedance spectra (one file, or many in parallel).",
        discussion: """
        Circuits in impedance.py syntax (R0-p(R1,CPE1)-Wo1) or Boukamp CDC (R(RQ)Wo). Files: every layout of \
        `lithic fit --list-formats` (CSV/TSV, BioLogic .mpt/.mpr, Gamry .DTA, ZPlot .z, Autolab, VersaStudio .par, PARSTAT, \
        CH Instruments, PowerSuite, Ivium), recognised from the content; `lithic read FILE` shows what was understood. \
        A file holding several spectra (Gamry ZCURVE tables, BioLogic loops, segments, repeated sweeps) is fitted spectrum \
        by spectrum; FILE#N selects one. Exit status 2 when any file fails (the failures are listed). Weights: unit, modulus (1/|Z|), proportional, boukamp (1/|Z|², \
        impedance.py's weight_by_modulus). Writes <stem>.fit.json, <stem>.fit.csv per file, summary.csv/json for a batch.
        """
    )

    @Argument(help: "Spectrum files (FILE#N: the N-th spectrum of a file).") var files: [String] = []
    @Flag(help: "List the spectrum file layouts Lithic recognises and exit.") var listFormats = false
    @Option(help: "Equivalent circuit.") var circuit: String?
    @Option(help: "Fit a netlist's .param values instead of an equivalent circuit.") var netlist: String?
    @Option(parsing: .upToNextOption, help: "With --netlist: the two nodes the spectrum was measured between.") var port: [String] = []
    @Option(help: "With --netlist: comma-separated .param names to vary.") var vary: String?
    @Option(help: "Initial values, comma-separated, in the circuit's parameter order (default: guessed from the data).") var initial: String?
    @Option(help: "Weighting: unit, modulus, proportional, boukamp.") var weight: String = "modulus"
    @Option(name: .customLong("fix"), help: "Hold a parameter: NAME=VALUE (repeatable).") var fixes: [String] = []
    @Option(name: .customLong("bound"), help: "Bound a parameter: NAME=LOW:HIGH (repeatable).") var boundsList: [String] = []
    @Option(help: "Number of starts (multi-start global search).") var starts: Int = 32
    @Option(help: "Function evaluations allowed per start (default: 100·(n + 1) for n free parameters).") var maxEvaluations: Int?
    @Flag(help: "Drop inductive points (Z'' > 0) before fitting.") var dropInductive = false
    @Option(help: "Benchmarking: fit a single file this many times in this process and report the median fit time (the first fit in a process also pays for loading code; every repeat must give the same parameters).") var timeRepeats: Int = 1
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "fit.out"
    @Flag(help: "Write SVG Nyquist and residual plots.") var plot = false
    @Option(help: "Parallel workers for a batch (default: all cores).") var jobs: Int?
    @Flag(help: "No progress or summary on stderr.") var quiet = false

    func parseNumber(_ s: String, _ what: String) throws -> Double {
        guard let v = Double(s.trimmingSpaces()) ?? SINumber.parse(s.trimmingSpaces()), v.isFinite else {
            throw InputError(.commandLine, "\(what): '\(s)' is not a number")
        }
        return v
    }

    func run() throws {
        if listFormats {
            print(ReadWorkflow.formatList())
            return
        }
        guard !files.isEmpty else { throw InputError(.commandLine, "give one or more spectrum files (or --list-formats)") }
        var o = FitWorkflow.Options(files: files)
        o.circuit = circuit; o.netlist = netlist; o.port = port; o.weighting = weight
        o.starts = starts; o.maximumEvaluations = maxEvaluations; o.dropInductive = dropInductive
        o.timeRepeats = timeRepeats; o.jobs = jobs
        if let netlist {
            o.vary = (vary ?? "").split(separator: ",").map { $0.trimmingSpaces().lowercased() }
            o.initial = try initial.map { try $0.split(separator: ",").map { try parseNumber(String($0), "--initial") } }
            try fitNetlist(netlist, o)
            return
        }
        for f in fixes {
            let parts = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw InputError(.commandLine, "--fix expects NAME=VALUE, got '\(f)'") }
            o.fixed[parts[0]] = try parseNumber(parts[1], "--fix \(parts[0])")
        }
        for b in boundsList {
            let parts = b.split(separator: "=", maxSplits: 1).map(String.init)
            let range = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard range.count == 2 else { throw InputError(.commandLine, "--bound expects NAME=LOW:HIGH, got '\(b)'") }
            func bound(_ s: String, _ infinite: Double) throws -> Double { s.isEmpty || s == "inf" || s == "-inf" ? infinite : try parseNumber(s, "--bound") }
            o.bounds[parts[0]] = (try bound(range[0], -.infinity), try bound(range[1], .infinity))
        }
        if let initial {
            o.initial = try initial.split(separator: ",").map { try parseNumber(String($0), "--initial") }
        }
        let began = Date()
        let outcome = try FitWorkflow.run(o, progress: !quiet && ProgressReporter.stderrIsTerminal ? { done, total in
            guard total > 1 else { return }
            StandardError.write("\rfit [\(done)/\(total)]")
            if done == total { StandardError.write("\n") }
        } : nil)
        if let t = outcome.timing {
            StandardError.write(String(format: "first fit %.6f s, median of %d fits %.6f s\n", t.first, t.repeats, t.median))
        }
        let items = outcome.items
        for item in items {
            guard item.result != nil else {
                StandardError.write("\(item.error ?? "failed")\n")
                continue
            }
            try OutputWriters.write(FitWorkflow.files(item, plot: plot), in: output)
            if items.count == 1 { print(FitWorkflow.summary(item)) }
        }
        if items.count > 1 {
            try AtomicFile.write(FitWorkflow.summaryCSV(items, names: outcome.parameterNames), to: "\(output)/summary.csv")
            try AtomicFile.write(FitWorkflow.summaryJSON(items), to: "\(output)/summary.json")
        }
        let failures = outcome.failures
        if !quiet {
            StandardError.write(String(format: "fitted %d of %d spectra in %.3f s; outputs in %@\n",
                                                      items.count - failures, items.count, Date().timeIntervalSince(began), output))
        }
        if failures > 0 {
            if items.count > 1 {
                StandardError.write("\(failures) of \(items.count) spectra failed:\n")
                for item in items where item.result == nil { StandardError.write("  \(item.path): \(item.error ?? "failed")\n") }
            }
            throw ExitCode(2)
        }
    }

    func fitNetlist(_ path: String, _ o: FitWorkflow.Options) throws {
        let (item, seconds) = try FitWorkflow.runNetlist(o)
        try OutputWriters.write(FitWorkflow.files(item, plot: plot), in: output)
        print(FitWorkflow.summary(item, netlist: true))
        if !quiet { StandardError.write(String(format: "fitted the netlist in %.3f s (%d model evaluations)\n", seconds, FitWorkflow.evaluations(item))) }
    }
}
