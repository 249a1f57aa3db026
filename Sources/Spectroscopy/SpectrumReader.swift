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
    /// The layout recognised (a `SpectrumFormat` raw value: `csv`, `biologic-mpt`, `gamry-dta`, …).
    public var format: String
    /// The file's line (1-based) of each point; for a binary file, the record number.
    public var lines: [Int] = []
    /// Which spectrum of the file this is (`ZCURVE 2`, `cycle 3`, `Segment2`, `sweep 2`); empty
    /// when the file holds one.
    public var label: String = ""
    /// What the reader skipped or converted on the way (DC rows, −Z'' or |Z|/phase columns,
    /// unit prefixes), for `lithic read`.
    public var notes: [String] = []

    public init(frequencies: [Double], impedances: [Complex<Double>], source: String, format: String,
                lines: [Int] = [], label: String = "", notes: [String] = []) {
        self.frequencies = frequencies
        self.impedances = impedances
        self.source = source
        self.format = format
        self.lines = lines
        self.label = label
        self.notes = notes
    }

    /// Points with Z'' > 0 (inductive), which many fits drop.
    public var inductivePoints: Int { impedances.filter { $0.imaginary > 0 }.count }
}

/// Everything a file held: its layout, how its text was encoded, and each spectrum.
public struct SpectrumFile: Sendable {
    public var path: String
    public var format: SpectrumFormat
    /// `UTF-8`, `UTF-16LE with BOM`, `Latin-1`, …, or `binary`.
    public var encoding: String
    /// `LF`, `CRLF`, `CR`, `CR CR LF`, `mixed (…)`, or `binary`.
    public var lineEndings: String
    public var spectra: [MeasuredSpectrum]
}

/// Readers for the files impedance instruments write (see `SpectrumFormat` for every layout):
/// the format is recognised from the content, text in any encoding and with any line ends.
/// A file with several spectra (Gamry ZCURVE tables, BioLogic loops, VersaStudio segments,
/// repeated sweeps) gives each. Anything malformed or truncated is an `InputError` naming the
/// file, its line (and column where there is one) and the reason; a point's own line is kept so
/// that a NaN or a zero frequency met later is reported there too.
public enum SpectrumReader {
    /// Reads every spectrum of a file.
    public static func readFile(path: String) throws -> SpectrumFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read spectrum file '\(path)'")
        }
        return try readFile(bytes: [UInt8](data), name: path)
    }

    /// The first spectrum of a file, or spectrum N of `PATH#N` (1-based) when `PATH#N` itself
    /// is not a file.
    public static func read(path: String) throws -> MeasuredSpectrum {
        let (file, index) = selection(path)
        let all = try readFile(path: file)
        guard index >= 1, index <= all.spectra.count else {
            throw InputError(SourceLocation(file: file, line: 0, column: 0),
                             "spectrum #\(index) asked for, the file holds \(all.spectra.count) (\(all.format.rawValue))")
        }
        var s = all.spectra[index - 1]
        s.source = path
        return s
    }

    /// Splits `PATH#N` into the file and the spectrum number when the whole is not a file.
    public static func selection(_ path: String) -> (file: String, index: Int) {
        guard !FileManager.default.fileExists(atPath: path), let hash = path.lastIndex(of: "#"),
              let n = Int(path[path.index(after: hash)...]) else { return (path, 1) }
        return (String(path[..<hash]), n)
    }

    /// The first spectrum of a file's bytes.
    public static func read(bytes: [UInt8], name: String) throws -> MeasuredSpectrum {
        let file = try readFile(bytes: bytes, name: name)
        guard let first = file.spectra.first else {
            throw InputError(location(name, 0), "no impedance data found (format \(file.format.rawValue))")
        }
        return first
    }

    /// Recognises the layout and reads every spectrum.
    public static func readFile(bytes: [UInt8], name: String) throws -> SpectrumFile {
        if BioLogicMPR.matches(bytes) {
            let spectra = try BioLogicMPR.read(bytes, name: name)
            try spectra.forEach(validate)
            return SpectrumFile(path: name, format: .biologicMPR, encoding: "binary", lineEndings: "binary", spectra: spectra)
        }
        let text = SpectrumText(bytes: bytes)
        let lines = text.lines
        guard lines.contains(where: { !$0.trimmingSpaces().isEmpty }) else {
            throw InputError(location(name, 1), "empty spectrum file")
        }
        let (format, spectra) = try readText(lines, name)
        guard !spectra.isEmpty else {
            throw InputError(location(name, 1), "no impedance data found (format \(format.rawValue))")
        }
        try spectra.forEach(validate)
        return SpectrumFile(path: name, format: format, encoding: text.encoding, lineEndings: text.lineEndings, spectra: spectra)
    }

    static func readText(_ lines: [String], _ name: String) throws -> (SpectrumFormat, [MeasuredSpectrum]) {
        let first = lines.first { !$0.trimmingSpaces().isEmpty }.map { unquote($0.trimmingSpaces()) } ?? ""
        if first.hasPrefix("EC-Lab ASCII FILE") || first.hasPrefix("BT-Lab ASCII FILE") {
            return (.biologicMPT, try biologic(lines, name))
        }
        if first == "EXPLAIN" || lines.contains(where: { $0.hasPrefix("ZCURVE\tTABLE") }) {
            return (.gamryDTA, try gamry(lines, name))
        }
        if first.contains("Z60W") {
            return (.autolabFRA, try zplot(lines, name, format: .autolabFRA))
        }
        if first.hasPrefix("ZPLOT") || first.hasPrefix("ZPlot") || lines.contains(where: { $0.trimmingSpaces() == "End Comments" }) {
            return (.zplot, try zplot(lines, name, format: .zplot))
        }
        if lines.contains(where: { $0.contains("<Segment") }) {
            return (.versaStudio, try versaStudio(lines, name))
        }
        if lines.contains(where: { $0.trimmingSpaces().hasPrefix("Title=") }), lines.contains(where: { $0.contains("primary_data") }) {
            return (.ivium, try ivium(lines, name))
        }
        return try columns(lines, name)
    }

    static func location(_ name: String, _ line: Int, _ column: Int = 1) -> SourceLocation {
        SourceLocation(file: name, line: line, column: column)
    }

    /// Every point has a positive finite frequency and a finite impedance; the error names the
    /// point's line.
    static func validate(_ s: MeasuredSpectrum) throws {
        guard !s.frequencies.isEmpty else {
            throw InputError(location(s.source, 0), "no impedance data found (format \(s.format))")
        }
        let what = s.label.isEmpty ? "" : " (\(s.label))"
        for (k, f) in s.frequencies.enumerated() where !(f > 0 && f.isFinite) {
            let line = k < s.lines.count ? s.lines[k] : 0
            let reason = f == 0 ? "frequency 0 inside the impedance table (a DC row?)" : "frequency \(f) is not a positive finite number"
            throw InputError(location(s.source, line), "\(reason) at point \(k + 1)\(what)")
        }
        for (k, z) in s.impedances.enumerated() where !(z.real.isFinite && z.imaginary.isFinite) {
            let line = k < s.lines.count ? s.lines[k] : 0
            throw InputError(location(s.source, line), "impedance \(z.real) + \(z.imaginary)j of point \(k + 1)\(what) is not finite")
        }
    }

    // MARK: - Fields and numbers

    /// Splits a line on `separator` (or runs of blanks when nil), honouring double quotes;
    /// returns each field, trimmed and unquoted, with its 1-based column (in characters). A
    /// separator at the end gives a last, empty field. Works on the UTF-8 bytes (separators are
    /// ASCII), slicing the line rather than building fields character by character.
    static func fields(_ line: String, separator: Character?) -> [(String, Int)] {
        let sep = separator?.asciiValue
        let bytes = line.utf8
        var out: [(String, Int)] = []
        var start = bytes.startIndex, startColumn = 1
        var inField = false, quoted = false, sawSeparator = false
        var column = 1
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == 0x22 { quoted.toggle() }
            let splits = !quoted && (sep.map { b == $0 } ?? (b == 0x20 || b == 0x09))
            if splits {
                if inField {
                    out.append((unquote(String(line[start..<i]).trimmingSpaces()), startColumn))
                } else if sep != nil {
                    out.append(("", column))
                }
                inField = false
                sawSeparator = true
            } else if !inField, sep == nil || (b != 0x20 && b != 0x09) {
                inField = true
                start = i
                startColumn = column
            }
            if b & 0xC0 != 0x80 { column += 1 }
            i = bytes.index(after: i)
        }
        if inField {
            out.append((unquote(String(line[start..<bytes.endIndex]).trimmingSpaces()), startColumn))
        } else if sep != nil, sawSeparator {
            out.append(("", column))
        }
        return out
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, s.first == "\"", s.last == "\"" { return String(s.dropFirst().dropLast()).trimmingSpaces() }
        return s
    }

    /// A decimal number (decimal comma when asked); `nan`/`inf` are numbers (caught by
    /// validation at their line), hex and other forms are not.
    static func number(_ s: String, decimalComma: Bool) -> Double? {
        let t = decimalComma ? s.replacing(",", with: ".") : s
        guard let c = t.first, c.isNumber || c == "-" || c == "+" || c == "." || c == "n" || c == "N" || c == "i" || c == "I" else { return nil }
        if t.contains("x") || t.contains("X") { return nil }
        return Double(t)
    }

    /// How a data line is split: the separator giving the most numeric fields (tab, semicolon,
    /// comma, blanks, in that order on a tie) and whether commas are decimal marks.
    static func classify(_ line: String) -> (separator: Character?, decimalComma: Bool, numeric: Int, count: Int) {
        var best: (Character?, Bool, Int, Int) = (nil, false, 0, 0)
        // A data row has at least three digits; most header and comment lines are rejected here.
        guard line.utf8.lazy.filter({ $0 >= 0x30 && $0 <= 0x39 }).count >= 3 else { return best }
        let hasComma = line.utf8.contains(0x2C)
        let candidates: [(Character?, Bool)] = [("\t", hasComma && !line.contains(".")), ("\t", false), (";", hasComma), (",", false), (nil, hasComma && !line.contains(".")), (nil, false)]
        for (sep, comma) in candidates {
            if let sep, !line.contains(sep) { continue }
            let fs = fields(line, separator: sep)
            let numeric = fs.filter { number($0.0, decimalComma: comma) != nil }.count
            if numeric > best.2 { best = (sep, comma, numeric, fs.count) }
        }
        return best
    }

    // MARK: - Points into spectra

    /// A row read off a table, before it is known which spectrum it belongs to.
    struct RawPoint {
        var frequency: Double
        var impedance: Complex<Double>
        var line: Int
        var cycle: Double?
        /// Blocks of one table separated by text lines (a repeated header, a section title).
        var block = 0
    }

    /// Groups points into spectra: by the cycle column when there is one, then at blocks of DC
    /// rows (frequency 0: skipped at either end, a separator between two sweeps) and, when
    /// `splitSweeps`, where the frequency returns to the sweep's first value.
    static func spectra(_ points: [RawPoint], name: String, format: SpectrumFormat, blockLabel: String = "sweep",
                        splitSweeps: Bool = true, notes: [String] = []) -> [MeasuredSpectrum] {
        var groups: [[RawPoint]] = []
        var labels: [String] = []
        var current: [RawPoint] = []
        var skippedDC: [(Int, Int)] = []
        var skippedRows = 0
        func close(_ label: String) {
            if !current.isEmpty { groups.append(current); labels.append(label) }
            current = []
        }
        var k = 0
        var cycleLabel = ""
        while k < points.count {
            let p = points[k]
            if let last = current.last, last.cycle != p.cycle || last.block != p.block {
                close(cycleLabel)
            }
            if let c = p.cycle { cycleLabel = "cycle \(c.exactInteger.map(String.init) ?? "\(c)")" }
            if p.frequency == 0 {
                // A run of DC rows: skipped at an end, a separator when it splits two sweeps; a
                // single zero among impedance rows stays (and is an error at its line).
                var end = k
                while end < points.count, points[end].frequency == 0, points[end].cycle == p.cycle, points[end].block == p.block { end += 1 }
                let atStart = current.isEmpty, atEnd = end == points.count || points[end].cycle != p.cycle || points[end].block != p.block
                if atStart || atEnd || end - k >= 2 {
                    skippedDC.append((points[k].line, points[end - 1].line))
                    skippedRows += end - k
                    close(cycleLabel)
                    k = end
                    continue
                }
            } else if splitSweeps, current.count >= 3, let head = current.first, head.frequency > 0,
                      current[1].frequency > 0, abs(log(p.frequency / head.frequency)) < log(1.02),
                      let previous = current.last, previous.frequency > 0,
                      (p.frequency - previous.frequency) * (current[1].frequency - head.frequency) < 0 {
                close(cycleLabel)
            }
            current.append(p)
            k += 1
        }
        close(cycleLabel)
        var out: [MeasuredSpectrum] = []
        let dcNote = skippedDC.isEmpty ? [] : ["skipped \(skippedRows) DC row(s) (frequency 0, not impedance data): lines "
            + skippedDC.map { $0.0 == $0.1 ? "\($0.0)" : "\($0.0)–\($0.1)" }.joined(separator: ", ")]
        for (g, group) in groups.enumerated() {
            var label = labels[g]
            if groups.count > 1, label.isEmpty || labels.filter({ $0 == label }).count > 1 {
                label = label.isEmpty ? "\(blockLabel) \(g + 1)" : "\(label), \(blockLabel) \(g + 1)"
            }
            out.append(MeasuredSpectrum(frequencies: group.map(\.frequency), impedances: group.map(\.impedance), source: name,
                                        format: format.rawValue, lines: group.map(\.line), label: groups.count > 1 ? label : "",
                                        notes: notes + dcNote))
        }
        return out
    }
}
