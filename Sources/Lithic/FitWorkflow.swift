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
/// with warm starts), and write reports.
public enum FitWorkflow {
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
    }

    /// Fits many files on all cores. Files are split into contiguous chunks, one per worker; inside
    /// a chunk each fit starts from its neighbour's result (a series of spectra changes slowly),
    /// falling back to the given or guessed start when that fit is worse.
    public static func batch(paths: [String], circuit: EquivalentCircuit, initial: [Double]?, settings: FitSettings,
                             dropInductive: Bool, jobs: Int, progress: ((Int, Int) -> Void)?) -> [Item] {
        let workers = max(1, min(jobs, paths.count))
        let box = ResultsBox(count: paths.count)
        let chunk = (paths.count + workers - 1) / max(workers, 1)
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
                    // Warm start first: a converged fit from the neighbour's parameters whose
                    // reduced χ² is no worse than 4× the neighbour's is kept; otherwise the full
                    // multi-start search runs and the better of the two wins.
                    var result: FitResult?
                    if let warm = previous {
                        var quick = settings
                        quick.starts = 1
                        if let r = try? CNLSFitter(circuit: circuit, settings: quick).fit(spectrum, initial: warm.values),
                           r.converged, r.reducedChiSquare <= 4 * warm.reducedChiSquare {
                            result = r
                        }
                    }
                    if result == nil {
                        let start = initial ?? InitialGuess.guess(circuit, for: spectrum)
                        var full = try CNLSFitter(circuit: circuit, settings: settings).fit(spectrum, initial: start)
                        if let warm = previous {
                            var quick = settings
                            quick.starts = 1
                            if let r = try? CNLSFitter(circuit: circuit, settings: quick).fit(spectrum, initial: warm.values), r.chiSquare < full.chiSquare {
                                full = r
                            }
                        }
                        result = full
                    }
                    previous = result
                    item.result = result
                } catch {
                    item.error = "\(error)"
                }
                box.set(k, item)
                progress?(box.completed, paths.count)
            }
        }
        return box.items.map { $0 ?? Item(path: "", result: nil, error: "not run") }
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

    static func json(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A fit as JSON: parameters with errors and 95 % intervals, correlation, statistics.
    public static func reportJSON(_ r: FitResult, source: String) -> String {
        var s = "{\n  \"source\": \(OutputWriters.jsonString(source)),\n  \"circuit\": \(OutputWriters.jsonString(r.circuit)),\n"
        s += "  \"weighting\": \"\(r.weighting.rawValue)\",\n  \"converged\": \(r.converged),\n"
        s += "  \"chi_square\": \(json(r.chiSquare)),\n  \"reduced_chi_square\": \(json(r.reducedChiSquare)),\n"
        s += "  \"rms_relative\": \(json(r.rmsRelative)),\n  \"aic\": \(json(r.aic)),\n  \"bic\": \(json(r.bic)),\n  \"evaluations\": \(r.evaluations),\n  \"fit_seconds\": \(json(r.seconds)),\n"
        s += "  \"parameters\": [\n"
        s += r.names.indices.map { k in
            "    {\"name\": \"\(r.names[k])\", \"value\": \(json(r.values[k])), \"stderr\": \(json(r.standardErrors[k])), " +
            "\"ci95\": [\(json(r.confidence95[k].0)), \(json(r.confidence95[k].1))], \"fixed\": \(r.isFixed[k])}"
        }.joined(separator: ",\n")
        s += "\n  ],\n  \"correlation\": [\n"
        s += r.correlation.map { "    [" + $0.map { json($0) }.joined(separator: ", ") + "]" }.joined(separator: ",\n")
        s += "\n  ],\n  \"warnings\": [" + r.warnings.map { OutputWriters.jsonString($0) }.joined(separator: ", ") + "]\n}\n"
        return s
    }

    /// Data, model and relative residuals per frequency, impedance.py's column order first.
    public static func reportCSV(_ r: FitResult, spectrum: Spectrum) -> String {
        var s = "frequency,z_real,z_imag,fit_real,fit_imag,residual_real_rel,residual_imag_rel\n"
        for i in 0..<spectrum.count {
            let z = spectrum.impedances[i], f = r.fitted[i], m = z.length
            s += String(format: "%.10e,%.10e,%.10e,%.10e,%.10e,%.6e,%.6e\n", spectrum.frequencies[i], z.real, z.imaginary, f.real, f.imaginary,
                        (f.real - z.real) / m, (f.imaginary - z.imaginary) / m)
        }
        return s
    }

    /// Nyquist overlay (data and model) and relative residuals against frequency, as SVG.
    public static func charts(_ r: FitResult, spectrum: Spectrum) -> (nyquist: String, residuals: String) {
        var n = LineChart(title: "Nyquist: \(URL(fileURLWithPath: spectrum.source).lastPathComponent) — \(r.circuit)", xLabel: "Z' (Ω)", yLabel: "−Z'' (Ω)")
        n.equalAspect = true
        n.series.append(.init(name: "data", x: spectrum.impedances.map(\.real), y: spectrum.impedances.map { -$0.imaginary }, markers: true))
        n.series.append(.init(name: "fit", x: r.fitted.map(\.real), y: r.fitted.map { -$0.imaginary }))
        var res = LineChart(title: "Relative residuals", xLabel: "frequency (Hz)", yLabel: "(Zfit − Z)/|Z|", logX: true)
        res.series.append(.init(name: "real", x: spectrum.frequencies, y: zip(r.fitted, spectrum.impedances).map { ($0.real - $1.real) / $1.length }, markers: true))
        res.series.append(.init(name: "imaginary", x: spectrum.frequencies, y: zip(r.fitted, spectrum.impedances).map { ($0.imaginary - $1.imaginary) / $1.length }, markers: true))
        return (n.svg(), res.svg())
    }

    /// One row per file: parameters with errors, χ², rms, AIC, BIC (CSV).
    public static func summaryCSV(_ items: [Item], names: [String]) -> String {
        var s = "file,converged,rms_relative,chi_square,reduced_chi_square,aic,bic," + names.flatMap { [$0, "\($0)_stderr"] }.joined(separator: ",") + ",error\n"
        for it in items {
            if let r = it.result {
                s += "\(it.path),\(r.converged),\(r.rmsRelative),\(r.chiSquare),\(r.reducedChiSquare),\(r.aic),\(r.bic),"
                s += r.values.indices.map { "\(r.values[$0]),\(r.standardErrors[$0])" }.joined(separator: ",") + ",\n"
            } else {
                s += "\(it.path),false,,,,,," + names.map { _ in "," }.joined() + "\"\(it.error ?? "")\"\n"
            }
        }
        return s
    }

    public static func summaryJSON(_ items: [Item]) -> String {
        "[\n" + items.map { it in
            if let r = it.result { return reportJSON(r, source: it.path).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") }
            return "  {\"source\": \(OutputWriters.jsonString(it.path)), \"error\": \(OutputWriters.jsonString(it.error ?? ""))}"
        }.joined(separator: ",\n") + "\n]\n"
    }
}
