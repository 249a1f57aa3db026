import ComplexModule
import RealModule
import FoundationEssentials
import Glibc
import LithicCore

/// Text tables: which column holds what, and the rows.
extension SpectrumReader {
    /// Where a table keeps frequency and impedance, and the unit conversions it needs.
    struct ColumnRoles {
        enum Impedance {
            case cartesian(real: Int, imaginary: Int, negateImaginary: Bool)
            case polar(modulus: Int, phase: Int, negatePhase: Bool, radians: Bool)
        }
        var frequency: Int
        var impedance: Impedance
        var cycle: Int?
        var frequencyScale = 1.0
        var impedanceScale = 1.0

        var needed: Int {
            switch impedance {
            case .cartesian(let r, let i, _): max(frequency, r, i, cycle ?? 0) + 1
            case .polar(let m, let p, _, _): max(frequency, m, p, cycle ?? 0) + 1
            }
        }

        /// The conversions applied, for the spectrum's notes.
        var notes: [String] {
            var out: [String] = []
            switch impedance {
            case .cartesian(_, _, true): out.append("Z'' taken from a −Z'' column (sign changed)")
            case .polar(_, _, let negate, let radians):
                out.append("impedance computed from |Z| and \(negate ? "−" : "")phase (\(radians ? "radians" : "degrees"))")
            default: break
            }
            if frequencyScale != 1 { out.append("frequency column scaled by \(frequencyScale) to Hz") }
            if impedanceScale != 1 { out.append("impedance columns scaled by \(impedanceScale) to Ω") }
            return out
        }

        func shifted(by k: Int) -> ColumnRoles {
            var r = self
            r.frequency += k
            r.cycle = cycle.map { $0 + k }
            switch impedance {
            case .cartesian(let a, let b, let n): r.impedance = .cartesian(real: a + k, imaginary: b + k, negateImaginary: n)
            case .polar(let a, let b, let n, let rad): r.impedance = .polar(modulus: a + k, phase: b + k, negatePhase: n, radians: rad)
            }
            return r
        }
    }

    /// A column name reduced for matching: lower case, no blanks, typographic quotes and minus
    /// signs as ASCII, `"` as `''`.
    static func normalised(_ name: String) -> String {
        var s = ""
        for ch in name.lowercased() {
            switch ch {
            case " ", "\t": continue
            case "−", "–": s.append("-")
            case "’", "′", "‘", "´": s.append("'")
            case "″", "\"": s.append("''")
            default: s.append(ch)
            }
        }
        return s
    }

    /// The unit written in a column name: the text in its last parentheses or brackets, or after
    /// its last slash.
    static func unit(of name: String) -> String {
        let open = name.lastIndex(where: { $0 == "(" || $0 == "[" })
        let slash = name.lastIndex(of: "/")
        if let slash, open.map({ slash > $0 }) ?? true { return String(name[name.index(after: slash)...]).trimmingSpaces() }
        if let open {
            return String(name[name.index(after: open)...].prefix { $0 != ")" && $0 != "]" }).trimmingSpaces()
        }
        return ""
    }

    /// SI prefix of a unit whose base is `base` (case-sensitive: `mΩ` is milli, `MΩ` mega).
    static func prefixScale(_ unit: String, bases: [String]) -> Double? {
        for b in bases {
            guard unit.lowercased().hasSuffix(b) else { continue }
            let p = unit.dropLast(b.count)
            switch p {
            case "": return 1
            case "k", "K": return 1e3
            case "M": return 1e6
            case "G": return 1e9
            case "m": return 1e-3
            default: return nil
            }
        }
        return nil
    }

    static func isFrequency(_ n: String) -> Bool {
        n.hasPrefix("freq") || n == "f" || n.hasPrefix("f(") || n.hasPrefix("f/") || n.hasPrefix("f[")
    }

    static func isReal(_ n: String) -> Bool {
        (n.hasPrefix("z'") && !n.hasPrefix("z''")) || n.hasPrefix("zre") || n.hasPrefix("re(z") || n.hasPrefix("z_re") || n.hasPrefix("real")
            || n == "re" || n.hasPrefix("re/")
    }

    /// An imaginary-part column; `negated` when it holds −Z''.
    static func imaginary(_ n: String) -> Bool? {
        let negated = n.hasPrefix("-")
        let s = negated ? String(n.dropFirst()) : n
        let match = s.hasPrefix("z''") || s.hasPrefix("zim") || s.hasPrefix("im(z") || s.hasPrefix("z_im") || s.hasPrefix("imag") || s == "im"
            || s.hasPrefix("im/")
        return match ? negated : nil
    }

    static func isModulus(_ n: String) -> Bool {
        n.hasPrefix("|z|") || n.hasPrefix("zmod") || n.hasPrefix("mod(z") || n.hasPrefix("abs(z") || n == "z" || n.hasPrefix("z/") || n.hasPrefix("z(")
            || n.hasPrefix("z[") || n.hasPrefix("magnitude") || n.hasPrefix("modulus") || n.hasPrefix("|impedance|")
    }

    static func phase(_ n: String) -> (negated: Bool, radians: Bool)? {
        let negated = n.hasPrefix("-")
        let s = negated ? String(n.dropFirst()) : n
        let match = s.hasPrefix("phase") || s.hasPrefix("zphz") || s.hasPrefix("phz") || s.hasPrefix("phi") || s.hasPrefix("theta")
            || s.hasPrefix("arg(z") || s.hasPrefix("θ") || s.hasPrefix("φ")
        return match ? (negated, s.contains("rad")) : nil
    }

    static func isCycle(_ n: String) -> Bool {
        n == "cyclenumber" || n == "zcycle" || n == "cycle" || n == "loop" || n == "cycle#" || n == "sweep#" || n == "sweepnumber"
    }

    /// The roles of a header's columns; nil when it names no frequency or no impedance.
    static func roles(_ header: [String]) -> ColumnRoles? {
        let n = header.map(normalised)
        guard let f = n.firstIndex(where: isFrequency) else { return nil }
        let cycle = n.lastIndex(where: { $0 == "zcycle" }) ?? n.firstIndex(where: isCycle)
        var roles: ColumnRoles
        if let r = n.firstIndex(where: isReal), let i = n.firstIndex(where: { imaginary($0) != nil }), let negated = imaginary(n[i]) {
            roles = ColumnRoles(frequency: f, impedance: .cartesian(real: r, imaginary: i, negateImaginary: negated), cycle: cycle)
            let u = unit(of: header[r])
            roles.impedanceScale = prefixScale(u, bases: ["ohms", "ohm", "ω"]) ?? 1
        } else if let m = n.firstIndex(where: isModulus), let p = n.firstIndex(where: { phase($0) != nil }), let ph = phase(n[p]) {
            roles = ColumnRoles(frequency: f, impedance: .polar(modulus: m, phase: p, negatePhase: ph.negated, radians: ph.radians), cycle: cycle)
            roles.impedanceScale = prefixScale(unit(of: header[m]), bases: ["ohms", "ohm", "ω"]) ?? 1
        } else {
            return nil
        }
        roles.frequencyScale = prefixScale(unit(of: header[f]), bases: ["hz"]) ?? 1
        return roles
    }

    /// Reads table rows from `start` on: blank and `#` lines are skipped, a text line ends a
    /// block (a repeated header, a section title: the next rows are another block), a row with
    /// too few fields or a non-number where a number belongs is an error at its line and column.
    /// `stop` ends the table at the first line it accepts.
    static func rows(_ lines: [String], from start: Int, to end: Int? = nil, name: String, separator: Character?, decimalComma: Bool,
                     roles: ColumnRoles, stop: ((String) -> Bool)? = nil) throws -> (points: [RawPoint], trailing: Int?) {
        var points: [RawPoint] = []
        var block = 0
        var lastBreak: Int?
        let limit = min(end ?? lines.count, lines.count)
        var i = start
        while i < limit {
            let line = lines[i]
            if let stop, stop(line) { break }
            let t = line.trimmingSpaces()
            if t.isEmpty || t.hasPrefix("#") || t.hasPrefix("%") { i += 1; continue }
            let fs = fields(line, separator: separator)
            let numeric = fs.filter { number($0.0, decimalComma: decimalComma) != nil }.count
            if fs.count < roles.needed {
                if numeric > 0 {
                    throw InputError(location(name, i + 1), "expected at least \(roles.needed) columns, found \(fs.count) (truncated line?)")
                }
                if !points.isEmpty { block += 1; lastBreak = i + 1 }
                i += 1
                continue
            }
            func value(_ c: Int) throws -> Double? {
                if let v = number(fs[c].0, decimalComma: decimalComma) { return v }
                if numeric * 2 >= fs.count || fs[c].0.isEmpty {
                    let shown = fs[c].0.isEmpty ? "an empty field" : "'\(fs[c].0)'"
                    throw InputError(location(name, i + 1, fs[c].1), "\(shown) is not a number (column \(c + 1))")
                }
                return nil
            }
            guard let f = try value(roles.frequency) else {
                if !points.isEmpty { block += 1; lastBreak = i + 1 }
                i += 1
                continue
            }
            var z: Complex<Double>
            switch roles.impedance {
            case .cartesian(let r, let im, let negate):
                guard let a = try value(r), let b = try value(im) else { i += 1; continue }
                z = Complex(a, negate ? -b : b)
            case .polar(let m, let p, let negate, let radians):
                guard let a = try value(m), let b = try value(p) else { i += 1; continue }
                let phi = (negate ? -b : b) * (radians ? 1 : Double.pi / 180)
                z = Complex(a * cos(phi), a * sin(phi))
            }
            var cycle: Double?
            if let c = roles.cycle, c < fs.count { cycle = number(fs[c].0, decimalComma: decimalComma) }
            points.append(RawPoint(frequency: f * roles.frequencyScale, impedance: z * Complex(roles.impedanceScale, 0), line: i + 1, cycle: cycle, block: block))
            i += 1
        }
        let trailing = lastBreak.flatMap { b in (points.last?.line ?? 0) < b ? b : nil }
        return (points, trailing)
    }

    /// Headerless or headed text tables (CSV, TSV, blank-separated; Autolab NOVA, PARSTAT, CH
    /// Instruments, PowerSuite exports): the data starts at the first line with three or more
    /// numbers, the line before it (if it names columns) says which is which.
    static func columns(_ lines: [String], _ name: String) throws -> (SpectrumFormat, [MeasuredSpectrum]) {
        var firstData = -1
        var shape: (separator: Character?, decimalComma: Bool, numeric: Int, count: Int) = (nil, false, 0, 0)
        for (i, l) in lines.enumerated() {
            let t = l.trimmingSpaces()
            guard !t.isEmpty, !t.hasPrefix("#") else { continue }
            let c = classify(t)
            if c.numeric >= 3, c.numeric * 2 >= c.count { firstData = i; shape = c; break }
        }
        guard firstData >= 0 else {
            throw InputError(location(name, 1), "no numeric data rows found (expected frequency, Z', Z'' columns; formats: lithic fit --list-formats)")
        }
        var headerIndex: Int?
        var header: [String] = []
        for i in stride(from: firstData - 1, through: 0, by: -1) {
            var t = lines[i].trimmingSpaces()
            guard !t.isEmpty else { continue }
            if t.hasPrefix("#") { t = String(t.dropFirst()).trimmingSpaces() }
            header = fields(t, separator: shape.separator).map(\.0)
            while header.last == "" { header.removeLast() }
            headerIndex = i
            break
        }
        let preamble = lines[0..<firstData].joined(separator: "\n")
        var format: SpectrumFormat = .columns
        var notes: [String] = []
        let roles: ColumnRoles
        if let found = Self.roles(header) {
            roles = found
            let n = Set(header.map(normalised))
            if n.contains("zre(ohms)") && n.contains("potential(v)") { format = .parstat }
            else if preamble.contains("A.C. Impedance") || preamble.contains("Instrument Model:  CHI") { format = .chInstruments }
            else if header.map(normalised) == ["frequency", "zre", "zimg"] { format = .powerSuite }
            else if n.contains("frequency(hz)") && (n.contains("-z''(ω)") || n.contains("-phase(°)")) { format = .autolabNOVA }
        } else {
            let looksLikeColumns = header.count >= 3 && header.count >= shape.count - 1 && header.allSatisfy { number($0, decimalComma: shape.decimalComma) == nil }
            if let h = headerIndex, looksLikeColumns, header.contains(where: { isFrequency(normalised($0)) }) {
                throw InputError(location(name, h + 1), "the column line names a frequency column but no Z'/Z'' (or |Z|/phase) columns: "
                                 + header.map { "'\($0)'" }.joined(separator: ", "))
            }
            if let h = headerIndex, looksLikeColumns {
                throw InputError(location(name, h + 1), "the line before the data looks like a column header but names no frequency column: "
                                 + header.prefix(8).map { "'\($0)'" }.joined(separator: ", ") + " (expected e.g. freq, Z', Z''; formats: lithic fit --list-formats)")
            }
            roles = ColumnRoles(frequency: 0, impedance: .cartesian(real: 1, imaginary: 2, negateImaginary: false))
            format = .csv
            if shape.count > 3 { notes.append("no column header: columns 1–3 taken as frequency (Hz), Z' (Ω), Z'' (Ω); \(shape.count - 3) more ignored") }
        }
        let (points, trailing) = try rows(lines, from: firstData, name: name, separator: shape.separator, decimalComma: shape.decimalComma, roles: roles)
        if let trailing { notes.append("text from line \(trailing) on, after the table, ignored") }
        return (format, spectra(points, name: name, format: format, notes: notes + roles.notes))
    }
}
