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

    static func json(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A fit as JSON: parameters with errors and 95 % intervals, correlation, statistics.
    public static func reportJSON(_ r: FitResult, source: String) -> String {
        var s = "{\n  \"source\": \(OutputWriters.jsonString(source)),\n  \"circuit\": \(OutputWriters.jsonString(r.circuit)),\n"
        s += "  \"weighting\": \"\(r.weighting.rawValue)\",\n  \"converged\": \(r.converged),\n"
        s += "  \"chi_square\": \(json(r.chiSquare)),\n  \"reduced_chi_square\": \(json(r.reducedChiSquare)),\n"
        s += "  \"rms_relative\": \(json(r.rmsRelative)),\n  \"aic\": \(json(r.aic)),\n  \"bic\": \(json(r.bic)),\n  \"evaluations\": \(r.evaluations),\n  \"starts_run\": \(r.startsRun),\n  \"fit_seconds\": \(json(r.seconds)),\n"
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
        var s = "file,converged,rms_relative,chi_square,reduced_chi_square,aic,bic," + names.flatMap { [$0, "\($0)_stderr"] }.joined(separator: ",")
            + ",neighbour_ratio,residual_jump,error\n"
        for it in items {
            let ratio = it.neighbourRatio.map { "\($0)" } ?? ""
            if let r = it.result {
                s += "\(it.path),\(r.converged),\(r.rmsRelative),\(r.chiSquare),\(r.reducedChiSquare),\(r.aic),\(r.bic),"
                s += r.values.indices.map { "\(r.values[$0]),\(r.standardErrors[$0])" }.joined(separator: ",") + ",\(ratio),\(it.residualJump),\n"
            } else {
                let error = (it.error ?? "failed").replacing("\"", with: "\"\"")
                s += "\(it.path),false,,,,,," + names.map { _ in ",," }.joined() + ",false,\"\(error)\"\n"
            }
        }
        return s
    }

    public static func summaryJSON(_ items: [Item]) -> String {
        "[\n" + items.map { it in
            if let r = it.result {
                var report = reportJSON(r, source: it.path)
                // The batch fields go in front of the closing brace of the file's report.
                if report.hasSuffix("\n}\n") {
                    report.removeLast(3)
                    report += ",\n  \"neighbour_ratio\": \(it.neighbourRatio.map { json($0) } ?? "null"),\n  \"residual_jump\": \(it.residualJump)\n}\n"
                }
                return report.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            }
            return "  {\"source\": \(OutputWriters.jsonString(it.path)), \"error\": \(OutputWriters.jsonString(it.error ?? ""))}"
        }.joined(separator: ",\n") + "\n]\n"
    }
}
