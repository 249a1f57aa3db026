import FoundationEssentials
import Glibc
import LithicCore
import Netlist

/// A cycling protocol written as PyBaMM-style steps on a `.experiment` card:
/// `.experiment plus minus "Charge at 0.5C until 4.2 V" "Hold at 4.2 V until C/20"
///  "Discharge at 1C until 3.0 V" "Rest for 10 minutes" capacity=1 repeat=2400`.
/// One cycle is one pass through the steps. Rates in C need `capacity` (Ah).
public struct ExperimentProtocol: Sendable {
    /// What the instrument holds during a step.
    public enum Control: Sendable, Equatable {
        case current(Double)   // A, positive charging
        case voltage(Double)   // V
        case power(Double)     // W, positive charging
        case rest
    }
    /// When a step ends early.
    public enum Limit: Sendable, Equatable {
        case voltageAbove(Double), voltageBelow(Double)   // V
        case currentBelow(Double)                          // |I| in A
    }
    public struct Step: Sendable, Equatable {
        public var text: String
        public var control: Control
        public var duration: Double?    // s
        public var limit: Limit?
    }
    public var plus: String, minus: String
    public var steps: [Step]
    public var cycles: Int
    /// Nominal capacity, Ah (for C-rates and retention).
    public var capacity: Double?
    /// Record every n-th accepted time point of the trace.
    public var recordEvery: Int
    /// Longest a step without `for` may run, s.
    public var maximumStepDuration: Double

    /// Where the card was written.
    public var location: SourceLocation

    /// The protocol of a parsed `.experiment` card: settings and `{expr}` pieces of the steps
    /// evaluated with the netlist's parameters, steps read into controls and limits (SI units).
    static func resolve(_ e: ExperimentStatement, scope: ParameterScope) throws -> ExperimentProtocol {
        var capacity: Double?, cycles = 1, every = 1, longest = 86400.0
        for a in e.settings {
            guard let v = a.value else { throw InputError(a.location, ".experiment \(a.name) needs a value") }
            let x = try scope.evaluate(v, at: a.location)
            guard x.isFinite, x > 0 else { throw InputError(a.location, ".experiment \(a.name) must be positive, got \(x)") }
            switch a.name {
            case "capacity": capacity = x
            case "repeat", "cycles":
                guard x <= 1e7, x == x.rounded() else { throw InputError(a.location, ".experiment repeat must be a whole number ≤ 1e7") }
                cycles = Int(x)
            case "record":
                guard x <= 1e6 else { throw InputError(a.location, ".experiment record must be ≤ 1e6") }
                every = Int(x.rounded())
            case "maxstep": longest = x
            default: throw InputError(a.location, "unknown .experiment setting '\(a.name)' (capacity, repeat, record, maxstep)")
            }
        }
        let steps = try e.steps.map { step -> Step in
            var text = ""
            for piece in step.pieces {
                switch piece {
                case .text(let t): text += t
                case .expression(let x, let written):
                    let v = try scope.evaluate(x, at: step.location)
                    guard v.isFinite else { throw InputError(step.location, ".experiment: {\(written)} is not finite") }
                    text += "\(v)"
                }
            }
            return try parseStep(text, capacity: capacity, at: step.location)
        }
        return ExperimentProtocol(plus: e.plus.lowercased(), minus: e.minus.lowercased(), steps: steps, cycles: cycles,
                                  capacity: capacity, recordEvery: max(every, 1), maximumStepDuration: longest, location: e.location)
    }

    /// A number with its unit: "0.5C", "C/20", "2 A", "50mA", "4.2 V", "10 W", "10 minutes".
    struct Quantity { var value: Double; var unit: String }

    static func quantity(_ words: inout ArraySlice<String>, at location: SourceLocation, text: String) throws -> Quantity {
        guard let first = words.popFirst() else { throw InputError(location, "step '\(text)': a value is missing at the end") }
        if first.hasPrefix("c/"), let d = Double(first.dropFirst(2)), d > 0 { return Quantity(value: 1 / d, unit: "c") }
        // Split a leading number from an attached unit.
        var numberEnd = first.startIndex
        for (i, ch) in zip(first.indices, first) {
            if ch.isNumber || ch == "." || ch == "-" || ch == "+" || ((ch == "e") && i != first.startIndex && first[first.index(after: i)...].first.map { $0.isNumber || $0 == "-" } == true) {
                numberEnd = first.index(after: i)
            } else { break }
        }
        guard let value = Double(first[..<numberEnd]), value.isFinite else {
            throw InputError(location, "step '\(text)': '\(first)' is not a number")
        }
        var unit = String(first[numberEnd...])
        if unit.isEmpty, let next = words.first, !["until", "for", "or"].contains(next) { unit = next; words.removeFirst() }
        guard !unit.isEmpty else { throw InputError(location, "step '\(text)': '\(first)' needs a unit (C, A, mA, V, W, s, minutes, hours)") }
        return Quantity(value: value, unit: unit)
    }

    static func seconds(_ q: Quantity, at location: SourceLocation, text: String) throws -> Double {
        let scale: Double
        switch q.unit {
        case "s", "sec", "secs", "second", "seconds": scale = 1
        case "min", "mins", "minute", "minutes": scale = 60
        case "h", "hr", "hrs", "hour", "hours": scale = 3600
        case "day", "days": scale = 86400
        default: throw InputError(location, "step '\(text)': '\(q.unit)' is not a time unit (seconds, minutes, hours)")
        }
        guard q.value > 0 else { throw InputError(location, "step '\(text)': a duration must be positive") }
        return q.value * scale
    }

    static func amperes(_ q: Quantity, capacity: Double?, at location: SourceLocation, text: String) throws -> Double? {
        switch q.unit {
        case "a": return q.value
        case "ma": return q.value * 1e-3
        case "ua", "µa": return q.value * 1e-6
        case "c":
            guard let c = capacity else { throw InputError(location, "step '\(text)': a C-rate needs capacity=<Ah> on the .experiment card") }
            return q.value * c
        default: return nil
        }
    }

    public static func parseStep(_ raw: String, capacity: Double?, at location: SourceLocation) throws -> Step {
        let text = raw.trimmingSpaces()
        var words = ArraySlice(text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init))
        guard let verb = words.popFirst() else { throw InputError(location, "an empty .experiment step") }
        var control: Control
        switch verb {
        case "rest":
            control = .rest
        case "charge", "discharge", "hold":
            guard words.popFirst() == "at" else { throw InputError(location, "step '\(text)': expected '\(verb) at <value>'") }
            let q = try quantity(&words, at: location, text: text)
            let sign = verb == "discharge" ? -1.0 : 1.0
            if let amps = try amperes(q, capacity: capacity, at: location, text: text) {
                guard verb != "hold" else { throw InputError(location, "step '\(text)': hold is at a voltage") }
                guard amps > 0 else { throw InputError(location, "step '\(text)': the current must be positive (the verb gives the direction)") }
                control = .current(sign * amps)
            } else if q.unit == "v" || q.unit == "mv" {
                control = .voltage(q.unit == "v" ? q.value : q.value * 1e-3)
            } else if q.unit == "w" || q.unit == "mw" {
                guard verb != "hold", q.value > 0 else { throw InputError(location, "step '\(text)': power must be positive with charge or discharge") }
                control = .power(sign * (q.unit == "w" ? q.value : q.value * 1e-3))
            } else {
                throw InputError(location, "step '\(text)': unknown unit '\(q.unit)' (C, A, mA, V, W)")
            }
        default:
            throw InputError(location, "step '\(text)': a step starts with Charge, Discharge, Hold or Rest")
        }
        var duration: Double?, limit: Limit?
        while let w = words.popFirst() {
            switch w {
            case "or": continue
            case "for": duration = try seconds(try quantity(&words, at: location, text: text), at: location, text: text)
            case "until":
                let q = try quantity(&words, at: location, text: text)
                if let amps = try amperes(q, capacity: capacity, at: location, text: text) {
                    guard case .voltage = control else { throw InputError(location, "step '\(text)': a current limit ends a voltage hold") }
                    limit = .currentBelow(abs(amps))
                } else if q.unit == "v" || q.unit == "mv" {
                    let v = q.unit == "v" ? q.value : q.value * 1e-3
                    switch control {
                    case .current(let i): limit = i > 0 ? .voltageAbove(v) : .voltageBelow(v)
                    case .power(let p): limit = p > 0 ? .voltageAbove(v) : .voltageBelow(v)
                    default: throw InputError(location, "step '\(text)': a voltage limit ends a current or power step")
                    }
                } else {
                    throw InputError(location, "step '\(text)': unknown limit unit '\(q.unit)' (V, A, mA, C)")
                }
            default:
                throw InputError(location, "step '\(text)': unexpected '\(w)' (use 'for <time>' and/or 'until <limit>')")
            }
        }
        if case .rest = control, duration == nil { throw InputError(location, "step '\(text)': rest needs 'for <time>'") }
        if duration == nil && limit == nil { throw InputError(location, "step '\(text)': the step needs 'for <time>' or 'until <limit>'") }
        return Step(text: text, control: control, duration: duration, limit: limit)
    }
}
