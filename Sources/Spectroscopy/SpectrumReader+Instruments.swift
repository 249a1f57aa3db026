import ComplexModule
import FoundationEssentials
import LithicCore

/// The instrument layouts with a framing of their own (see `SpectrumFormat.layout`).
extension SpectrumReader {
    /// BioLogic EC-Lab `.mpt`: "Nb header lines : N", the N-th line names the columns; loops
    /// are split by the `z cycle` / `cycle number` column.
    static func biologic(_ lines: [String], _ name: String) throws -> [MeasuredSpectrum] {
        guard let countLine = lines.prefix(10).firstIndex(where: { $0.hasPrefix("Nb header lines") }) else {
            throw InputError(location(name, 2), "BioLogic file without an 'Nb header lines : N' line")
        }
        let countText = lines[countLine].split(separator: ":").last.map { String($0).trimmingSpaces() } ?? ""
        guard let n = Int(countText), n >= 1, n <= lines.count else {
            throw InputError(location(name, countLine + 1), "'Nb header lines' count '\(countText)' is not a line number of this \(lines.count)-line file")
        }
        var header = fields(lines[n - 1], separator: "\t").map(\.0)
        while header.last == "" { header.removeLast() }
        let sample = lines[n...].first { !$0.trimmingSpaces().isEmpty } ?? ""
        let decimalComma = sample.contains(",") && !sample.contains(".")
        var notes: [String] = []
        var found = roles(header)
        if found == nil, !header.contains(where: { isFrequency(normalised($0)) }),
           fields(sample, separator: "\t").filter({ !$0.0.isEmpty }).count == header.count + 1,
           let shiftedRoles = roles(["freq/Hz"] + header) {
            // EC-Lab 11 exports sometimes leave freq/Hz out of the column line; the rows still
            // start with it.
            found = shiftedRoles
            notes.append("the column line (line \(n)) lacks freq/Hz; the rows' first column is taken as frequency")
        }
        guard let roles = found else {
            throw InputError(location(name, n), "BioLogic column line has no freq/Hz with Re(Z)/Ohm and -Im(Z)/Ohm (or |Z|/Ohm and Phase(Z)/deg) columns")
        }
        let (points, _) = try rows(lines, from: n, name: name, separator: "\t", decimalComma: decimalComma, roles: roles)
        return spectra(points, name: name, format: .biologicMPT, notes: notes + roles.notes)
    }

    /// Gamry `.DTA`: every ZCURVE TABLE (column names, units, then rows starting with a tab) is
    /// a spectrum.
    static func gamry(_ lines: [String], _ name: String) throws -> [MeasuredSpectrum] {
        let tables = lines.indices.filter { lines[$0].hasPrefix("ZCURVE\tTABLE") }
        guard !tables.isEmpty else { throw InputError(location(name, 1), "Gamry file without a ZCURVE TABLE") }
        var out: [MeasuredSpectrum] = []
        for (k, t) in tables.enumerated() {
            guard t + 2 < lines.count else { throw InputError(location(name, t + 1), "ZCURVE table without its column and unit lines (truncated file?)") }
            let header = fields(lines[t + 1], separator: "\t").map(\.0)
            guard let roles = roles(header) else {
                throw InputError(location(name, t + 2), "ZCURVE table has no Freq, Zreal and Zimag columns")
            }
            let start = t + 3
            var end = start
            while end < lines.count, lines[end].hasPrefix("\t") { end += 1 }
            guard end > start else { throw InputError(location(name, t + 3), "ZCURVE table is empty (aborted run?)") }
            let decimalComma = lines[start].contains(",") && !lines[start].contains(".")
            let (points, _) = try rows(lines, from: start, to: end, name: name, separator: "\t", decimalComma: decimalComma, roles: roles)
            var notes = roles.notes
            if end < lines.count, lines[end].hasPrefix("EXPERIMENTABORTED") { notes.append("the experiment was aborted after \(points.count) points (line \(end + 1))") }
            let label = tables.count > 1 ? "ZCURVE \(k + 1)" : ""
            out += spectra(points, name: name, format: .gamryDTA, splitSweeps: false, notes: notes).map { var s = $0; if s.label.isEmpty { s.label = label }; return s }
        }
        return out
    }

    /// Scribner ZPlot `.z` and the Autolab/FRA Z60W file that shares its layout: rows after
    /// "End Comments", or after the quoted column line that follows the numeric settings line
    /// and the point count. Columns: Freq, Ampl, Bias, Time, Z', Z'', ….
    static func zplot(_ lines: [String], _ name: String, format: SpectrumFormat) throws -> [MeasuredSpectrum] {
        var start: Int
        var declared: Int?
        if let endComments = lines.firstIndex(where: { $0.trimmingSpaces() == "End Comments" }) {
            start = endComments + 1
        } else if let columnLine = lines.firstIndex(where: { let t = unquote($0.trimmingSpaces()).trimmingSpaces(); return t.hasPrefix("Freq") && t.contains("Z'") }) {
            start = columnLine + 1
            if columnLine > 0 { declared = Int(lines[columnLine - 1].trimmingSpaces()) }
        } else {
            throw InputError(location(name, 1), "\(format == .zplot ? "ZPlot" : "Z60W") file without an 'End Comments' line or a Freq column line")
        }
        while start < lines.count, lines[start].trimmingSpaces().isEmpty { start += 1 }
        let sample = start < lines.count ? lines[start] : ""
        let separator: Character = sample.contains("\t") ? "\t" : ","
        let roles = ColumnRoles(frequency: 0, impedance: .cartesian(real: 4, imaginary: 5, negateImaginary: false))
        let (points, trailing) = try rows(lines, from: start, name: name, separator: separator, decimalComma: false, roles: roles)
        var notes: [String] = []
        if let declared, declared != points.count { notes.append("the header declares \(declared) points, the file holds \(points.count) (an interrupted sweep?)") }
        if let trailing { notes.append("text from line \(trailing) on, after the table, ignored") }
        return spectra(points, name: name, format: format, notes: notes)
    }

    /// VersaStudio `.par`: each `<SegmentN>` block with impedance rows is a spectrum; its
    /// `Definition=` line names the columns. Segments without impedance rows (DC techniques,
    /// frequency 0) are skipped.
    static func versaStudio(_ lines: [String], _ name: String) throws -> [MeasuredSpectrum] {
        var out: [MeasuredSpectrum] = []
        var skippedSegments: [String] = []
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingSpaces()
            guard line.hasPrefix("<Segment"), !line.hasPrefix("</"), line.hasSuffix(">") else { i += 1; continue }
            let tag = String(line.dropFirst().dropLast())
            guard let close = lines[i...].firstIndex(where: { $0.trimmingSpaces() == "</\(tag)>" }) else {
                throw InputError(location(name, i + 1), "<\(tag)> is not closed (truncated file?)")
            }
            var roles = ColumnRoles(frequency: 9, impedance: .cartesian(real: 14, imaginary: 15, negateImaginary: false))
            var notes: [String] = []
            if let d = lines[i..<close].firstIndex(where: { $0.hasPrefix("Definition=") }) {
                let names = fields(String(lines[d].dropFirst("Definition=".count)), separator: ",").map(\.0)
                guard let found = Self.roles(names) else {
                    skippedSegments.append(tag)
                    i = close + 1
                    continue
                }
                roles = found
            } else {
                notes.append("<\(tag)> has no Definition= line; columns 10, 15, 16 taken as frequency, Z', Z''")
            }
            var start = i + 1
            while start < close, fields(lines[start], separator: ",").first.map({ number($0.0, decimalComma: false) == nil }) ?? true { start += 1 }
            let (points, _) = try rows(lines, from: start, to: close, name: name, separator: ",", decimalComma: false, roles: roles)
            let found = spectra(points, name: name, format: .versaStudio, splitSweeps: false, notes: notes + roles.notes)
            if found.isEmpty { skippedSegments.append(tag) }
            out += found.map { var s = $0; s.label = s.label.isEmpty ? tag : "\(tag), \(s.label)"; return s }
            i = close + 1
        }
        if out.isEmpty {
            throw InputError(location(name, 1), "VersaStudio file with no impedance segment" + (skippedSegments.isEmpty ? "" : " (segments \(skippedSegments.joined(separator: ", ")) hold no impedance rows)"))
        }
        if !skippedSegments.isEmpty {
            for k in out.indices { out[k].notes.append("segments without impedance rows skipped: \(skippedSegments.joined(separator: ", "))") }
        }
        if out.count == 1 { out[0].label = "" }
        return out
    }

    /// Ivium `.idf`/`.ids`: for each data set, `Title=` names it, a `primary_data` key is
    /// followed by the column count (3), the point count and rows Z', Z'', frequency.
    static func ivium(_ lines: [String], _ name: String) throws -> [MeasuredSpectrum] {
        var out: [MeasuredSpectrum] = []
        var i = 0
        while i < lines.count {
            guard lines[i].trimmingSpaces().hasPrefix("Title=") else { i += 1; continue }
            let title = String(lines[i].trimmingSpaces().dropFirst("Title=".count)).trimmingSpaces()
            guard let key = lines[i...].firstIndex(where: { $0.contains("primary_data") }) else { break }
            var j = key + 1
            func nextLine() -> Int? {
                while j < lines.count, lines[j].trimmingSpaces().isEmpty { j += 1 }
                guard j < lines.count else { return nil }
                defer { j += 1 }
                return j
            }
            guard let c = nextLine(), Int(lines[c].trimmingSpaces()) == 3 else {
                throw InputError(location(name, min(j, lines.count)), "Ivium primary_data: expected the column count 3")
            }
            guard let nl = nextLine(), let count = Int(lines[nl].trimmingSpaces()), count >= 0, count <= lines.count else {
                throw InputError(location(name, min(j, lines.count)), "Ivium primary_data: expected the point count")
            }
            var points: [RawPoint] = []
            for _ in 0..<count {
                guard let r = nextLine() else {
                    throw InputError(location(name, lines.count), "Ivium primary_data declares \(count) points, the file ends after \(points.count) (truncated?)")
                }
                let fs = fields(lines[r], separator: nil)
                let decimalComma = lines[r].contains(",") && !lines[r].contains(".")
                guard fs.count >= 3 else { throw InputError(location(name, r + 1), "expected Z', Z'', frequency, found \(fs.count) fields") }
                var v: [Double] = []
                for k in 0..<3 {
                    guard let x = number(fs[k].0, decimalComma: decimalComma) else {
                        throw InputError(location(name, r + 1, fs[k].1), "'\(fs[k].0)' is not a number")
                    }
                    v.append(x)
                }
                points.append(RawPoint(frequency: v[2], impedance: Complex(v[0], v[1]), line: r + 1))
            }
            out += spectra(points, name: name, format: .ivium, splitSweeps: false).map { var s = $0; s.label = title; return s }
            i = j
        }
        if out.count == 1 { out[0].label = "" }
        return out
    }
}
