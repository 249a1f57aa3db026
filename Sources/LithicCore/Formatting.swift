import Glibc

/// A value that `String(format:)` can print: numbers go through the C library's `snprintf`
/// (correct rounding, the usual flags, width and precision), strings are padded to the width.
///
/// Lithic formats text without Foundation: leaving Foundation (CoreFoundation, ICU) out of the
/// binary keeps every run's resident memory 2 MiB smaller (BENCHMARKS.md).
public protocol FormatArgument {}
extension Double: FormatArgument {}
extension Int: FormatArgument {}
extension Int32: FormatArgument {}
extension UInt32: FormatArgument {}
extension String: FormatArgument {}
extension Substring: FormatArgument {}

extension String {
    /// printf-style formatting with the conversions `d i u x X o c e E f F g G a A s @ %`, flags,
    /// width and precision. Integer length modifiers are unnecessary (Int is 64-bit) and ignored.
    /// A number given for a string conversion, or the wrong kind of number, is converted rather
    /// than misread; a missing argument prints nothing.
    public init(format: String, _ arguments: any FormatArgument...) {
        let bytes = Array(format.utf8)
        var out = ""
        var i = 0, next = 0
        while i < bytes.count {
            if bytes[i] != 37 {  // not '%': copy the literal run
                var j = i
                while j < bytes.count, bytes[j] != 37 { j += 1 }
                out += String(decoding: bytes[i..<j], as: UTF8.self)
                i = j
                continue
            }
            if i + 1 < bytes.count, bytes[i + 1] == 37 { out += "%"; i += 2; continue }
            var j = i + 1
            while j < bytes.count, !Self.isConversion(bytes[j]) { j += 1 }
            guard j < bytes.count else { out += String(decoding: bytes[i...], as: UTF8.self); break }
            // Flags, width and precision without length modifiers (h, l, q, j, z, t, L).
            let body = bytes[(i + 1)..<j].filter { !"hlqjztL".utf8.contains($0) }
            let argument: (any FormatArgument)? = next < arguments.count ? arguments[next] : nil
            next += 1
            out += Self.formatOne(flags: body, conversion: bytes[j], argument)
            i = j + 1
        }
        self = out
    }

    private static func isConversion(_ c: UInt8) -> Bool {
        "diuxXocCeEfFgGaAsS@p".utf8.contains(c)
    }

    private static func formatOne(flags: [UInt8], conversion: UInt8, _ argument: (any FormatArgument)?) -> String {
        guard let argument else { return "" }
        switch conversion {
        case UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "@"):
            let text: String
            switch argument {
            case let s as String: text = s
            case let s as Substring: text = String(s)
            case let d as Double: text = "\(d)"
            case let n as Int: text = "\(n)"
            case let n as Int32: text = "\(n)"
            case let n as UInt32: text = "\(n)"
            default: text = ""
            }
            return pad(text, flags: flags)
        case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "u"), UInt8(ascii: "x"), UInt8(ascii: "X"),
             UInt8(ascii: "o"), UInt8(ascii: "c"), UInt8(ascii: "C"), UInt8(ascii: "p"):
            let value: Int
            switch argument {
            case let n as Int: value = n
            case let n as Int32: value = Int(n)
            case let n as UInt32: value = Int(n)
            case let d as Double: value = d.isFinite ? Int(d.rounded(.towardZero)) : 0
            default: value = 0
            }
            let c: UInt8 = conversion == UInt8(ascii: "C") ? UInt8(ascii: "c") : (conversion == UInt8(ascii: "p") ? UInt8(ascii: "x") : conversion)
            return cFormat(flags + (c == UInt8(ascii: "c") ? [] : [UInt8(ascii: "l")]) + [c], value)
        default:
            let value: Double
            switch argument {
            case let d as Double: value = d
            case let n as Int: value = Double(n)
            case let n as Int32: value = Double(n)
            case let n as UInt32: value = Double(n)
            default: value = .nan
            }
            return cFormat(flags + [conversion], value)
        }
    }

    /// Pads `text` to the width in `flags` (characters, left-justified with `-`).
    private static func pad(_ text: String, flags: [UInt8]) -> String {
        var leftJustify = false
        var digits: [UInt8] = []
        var k = 0
        while k < flags.count, "-+ #0".utf8.contains(flags[k]) {
            if flags[k] == UInt8(ascii: "-") { leftJustify = true }
            k += 1
        }
        while k < flags.count, flags[k] >= 48, flags[k] <= 57 { digits.append(flags[k]); k += 1 }
        var shown = text
        if k < flags.count, flags[k] == UInt8(ascii: ".") {
            let precision = Int(String(decoding: flags[(k + 1)...].prefix { $0 >= 48 && $0 <= 57 }, as: UTF8.self)) ?? 0
            shown = String(text.prefix(precision))
        }
        let width = Int(String(decoding: digits, as: UTF8.self)) ?? 0
        let fill = String(repeating: " ", count: Swift.max(0, width - shown.count))
        return leftJustify ? shown + fill : fill + shown
    }

    /// One C conversion `%<spec>` of one value, through `vsnprintf`.
    private static func cFormat(_ spec: [UInt8], _ value: CVarArg) -> String {
        let format = "%" + String(decoding: spec, as: UTF8.self)
        var buffer = [CChar](repeating: 0, count: 64)
        var needed = format.withCString { f in withVaList([value]) { vsnprintf(&buffer, buffer.count, f, $0) } }
        if needed >= Int32(buffer.count) {
            buffer = [CChar](repeating: 0, count: Int(needed) + 1)
            needed = format.withCString { f in withVaList([value]) { vsnprintf(&buffer, buffer.count, f, $0) } }
        }
        guard needed >= 0 else { return "" }
        return buffer.withUnsafeBufferPointer { b in
            String(decoding: UnsafeRawBufferPointer(b).prefix(Int(needed)), as: UTF8.self)
        }
    }
}

/// Writes to standard error without buffering (progress lines, warnings, summaries).
public enum StandardError {
    public static func write(_ text: String) {
        fputs(text, stderr)
    }
}
