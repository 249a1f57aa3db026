/// Numbers written the way SPICE users write them, with ngspice's scale-factor semantics.
///
/// `T`=1e12, `G`=1e9, `MEG`=1e6, `K`=1e3, `M`=1e-3 (milli, not mega), `MIL`=25.4e-6, `U`=1e-6,
/// `N`=1e-9, `P`=1e-12, `F`=1e-15. Letters after the number and its scale factor are ignored
/// (`10V`, `1KOhm` = 1e3, `1kHz`), and `A` is **not** atto (`1a` = 1.0), all as measured on
/// ngspice 39 (CIRCUITS.md §1.2). Case-insensitive.
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
        var negative = false
        if i < n, b[i] == 43 || b[i] == 45 { negative = b[i] == 45; i += 1 }
        var mantissa: Double = 0
        var digits = 0
        while i < n, b[i] >= 48, b[i] <= 57 {
            mantissa = mantissa * 10 + Double(b[i] - 48); i += 1; digits += 1
        }
        var fracScale: Double = 1
        var fraction: Double = 0
        if i < n, b[i] == 46 {
            i += 1
            while i < n, b[i] >= 48, b[i] <= 57 {
                fracScale /= 10; fraction += Double(b[i] - 48) * fracScale; i += 1; digits += 1
            }
        }
        guard digits > 0 else { return nil }
        var value = mantissa + fraction
        if i < n, b[i] == 101 || b[i] == 69 {  // e / E exponent, only if digits follow
            var j = i + 1
            var expNegative = false
            if j < n, b[j] == 43 || b[j] == 45 { expNegative = b[j] == 45; j += 1 }
            var exponent = 0
            var expDigits = 0
            while j < n, b[j] >= 48, b[j] <= 57 {
                if exponent < 10000 { exponent = exponent * 10 + Int(b[j] - 48) }
                j += 1; expDigits += 1
            }
            if expDigits > 0 {
                value = scaled(value, expNegative ? -exponent : exponent)
                i = j
            }
        }
        let (factor, length) = scaleFactor(b, at: i)
        value *= factor
        i += length
        // Trailing unit letters are ignored by ngspice.
        while i < n, isLetter(b[i]) { i += 1 }
        return (negative ? -value : value, i)
    }

    private static func isLetter(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    private static func scaled(_ v: Double, _ e: Int) -> Double {
        // Exact powers of ten where possible, saturating to 0/inf for silly exponents.
        var result = v
        if e > 0 {
            var k = min(e, 400)
            while k > 0 { result *= 10; k -= 1 }
        } else if e < 0 {
            var k = min(-e, 400)
            // Divide in one go when the power is exactly representable for better rounding.
            if k <= 22 { return v / pow10Exact(k) }
            while k > 0 { result /= 10; k -= 1 }
        }
        return result
    }

    private static func pow10Exact(_ k: Int) -> Double {
        var p: Double = 1
        for _ in 0..<k { p *= 10 }
        return p
    }

    /// The scale factor at `i` and the number of characters it occupies.
    static func scaleFactor(_ b: [UInt8], at i: Int) -> (Double, Int) {
        func lower(_ k: Int) -> UInt8 { k < b.count ? (b[k] | 0x20) : 0 }
        let c0 = lower(i)
        switch c0 {
        case 116: return (1e12, 1)  // t
        case 103: return (1e9, 1)   // g
        case 107: return (1e3, 1)   // k
        case 117: return (1e-6, 1)  // u
        case 110: return (1e-9, 1)  // n
        case 112: return (1e-12, 1) // p
        case 102: return (1e-15, 1) // f
        case 109:                   // m, meg, mil
            if lower(i + 1) == 101, lower(i + 2) == 103 { return (1e6, 3) }
            if lower(i + 1) == 105, lower(i + 2) == 108 { return (25.4e-6, 3) }
            return (1e-3, 1)
        default: return (1, 0)
        }
    }

    /// Formats a value for messages: shortest round-trip text.
    public static func format(_ v: Double) -> String { "\(v)" }
}
