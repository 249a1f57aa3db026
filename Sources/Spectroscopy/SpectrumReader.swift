import ComplexModule
import RealModule
import FoundationEssentials
import Glibc
import LithicCore

/// A spectrum as read from a file: frequency (Hz) and impedance (Ω, Z'' < 0 capacitive).
public struct MeasuredSpectrum: Sendable {
    public var frequencies: [Double]
    public var impedances: [Complex<Double>]
    public var source: String
    /// What was recognised: `csv`, `biologic-mpt`, `gamry-dta`, `zplot-z`, `columns`.
    public var format: String
}

/// Readers for the files impedance instruments write: 3-column CSV (with or without header;
/// comma, semicolon, tab or blank separated; decimal commas), BioLogic EC-Lab `.mpt`, Gamry
/// `.DTA` (ZCURVE table), Scribner ZPlot/ZView `.z`, and column text exports with a header line
/// naming frequency, real and imaginary columns (Autolab, PARSTAT/VersaStudio text, CH
/// Instruments, PowerSuite). Columns holding −Z'' are recognised by their header and converted.
/// Anything malformed or truncated is an `InputError` naming the file, line and column.
public enum SpectrumReader {
    public static func read(path: String) throws -> MeasuredSpectrum {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read spectrum file '\(path)'")
        }
        return try read(bytes: [UInt8](data), name: path)
    }

    public static func read(bytes: [UInt8], name: String) throws -> MeasuredSpectrum {
        // Latin-1 fallback: instrument files often carry Ω or µ in a legacy code page.
        let text = String(bytes: bytes, encoding: .utf8) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw InputError(SourceLocation(file: name, line: 1, column: 1), "empty spectrum file") }
        let first = lines[0].trimmingSpaces()
        let spectrum: MeasuredSpectrum
        if first.hasPrefix("EC-Lab ASCII FILE") || first.hasPrefix("BT-Lab ASCII FILE") {
            spectrum = try biologic(lines, name)
        } else if first == "EXPLAIN" || lines.contains(where: { $0.hasPrefix("ZCURVE\tTABLE") }) {
            spectrum = try gamry(lines, name)
        } else if first.hasPrefix("ZPLOT") || lines.contains(where: { $0.trimmingSpaces() == "End Comments" }) {
            spectrum = try zplot(lines, name)
        } else if lines.contains(where: { $0.contains("<Segment1>") }) {
            spectrum = try versaStudio(lines, name)
        } else {
            spectrum = try columns(lines, name)
        }
        try validate(spectrum)
        return spectrum
    }

    static func location(_ name: String, _ line: Int, _ column: Int = 1) -> SourceLocation {
        SourceLocation(file: name, line: line, column: column)
    }

    static func validate(_ s: MeasuredSpectrum) throws {
        guard !s.frequencies.isEmpty else {
            throw InputError(location(s.source, 0), "no impedance data found (format \(s.format))")
        }
        for (k, f) in s.frequencies.enumerated() where !(f > 0 && f.isFinite) {
            throw InputError(location(s.source, 0), "frequency \(f) of point \(k + 1) is not a positive finite number")
        }
        for (k, z) in s.impedances.enumerated() where !(z.real.isFinite && z.imaginary.isFinite) {
            throw InputError(location(s.source, 0), "impedance of point \(k + 1) is not finite")
        }
    }

    /// Splits a data line on tabs, semicolons, commas or blanks; returns fields with their columns.
    static func fields(_ line: String, separator: Character?) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var current = ""
        var start = 1
        var column = 1
        let isSeparator: (Character) -> Bool = { c in
            if let separator { return c == separator }
            return c == " " || c == "\t"
        }
        for ch in line {
            if isSeparator(ch) {
                if !current.isEmpty || separator != nil { out.append((current.trimmingSpaces(), start)) }
                current = ""
                start = column + 1
            } else {
                if current.isEmpty { start = column }
                current.append(ch)
            }
            column += 1
        }
        if !current.isEmpty || separator != nil { out.append((current.trimmingSpaces(), start)) }
        return out
    }

    static func number(_ s: String, decimalComma: Bool) -> Double? {
        let t = decimalComma ? s.replacing(",", with: ".") : s
        return Double(t)
    }

    static func guessSeparator(_ line: String) -> Character? {
        if line.contains("\t") { return "\t" }
        if line.contains(";") { return ";" }
        if line.contains(",") { return "," }
        return nil
    }

    /// Reads rows starting at `start` until the first blank line or end, picking three columns.
    static func table(_ lines: [String], from start: Int, name: String, separator: Character?, decimalComma: Bool,
                      frequency: Int, real: Int, imaginary: Int, negateImaginary: Bool, format: String,
                      stopAtNonNumeric: Bool = false) throws -> MeasuredSpectrum {
        var f: [Double] = [], z: [Complex<Double>] = []
        for i in start..<lines.count {
            let line = lines[i]
            if line.trimmingSpaces().isEmpty { if f.isEmpty { continue } else { break } }
            let fs = fields(line, separator: separator)
            let needed = max(frequency, real, imaginary)
            guard fs.count > needed else {
                if stopAtNonNumeric && !f.isEmpty { break }
                throw InputError(location(name, i + 1), "expected at least \(needed + 1) columns, found \(fs.count) (truncated line?)")
            }
            var values: [Double] = []
            for c in [frequency, real, imaginary] {
                guard let v = number(fs[c].0, decimalComma: decimalComma) else {
                    if stopAtNonNumeric && !f.isEmpty { return MeasuredSpectrum(frequencies: f, impedances: z, source: name, format: format) }
                    throw InputError(location(name, i + 1, fs[c].1), "'\(fs[c].0)' is not a number")
                }
                values.append(v)
            }
            f.append(values[0])
            z.append(Complex(values[1], negateImaginary ? -values[2] : values[2]))
        }
        return MeasuredSpectrum(frequencies: f, impedances: z, source: name, format: format)
    }

    /// Headerless or headed 3-column text, or column text with a named header.
    static func columns(_ lines: [String], _ name: String) throws -> MeasuredSpectrum {
        // Find the header: the last non-numeric line before the first numeric one.
        var firstData = -1
        for (i, l) in lines.enumerated() {
            let t = l.trimmingSpaces()
            guard !t.isEmpty else { continue }
            let sep = guessSeparator(t)
            let fs = fields(t, separator: sep)
            let decimalComma = sep == ";" || (sep != "," && t.contains(","))
            if fs.count >= 3, fs.prefix(3).allSatisfy({ number($0.0, decimalComma: decimalComma) != nil }) { firstData = i; break }
        }
        guard firstData >= 0 else {
            throw InputError(location(name, 1), "no numeric data rows found (expected frequency, Z', Z'' columns)")
        }
        let sample = lines[firstData].trimmingSpaces()
        let separator = guessSeparator(sample)
        let decimalComma = separator == ";" || (separator != "," && sample.contains(","))
        var header: [String] = []
        for i in stride(from: firstData - 1, through: 0, by: -1) where !lines[i].trimmingSpaces().isEmpty {
            header = fields(lines[i], separator: guessSeparator(lines[i])).map { $0.0.lowercased() }
            break
        }
        var fc = 0, rc = 1, ic = 2
        var negate = false
        var format = "csv"
        if header.count >= 3 {
            func find(_ test: (String) -> Bool) -> Int? { header.firstIndex(where: test) }
            let f = find { $0.hasPrefix("freq") || $0.contains("frequency") || $0 == "f" || $0.hasPrefix("f (hz") || $0.hasPrefix("f/hz") }
            let r = find { h in
                let s = h.replacing(" ", with: "")
                return s.hasPrefix("z'") && !s.hasPrefix("z''") || s.hasPrefix("zre") || s.hasPrefix("re(z") || s.hasPrefix("z_re") || s.hasPrefix("real") || s.hasPrefix("z'(")
            }
            let i = find { h in
                let s = h.replacing(" ", with: "")
                return s.hasPrefix("z''") || s.hasPrefix("-z''") || s.hasPrefix("z\"") || s.hasPrefix("-z\"") || s.hasPrefix("zim") || s.hasPrefix("-zim")
                    || s.hasPrefix("im(z") || s.hasPrefix("-im(z") || s.hasPrefix("z_im") || s.hasPrefix("-z_im") || s.hasPrefix("imag") || s.hasPrefix("-imag")
            }
            if let f, let r, let i {
                fc = f; rc = r; ic = i
                negate = header[i].replacing(" ", with: "").hasPrefix("-")
                format = "columns"
            }
        }
        return try table(lines, from: firstData, name: name, separator: separator, decimalComma: decimalComma,
                         frequency: fc, real: rc, imaginary: ic, negateImaginary: negate, format: format)
    }

    /// BioLogic EC-Lab `.mpt`: "Nb header lines : N", the last header line names the columns.
    static func biologic(_ lines: [String], _ name: String) throws -> MeasuredSpectrum {
        guard let countLine = lines.firstIndex(where: { $0.hasPrefix("Nb header lines") }),
              let n = Int(lines[countLine].components(separatedBy: ":").last?.trimmingSpaces() ?? ""),
              n >= 1, n <= lines.count else {
            throw InputError(location(name, 2), "BioLogic file without a valid 'Nb header lines' count")
        }
        let header = lines[n - 1].components(separatedBy: "\t").map { $0.trimmingSpaces() }
        guard let f = header.firstIndex(where: { $0.hasPrefix("freq/Hz") }),
              let r = header.firstIndex(where: { $0.hasPrefix("Re(Z)/Ohm") }),
              let i = header.firstIndex(where: { $0.hasPrefix("-Im(Z)/Ohm") || $0.hasPrefix("Im(Z)/Ohm") }) else {
            throw InputError(location(name, n), "BioLogic header has no freq/Hz, Re(Z)/Ohm and -Im(Z)/Ohm columns")
        }
        let sample = n < lines.count ? lines[n] : ""
        let decimalComma = sample.contains(",") && !sample.contains(".")
        return try table(lines, from: n, name: name, separator: "\t", decimalComma: decimalComma, frequency: f, real: r, imaginary: i,
                         negateImaginary: header[i].hasPrefix("-"), format: "biologic-mpt")
    }

    /// Gamry `.DTA`: the ZCURVE TABLE (column names, units, then rows starting with a tab).
    static func gamry(_ lines: [String], _ name: String) throws -> MeasuredSpectrum {
        guard let t = lines.firstIndex(where: { $0.hasPrefix("ZCURVE\tTABLE") }), t + 2 < lines.count else {
            throw InputError(location(name, 1), "Gamry file without a ZCURVE TABLE")
        }
        let header = lines[t + 1].components(separatedBy: "\t").map { $0.trimmingSpaces() }
        guard let f = header.firstIndex(of: "Freq"), let r = header.firstIndex(of: "Zreal"), let i = header.firstIndex(of: "Zimag") else {
            throw InputError(location(name, t + 2), "ZCURVE table has no Freq, Zreal and Zimag columns")
        }
        // Rows follow the units line; the table ends at the first line not starting with a tab.
        var rows = t + 3
        var end = rows
        while end < lines.count, lines[end].hasPrefix("\t") { end += 1 }
        if end == rows { throw InputError(location(name, t + 3), "ZCURVE table is empty (aborted run?)") }
        let decimalComma = lines[rows].contains(",") && !lines[rows].contains(".")
        let slice = Array(lines[0..<end])
        rows = max(rows, 0)
        return try table(slice, from: rows, name: name, separator: "\t", decimalComma: decimalComma, frequency: f, real: r, imaginary: i,
                         negateImaginary: false, format: "gamry-dta")
    }

    /// VersaStudio `.par`: the first segment `<Segment1>` … `</Segment1>`; its data rows start
    /// four lines after the opening tag (after the definition lines) and are comma-separated with
    /// frequency in column 10 and Z', Z'' in columns 15 and 16 (1-based), the layout impedance.py
    /// reads too.
    static func versaStudio(_ lines: [String], _ name: String) throws -> MeasuredSpectrum {
        guard let open = lines.firstIndex(where: { $0.contains("<Segment1>") }) else {
            throw InputError(location(name, 1), "VersaStudio file without <Segment1>")
        }
        guard let close = lines[open...].firstIndex(where: { $0.contains("</Segment1>") }) else {
            throw InputError(location(name, open + 1), "<Segment1> is not closed (truncated file?)")
        }
        // Skip the definition lines: data rows are those whose first field is a number.
        var start = open + 1
        while start < close, fields(lines[start], separator: ",").first.map({ Double($0.0) == nil }) ?? true { start += 1 }
        guard start < close else { throw InputError(location(name, open + 1), "<Segment1> holds no data rows") }
        return try table(Array(lines[0..<close]), from: start, name: name, separator: ",", decimalComma: false, frequency: 9, real: 14, imaginary: 15,
                         negateImaginary: false, format: "versastudio-par")
    }

    /// Scribner ZPlot/ZView `.z`: header to "End Comments", then comma-separated rows
    /// Freq, Ampl, Bias, Time, Z', Z'', GD, Err, Range.
    static func zplot(_ lines: [String], _ name: String) throws -> MeasuredSpectrum {
        guard let endComments = lines.firstIndex(where: { $0.trimmingSpaces() == "End Comments" }) else {
            throw InputError(location(name, 1), "ZPlot file without an 'End Comments' line")
        }
        // Rows are comma- or tab-separated depending on the ZPlot version.
        let sample = endComments + 1 < lines.count ? lines[endComments + 1] : ""
        let separator: Character = sample.contains("\t") ? "\t" : ","
        return try table(lines, from: endComments + 1, name: name, separator: separator, decimalComma: false, frequency: 0, real: 4, imaginary: 5,
                         negateImaginary: false, format: "zplot-z")
    }
}
