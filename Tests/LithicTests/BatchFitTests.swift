import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// Batch fits against single fits of the same files (issue 15, item 3): the neighbour's result is
/// one more start of the multi-start search, so no batch fit may end worse than its single fit.
@Suite("batch fitting")
struct BatchFitTests {
    static let circuit = "R0-p(R1,CPE1)-p(R2,CPE2)"

    /// The cell the spectra come from: three RQ arcs, fitted with the two-RQ circuit as a user
    /// would who does not know the third is there. Over the series the middle arc shrinks (its
    /// R to 5 %, τ unchanged) and the slow one grows (R 2 → 102 Ω), so the two-RQ fit has two
    /// competing minima (the fast arc alone and the other two merged, or the two fast ones merged
    /// and the slow one alone), and which is lower changes along the series: a warm start from
    /// the neighbour can stay in the one that is no longer the lowest.
    static let truthCircuit = "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)"
    static func truth(_ k: Int, of count: Int) -> [Double] {
        let s = Double(k) / Double(max(count - 1, 1))
        return [10, 50, 2e-6, 0.9, 80 * (1 - 0.95 * s), 1.6e-4 / (1 - 0.95 * s), 0.85, 2 + 100 * s, 0.1, 0.8]
    }

    /// Writes `count` spectra (57 points, 100 kHz to 10 mHz) with relative Gaussian noise as CSV
    /// files; `outlier` replaces one spectrum by a different cell measured with 5× the noise.
    static func series(count: Int, noise: Double, outlier: Int? = nil, seed: UInt64) throws -> [String] {
        let c = try EquivalentCircuit(parsing: truthCircuit)
        let freqs = (0..<57).map { pow(10, 5 - Double($0) / 8) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-batch-\(seed)-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        func gauss() -> Double {
            let u = max(rng.nextUniform(), 1e-300), v = rng.nextUniform()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        var paths: [String] = []
        for k in 0..<count {
            var p = truth(k, of: count)
            var sigma = noise
            if k == outlier {
                p = [25, 400, 3e-7, 0.7, 20, 1e-2, 0.6, 5, 1, 0.9]
                sigma = 5 * noise
            }
            let z = c.impedance(frequencies: freqs, parameters: p)
            var text = "frequency,z_real,z_imag\n"
            for i in freqs.indices {
                let s = sigma * z[i].length
                text += "\(freqs[i]),\(z[i].real + s * gauss()),\(z[i].imaginary + s * gauss())\n"
            }
            let name = "s" + String(repeating: "0", count: max(0, 4 - "\(k)".count)) + "\(k).csv"
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        return paths
    }

    /// The scheme batches used before issue 15: a single start from the neighbour's result, kept
    /// when it converged within 4× the neighbour's reduced χ²; otherwise the full search (and the
    /// better of the two). Replayed here to show the series below tell the schemes apart.
    static func previousScheme(_ spectra: [Spectrum], circuit: EquivalentCircuit) throws -> [FitResult] {
        var settings = FitSettings()
        settings.agreeingStarts = 0
        var quick = settings
        quick.starts = 1
        var previous: FitResult?
        var results: [FitResult] = []
        for s in spectra {
            var result: FitResult?
            if let warm = previous, let r = try? CNLSFitter(circuit: circuit, settings: quick).fit(s, initial: warm.values),
               r.converged, r.reducedChiSquare <= 4 * warm.reducedChiSquare {
                result = r
            }
            if result == nil {
                var full = try CNLSFitter(circuit: circuit, settings: settings).fit(s, initial: InitialGuess.guess(circuit, for: s))
                if let warm = previous, let r = try? CNLSFitter(circuit: circuit, settings: quick).fit(s, initial: warm.values), r.chiSquare < full.chiSquare {
                    full = r
                }
                result = full
            }
            previous = result
            if let result { results.append(result) }
        }
        return results
    }

    /// Fits the series as a batch (chunks on two workers) and each file alone, as `lithic fit`
    /// would; returns the worst ratio batch χ² / single χ², and the batch items.
    static func compare(_ paths: [String], label: String, checkPrevious: Bool) throws -> (worst: Double, items: [FitWorkflow.Item]) {
        let c = try EquivalentCircuit(parsing: circuit)
        let settings = FitSettings()
        let items = FitWorkflow.batch(paths: paths, circuit: c, initial: nil, settings: settings, dropInductive: false, jobs: 2, progress: nil)
        var worst = 0.0, spectra: [Spectrum] = [], singles: [FitResult] = []
        for (k, path) in paths.enumerated() {
            let single = FitWorkflow.batch(paths: [path], circuit: c, initial: nil, settings: settings, dropInductive: false, jobs: 1, progress: nil)[0]
            let b = try #require(items[k].result, "\(label) \(path): \(items[k].error ?? "")")
            let s = try #require(single.result)
            spectra.append(try #require(single.spectrum))
            singles.append(s)
            worst = max(worst, b.chiSquare / s.chiSquare)
            #expect(b.chiSquare <= s.chiSquare * 1.01, "\(label) spectrum \(k): batch χ² \(b.chiSquare) vs single \(s.chiSquare)")
        }
        var previousWorse = 0, previousWorst = 0.0
        if checkPrevious {
            let old = try previousScheme(spectra, circuit: c)
            previousWorse = zip(old, singles).filter { $0.chiSquare > $1.chiSquare * 1.01 }.count
            previousWorst = zip(old, singles).map { $0.chiSquare / $1.chiSquare }.max() ?? 0
            // The test can fail: the warm-start scheme it replaces ends worse on this series.
            #expect(previousWorse > 0, "\(label): the previous warm-start scheme is never worse here; the series does not test anything")
        }
        print("\(label): \(paths.count) spectra, worst batch/single χ² \(worst); previous scheme worse than single by > 1 % on \(previousWorse), worst \(previousWorst)")
        return (worst, items)
    }

    @Test("120 slowly changing spectra: no batch fit worse than its single fit by more than 1 %")
    func slowSeries() throws {
        let paths = try Self.series(count: 120, noise: 0.02, seed: 15)
        _ = try Self.compare(paths, label: "slow series", checkPrevious: true)
    }

    @Test("one outlier spectrum: no batch fit worse than its single fit; the outlier is flagged, its neighbours are not")
    func outlier() throws {
        let paths = try Self.series(count: 40, noise: 0.02, outlier: 20, seed: 16)
        let (_, items) = try Self.compare(paths, label: "outlier series", checkPrevious: true)
        #expect(items[20].residualJump, "outlier: ratio \(items[20].neighbourRatio ?? .nan)")
        let flagged = items.indices.filter { items[$0].residualJump }
        #expect(flagged == [20], "flagged: \(flagged)")
        let csv = FitWorkflow.summaryCSV(items, names: try EquivalentCircuit(parsing: Self.circuit).parameterNames)
        let header = csv.split(separator: "\n")[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = csv.split(separator: "\n")[21].split(separator: ",", omittingEmptySubsequences: false)
        #expect(header.count == row.count)
        #expect(header.firstIndex(of: "residual_jump").map { row[$0] } == "true")
    }

    @Test("neighbour ratios: a jump is flagged, gaps and ends are handled")
    func ratios() {
        let r = FitWorkflow.neighbourRatios([1, 1.1, nil, 0.9, 10, 1, 1.05])
        #expect(r[2] == nil)
        #expect(abs((r[4] ?? 0) - 10 / 1.0) < 1e-12)   // neighbours 0.9, 1, 1.05 (missing one skipped): median 1
        #expect((r[0] ?? 0) > 0.8 && (r[0] ?? 10) < 1.2)
        #expect(FitWorkflow.neighbourRatios([2.0]) == [nil])
    }

    @Test("lithic fit on several files: summary.csv has the jump columns and a row with the error for a file that fails")
    func commandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-batch-cli-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad.csv")
        try "frequency,z_real,z_imag\n1000,abc,1\n".write(to: bad, atomically: true, encoding: .utf8)
        let files = ["Circuit1_EIS_1.z", "exampleDataZPlot.z"].map { FittingTests.fixtures.appendingPathComponent($0).path } + [bad.path]
        _ = try runProcess(Repository.binary, ["fit"] + files + ["--circuit", "R0-p(R1,CPE1)", "--quiet", "-o", dir.path])
        let csv = try String(contentsOf: dir.appendingPathComponent("summary.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasSuffix(",neighbour_ratio,residual_jump,error"))
        #expect(lines[3].hasPrefix(bad.path + ",false,") && lines[3].contains("bad.csv"))
        let json = try String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)
        // Two unrelated spectra: each one's residual jumps against the other's.
        #expect(json.contains("\"residual_jump\": true") && json.contains("\"neighbour_ratio\": "))
    }

    @Test("a failed file is a row with its error in the summary, with as many columns as the header")
    func failureRow() throws {
        let names = try EquivalentCircuit(parsing: Self.circuit).parameterNames
        let csv = FitWorkflow.summaryCSV([FitWorkflow.Item(path: "bad.csv", result: nil, error: "bad.csv:3:1: \"x\" is not a number", spectrum: nil)], names: names)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 2)
        // Quoted error: count fields outside quotes.
        var fields = 1, quoted = false
        for ch in lines[1] { if ch == "\"" { quoted.toggle() } else if ch == ",", !quoted { fields += 1 } }
        #expect(fields == lines[0].split(separator: ",", omittingEmptySubsequences: false).count)
    }
}
