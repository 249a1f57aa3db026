import ComplexModule
import RealModule
import Dispatch
import FoundationEssentials
import Glibc
import Charts
import Fitting
import LithicCore
import Spectroscopy

/// Fitting measured spectra as `lithic fit` does it: read, fit (one file or a batch in parallel
/// with warm starts; or a netlist's `.param` values), and report (the writers are in
/// OutputWriters.swift). Frequencies in Hz, impedances and residuals in Ω or relative to |Z|,
/// parameters in the units of their elements (R Ω, C F, L H, CPE Q in F·s^(α−1), W in Ω·s^(−1/2)).
/// Bad options are `InputError`s naming the option; a file that cannot be read or fitted is an
/// item with an `error` naming the file (and line, for a parse error), not a thrown error.
public enum FitWorkflow {
    /// Everything `lithic fit` is told, as plain values.
    public struct Options: Sendable {
        /// Spectrum files (FILE#N: the N-th spectrum of a file).
        public var files: [String]
        /// The equivalent circuit (impedance.py or Boukamp CDC syntax).
        public var circuit: String?
        /// Or a netlist whose `.param`s `vary` are fitted, measured between the `port` nodes.
        public var netlist: String?
        public var port: [String] = []
        public var vary: [String] = []
        /// Initial values in the circuit's parameter order (nil: guessed from the data).
        public var initial: [Double]?
        /// `unit`, `modulus`, `proportional` or `boukamp`.
        public var weighting = "modulus"
        /// Parameters held at a value, and bounds (lower, upper; ±infinity for none).
        public var fixed: [String: Double] = [:]
        public var bounds: [String: (Double, Double)] = [:]
        /// Starts of the multi-start search, function evaluations per start (nil: 100·(n + 1)).
        public var starts = 32
        public var maximumEvaluations: Int?
        /// Drop inductive points (Z'' > 0) before fitting.
        public var dropInductive = false
        /// Benchmarking: fit a single file this many times; its time becomes the median.
        public var timeRepeats = 1
        /// Parallel workers for a batch (nil: all cores).
        public var jobs: Int?
        public init(files: [String]) { self.files = files }
    }

    /// The outcome of `run`: one item per spectrum (files with several spectra expanded to
    /// FILE#1 … FILE#N), the circuit's parameter names, and with `timeRepeats` > 1 the timing.
    public struct Outcome: Sendable {
        public var items: [Item]
        public var parameterNames: [String]
        /// The first fit's time and the median over all repeats (s).
        public var timing: (first: Double, median: Double, repeats: Int)?
        public var failures: Int { items.filter { $0.result == nil }.count }
    }

    /// The weighting named by `name`, or an input error listing the choices.
    static func weighting(_ name: String) throws -> Weighting {
        guard let w = Weighting(rawValue: name) else {
            throw InputError(.commandLine, "--weight must be one of \(Weighting.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return w
    }

    /// Fits an equivalent circuit to every spectrum of `options.files` (a batch in parallel).
    /// `progress(done, total)` after each spectrum.
    public static func run(_ o: Options, progress: ((Int, Int) -> Void)? = nil) throws -> Outcome {
        let w = try weighting(o.weighting)
        guard let circuit = o.circuit else { throw InputError(.commandLine, "give --circuit (an equivalent circuit) or --netlist") }
        let model = try EquivalentCircuit(parsing: circuit)
        var settings = FitSettings()
        settings.weighting = w
        guard o.starts >= 1, o.starts <= 10_000 else { throw InputError(.commandLine, "--starts must be between 1 and 10000") }
        settings.starts = o.starts
        if let m = o.maximumEvaluations {
            guard m >= 1, m <= 10_000_000 else { throw InputError(.commandLine, "--max-evaluations must be between 1 and 10000000") }
            settings.maximumEvaluations = m
        }
        settings.fixed = o.fixed
        settings.bounds = o.bounds
        guard o.timeRepeats >= 1, o.timeRepeats <= 1000 else { throw InputError(.commandLine, "--time-repeats must be between 1 and 1000") }
        let files = expandSpectra(o.files)
        if o.timeRepeats > 1, files.count != 1 { throw InputError(.commandLine, "--time-repeats times one file") }
        var items = batch(paths: files, circuit: model, initial: o.initial, settings: settings, dropInductive: o.dropInductive,
                          jobs: o.jobs ?? ProcessInfo.processInfo.activeProcessorCount, progress: progress)
        var timing: (Double, Double, Int)?
        if o.timeRepeats > 1, let item = items.first {
            let (timed, first, median) = try repeated(item, repeats: o.timeRepeats, circuit: model, initial: o.initial, settings: settings)
            items = [timed]
            timing = (first, median, o.timeRepeats)
        }
        return Outcome(items: items, parameterNames: model.parameterNames, timing: timing)
    }

    /// Fits the `.param`s `options.vary` of `options.netlist` to the one spectrum of
    /// `options.files` (AC impedance between the `port` nodes at the operating point). The item's
    /// result is set; the time is the wall-clock time of the fit (s).
    public static func runNetlist(_ o: Options) throws -> (item: Item, seconds: Double) {
        let w = try weighting(o.weighting)
        guard let path = o.netlist else { throw InputError(.commandLine, "give --circuit (an equivalent circuit) or --netlist") }
        guard o.port.count == 2 else { throw InputError(.commandLine, "--netlist needs --port PLUS MINUS") }
        guard !o.vary.isEmpty else { throw InputError(.commandLine, "--netlist needs --vary name,name,…") }
        guard o.files.count == 1 else { throw InputError(.commandLine, "--netlist fits one spectrum at a time") }
        let spectrum = try load(o.files[0], dropInductive: o.dropInductive)
        let began = Date()
        let r = try NetlistFit.fit(spectrum: spectrum, netlist: path, plus: o.port[0], minus: o.port[1], vary: o.vary, initial: o.initial, weighting: w)
        return (Item(path: o.files[0], result: r, error: nil, spectrum: spectrum), Date().timeIntervalSince(began))
    }

    /// Each file that holds several spectra becomes FILE#1 … FILE#N; unreadable files stay as
    /// they are (their error is reported by the fit).
    public static func expandSpectra(_ files: [String]) -> [String] {
        files.flatMap { path -> [String] in
            guard SpectrumReader.selection(path).file == path, let f = try? SpectrumReader.readFile(path: path), f.spectra.count > 1 else { return [path] }
            return (1...f.spectra.count).map { "\(path)#\($0)" }
        }
    }

    /// Output stem of a spectrum: the file name without extension, `-N` for FILE#N.
    public static func stem(_ path: String) -> String {
        let (file, index) = SpectrumReader.selection(path)
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return file == path ? base : "\(base)-\(index)"
    }

    /// Repeats a single fit in this process; its time becomes the median over the repeats (the
    /// first included). The repeats must reproduce the first fit's parameters exactly.
    static func repeated(_ item: Item, repeats: Int, circuit: EquivalentCircuit, initial: [Double]?,
                         settings: FitSettings) throws -> (Item, first: Double, median: Double) {
        guard var result = item.result, let spectrum = item.spectrum else { return (item, .nan, .nan) }
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
        let first = result.seconds
        result.seconds = times[repeats / 2]
        var timed = item
        timed.result = result
        return (timed, first, result.seconds)
    }

    /// Reads a spectrum file into the fitter's type.
    public static func load(_ path: String, dropInductive: Bool) throws -> Spectrum {
        let m = try SpectrumReader.read(path: path)
        let s = Spectrum(frequencies: m.frequencies, impedances: m.impedances, source: path)
        return dropInductive ? s.droppingInductivePoints() : s
    }

    /// One file's outcome.
    public struct Item: Sendable {
        public var path: String
        public var result: FitResult?
        public var error: String?
        public var spectrum: Spectrum?
        /// Reduced χ² over the median reduced χ² of its neighbours in the batch (up to two on each
        /// side, in the order the files were given); nil without a result or neighbours.
        public var neighbourRatio: Double?
        /// The residual jumps against the neighbours: `neighbourRatio` above `jumpFactor` or below
        /// its inverse (an outlier spectrum, or a fit that ended in a worse minimum than theirs).
        public var residualJump: Bool { neighbourRatio.map { $0 > FitWorkflow.jumpFactor || $0 < 1 / FitWorkflow.jumpFactor } ?? false }
    }

    /// The factor by which a fit's reduced χ² must differ from its neighbours' median to be
    /// flagged. Reduced χ² of equally good fits of spectra with the same noise scatter by about
    /// ±√(2/ν) (ν = 2N − p, ±20 % at 50 points); a factor 3 is far outside that.
    public static let jumpFactor = 3.0

    /// Fits many files on all cores. Files are split into contiguous chunks, one per worker; inside
    /// a chunk each fit runs the same multi-start search as a single `lithic fit` of that file,
    /// with the neighbour's result (a series of spectra changes slowly) as one more start. The
    /// single fit's starts are a subset of the batch fit's, so a batch fit is never worse than the
    /// same file fitted alone (`CNLSFitter.fit(_:initial:extraStarts:)`).
    public static func batch(paths: [String], circuit: EquivalentCircuit, initial: [Double]?, settings: FitSettings,
                             dropInductive: Bool, jobs: Int, progress: ((Int, Int) -> Void)?) -> [Item] {
        let workers = max(1, min(jobs, paths.count))
        let box = ResultsBox(count: paths.count)
        let chunk = (paths.count + workers - 1) / max(workers, 1)
        // Files in parallel, or (one worker) the starts of each fit in parallel: not both.
        var inner = settings
        if workers > 1 { inner.threads = 1 }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk, hi = min(paths.count, lo + chunk)
            guard lo < hi else { return }
            var previous: FitResult?
            for k in lo..<hi {
                let path = paths[k]
                var item = Item(path: path)
                do {
                    let spectrum = try load(path, dropInductive: dropInductive)
                    item.spectrum = spectrum
                    let start = initial ?? InitialGuess.guess(circuit, for: spectrum)
                    let result = try CNLSFitter(circuit: circuit, settings: inner)
                        .fit(spectrum, initial: start, extraStarts: previous.map { [$0.values] } ?? [])
                    previous = result
                    item.result = result
                } catch {
                    item.error = "\(error)"
                }
                box.set(k, item)
                progress?(box.completed, paths.count)
            }
        }
        var items = box.items.map { $0 ?? Item(path: "", result: nil, error: "not run") }
        let ratios = neighbourRatios(items.map { $0.result?.reducedChiSquare })
        for k in items.indices { items[k].neighbourRatio = ratios[k] }
        return items
    }

    /// Each value over the median of its neighbours' (up to two on each side; missing ones
    /// skipped), nil where the value or every neighbour is missing.
    public static func neighbourRatios(_ values: [Double?]) -> [Double?] {
        values.indices.map { k in
            guard let v = values[k], v.isFinite else { return nil }
            let around = (max(0, k - 2)...min(values.count - 1, k + 2)).filter { $0 != k }
                .compactMap { values[$0] }.filter(\.isFinite).sorted()
            guard !around.isEmpty else { return nil }
            let median = around.count % 2 == 1 ? around[around.count / 2] : (around[around.count / 2 - 1] + around[around.count / 2]) / 2
            return median > 0 ? v / median : (v > 0 ? .infinity : 1)
        }
    }

    /// Thread-safe collection of batch results.
    final class ResultsBox: @unchecked Sendable {
        private let lock = Lock()
        private(set) var items: [Item?]
        private(set) var completed = 0
        init(count: Int) { items = [Item?](repeating: nil, count: count) }
        func set(_ k: Int, _ item: Item) {
            lock.lock(); items[k] = item; completed += 1; lock.unlock()
        }
    }
}
