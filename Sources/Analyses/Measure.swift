import FoundationEssentials
import Glibc
import LithicCore
import Elaboration

/// A `.measure` result: its name and value (nil when the condition never happened, as ngspice
/// reports "failed").
public struct MeasureResult: Sendable {
    public var name: String
    public var analysis: String
    public var value: Double?
    public var message: String?
}

/// Evaluates `.measure`/`.meas` requests (resolved at elaboration) on finished plots (ngspice
/// manual §15.4): TRIG/TARG, FIND … WHEN, FIND … AT, WHEN, AVG, RMS, MIN, MAX, PP, INTEG,
/// DERIV … AT, PARAM.
public enum MeasureEvaluator {
    /// A signal's values at the plot's points.
    struct Signal { var values: [Double] }

    /// - Parameter parameters: the netlist's `.param` values, visible to PARAM expressions
    ///   (a measurement of the same name takes precedence once measured).
    public static func evaluate(_ requests: [MeasureRequest], plots: [Plot], parameters: [String: Double] = [:]) throws -> [MeasureResult] {
        var results: [MeasureResult] = []
        var known: [String: Double] = parameters
        for request in requests {
            guard let plot = plots.first(where: { $0.kind == request.analysis }) else {
                results.append(MeasureResult(name: request.name, analysis: request.analysis, value: nil, message: "no \(request.analysis) analysis was run"))
                continue
            }
            let v = try measure(request, plot: plot, known: known)
            if let v { known[request.name] = v }
            results.append(MeasureResult(name: request.name, analysis: request.analysis, value: v, message: v == nil ? "failed: condition not met" : nil))
        }
        return results
    }

    /// A signal's values: a saved vector, a difference `v(a,b)`, a complex view (`vdb`, `vm`,
    /// `vp`, `vr`, `vi`) of an AC vector, or a `par('…')` expression.
    static func signal(_ s: MeasureRequest.Signal, plot: Plot) throws -> Signal {
        switch s {
        case .vector(let name, let location):
            if let v = plot.vector(name) { return Signal(values: v.real) }
            throw InputError(location, ".measure: unknown signal '\(name)'")
        case .expression(let compiled, let location):
            return try expressionSignal(compiled, at: location, plot: plot)
        case .function(let fn, let args, let location):
            // Device states and other named vectors (`phi(ya)`, `x(ym1)`) are read as they are.
            if args.count == 1, let direct = plot.vector("\(fn)(\(args[0]))"), !(fn.hasPrefix("v") || fn.hasPrefix("i")) || fn.count > 3 {
                return Signal(values: direct.real)
            }
            let base = fn.hasPrefix("v") ? "v" : (fn.hasPrefix("i") ? "i" : fn)
            func vector(_ a: String) throws -> OutputVector {
                guard let v = plot.vector("\(base)(\(a))") else {
                    throw InputError(location, ".measure: no vector \(base)(\(a)) in the \(plot.kind) results")
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
            default: throw InputError(location, ".measure: unknown signal function '\(fn)'")
            }
            return Signal(values: values)
        }
    }

    /// `par('v(2)*v(1)')` (ngspice): an expression of the plot's vectors, point by point.
    static func expressionSignal(_ compiled: CompiledExpression, at location: SourceLocation, plot: Plot) throws -> Signal {
        let scale = plot.vectors.first?.real ?? []
        func vector(_ name: String) throws -> [Double] {
            guard let v = plot.vector(name) else { throw InputError(location, ".measure: no vector \(name) in the \(plot.kind) results") }
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

    static func number(_ v: MeasureRequest.Value, known: [String: Double]) throws -> Double {
        switch v {
        case .constant(let x): return x
        case .dynamic(let e, let location): return try ExpressionCompiler.evaluate(e, scope: MeasureScope(known: known), at: location)
        }
    }

    /// Times (scale values) where `values` crosses `level`, filtered by direction and counted.
    static func crossing(_ scale: [Double], _ values: [Double], level: Double, _ c: MeasureRequest.Crossing, known: [String: Double]) throws -> Double? {
        let delay = try c.delay.map { try number($0, known: known) } ?? 0
        var count = 1
        for value in c.counts { count = try occurrence(value, known) }
        let direction = c.direction, last = c.last
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
    static func occurrence(_ value: MeasureRequest.Value, _ known: [String: Double]) throws -> Int {
        let v = try number(value, known: known)
        guard v >= 1, v < 1e9 else {
            var location = SourceLocation.commandLine
            if case .dynamic(_, let l) = value { location = l }
            throw InputError(location, ".measure: RISE/FALL/CROSS must be a positive count or LAST, got \(v)")
        }
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

    static func measure(_ r: MeasureRequest, plot: Plot, known: [String: Double]) throws -> Double? {
        let scale = plot.vectors.first?.real ?? []
        switch r.measurement {
        case .trigTarg(let trig, let targ):
            // Each part is `signal VAL=… [TD=…] [RISE|FALL|CROSS=…]`, or `AT=time` alone (ngspice).
            func part(_ p: MeasureRequest.Part) throws -> Double? {
                guard let s = p.signal else { return try p.at.map { try number($0, known: known) } }
                let sig = try signal(s, plot: plot)
                if let at = p.at { return try number(at, known: known) }
                guard let level = p.level else { throw InputError(r.location, ".measure needs VAL= or AT=") }
                return try crossing(scale, sig.values, level: try number(level, known: known), p.crossing, known: known)
            }
            let tTrig = try part(trig)
            let tTarg = try part(targ)
            guard let a = tTrig, let b = tTarg else { return nil }
            return b - a
        case .findAt(let s, let at):
            let sig = try signal(s, plot: plot)
            return interpolate(scale, sig.values, at: try number(at, known: known))
        case .findWhen(let s, let c):
            let sig = try signal(s, plot: plot)
            guard let tw = try when(c, plot: plot, known: known) else { return nil }
            return interpolate(scale, sig.values, at: tw)
        case .when(let c):
            return try when(c, plot: plot, known: known)
        case .derivative(let s, let atValue):
            let sig = try signal(s, plot: plot)
            let at = try number(atValue, known: known)
            guard scale.count >= 2 else { return nil }
            var p = 1
            while p < scale.count - 1, scale[p] < at { p += 1 }
            let dx = scale[p] - scale[p - 1]
            return dx != 0 ? (sig.values[p] - sig.values[p - 1]) / dx : nil
        case .aggregate(let kind, let s, let fromValue, let toValue):
            let sig = try signal(s, plot: plot)
            let from = try fromValue.map { try number($0, known: known) } ?? (scale.first ?? 0)
            let to = try toValue.map { try number($0, known: known) } ?? (scale.last ?? 0)
            return aggregate(kind, scale, sig.values, from: from, to: to)
        case .param(let v):
            return try number(v, known: known)
        }
    }

    /// `WHEN v(x)=value [settings]` or `WHEN v(x)=v(y)`: returns the scale value of the crossing.
    static func when(_ c: MeasureRequest.Condition, plot: Plot, known: [String: Double]) throws -> Double? {
        let scale = plot.vectors.first?.real ?? []
        var values = try signal(c.signal, plot: plot).values
        if let o = c.other {
            let other = try signal(o, plot: plot)
            values = zip(values, other.values).map { $0 - $1 }
            return try crossing(scale, values, level: 0, c.crossing, known: known)
        }
        let level = try c.level.map { try number($0, known: known) } ?? 0
        return try crossing(scale, values, level: level, c.crossing, known: known)
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
