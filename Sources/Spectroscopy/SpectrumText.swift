/// The text of an instrument export, decoded and split into lines the way an editor numbers them.
///
/// Instruments write whatever their host writes: UTF-8 with or without a byte-order mark,
/// UTF-16 (little- or big-endian, with a BOM, or without one from some Windows tools), or a
/// legacy 8-bit code page carrying `µ`/`°`/`Ω` (read as Latin-1). Lines end in LF, CRLF, old
/// Mac CR, or CR CR LF (a CRLF file passed once more through a text-mode conversion, as
/// PowerSuite's exports are). NUL, FS and RS control characters, which Ivium's exports carry, are dropped.
/// `lines[k]` is line `k + 1` of the file.
struct SpectrumText {
    var lines: [String]
    /// What the bytes were decoded as: `UTF-8`, `UTF-8 with BOM`, `UTF-16LE with BOM`, …, `Latin-1`.
    var encoding: String
    /// `LF`, `CRLF`, `CR`, `CR CR LF`, `none` (a single line) or `mixed (…)`.
    var lineEndings: String

    init(bytes: [UInt8]) {
        let (text, encoding) = Self.decode(bytes)
        self.encoding = encoding
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var seen: [String: Int] = [:]
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\r" {
                if i + 1 < scalars.count, scalars[i + 1] == "\n" {
                    seen["CRLF", default: 0] += 1
                    i += 1
                } else if i + 2 < scalars.count, scalars[i + 1] == "\r", scalars[i + 2] == "\n" {
                    seen["CR CR LF", default: 0] += 1
                    i += 2
                } else {
                    seen["CR", default: 0] += 1
                }
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else if s == "\n" {
                seen["LF", default: 0] += 1
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else if s != "\u{0}", s != "\u{1c}", s != "\u{1e}" {
                current.append(s)
            }
            i += 1
        }
        if !current.isEmpty { lines.append(String(current)) }
        self.lines = lines
        switch seen.count {
        case 0: lineEndings = "none"
        case 1: lineEndings = seen.keys.first ?? "none"
        default: lineEndings = "mixed (" + seen.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"
        }
    }

    /// Decodes by byte-order mark, then by the NUL pattern of BOM-less UTF-16 (ASCII text in
    /// UTF-16 has every other byte zero), then as strict UTF-8, else Latin-1.
    static func decode(_ bytes: [UInt8]) -> (String, String) {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            let body = Array(bytes[3...])
            if let s = String(validating: body, as: UTF8.self) { return (s, "UTF-8 with BOM") }
            return (latin1(body), "Latin-1 (after a UTF-8 BOM)")
        }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (utf16(bytes, from: 2, littleEndian: true), "UTF-16LE with BOM") }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (utf16(bytes, from: 2, littleEndian: false), "UTF-16BE with BOM") }
        // BOM-less UTF-16: in the first 512 bytes, most odd (LE) or even (BE) bytes are zero and
        // almost none of the others.
        let sample = bytes.prefix(512)
        if sample.count >= 8 {
            var zeroEven = 0, zeroOdd = 0
            for (k, b) in sample.enumerated() where b == 0 { if k % 2 == 0 { zeroEven += 1 } else { zeroOdd += 1 } }
            let half = sample.count / 2
            if zeroOdd * 10 >= half * 7, zeroEven * 10 <= half { return (utf16(bytes, from: 0, littleEndian: true), "UTF-16LE") }
            if zeroEven * 10 >= half * 7, zeroOdd * 10 <= half { return (utf16(bytes, from: 0, littleEndian: false), "UTF-16BE") }
        }
        if let s = String(validating: bytes, as: UTF8.self) { return (s, "UTF-8") }
        return (latin1(bytes), "Latin-1")
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
    }

    static func utf16(_ bytes: [UInt8], from start: Int, littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(max(0, (bytes.count - start) / 2))
        var k = start
        while k + 1 < bytes.count {
            let a = UInt16(bytes[k]), b = UInt16(bytes[k + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            k += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
