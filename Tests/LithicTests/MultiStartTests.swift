import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// The multi-start search: parallel starts, extra starts, the optional early end.
@Suite("multi-start search")
struct MultiStartTests {
    static let files = ["exampleData.csv", "exampleDataBioLogic.mpt", "exampleDataGamry.DTA", "exampleDataZPlot.z", "Circuit1_EIS_1.z"]
    /// The benchmark's two circuits (scripts/bench-fit.py).
    static let circuits = ["R0-p(R1,CPE1)-Wo1", "R0-p(R1,CPE1)-p(R2,CPE2)"]

    /// What `lithic fit FILE --circuit C` runs (all 32 starts, on all cores) against the search
    /// before issue 15 (the same starts one after another on one thread): bit-identical
    /// parameters and χ² on every fixture file, both benchmark circuits, every weighting. The
    /// parallel search is never worse because it is the same search.
    @Test("parallel 32-start search: the serial search's parameters and χ² on every fixture", arguments: files)
    func parallelIsTheSerialSearch(_ file: String) throws {
        let spectrum = try FitWorkflow.load(FittingTests.fixtures.appendingPathComponent(file).path, dropInductive: false)
        for text in Self.circuits {
            let circuit = try EquivalentCircuit(parsing: text)
            for weighting in Weighting.allCases {
                var serial = FitSettings()
                serial.weighting = weighting
                serial.threads = 1
                var parallel = serial
                parallel.threads = 4
                let start = InitialGuess.guess(circuit, for: spectrum)
                let a = try CNLSFitter(circuit: circuit, settings: serial).fit(spectrum, initial: start)
                let b = try CNLSFitter(circuit: circuit, settings: parallel).fit(spectrum, initial: start)
                let label = "\(file) \(text) \(weighting.rawValue)"
                #expect(b.chiSquare == a.chiSquare, "\(label): parallel \(b.chiSquare) vs serial \(a.chiSquare)")
                #expect(b.values == a.values, "\(label)")
                #expect(a.startsRun == 32 && b.startsRun == 32)
                #expect(b.evaluations == a.evaluations)
            }
        }
    }

    /// The optional early end (off by default): once enough starts agree the search ends at a
    /// round boundary, the same on any number of threads.
    @Test("opt-in early end: fewer starts on a clean spectrum, independent of threads")
    func earlyEnd() throws {
        let circuit = try EquivalentCircuit(parsing: "R0-p(R1,CPE1)-Wo1")
        let freqs = (0..<50).map { pow(10, 5 - Double($0) * 7 / 49) }
        let spectrum = Spectrum(frequencies: freqs, impedances: circuit.impedance(frequencies: freqs, parameters: [20, 150, 2e-5, 0.85, 80, 3]))
        var one = FitSettings()
        one.agreeingStarts = 3
        one.threads = 1
        var two = one
        two.threads = 2
        let start = InitialGuess.guess(circuit, for: spectrum)
        let a = try CNLSFitter(circuit: circuit, settings: one).fit(spectrum, initial: start)
        let b = try CNLSFitter(circuit: circuit, settings: two).fit(spectrum, initial: start)
        #expect(a.startsRun < 32 && a.startsRun % one.roundSize == 0, "\(a.startsRun) starts")
        #expect(a.startsRun == b.startsRun && a.values == b.values)
        #expect(a.rmsRelative < 1e-6)
    }

    /// Extra starts are added to the search, not counted by its stopping rule: a fit with an
    /// extra start is never worse than without, and a good extra start is taken.
    @Test("extra starts: never worse, and a good one wins")
    func extraStarts() throws {
        let circuit = try EquivalentCircuit(parsing: "R0-p(R1,CPE1)-p(R2,CPE2)")
        let truth = [5.0, 40.0, 1e-6, 0.9, 200.0, 1e-3, 0.8]
        let freqs = (0..<50).map { pow(10, 6 - Double($0) * 8 / 49) }
        let z = circuit.impedance(frequencies: freqs, parameters: truth)
        var settings = FitSettings()
        settings.starts = 1
        let spectrum = Spectrum(frequencies: freqs, impedances: z)
        let poor = [1.0, 1, 1e-3, 0.5, 1, 1e-3, 0.5]
        let alone = try CNLSFitter(circuit: circuit, settings: settings).fit(spectrum, initial: poor)
        let helped = try CNLSFitter(circuit: circuit, settings: settings).fit(spectrum, initial: poor, extraStarts: [truth.map { $0 * 1.1 }])
        let useless = try CNLSFitter(circuit: circuit, settings: settings).fit(spectrum, initial: poor, extraStarts: [[.nan, 1, 1, 1, 1, 1, 1], [1, 2]])
        #expect(helped.chiSquare <= alone.chiSquare)
        #expect(helped.rmsRelative < 1e-6)
        #expect(useless.chiSquare == alone.chiSquare)
    }
}
