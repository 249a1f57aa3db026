import FoundationEssentials
import Glibc
import LithicCore
import Netlist

/// A `.measure` result: its name and value (nil when the condition never happened, as ngspice
/// reports "failed").
public struct MeasureResult: Sendable {
    public var name: String
    public var analysis: String
    public var value: Double?
    public var message: String?
}

/// Evaluates `.measure`/`.meas` cards on finished plots (ngspice manual §15.4): TRIG/TARG,
/// FIND … WHEN, FIND … AT, WHEN, AVG, RMS, MIN, MAX, PP, INTEG, DERIV … AT, PARAM.
public enum MeasureEvaluator {
    /// A signal referenced by a measurement: a saved vector, a difference `v(a,b)`, or a
    /// complex view (`vdb`, `vm`, `vp`, `vr`, `vi`) of an AC vector.
    struct Signal { var values: [Double] }

    /// - Parameter parameters: the netlist's `.param` values, visible to PARAM expressions
    ///   (a measurement of the same name takes precedence once measured).
    public static func evaluate(_ cards: [([Token], Card)], plots: [Plot], parameters: [String: Double] = [:]) throws -> [MeasureResult] {
        var results: [MeasureResult] = []
        var known: [String: Double] = parameters
        for (tokens, card) in cards {
            guard tokens.count >= 2 else { throw InputError(card.location, ".measure needs an analysis type and a name") }
            let analysis = tokens[0].text
            let name = tokens[1].text
            guard ["tran", "ac", "dc", "op", "cycles", "cycler"].contains(analysis) else {
                // ngspice 39 (and its current tree, measure.c's chkAnalysisType) rejects abbreviations
                // such as `tra` too; its examples/measure/buggy-meas-tran.sp is that error on purpose.
                let guess = ["tran", "ac", "dc", "op"].first { $0.hasPrefix(analysis) || analysis.hasPrefix($0) }
                throw InputError(tokens[0].location, ".measure analysis must be tran, ac, dc or op, got '\(analysis)'" + (guess.map { " (did you mean '\($0)'? ngspice does not accept '\(analysis)' either)" } ?? ""))
            }
            guard let plot = plots.first(where: { $0.kind == analysis }) else {
                results.append(MeasureResult(name: name, analysis: analysis, value: nil, message: "no \(analysis) analysis was run"))
                continue
            }
            do {
                let v = try measure(Array(tokens.dropFirst(2)), card: card, plot: plot, known: known)
                if let v { known[name] = v }
                results.append(MeasureResult(name: name, analysis: analysis, value: v, message: v == nil ? "failed: condition not met" : nil))
            } catch let e as InputError {
                throw e
            }
        }
        return results
    }

    /// Reads `key=value` settings after index `from` until one of `stop` words.
    static func settings(_ t: [Token], from: Int, stopAt stop: Set<String>) -> ([String: Token], Int) {
        var out: [String: Token] = [:]
        var k = from
        while k < t.count {
            if stop.contains(t[k].text) && !(k + 1 < t.count && t[k + 1].kind == .equals) { break }
            if k + 2 < t.count, t[k + 1].kind == .equals {
                out[t[k].text] = t[k + 2]
                k += 3
            } else {
                k += 1
            }
        }
        return (out, k)
    }

    /// Parses a signal reference `v(a)`, `v(a,b)`, `i(x)`, `vdb(a)`, `par('expression')` … starting at `k`.
    static func signal(_ t: [Token], at k: inout Int, plot: Plot, card: Card) throws -> Signal {
        guard k < t.count else { throw InputError(card.location, ".measure: expected a signal such as v(node)") }
        let head = t[k]
        if head.text == "par", k + 3 < t.count, t[k + 1].kind == .open, t[k + 2].kind == .quoted || t[k + 2].kind == .braced,
           t[k + 3].kind == .close {
            let signal = try expressionSignal(t[k + 2], plot: plot)
            k += 4
            return signal
        }
        guard k + 1 < t.count, t[k + 1].kind == .open else {
            // A bare vector name.
            if let v = plot.vector(head.text) { k += 1; return Signal(values: v.real) }
            throw InputError(head.location, ".measure: unknown signal '\(head.text)'")
        }
        var j = k + 2
        var args: [String] = []
        while j < t.count, t[j].kind != .close {
            if t[j].kind == .word { args.append(t[j].text) }
            j += 1
        }
        guard j < t.count, !args.isEmpty else { throw InputError(head.location, ".measure: malformed signal '\(head.text)(…)'") }
        k = j + 1
        let fn = head.text
        // Device states and other named vectors (`phi(ya)`, `x(ym1)`) are read as they are.
        if args.count == 1, let direct = plot.vector("\(fn)(\(args[0]))"), !(fn.hasPrefix("v") || fn.hasPrefix("i")) || fn.count > 3 {
            return Signal(values: direct.real)
        }
        let base = fn.hasPrefix("v") ? "v" : (fn.hasPrefix("i") ? "i" : fn)
        func vector(_ a: String) throws -> OutputVector {
            guard let v = plot.vector("\(base)(\(a))") else {
                throw InputError(head.location, ".measure: no vector \(base)(\(a)) in the \(plot.kind) results")
            }
            return v
        }
        var re = try vector(args[0]).real
        var im = try vector(args[0]).imaginary ?? [Double](repeating: 0, count: re.count)
        if args.count > 1 {
            let other = try vector(args[1])
            for p in 0..<re.count { re[p] -= other.real[p]; im[p] -= other.imaginary?[p] ?? 0 }
        }
        let suffix = fn.dropFirst(1)
        var values: [Double]
        switch suffix {
        case "db": values = zip(re, im).map { 20 * log10(hypot($0, $1)) }
        case "m": values = zip(re, im).map { hypot($0, $1) }
        case "p": values = zip(re, im).map { atan2($1, $0) }
        case "i": values = im
        case "r", "": values = plot.isComplex && suffix == "" ? zip(re, im).map { hypot($0, $1) } : re
        default: throw InputError(head.location, ".measure: unknown signal function '\(fn)'")
        }
        return Signal(values: values)
    }

    /// `par('v(2)*v(1)')` (ngspice): an expression of the plot's vectors, point by point.
    static func expressionSignal(_ token: Token, plot: Plot) throws -> Signal {
        let compiled = try ExpressionCompiler.compile(try token.expression(), scope: MeasureScope(known: [:]), at: token.location,
                                                      allowRuntime: true)
        let scale = plot.vectors.first?.real ?? []
        func vector(_ name: String) throws -> [Double] {
            guard let v = plot.vector(name) else { throw InputError(token.location, ".measure: no vector \(name) in the \(plot.kind) results") }
            return v.real
        }
        var columns: [[Double]] = []
        for input in compiled.inputs {
            switch input {
            case .voltage(let a, nil): columns.append(try vector("v(\(a))"))
            case .voltage(let a, let b?): columns.append(zip(try vector("v(\(a))"), try vector("v(\(b))")).map { $0 - $1 })
            case .current(let d): columns.append(try vector("i(\(d))"))
            case .time, .frequency: columns.append(scale)
            case .temperature: columns.append([Double](repeating: 27, count: scale.count))
            }
        }
        let workspace = ExpressionWorkspace()
        var values = [Double](repeating: 0, count: scale.count)
        for p in 0..<scale.count {
            values[p] = compiled.value(columns.map { p < $0.count ? $0[p] : .nan }, workspace: workspace)
        }
        return Signal(values: values)
    }

    static func number(_ t: Token, known: [String: Double]) throws -> Double {
        try ExpressionCompiler.evaluate(try t.expression(), scope: MeasureScope(known: known), at: t.location)
    }

    /// Times (scale values) where `values` crosses `level`, filtered by direction and counted.
    static func crossing(_ scale: [Double], _ values: [Double], level: Double, settings s: [String: Token], delay: Double, known: [String: Double]) throws -> Double? {
        var direction = 0  // 1 rise, -1 fall, 0 cross
        var count = 1
        var last = false
        if let r = s["rise"] { direction = 1; if r.text == "last" { last = true } else { count = try occurrence(r, known) } }
        if let f = s["fall"] { direction = -1; if f.text == "last" { last = true } else { count = try occurrence(f, known) } }
        if let c = s["cross"] { direction = 0; if c.text == "last" { last = true } else { count = try occurrence(c, known) } }
        var seen = 0
        var found: Double?
        guard scale.count >= 2 else { return nil }
        for p in 1..<scale.count where scale[p] >= delay {
            let a = values[p - 1] - level, b = values[p] - level
            let rising = a < 0 && b >= 0
            let falling = a > 0 && b <= 0
            guard (direction >= 0 && rising) || (direction <= 0 && falling) else { continue }
            let frac = (b - a) != 0 ? -a / (b - a) : 0
            let tc = scale[p - 1] + frac * (scale[p] - scale[p - 1])
            if tc < delay { continue }
            seen += 1
            if last { found = tc } else if seen == count { return tc }
        }
        return found
    }

    /// RISE=/FALL=/CROSS= counts: a positive whole number.
    static func occurrence(_ t: Token, _ known: [String: Double]) throws -> Int {
        let v = try number(t, known: known)
        guard v >= 1, v < 1e9 else { throw InputError(t.location, ".measure: RISE/FALL/CROSS must be a positive count or LAST, got \(v)") }
        return Int(v)
    }

    static func interpolate(_ scale: [Double], _ values: [Double], at x: Double) -> Double? {
        guard let first = scale.first, let lastX = scale.last, x >= first - 1e-15 * abs(first), x <= lastX * (1 + 1e-12) + 1e-300 else { return nil }
        var lo = 0, hi = scale.count - 1
        if hi == 0 { return values[0] }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if scale[mid] <= x { lo = mid } else { hi = mid }
        }
        let dx = scale[hi] - scale[lo]
        return dx > 0 ? values[lo] + (values[hi] - values[lo]) * (x - scale[lo]) / dx : values[hi]
    }

    static func measure(_ t: [Token], card: Card, plot: Plot, known: [String: Double]) throws -> Double? {
        guard let keyword = t.first?.text else { throw InputError(card.location, ".measure needs a measurement") }
        let scale = plot.vectors.first?.real ?? []
        var k = 1
        switch keyword {
        case "trig":
            // Each part is `signal VAL=… [TD=…] [RISE|FALL|CROSS=…]`, or `AT=time` alone (ngspice).
            func part(_ name: String, stopAt: Set<String>) throws -> (time: Double?, next: Int) {
                if k + 2 < t.count, t[k].text == "at", t[k + 1].kind == .equals {
                    let (_, next) = settings(t, from: k, stopAt: stopAt)
                    return (try number(t[k + 2], known: known), next)
                }
                let sig = try signal(t, at: &k, plot: plot, card: card)
                let (s, next) = settings(t, from: k, stopAt: stopAt)
                let delay = try s["td"].map { try number($0, known: known) } ?? 0
                if let at = s["at"] { return (try number(at, known: known), next) }
                guard let valToken = s["val"] else { throw InputError(card.location, ".measure \(name) needs VAL= or AT=") }
                return (try crossing(scale, sig.values, level: try number(valToken, known: known), settings: s, delay: delay, known: known), next)
            }
            let (tTrig, next) = try part("TRIG", stopAt: ["targ"])
            guard next < t.count, t[next].text == "targ" else { throw InputError(card.location, ".measure TRIG needs a TARG part") }
            k = next + 1
            let (tTarg, _) = try part("TARG", stopAt: [])
            guard let a = tTrig, let b = tTarg else { return nil }
            return b - a
        case "find":
            let sig = try signal(t, at: &k, plot: plot, card: card)
            if k < t.count, t[k].text == "at", k + 2 < t.count {
                return interpolate(scale, sig.values, at: try number(t[k + 2], known: known))
            }
            guard k < t.count, t[k].text == "when" else { throw InputError(card.location, ".measure FIND needs WHEN or AT=") }
            k += 1
            let (whenTime) = try when(t, &k, plot: plot, card: card, known: known)
            guard let tw = whenTime else { return nil }
            return interpolate(scale, sig.values, at: tw)
        case "when":
            return try when(t, &k, plot: plot, card: card, known: known)
        case "deriv", "derivative":
            let sig = try signal(t, at: &k, plot: plot, card: card)
            let (s, _) = settings(t, from: k, stopAt: [])
            guard let atToken = s["at"] else { throw InputError(card.location, ".measure DERIV needs AT=") }
            let at = try number(atToken, known: known)
            guard scale.count >= 2 else { return nil }
            var p = 1
            while p < scale.count - 1, scale[p] < at { p += 1 }
            let dx = scale[p] - scale[p - 1]
            return dx != 0 ? (sig.values[p] - sig.values[p - 1]) / dx : nil
        case "avg", "rms", "min", "max", "pp", "integ", "integral", "mean", "min_at", "max_at":
            let sig = try signal(t, at: &k, plot: plot, card: card)
            let (s, _) = settings(t, from: k, stopAt: [])
            let from = try s["from"].map { try number($0, known: known) } ?? (scale.first ?? 0)
            let to = try s["to"].map { try number($0, known: known) } ?? (scale.last ?? 0)
            return aggregate(keyword, scale, sig.values, from: from, to: to)
        case "param":
            guard k + 1 < t.count, t[k].kind == .equals else { throw InputError(card.location, ".measure PARAM needs ='expression'") }
            return try number(t[k + 1], known: known)
        default:
            throw InputError(t[0].location, ".measure: unsupported measurement '\(keyword)' (TRIG/TARG, FIND, WHEN, AVG, RMS, MIN, MAX, MIN_AT, MAX_AT, PP, INTEG, DERIV, PARAM)")
        }
    }

    /// `WHEN v(x)=value [settings]` or `WHEN v(x)=v(y)`: returns the scale value of the crossing.
    static func when(_ t: [Token], _ k: inout Int, plot: Plot, card: Card, known: [String: Double]) throws -> Double? {
        let scale = plot.vectors.first?.real ?? []
        let sig = try signal(t, at: &k, plot: plot, card: card)
        guard k + 1 < t.count, t[k].kind == .equals else { throw InputError(card.location, ".measure WHEN needs signal=value") }
        k += 1
        var values = sig.values
        if k + 1 < t.count, t[k + 1].kind == .open {
            let other = try signal(t, at: &k, plot: plot, card: card)
            values = zip(values, other.values).map { $0 - $1 }
            let (s, _) = settings(t, from: k, stopAt: [])
            let delay = try s["td"].map { try number($0, known: known) } ?? 0
            return try crossing(scale, values, level: 0, settings: s, delay: delay, known: known)
        }
        let level = try number(t[k], known: known)
        k += 1
        let (s, _) = settings(t, from: k, stopAt: [])
        let delay = try s["td"].map { try number($0, known: known) } ?? 0
        return try crossing(scale, values, level: level, settings: s, delay: delay, known: known)
    }

    /// Aggregates over [from, to] with trapezoidal integration on the actual time points
    /// (interpolated at the window edges), as ngspice does.
    static func aggregate(_ kind: String, _ x: [Double], _ y: [Double], from: Double, to: Double) -> Double? {
        guard x.count == y.count, !x.isEmpty, to >= from else { return nil }
        var xs: [Double] = []
        var ys: [Double] = []
        if let y0 = interpolate(x, y, at: from) { xs.append(from); ys.append(y0) }
        for p in 0..<x.count where x[p] > from && x[p] < to { xs.append(x[p]); ys.append(y[p]) }
        if to > from, let y1 = interpolate(x, y, at: to) { xs.append(to); ys.append(y1) }
        guard !ys.isEmpty else { return nil }
        switch kind {
        case "min": return ys.min()
        case "max": return ys.max()
        // The scale value (time, frequency, sweep value) of the extreme among the computed points
        // in [from, to], the last one on a tie (ngspice's MIN_AT/MAX_AT).
        case "min_at", "max_at":
            var best: (x: Double, y: Double)?
            for p in x.indices where x[p] >= from && x[p] <= to {
                if let b = best, kind == "min_at" ? y[p] > b.y : y[p] < b.y { continue }
                best = (x[p], y[p])
            }
            return best?.x
        case "pp": return (ys.max() ?? 0) - (ys.min() ?? 0)
        default: break
        }
        var integral = 0.0, square = 0.0
        for p in 1..<max(xs.count, 1) where xs.count > 1 {
            let dx = xs[p] - xs[p - 1]
            integral += 0.5 * (ys[p] + ys[p - 1]) * dx
            square += 0.5 * (ys[p] * ys[p] + ys[p - 1] * ys[p - 1]) * dx
        }
        let span = to - from
        switch kind {
        case "integ", "integral": return integral
        case "avg", "mean": return span > 0 ? integral / span : ys[0]
        case "rms": return span > 0 ? (square / span).squareRoot() : abs(ys[0])
        default: return nil
        }
    }
}

/// Earlier measurement results as parameters of later `PARAM=` expressions.
struct MeasureScope: ExpressionScope {
    var known: [String: Double]
    func parameterValue(_ name: String) throws -> Double? { known[name] }
    func userFunction(_ name: String) -> UserFunction? { nil }
}
