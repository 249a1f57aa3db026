/// Numbers written the way SPICE users write them, with ngspice's scale-factor semantics.
///
/// `T`=1e12, `G`=1e9, `MEG`=1e6, `K`=1e3, `M`=1e-3 (milli, not mega), `MIL`=25.4e-6, `U`=1e-6,
/// `N`=1e-9, `P`=1e-12, `F`=1e-15. Letters after the number and its scale factor are ignored
/// (`10V`, `1KOhm` = 1e3, `1kHz`), and `A` is **not** atto (`1a` = 1.0), all as measured on
/// ngspice 39 (CIRCUITS.md §1.2). `µ` (UTF-8) is micro as `u`. Case-insensitive.
public enum SINumber {
    /// Parses a whole token. Returns nil when the token does not start with a number or when
    /// something other than letters follows the number.
    public static func parse<S: StringProtocol>(_ token: S) -> Double? {
        let bytes = Array(token.utf8)
        guard let (value, end) = parsePrefix(bytes, from: 0) else { return nil }
        var i = end
        while i < bytes.count {
            let c = bytes[i]
            let isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
            if !isLetter { return nil }
            i += 1
        }
        return value
    }

    /// Parses a number with optional scale suffix starting at `from`; returns the value and the
    /// index just past the mantissa, exponent and scale factor (trailing unit letters are not
    /// consumed; callers decide whether to skip them).
    public static func parsePrefix(_ b: [UInt8], from start: Int) -> (Double, Int)? {
        var i = start
        let n = b.count
        var text: [UInt8] = []
        if i < n, b[i] == 43 || b[i] == 45 { if b[i] == 45 { text.append(45) }; i += 1 }
        var digits = 0
        while i < n, b[i] >= 48, b[i] <= 57 { text.append(b[i]); i += 1; digits += 1 }
        if i < n, b[i] == 46 {
            text.append(46)
            i += 1
            while i < n, b[i] >= 48, b[i] <= 57 { text.append(b[i]); i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < n, b[i] == 101 || b[i] == 69 {  // e / E exponent, only if digits follow
            var j = i + 1
            var expNegative = false
            if j < n, b[j] == 43 || b[j] == 45 { expNegative = b[j] == 45; j += 1 }
            var e = 0
            var expDigits = 0
            while j < n, b[j] >= 48, b[j] <= 57 {
                if e < 100_000 { e = e * 10 + Int(b[j] - 48) }
                j += 1; expDigits += 1
            }
            if expDigits > 0 {
                exponent = expNegative ? -e : e
                i = j
            }
        }
        // The scale factor joins the decimal exponent, so "4.352n" is parsed as the correctly
        // rounded double nearest 4.352e-9 (no extra rounding from a multiplication).
        let (power, length, mil) = scaleExponent(b, at: i)
        i += length
        exponent += power
        let literal = String(decoding: text, as: UTF8.self) + "e\(exponent)"
        guard var value = Double(literal) else { return nil }
        if mil { value *= 25.4e-6 }
        // Trailing unit letters are ignored by ngspice.
        while i < n, isLetter(b[i]) { i += 1 }
        return (value, i)
    }

    /// The decimal exponent of the scale factor at `i`, the characters it occupies, and whether
    /// it is `mil` (which is not a power of ten).
    static func scaleExponent(_ b: [UInt8], at i: Int) -> (Int, Int, Bool) {
        func lower(_ k: Int) -> UInt8 { k < b.count ? (b[k] | 0x20) : 0 }
        switch lower(i) {
        case 116: return (12, 1, false)  // t
        case 103: return (9, 1, false)   // g
        case 107: return (3, 1, false)   // k
        case 117: return (-6, 1, false)  // u
        case 110: return (-9, 1, false)  // n
        case 112: return (-12, 1, false) // p
        case 102: return (-15, 1, false) // f
        case 109:                        // m, meg, mil
            if lower(i + 1) == 101, lower(i + 2) == 103 { return (6, 3, false) }
            if lower(i + 1) == 105, lower(i + 2) == 108 { return (0, 3, true) }
            return (-3, 1, false)
        default:
            // UTF-8 `µ` (U+00B5 MICRO SIGN) and `μ` (U+03BC GREEK SMALL LETTER MU): micro, as ngspice 39.
            if i + 1 < b.count, (b[i] == 0xC2 && b[i + 1] == 0xB5) || (b[i] == 0xCE && b[i + 1] == 0xBC) { return (-6, 2, false) }
            return (0, 0, false)
        }
    }

    /// A value in RKM notation (IEC 60062), the scale letter in place of the decimal point:
    /// `4k7` = 4.7e3, `2m5` = 2.5e-3, `4u7` = 4.7e-6, `1meg2` = 1.2e6 and, for resistors
    /// (`resistor: true`), `1r5` = 1.5. As newer ngspice reads R, C and L values (inpeval.c's
    /// INPevaluateRKM_R); ngspice 39 reads `4k7` as 4e3 without a word. Only the unambiguous form
    /// is accepted: an integer, one scale letter, digits (trailing unit letters allowed); no
    /// decimal point, exponent or `mil`. nil for anything else, including ordinary numbers.
    public static func parseRKM<S: StringProtocol>(_ token: S, resistor: Bool) -> Double? {
        let b = Array(token.utf8)
        var i = 0
        var negative = false
        if i < b.count, b[i] == 43 || b[i] == 45 { negative = b[i] == 45; i += 1 }
        let integerStart = i
        while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        guard i > integerStart, i < b.count else { return nil }
        let integerPart = b[integerStart..<i]
        var power: Int
        var length: Int
        if resistor, b[i] | 0x20 == 114 {  // r
            power = 0; length = 1
        } else {
            let (p, l, mil) = scaleExponent(b, at: i)
            guard l > 0, !mil else { return nil }
            power = p; length = l
        }
        i += length
        let fractionStart = i
        while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        guard i > fractionStart else { return nil }
        let fraction = b[fractionStart..<i]
        while i < b.count {
            guard isLetter(b[i]) else { return nil }
            i += 1
        }
        let literal = (negative ? "-" : "") + String(decoding: integerPart, as: UTF8.self) + "." + String(decoding: fraction, as: UTF8.self) + "e\(power)"
        return Double(literal)
    }

    private static func isLetter(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    /// Formats a value for messages: shortest round-trip text.
    public static func format(_ v: Double) -> String { "\(v)" }
}

extension Double {
    /// The value as an `Int` when it is finite, whole and within ±2⁵³; nil otherwise. For
    /// user-supplied numbers that must be counts or codes (`Int(_:)` traps on NaN, infinities
    /// and values beyond Int's range).
    public var exactInteger: Int? {
        guard isFinite, self == rounded(), abs(self) <= 9_007_199_254_740_992 else { return nil }
        return Int(self)
    }
}
