import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// The measured-spectrum readers: every instrument layout, line endings and encodings, multi-
/// spectrum files, and errors that name the file's line.
@Suite("spectrum readers")
struct SpectrumReaderTests {
    static let fixtures = FittingTests.fixtures

    @Test("readers on the real instrument files", arguments: [
        ("exampleData.csv", 66, "csv"), ("exampleDataBioLogic.mpt", 43, "biologic-mpt"), ("exampleDataGamry.DTA", 72, "gamry-dta"),
        ("exampleDataZPlot.z", 21, "zplot-z"), ("Circuit1_EIS_1.z", 48, "zplot-z"),
    ])
    func readers(_ file: String, _ points: Int, _ format: String) throws {
        let s = try SpectrumReader.read(path: Self.fixtures.appendingPathComponent(file).path)
        #expect(s.frequencies.count == points)
        #expect(s.format == format)
        // Capacitive convention: most points have Z'' < 0, and Z' > 0.
        #expect(s.impedances.filter { $0.imaginary < 0 }.count > points / 2)
        #expect(s.impedances.allSatisfy { $0.real > 0 })
    }

    @Test("BioLogic -Im(Z) is converted to Z''")
    func biologicSign() throws {
        let s = try SpectrumReader.read(path: Self.fixtures.appendingPathComponent("exampleDataBioLogic.mpt").path)
        // First data row of the file: freq 1.0e3 Hz, Re 2.867e2? The sign must make the low-frequency arc capacitive.
        #expect(s.impedances.last.map { $0.imaginary < 0 } == true)
    }

    @Test("malformed and truncated files are input errors with a line")
    func malformed() throws {
        let gamry = try String(contentsOf: Self.fixtures.appendingPathComponent("exampleDataGamry.DTA"), encoding: .isoLatin1)
        let cases: [(String, String)] = [
            ("bad.csv", "1,2,3\n4,x,6\n"),
            ("short.csv", "1,2,3\n4,5\n"),
            ("empty.csv", ""),
            ("text.csv", "hello\nworld\n"),
            ("negfreq.csv", "-1,2,3\n"),
            ("trunc.DTA", String(gamry.prefix(gamry.count * 2 / 3)) + "\tx"),
            ("nocols.mpt", "EC-Lab ASCII FILE\nNb header lines : 3\na\tb\tc\n1\t2\t3\n"),
            ("nozcurve.DTA", "EXPLAIN\nTAG\tEISPOT\n"),
        ]
        for (name, text) in cases {
            do {
                _ = try SpectrumReader.read(bytes: Array(text.utf8), name: name)
                Issue.record("\(name): no error")
            } catch let e as InputError {
                #expect(e.location.file == name, "\(e)")
            }
        }
    }

    @Test("random bytes never crash the readers")
    func garbage() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let n = Int(rng.next() % 300)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? SpectrumReader.read(bytes: bytes, name: "g")
            _ = try? SpectrumReader.read(bytes: Array("ZPLOT2\nEnd Comments\n".utf8) + bytes, name: "g")
            _ = try? SpectrumReader.read(bytes: Array("EXPLAIN\nZCURVE\tTABLE\n".utf8) + bytes, name: "g")
        }
    }
}

/// Layouts of the other instrument exports impedance.py reads (Autolab, PARSTAT, VersaStudio,
/// CH Instruments, PowerSuite). No real files of these are public; these fixtures are written in
/// each layout (as impedance.py's readers expect it) with a known spectrum.
@Suite("other instrument layouts")
struct InstrumentLayoutTests {
    static let points: [(Double, Double, Double)] = [(1e4, 10.5, -0.5), (1e3, 12.0, -3.0), (1e2, 20.0, -8.0), (1e1, 35.0, -6.0), (1.0, 42.0, -2.5)]

    func check(_ text: String, name: String, format: String, negate: Bool = false) throws {
        let s = try SpectrumReader.read(bytes: Array(text.utf8), name: name)
        #expect(s.format == format, "\(name): \(s.format)")
        #expect(s.frequencies.count == Self.points.count, "\(name)")
        for (k, p) in Self.points.enumerated() where k < s.frequencies.count {
            #expect(s.frequencies[k] == p.0)
            #expect(s.impedances[k].real == p.1)
            #expect(s.impedances[k].imaginary == p.2, "\(name) point \(k)")
        }
    }

    @Test("Autolab comma export with named columns, −Z'' converted")
    func autolab() throws {
        var t = "Some header text\nFrequency (Hz),Potential (AC) (V),Current (AC) (A),Time (s),Z' (Ω),-Z'' (Ω),Z (Ω),-Phase (°)\n"
        for p in Self.points { t += "\(p.0),0.01,0.001,1.0,\(p.1),\(-p.2),1,1\n" }
        try check(t, name: "autolab.txt", format: "columns")
    }

    @Test("PARSTAT whitespace export")
    func parstat() throws {
        var t = "Segment# Point# E(V) Freq(Hz) Zre(Ohms) Zim(Ohms) Zmod Phase\n"
        for p in Self.points { t += "1 1 0.0 \(p.0) \(p.1) \(p.2) 1 1\n" }
        try check(t, name: "parstat.txt", format: "columns")
    }

    @Test("VersaStudio .par segment")
    func versaStudio() throws {
        var t = "<Application>\nVersaStudio\n</Application>\n<Segment1>\nDefinition=Segment #, Point #, E(V), I(A), Elapsed Time(s), ADC Sync Input(V), Current Range, Status, E Applied(V), Frequency(Hz), E Real, E Imag, I Real, I Imag, Z Real, Z Imag\nLength=5\nUseful=1\n"
        for p in Self.points { t += "1,1,0,0,0,0,0,0,0,\(p.0),0,0,0,0,\(p.1),\(p.2)\n" }
        t += "</Segment1>\n"
        try check(t, name: "versa.par", format: "versastudio-par")
    }

    @Test("CH Instruments text")
    func chi() throws {
        var t = "Nov. 21, 2026   10:00:00\nA.C. Impedance\nInit E (V) = 0\nFreq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg\n\n"
        for p in Self.points { t += "\(p.0), \(p.1), \(p.2), 1, 1\n" }
        try check(t, name: "chi.txt", format: "columns")
    }

    @Test("PowerSuite tab export")
    func powerSuite() throws {
        var t = "Frequency\tZ'\tZ''\n"
        for p in Self.points { t += "\(p.0)\t\(p.1)\t\(p.2)\n" }
        try check(t, name: "powersuite.txt", format: "columns")
    }

    @Test("semicolon CSV with decimal commas and a −Im(Z) header")
    func europeanCSV() throws {
        var t = "freq/Hz;Re(Z)/Ohm;-Im(Z)/Ohm\n"
        for p in Self.points { t += "\(p.0);\(p.1);\(-p.2)\n".replacingOccurrences(of: ".", with: ",") }
        try check(t, name: "eu.csv", format: "columns")
    }
}
