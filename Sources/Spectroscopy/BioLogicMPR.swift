import ComplexModule
import Glibc
import LithicCore

/// BioLogic EC-Lab's binary `.mpr` data file, read from its publicly described layout (the
/// reverse-engineered description behind the `galvani` project; BioLogic publishes none):
///
/// - 52 bytes of magic: `BIO-LOGIC MODULAR FILE\x1a`, blanks to 48 bytes, four zero bytes;
/// - then modules, each `MODULE` + a header: short name (10 bytes), long name (25), then
///   either `length, version` (u32 each) and an 8-byte date (older files), or
///   `max length, length, version, unknown` (u32 each) and the date (EC-Lab ≥ 11.50); the
///   header variant is recognised by where the date (`mm/dd/yy`) sits;
/// - the `VMP data  ` module: the point count (u32), the column count (u8), the column ids
///   (u8 each in version 0, u16 in versions 2 and 3), then the records from byte 100
///   (version 0), 405 (version 2) or 406 (version 3) of the module.
///
/// Each record holds the columns in id order, little-endian; ids 1, 2, 3, 21, 31 and 65 are
/// bit flags packed into one byte at the first flag's place. An unknown column id makes the
/// record size unknown, so it is an error naming the id (export the data as `.mpt` instead).
/// Impedance comes from freq/Hz (id 32) with Re(Z)/Ohm and −Im(Z)/Ohm (ids 37, 38), or |Z|
/// and phase (ids 36, 35); loops split on `z cycle` (469) or `cycle number` (24).
enum BioLogicMPR {
    static let magic = Array("BIO-LOGIC MODULAR FILE\u{1a}".utf8)

    static func matches(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// Byte size of each known column id's value.
    static let sizes: [Int: Int] = [
        4: 8, 5: 4, 6: 4, 7: 8, 8: 4, 9: 4, 11: 8, 13: 8, 16: 4, 17: 4, 19: 4, 20: 4, 23: 8, 24: 8, 26: 4, 32: 4, 33: 4, 34: 4, 35: 4,
        36: 4, 37: 4, 38: 4, 39: 2, 69: 4, 70: 4, 74: 8, 75: 4, 76: 4, 77: 4, 78: 4, 96: 4, 98: 4, 99: 4, 100: 4, 101: 4, 123: 8, 124: 8,
        125: 8, 126: 8, 131: 2, 163: 4, 168: 4, 169: 4, 172: 4, 173: 4, 241: 4, 242: 4, 271: 4, 274: 4, 326: 4, 430: 4, 431: 4, 432: 4,
        433: 4, 434: 4, 435: 4, 438: 8, 441: 4, 462: 4, 467: 8, 468: 4, 469: 4, 471: 4, 473: 4, 474: 4, 475: 4, 476: 4, 477: 4, 479: 4,
        480: 4, 491: 4, 498: 4, 502: 4, 505: 4, 509: 4,
    ]
    static let flagIDs: Set<Int> = [1, 2, 3, 21, 31, 65]
    /// Ids stored as 8-byte floats; the other 4-byte ones are floats too, 2-byte ones integers.
    static let integerIDs: Set<Int> = [39, 131, 468, 469]

    struct Reader {
        let bytes: [UInt8]
        let name: String
        func need(_ offset: Int, _ count: Int, _ what: String) throws {
            guard offset >= 0, count >= 0, offset <= bytes.count - count else {
                throw InputError(SourceLocation(file: name, line: 0, column: 0), "BioLogic .mpr ends inside \(what) (byte \(offset) of \(bytes.count); truncated file?)")
            }
        }
        func u8(_ o: Int) -> UInt32 { UInt32(bytes[o]) }
        func u16(_ o: Int) -> UInt32 { UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { u16(o) | u16(o + 2) << 16 }
        func f32(_ o: Int) -> Double { Double(Float(bitPattern: u32(o))) }
        func f64(_ o: Int) -> Double { Double(bitPattern: UInt64(u32(o)) | UInt64(u32(o + 4)) << 32) }
        func looksLikeDate(_ o: Int) -> Bool {
            guard o >= 0, o + 8 <= bytes.count else { return false }
            let d = bytes[o..<(o + 8)]
            return d.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2F || $0 == 0x2D } && (d.contains(0x2F) || d.contains(0x2D))
        }
    }

    static func read(_ bytes: [UInt8], name: String) throws -> [MeasuredSpectrum] {
        let r = Reader(bytes: bytes, name: name)
        let at = SourceLocation(file: name, line: 0, column: 0)
        var offset = 52
        try r.need(0, 52, "the file header")
        var data: (start: Int, length: Int, version: UInt32)?
        while offset < bytes.count {
            try r.need(offset, 6 + 35 + 12, "a module header")
            guard Array(bytes[offset..<(offset + 6)]) == Array("MODULE".utf8) else {
                throw InputError(at, "BioLogic .mpr: expected a MODULE at byte \(offset)")
            }
            let short = String(decoding: bytes[(offset + 6)..<(offset + 16)], as: UTF8.self)
            let fields = offset + 6 + 35
            let length: Int, version: UInt32, headerEnd: Int
            if r.looksLikeDate(fields + 8) {
                length = Int(r.u32(fields)); version = r.u32(fields + 4); headerEnd = fields + 16
            } else {
                try r.need(fields, 24, "a module header")
                length = Int(r.u32(fields + 4)); version = r.u32(fields + 8); headerEnd = fields + 24
            }
            try r.need(headerEnd, length, "module '\(short.trimmingSpaces())'")
            if short == "VMP data  " { data = (headerEnd, length, version) }
            offset = headerEnd + length
        }
        guard let data else { throw InputError(at, "BioLogic .mpr without a 'VMP data' module") }
        try r.need(data.start, 5, "the data module")
        let points = Int(r.u32(data.start))
        let columns = Int(r.u8(data.start + 4))
        var ids: [Int] = []
        let recordsStart: Int
        switch data.version {
        case 0:
            try r.need(data.start + 5, columns, "the column ids")
            ids = (0..<columns).map { Int(r.u8(data.start + 5 + $0)) }
            recordsStart = data.start + 100
        case 2, 3:
            try r.need(data.start + 5, 2 * columns, "the column ids")
            ids = (0..<columns).map { Int(r.u16(data.start + 5 + 2 * $0)) }
            recordsStart = data.start + (data.version == 3 ? 406 : 405)
        default:
            throw InputError(at, "BioLogic .mpr data module version \(data.version) is not known (versions 0, 2, 3 are); export the data as .mpt")
        }
        // Record layout.
        var offsets: [Int: Int] = [:]
        var recordSize = 0
        var flagsPlaced = false
        for id in ids {
            if flagIDs.contains(id) {
                if !flagsPlaced { recordSize += 1; flagsPlaced = true }
                continue
            }
            guard let size = sizes[id] else {
                throw InputError(at, "BioLogic .mpr column id \(id) is not known, so its records cannot be laid out; export the data as .mpt")
            }
            if offsets[id] == nil { offsets[id] = recordSize }
            recordSize += size
        }
        guard recordSize > 0 else { throw InputError(at, "BioLogic .mpr data module has no columns") }
        let available = (data.start + data.length - recordsStart) / recordSize
        guard points <= available else {
            throw InputError(at, "BioLogic .mpr declares \(points) records, the data module holds \(max(available, 0)) (truncated file?)")
        }
        func value(_ id: Int, _ k: Int) -> Double? {
            guard let o = offsets[id], let size = sizes[id] else { return nil }
            let p = recordsStart + k * recordSize + o
            if integerIDs.contains(id) { return size == 2 ? Double(r.u16(p)) : Double(r.u32(p)) }
            return size == 8 ? r.f64(p) : r.f32(p)
        }
        guard offsets[32] != nil else { throw InputError(at, "BioLogic .mpr holds no impedance data (no freq/Hz column)") }
        let cartesian = offsets[37] != nil && offsets[38] != nil
        guard cartesian || (offsets[36] != nil && offsets[35] != nil) else {
            throw InputError(at, "BioLogic .mpr has freq/Hz but neither Re(Z)/-Im(Z) nor |Z|/Phase(Z) columns")
        }
        let cycleID = offsets[469] != nil ? 469 : (offsets[24] != nil ? 24 : nil)
        var raw: [SpectrumReader.RawPoint] = []
        raw.reserveCapacity(points)
        for k in 0..<points {
            guard let f = value(32, k) else { continue }
            let z: Complex<Double>
            if cartesian, let re = value(37, k), let im = value(38, k) {
                z = Complex(re, -im)
            } else if let m = value(36, k), let ph = value(35, k) {
                z = Complex(m * cos(ph * .pi / 180), m * sin(ph * .pi / 180))
            } else { continue }
            raw.append(SpectrumReader.RawPoint(frequency: f, impedance: z, line: k + 1, cycle: cycleID.flatMap { value($0, k) }))
        }
        var notes = ["binary file: a point's 'line' is its record number"]
        if !cartesian { notes.append("impedance computed from |Z| and Phase(Z) (degrees)") }
        return SpectrumReader.spectra(raw, name: name, format: .biologicMPR, notes: notes)
    }
}
