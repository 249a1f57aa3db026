import ArgumentParser
import FoundationEssentials
import Glibc
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
            print(Read.formatList())
            return
        }
        guard !files.isEmpty else { throw InputError(.commandLine, "give one or more spectrum files (or --list-formats)") }
        guard let weighting = Weighting(rawValue: weight) else {
            throw InputError(.commandLine, "--weight must be one of \(Weighting.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let netlist {
            try fitNetlist(netlist, weighting: weighting)
            return
        }
        guard let circuit else { throw InputError(.commandLine, "give --circuit (an equivalent circuit) or --netlist") }
        let model = try EquivalentCircuit(parsing: circuit)
        var settings = FitSettings()
        settings.weighting = weighting
        guard starts >= 1, starts <= 10_000 else { throw InputError(.commandLine, "--starts must be between 1 and 10000") }
        settings.starts = starts
        if let maxEvaluations {
            guard maxEvaluations >= 1, maxEvaluations <= 10_000_000 else { throw InputError(.commandLine, "--max-evaluations must be between 1 and 10000000") }
            settings.maximumEvaluations = maxEvaluations
        }
        for f in fixes {
            let parts = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw InputError(.commandLine, "--fix expects NAME=VALUE, got '\(f)'") }
            settings.fixed[parts[0]] = try parseNumber(parts[1], "--fix \(parts[0])")
        }
        for b in boundsList {
            let parts = b.split(separator: "=", maxSplits: 1).map(String.init)
            let range = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard range.count == 2 else { throw InputError(.commandLine, "--bound expects NAME=LOW:HIGH, got '\(b)'") }
            func bound(_ s: String, _ infinite: Double) throws -> Double { s.isEmpty || s == "inf" || s == "-inf" ? infinite : try parseNumber(s, "--bound") }
            settings.bounds[parts[0]] = (try bound(range[0], -.infinity), try bound(range[1], .infinity))
        }
        var start: [Double]?
        if let initial {
            start = try initial.split(separator: ",").map { try parseNumber(String($0), "--initial") }
        }
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let files = Self.expandSpectra(self.files)
        let showProgress = !quiet && isatty(2) == 1 && files.count > 1
        let began = Date()
        var items = FitWorkflow.batch(paths: files, circuit: model, initial: start, settings: settings, dropInductive: dropInductive,
                                      jobs: workers, progress: showProgress ? { done, total in
            StandardError.write("\rfit [\(done)/\(total)]")
            if done == total { StandardError.write("\n") }
        } : nil)
        guard timeRepeats >= 1, timeRepeats <= 1000 else { throw InputError(.commandLine, "--time-repeats must be between 1 and 1000") }
        if timeRepeats > 1 {
            guard items.count == 1 else { throw InputError(.commandLine, "--time-repeats times one file") }
            items = try Self.timed(items[0], repeats: timeRepeats, circuit: model, initial: start, settings: settings)
        }
        var failures = 0
        for item in items {
            let stem = "\(output)/\(Self.stem(item.path))"
            guard let r = item.result, let s = item.spectrum else {
                failures += 1
                StandardError.write("\(item.error ?? "failed")\n")
                continue
            }
            try AtomicFile.write(FitWorkflow.reportJSON(r, source: item.path), to: stem + ".fit.json")
            try AtomicFile.write(FitWorkflow.reportCSV(r, spectrum: s), to: stem + ".fit.csv")
            if plot {
                let (nyquist, residuals) = FitWorkflow.charts(r, spectrum: s)
                try AtomicFile.write(nyquist, to: stem + ".nyquist.svg")
                try AtomicFile.write(residuals, to: stem + ".residuals.svg")
            }
            if items.count == 1 {
                print("\(item.path): \(r.circuit), \(r.weighting.rawValue) weights, \(r.converged ? "converged" : "NOT converged")")
                for k in r.names.indices {
                    let flag = r.isFixed[k] ? " (fixed)" : ""
                    print(String(format: "  %-10@ = %- .6e ± %.2e   95%% CI [% .4e, % .4e]%@", r.names[k], r.values[k], r.standardErrors[k],
                                 r.confidence95[k].0, r.confidence95[k].1, flag))
                }
                print(String(format: "  chi2 = %.6e, reduced chi2 = %.6e, rms relative residual = %.4e, AIC = %.3f, BIC = %.3f, fit %.6f s (%d evaluations)",
                             r.chiSquare, r.reducedChiSquare, r.rmsRelative, r.aic, r.bic, r.seconds, r.evaluations))
                for w in r.warnings { print("  warning: \(w)") }
            }
        }
        if items.count > 1 {
            try AtomicFile.write(FitWorkflow.summaryCSV(items, names: model.parameterNames), to: "\(output)/summary.csv")
            try AtomicFile.write(FitWorkflow.summaryJSON(items), to: "\(output)/summary.json")
        }
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

    /// Each file that holds several spectra becomes FILE#1 … FILE#N; unreadable files stay as
    /// they are (their error is reported by the fit).
    static func expandSpectra(_ files: [String]) -> [String] {
        files.flatMap { path -> [String] in
            guard SpectrumReader.selection(path).file == path, let f = try? SpectrumReader.readFile(path: path), f.spectra.count > 1 else { return [path] }
            return (1...f.spectra.count).map { "\(path)#\($0)" }
        }
    }

    /// Output stem of a spectrum: the file name without extension, `-N` for FILE#N.
    static func stem(_ path: String) -> String {
        let (file, index) = SpectrumReader.selection(path)
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return file == path ? base : "\(base)-\(index)"
    }

    /// Repeats a single fit in this process; its time becomes the median over the repeats (the
    /// first included). The repeats must reproduce the first fit's parameters exactly.
    static func timed(_ item: FitWorkflow.Item, repeats: Int, circuit: EquivalentCircuit, initial: [Double]?,
                      settings: FitSettings) throws -> [FitWorkflow.Item] {
        guard var result = item.result, let spectrum = item.spectrum else { return [item] }
        let start = initial ?? InitialGuess.guess(circuit, for: spectrum)
        var times = [result.seconds]
        for _ in 1..<repeats {
            let again = try CNLSFitter(circuit: circuit, settings: settings).fit(spectrum, initial: start)
            guard again.values == result.values else {
                throw SimulationError(analysis: "fit", point: item.path, message: "a repeated fit gave different parameters")
            }
            times.append(again.seconds)
        }
        times.sort()
        StandardError.write(String(format: "first fit %.6f s, median of %d fits %.6f s\n", result.seconds, repeats, times[repeats / 2]))
        result.seconds = times[repeats / 2]
        var timed = item
        timed.result = result
        return [timed]
    }

    func fitNetlist(_ path: String, weighting: Weighting) throws {
        guard port.count == 2 else { throw InputError(.commandLine, "--netlist needs --port PLUS MINUS") }
        guard let vary, !vary.isEmpty else { throw InputError(.commandLine, "--netlist needs --vary name,name,…") }
        guard files.count == 1 else { throw InputError(.commandLine, "--netlist fits one spectrum at a time") }
        let names = vary.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
        let start = try initial.map { try $0.split(separator: ",").map { try parseNumber(String($0), "--initial") } }
        let spectrum = try FitWorkflow.load(files[0], dropInductive: dropInductive)
        let began = Date()
        let r = try NetlistFit.fit(spectrum: spectrum, netlist: path, plus: port[0], minus: port[1], vary: names, initial: start, weighting: weighting)
        let stem = "\(output)/\(Self.stem(files[0]))"
        try AtomicFile.write(FitWorkflow.reportJSON(r, source: files[0]), to: stem + ".fit.json")
        try AtomicFile.write(FitWorkflow.reportCSV(r, spectrum: spectrum), to: stem + ".fit.csv")
        if plot {
            let (nyquist, residuals) = FitWorkflow.charts(r, spectrum: spectrum)
            try AtomicFile.write(nyquist, to: stem + ".nyquist.svg")
            try AtomicFile.write(residuals, to: stem + ".residuals.svg")
        }
        print("\(files[0]): \(r.circuit), \(r.weighting.rawValue) weights, \(r.converged ? "converged" : "NOT converged")")
        for k in r.names.indices {
            print(String(format: "  %-10@ = %- .6e ± %.2e   95%% CI [% .4e, % .4e]", r.names[k], r.values[k], r.standardErrors[k],
                         r.confidence95[k].0, r.confidence95[k].1))
        }
        print(String(format: "  chi2 = %.6e, rms relative residual = %.4e, AIC = %.3f, BIC = %.3f", r.chiSquare, r.rmsRelative, r.aic, r.bic))
        for w in r.warnings { print("  warning: \(w)") }
        if !quiet { StandardError.write(String(format: "fitted the netlist in %.3f s (%d model evaluations)\n", Date().timeIntervalSince(began), r.evaluations)) }
    }
}
