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
        try check(t, name: "autolab.txt", format: "autolab-nova")
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
        try check(t, name: "chi.txt", format: "chi-txt")
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

/// Every instrument layout, written here in its exact framing (header lines, separators, sign
/// conventions as the instrument writes them; cross-checked in development against impedance.py's
/// readers on its real example exports, which are not ours to commit) around a known spectrum,
/// then read back in every line-end and encoding variant a Windows or Mac host produces.
@Suite("instrument exports: every layout, line end and encoding")
struct InstrumentExportTests {
    /// A known spectrum, R0 + R1‖C1 with an inductive high-frequency tail, as exact decimal text.
    static let frequencies: [Double] = (0..<12).map { (pow(10, 5 - Double($0) * 0.5) * 1e6).rounded() / 1e6 }
    static let impedances: [Complex<Double>] = frequencies.map { f in
        let w = 2 * Double.pi * f
        let rc = Complex(100.0, 0) / Complex(1, w * 100 * 1e-5)
        let z = Complex(10.0, w * 2e-6) + rc
        return Complex((z.real * 1e6).rounded() / 1e6, (z.imaginary * 1e6).rounded() / 1e6)
    }

    /// Text of each layout (LF line ends; variants are derived), its format name and spectra count.
    static func layouts() -> [(name: String, format: String, spectra: Int, text: String)] {
        let f = frequencies, z = impedances
        func rows(_ row: (Int) -> String) -> String { f.indices.map(row).joined(separator: "\n") + "\n" }
        var out: [(String, String, Int, String)] = []
        out.append(("plain.csv", "csv", 1, rows { "\(f[$0]),\(z[$0].real),\(z[$0].imaginary)" }))
        out.append(("named.tsv", "columns", 1, "freq/Hz\tZ'/Ohm\tZ''/Ohm\n" + rows { "\(f[$0])\t\(z[$0].real)\t\(z[$0].imaginary)" }))
        out.append(("eu.csv", "columns", 1, "Frequency (Hz);Z' (Ohm);-Z'' (Ohm)\n"
            + rows { "\(f[$0]);\(z[$0].real);\(-z[$0].imaginary)".replacing(".", with: ",") }))
        out.append(("autolab-fra.txt", "autolab-fra", 1, "\u{FEFF}\"Z60W Data File: Version 1.1\"\n\"\"\n\"\"\n\"\"\n0,2,0,1,0.1,10000\n\(f.count)\n"
            + "\"  Freq (Hz)    Ampl     Bias   Time(Sec)   Z'(a)    Z''(b)    GD   Err   Range\"\n"
            + rows { "\(f[$0]),0,0,0,\(z[$0].real),\(z[$0].imaginary),0,0,0" }))
        out.append(("autolab-nova.txt", "autolab-nova", 1, "Index\tFrequency (Hz)\tZ' (Ω)\t-Z'' (Ω)\tZ (Ω)\t-Phase (°)\tTime (s)\n"
            + rows { "\($0 + 1)\t\(f[$0])\t\(z[$0].real)\t\(-z[$0].imaginary)\t\(z[$0].length)\t1\t\(Double($0))" }))
        out.append(("parstat.txt", "parstat-txt", 1, "Potential (V)\tCurrent (A)\tElapsed Time (s)\tFrequency (Hz)\tZre (ohms)\tZim (ohms)\t|Vac| (V)\t|Iac| (A)\t\n"
            + (0..<5).map { "3.49\t-0.15\t\($0 * 10)\t0\t0\t0\t0\t0\t\n" }.joined()
            + rows { "3.5\t0.02\t\(7000 + $0)\t\(f[$0])\t\(z[$0].real)\t\(z[$0].imaginary)\t0.001\t0.01\t" }))
        out.append(("versa.par", "versastudio-par", 2, "<Application>\nName=VersaStudio\n</Application>\n<Segment1>\nType=1\nDefinition=Segment #, Point #, E(V), I(A), Elapsed Time(s)\n"
            + "0,0,0.1,1e-6,1\n0,1,0.1,1e-6,2\n</Segment1>\n"
            + (2...3).map { seg in "<Segment\(seg)>\nType=2\nVersion=3\nDefinition=Segment #, Point #, E(V), I(A), Elapsed Time(s), ADC Sync Input(V), Current Range, Status, E Applied(V), Frequency(Hz), E Real, E Imag, I Real, I Imag, Z Real, Z Imag, E2 Status\n"
                + rows { "\(seg),\($0),0,0,1,0,5,53,0,\(f[$0]),0,0,0,0,\(z[$0].real),\(z[$0].imaginary),0" } + "</Segment\(seg)>\n" }.joined()))
        out.append(("loops.mpt", "biologic-mpt", 2, "EC-Lab ASCII FILE\nNb header lines : 5\n\nPotentio Electrochemical Impedance Spectroscopy\n"
            + "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\tPhase(Z)/deg\tcycle number\t\n"
            + (1...2).map { c in rows { "\(f[$0])\t\(z[$0].real)\t\(-z[$0].imaginary)\t\(z[$0].length)\t0\t\(c).000000000000000E+000\t" } }.joined()))
        out.append(("comma.mpt", "biologic-mpt", 1, "EC-Lab ASCII FILE\nNb header lines : 3\n"
            + "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n" + rows { "\(f[$0])\t\(z[$0].real)\t\(-z[$0].imaginary)".replacing(".", with: ",") }))
        out.append(("missing-freq.mpt", "biologic-mpt", 1, "EC-Lab ASCII FILE\nNb header lines : 3\n"
            + "Re(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\n" + rows { "\(f[$0])\t\(z[$0].real)\t\(-z[$0].imaginary)\t\(z[$0].length)" }))
        let zcurve = "ZCURVE\tTABLE\n\tPt\tTime\tFreq\tZreal\tZimag\tZsig\tZmod\tZphz\tIdc\tVdc\tIERange\n\t#\ts\tHz\tohm\tohm\tV\tohm\t°\tA\tV\t#\n"
            + rows { "\t\($0)\t\($0 * 2)\t\(f[$0])\t\(z[$0].real)\t\(z[$0].imaginary)\t1\t\(z[$0].length)\t0\t0\t0\t9" }
        out.append(("two.DTA", "gamry-dta", 2, "EXPLAIN\nTAG\tEISPOT\nTITLE\tLABEL\tPotentiostatic EIS\tTest &Identifier\nOCVCURVE\tTABLE\t2\n\tPt\tT\tVf\n\t#\ts\tV\n\t0\t0.25\t0.05\n\t1\t0.5\t0.05\n"
            + zcurve + "EXPERIMENTABORTED\tTOGGLE\tT\tExperiment Aborted\n" + zcurve))
        out.append(("comments.z", "zplot-z", 1, "ZPlot2 ASCII\nScribner Associates\nEnd Header:\nComments\nEnd Comments\n"
            + rows { "\(f[$0]),0.01,0,\(Double($0)),\(z[$0].real),\(z[$0].imaginary),0,0,5" }))
        out.append(("nocomments.z", "zplot-z", 1, "\"ZPlotW Data File: Version 3.2c\"\n\"Raw Data\"\n\"Frequency\"\n0,3,0,1,300000,0.005\n\(f.count)\n"
            + "\"  Freq(Hz)    Ampl     Bias   Time(Sec)   Z'(a)    Z''(b)    GD   Err   Range\"\n"
            + rows { "\(f[$0]), 1.0E-02, 0.0E+00, \(Double($0)), \(z[$0].real), \(z[$0].imaginary), 0.0E+00, 0, 5" }))
        out.append(("chi.txt", "chi-txt", 1, "Feb. 20, 2020   15:55:08\nA.C. Impedance\nInstrument Model:  CHI660E\n\nInit E (V) = 0\n\nFreq/Hz, Z'/ohm, Z\"/ohm, Z/ohm, Phase/deg\n\n"
            + rows { "\(f[$0]), \(z[$0].real), \(z[$0].imaginary), \(z[$0].length), 0" }))
        out.append(("powersuite.txt", "powersuite-txt", 1, "Frequency\t Zre\t Zimg\n" + rows { "\(f[$0])\t \(z[$0].real)\t \(z[$0].imaginary)" }))
        out.append(("two.idf", "ivium-idf", 2, (1...2).map { d in "[Data\(d)]\nTitle=run \(d)\u{0}\nTechnique=Impedance\nprimary_data\n3\n\(f.count)\n"
            + rows { "  \(z[$0].real)  \(z[$0].imaginary)  \(f[$0])" } + "\u{0}\u{0}\u{1c}\n" }.joined()))
        return out.map { ($0.0, $0.1, $0.2, $0.3) }
    }

    /// The same text with other line ends and encodings.
    static func variants(_ text: String) -> [(String, [UInt8])] {
        let crlf = text.replacing("\n", with: "\r\n"), cr = text.replacing("\n", with: "\r")
        let bom = text.hasPrefix("\u{FEFF}") ? text : "\u{FEFF}" + text
        func utf16LE(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        func utf16BE(_ s: String) -> [UInt8] { s.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        return [("LF", Array(text.utf8)), ("CRLF", Array(crlf.utf8)), ("CR", Array(cr.utf8)), ("CRCRLF", Array(text.replacing("\n", with: "\r\r\n").utf8)),
                ("UTF-8 BOM CRLF", Array(bom.replacing("\n", with: "\r\n").utf8)), ("UTF-16LE BOM CRLF", utf16LE(bom.replacing("\n", with: "\r\n"))),
                ("UTF-16BE no BOM", utf16BE(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text))]
    }

    @Test("each layout reads back exactly in every line-end and encoding variant", arguments: InstrumentExportTests.layouts().map(\.name))
    func layout(_ name: String) throws {
        let entry = try #require(Self.layouts().first { $0.name == name })
        for (variant, bytes) in Self.variants(entry.text) {
            let file = try SpectrumReader.readFile(bytes: bytes, name: name)
            #expect(file.format.rawValue == entry.format, "\(name) \(variant): \(file.format)")
            #expect(file.spectra.count == entry.spectra, "\(name) \(variant): \(file.spectra.count) spectra")
            for s in file.spectra {
                #expect(s.frequencies == Self.frequencies, "\(name) \(variant) \(s.label)")
                #expect(s.impedances.count == Self.impedances.count)
                for (a, b) in zip(s.impedances, Self.impedances) {
                    #expect(abs(a.real - b.real) <= 1e-12 * b.length && abs(a.imaginary - b.imaginary) <= 1e-12 * b.length, "\(name) \(variant): \(a) vs \(b)")
                }
                // Lines are the file's own (1-based, strictly increasing, inside the file).
                #expect(s.lines.count == s.frequencies.count)
                #expect(zip(s.lines, s.lines.dropFirst()).allSatisfy { $0 < $1 }, "\(name) \(variant): \(s.lines)")
            }
        }
    }

    @Test("lines of points are the editor's lines: a NaN, a zero and a negative frequency are reported there")
    func errorLines() throws {
        let cases: [(String, String, Int)] = [
            ("nan.csv", "1000,1,-1\n100,2,-2\nnan,3,-3\n", 3),
            ("zero.csv", "f,Z',Z''\n1000,1,-1\n0,3,-3\n10,4,-4\n", 3),
            ("neg.tsv", "# comment\n1000\t1\t-1\n-10\t4\t-4\n", 3),
            ("infz.csv", "1000,1,-1\n100,inf,-2\n", 2),
        ]
        for (name, text, line) in cases {
            for (variant, bytes) in Self.variants(text) {
                do {
                    _ = try SpectrumReader.readFile(bytes: bytes, name: name)
                    Issue.record("\(name) \(variant): no error")
                } catch let e as InputError {
                    #expect(e.location.line == line, "\(name) \(variant): \(e)")
                }
            }
        }
    }

    @Test("a named column line that names no frequency is an error, not a guess")
    func unknownHeader() throws {
        do {
            _ = try SpectrumReader.read(bytes: Array("time,voltage,current\n1,2,3\n2,3,4\n".utf8), name: "cv.csv")
            Issue.record("no error")
        } catch let e as InputError {
            #expect(e.location.line == 1)
            #expect("\(e)".contains("no frequency column"))
        }
    }

    @Test("|Z| and phase columns with kΩ and kHz units are converted")
    func polarUnits() throws {
        var t = "Freq (kHz),|Z| (kOhm),Phase (deg)\n"
        for (f, z) in zip(Self.frequencies, Self.impedances) {
            t += "\(f / 1000),\(z.length / 1000),\(atan2(z.imaginary, z.real) * 180 / .pi)\n"
        }
        let s = try SpectrumReader.read(bytes: Array(t.utf8), name: "polar.csv")
        for (k, z) in Self.impedances.enumerated() {
            #expect(abs(s.frequencies[k] / Self.frequencies[k] - 1) < 1e-12)
            #expect((s.impedances[k] - z).length < 1e-9 * z.length, "\(s.impedances[k]) vs \(z)")
        }
        #expect(s.notes.contains { $0.contains("|Z|") })
    }

    @Test("a repeated sweep in one table gives two spectra")
    func sweepRestart() throws {
        var t = "freq,zre,zim\n"
        for _ in 0..<2 { for (f, z) in zip(Self.frequencies, Self.impedances) { t += "\(f),\(z.real),\(z.imaginary)\n" } }
        let file = try SpectrumReader.readFile(bytes: Array(t.utf8), name: "two.csv")
        #expect(file.spectra.count == 2)
        #expect(file.spectra.map(\.frequencies.count) == [Self.frequencies.count, Self.frequencies.count])
        #expect(file.spectra[1].lines.first == Self.frequencies.count + 2)
    }

    /// A BioLogic `.mpr` written byte for byte in the published layout (both module-header
    /// variants, data-module versions 0, 2 and 3), with flags, time and loop columns.
    static func mpr(headerV2: Bool, dataVersion: UInt32, polar: Bool) -> [UInt8] {
        func u16(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
        func f32(_ v: Double) -> [UInt8] { u32(Float(v).bitPattern) }
        func f64(_ v: Double) -> [UInt8] { let b = v.bitPattern; return u32(UInt32(b & 0xFFFF_FFFF)) + u32(UInt32(b >> 32)) }
        func padded(_ s: String, _ n: Int) -> [UInt8] { Array((s + String(repeating: " ", count: n)).utf8.prefix(n)) }
        func module(_ short: String, _ long: String, version: UInt32, _ body: [UInt8]) -> [UInt8] {
            var m = Array("MODULE".utf8) + padded(short, 10) + padded(long, 25)
            m += headerV2 ? u32(UInt32(body.count)) + u32(UInt32(body.count)) + u32(version) + u32(0) : u32(UInt32(body.count)) + u32(version)
            return m + Array("05/25/21".utf8) + body
        }
        let ids: [UInt32] = polar ? [1, 2, 4, 32, 36, 35, 24] : [1, 4, 32, 37, 38, 24]
        let f = Self.frequencies, z = Self.impedances
        var records: [UInt8] = []
        for loop in 1...2 {
            records += [0] + f64(0) + f32(0) + f32(0) + f32(0) + f64(Double(loop))  // a DC rest record: frequency 0
            for k in f.indices {
                records += [3] + f64(Double(k))
                records += polar ? f32(f[k]) + f32(z[k].length) + f32(atan2(z[k].imaginary, z[k].real) * 180 / .pi) : f32(f[k]) + f32(z[k].real) + f32(-z[k].imaginary)
                records += f64(Double(loop))
            }
        }
        var data = u32(UInt32(2 * (f.count + 1))) + [UInt8(ids.count)]
        data += dataVersion == 0 ? ids.map { UInt8($0) } : ids.flatMap { u16($0) }
        let start = dataVersion == 0 ? 100 : (dataVersion == 3 ? 406 : 405)
        data += [UInt8](repeating: 0, count: start - data.count) + records
        var bytes = Array("BIO-LOGIC MODULAR FILE\u{1a}".utf8)
        bytes += [UInt8](repeating: 0x20, count: 48 - bytes.count) + [0, 0, 0, 0]
        bytes += module("VMP Set", "VMP settings", version: 0, [UInt8](repeating: 0, count: 40))
        bytes += module("VMP data", "VMP data", version: dataVersion, data)
        return bytes
    }

    @Test("BioLogic .mpr: both header variants, data versions 0/2/3, Re/−Im and |Z|/phase, loops, DC records skipped",
          arguments: [(false, UInt32(0), false), (true, UInt32(2), false), (true, UInt32(3), true)])
    func mpr(_ headerV2: Bool, _ version: UInt32, _ polar: Bool) throws {
        // The DC records make the record layout matter: flags at byte 0 of each record
        // (one byte for ids 1 and 2), time f8, frequency f4, … cycle f8.
        let bytes = Self.mpr(headerV2: headerV2, dataVersion: version, polar: polar)
        let file = try SpectrumReader.readFile(bytes: bytes, name: "run.mpr")
        #expect(file.format == .biologicMPR)
        #expect(file.spectra.count == 2, "\(file.spectra.map(\.label))")
        for s in file.spectra {
            #expect(s.frequencies.count == Self.frequencies.count)
            for (k, z) in Self.impedances.enumerated() where k < s.impedances.count {
                #expect(abs(s.frequencies[k] / Self.frequencies[k] - 1) < 1e-6)
                #expect((s.impedances[k] - z).length < 2e-6 * z.length, "\(s.impedances[k]) vs \(z)")
            }
        }
        // Truncation anywhere is an input error, never a crash.
        for cut in stride(from: 0, to: bytes.count, by: 37) {
            _ = try? SpectrumReader.readFile(bytes: Array(bytes.prefix(cut)), name: "cut.mpr")
        }
        #expect(throws: InputError.self) { try SpectrumReader.readFile(bytes: Array(bytes.prefix(bytes.count - 3)), name: "cut.mpr") }
    }

    @Test("lithic read names the format, and lithic fit exits 2 listing the files that failed")
    func cli() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-read-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = try #require(Self.layouts().first { $0.name == "two.DTA" })
        let good = dir.appendingPathComponent("two.DTA"), bad = dir.appendingPathComponent("bad.csv")
        try Data(entry.text.replacing("\n", with: "\r\n").utf8).write(to: good)
        try Data("f,Z',Z''\n1000,1,-1\n100,x,-2\n".utf8).write(to: bad)
        let (rc, out, _) = try runProcess(Repository.binary, ["read", good.path])
        #expect(rc == 0)
        #expect(out.contains("gamry-dta") && out.contains("2 spectra") && out.contains("CRLF"), "\(out)")
        let (rcList, list, _) = try runProcess(Repository.binary, ["fit", "--list-formats"])
        #expect(rcList == 0)
        for f in SpectrumFormat.allCases { #expect(list.contains(f.rawValue)) }
        let (rcFit, _, err) = try runProcess(Repository.binary, ["fit", good.path, bad.path, "--circuit", "R0-p(R1,C1)", "--starts", "2", "-o", dir.path])
        #expect(rcFit == 2, "\(err)")
        #expect(err.contains("bad.csv:3:") && err.contains("1 of 3 spectra failed"), "\(err)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("two-1.fit.json").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("two-2.fit.json").path))
        let (rcBad, _, errBad) = try runProcess(Repository.binary, ["read", bad.path])
        #expect(rcBad == 2)
        #expect(errBad.contains("bad.csv:3:"), "\(errBad)")
    }
}
