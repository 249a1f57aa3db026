import LithicCore

// The syntax of Lithic's post-processing and instrument directives (`.measure`, `.eis`,
// `.experiment`): read from the card's tokens here, so that no module after `Netlist` reads
// netlist text. Their meaning (which vectors exist, parameter values, units) is decided by
// elaboration (`MeasureRequest`, `ImpedanceSpectroscopyRequest`, `ExperimentProtocol`).

/// A value in a `.measure` card (`VAL=0.5`, `AT={tstop/2}`, `RISE=LAST`), with where it was written.
public struct MeasureSetting: Sendable {
    /// The value's text (lower-cased), for `LAST`.
    public var text: String
    public var expression: ArithmeticExpression
    public var location: SourceLocation
    /// `RISE=LAST`, `FALL=LAST`, `CROSS=LAST`.
    public var isLast: Bool { text == "last" }
}

/// A signal in a `.measure` card as written: a bare vector name, `fn(a[,b])` (`v(out)`,
/// `vdb(out)`, `i(v1)`, `phi(ya)`), or `par('expression')`.
public enum MeasureSignalSyntax: Sendable {
    case vector(String, SourceLocation)
    case function(String, [String], SourceLocation)
    /// `par('…')`: the expression and the location of its quoted token.
    case expression(ArithmeticExpression, SourceLocation)
}

/// One half of TRIG … TARG …: a signal with its settings, or `AT=time` alone (signal nil).
public struct MeasurePartSyntax: Sendable {
    public var signal: MeasureSignalSyntax?
    public var settings: [String: MeasureSetting]
}

/// `WHEN signal=value [settings]` or `WHEN signal=signal [settings]`.
public struct MeasureConditionSyntax: Sendable {
    public var signal: MeasureSignalSyntax
    public var level: MeasureSetting?
    public var other: MeasureSignalSyntax?
    public var settings: [String: MeasureSetting]
}

/// What a `.measure` card asks for (ngspice manual §15.4).
public enum MeasureBodySyntax: Sendable {
    case trigTarg(MeasurePartSyntax, MeasurePartSyntax)
    case findAt(MeasureSignalSyntax, MeasureSetting)
    case findWhen(MeasureSignalSyntax, MeasureConditionSyntax)
    case when(MeasureConditionSyntax)
    case derivative(MeasureSignalSyntax, [String: MeasureSetting])
    /// AVG, RMS, MIN, MAX, PP, INTEG, MIN_AT, MAX_AT (keyword as written, lower-case) with FROM=/TO=.
    case aggregate(String, MeasureSignalSyntax, [String: MeasureSetting])
    case param(MeasureSetting)
}

/// `.measure|.meas analysis name measurement…`.
public struct MeasureStatement: Sendable {
    public var analysis: String
    public var analysisLocation: SourceLocation
    public var name: String
    public var body: MeasureBodySyntax
    /// The tokens after the keyword (for the printer).
    public var tokens: [Token]
    public var location: SourceLocation
}

/// `.eis plus minus [key=value…]`.
public struct ImpedanceSpectroscopyStatement: Sendable {
    public var plus: String
    public var minus: String
    public var settings: [Assignment]
    public var tokens: [Token]
    public var location: SourceLocation
}

/// A quoted `.experiment` step: its text, with `{expression}` pieces to be replaced by their values.
public struct ExperimentStepSyntax: Sendable {
    public enum Piece: Sendable {
        case text(String)
        case expression(ArithmeticExpression, text: String)
    }
    public var pieces: [Piece]
    public var location: SourceLocation
}

/// `.experiment plus minus "step" … [capacity=… repeat=… record=… maxstep=…]`.
public struct ExperimentStatement: Sendable {
    public var plus: String
    public var minus: String
    public var steps: [ExperimentStepSyntax]
    public var settings: [Assignment]
    public var tokens: [Token]
    public var location: SourceLocation
}

/// `.four frequency vector…`.
public struct FourierStatement: Sendable {
    public var frequency: ArithmeticExpression
    public var frequencyLocation: SourceLocation
    public var vectors: [String]
    public var tokens: [Token]
    public var location: SourceLocation
}

extension NetlistParser {
    /// `.four` tokens after the keyword: the fundamental frequency and at least one output vector.
    static func parseFourier(_ tokens: [Token], _ card: Card) throws -> FourierStatement {
        guard let first = tokens.first else { throw InputError(card.location, ".four needs a fundamental frequency and output vectors") }
        let frequency = try first.expression()
        let names = try probeNames(Array(tokens.dropFirst()), card)
        guard !names.isEmpty else { throw InputError(card.location, ".four needs at least one output vector, e.g. .four 1k v(out)") }
        return FourierStatement(frequency: frequency, frequencyLocation: first.location, vectors: names, tokens: tokens, location: card.location)
    }

    /// The measurement keywords Lithic evaluates.
    static let measureKeywords = "TRIG/TARG, FIND, WHEN, AVG, RMS, MIN, MAX, MIN_AT, MAX_AT, PP, INTEG, DERIV, PARAM"
    /// ngspice's optimiser settings: accepted on any measurement and ignored (with a warning).
    static let measureOptimiserSettings: Set<String> = ["goal", "minval", "weight"]

    /// `.measure` tokens after the keyword. Every structural mistake (an unknown measurement or
    /// setting, a missing TARG, VAL= or AT=, a malformed signal) is an error here.
    static func parseMeasure(_ t: [Token], _ card: Card, warnings: inout [Warning]) throws -> MeasureStatement {
        guard t.count >= 2 else { throw InputError(card.location, ".measure needs an analysis type and a name") }
        let analysis = t[0].text
        guard ["tran", "ac", "dc", "op", "cycles", "cycler"].contains(analysis) else {
            // ngspice 39 (and its current tree, measure.c's chkAnalysisType) rejects abbreviations
            // such as `tra` too; its examples/measure/buggy-meas-tran.sp is that error on purpose.
            let guess = ["tran", "ac", "dc", "op"].first { $0.hasPrefix(analysis) || analysis.hasPrefix($0) }
            throw InputError(t[0].location, ".measure analysis must be tran, ac, dc or op, got '\(analysis)'" + (guess.map { " (did you mean '\($0)'? ngspice does not accept '\(analysis)' either)" } ?? ""))
        }
        let name = t[1].text
        guard t[1].kind == .word else { throw InputError(t[1].location, ".measure needs a name after the analysis type, got '\(t[1].text)'") }
        guard t.count >= 3 else { throw InputError(card.location, ".measure needs a measurement") }
        let keyword = t[2].text
        var k = 3

        func setting(at index: Int) throws -> MeasureSetting {
            guard index < t.count else { throw InputError(t[index - 1].location, "missing value after '\(t[index - 2].text)='") }
            let v = t[index]
            return MeasureSetting(text: v.text, expression: try v.expression(), location: v.location)
        }
        /// `key=value` settings from `k` until a `stop` word (or the end); only `allowed` keys.
        func settings(stopAt stop: Set<String>, allowed: Set<String>, what: String) throws -> [String: MeasureSetting] {
            var out: [String: MeasureSetting] = [:]
            while k < t.count {
                let key = t[k]
                let isAssignment = k + 1 < t.count && t[k + 1].kind == .equals
                if stop.contains(key.text) && !isAssignment { break }
                guard isAssignment, key.kind == .word else {
                    throw InputError(key.location, ".measure \(name): unexpected '\(key.text)' in \(what) (expected \(allowed.sorted().map { $0.uppercased() + "=" }.joined(separator: ", "))\(stop.isEmpty ? "" : " or " + stop.sorted().map { $0.uppercased() }.joined(separator: ", ")))")
                }
                if Self.measureOptimiserSettings.contains(key.text) {
                    warnings.append(Warning(key.location, ".measure \(name): '\(key.text.uppercased())=' is for ngspice's optimiser and is ignored"))
                } else if !allowed.contains(key.text) {
                    throw InputError(key.location, ".measure \(name): unknown setting '\(key.text)=' in \(what) (expected \(allowed.sorted().map { $0.uppercased() + "=" }.joined(separator: ", ")))")
                }
                out[key.text] = try setting(at: k + 2)
                k += 3
            }
            return out
        }
        func signal() throws -> MeasureSignalSyntax {
            guard k < t.count else { throw InputError(card.location, ".measure: expected a signal such as v(node)") }
            let head = t[k]
            if head.text == "par", k + 3 < t.count, t[k + 1].kind == .open, t[k + 2].kind == .quoted || t[k + 2].kind == .braced,
               t[k + 3].kind == .close {
                let e = try t[k + 2].expression()
                let location = t[k + 2].location
                k += 4
                return .expression(e, location)
            }
            guard k + 1 < t.count, t[k + 1].kind == .open else {
                guard head.kind == .word else { throw InputError(head.location, ".measure: expected a signal such as v(node), found '\(head.text)'") }
                k += 1
                return .vector(head.text, head.location)
            }
            var j = k + 2
            var args: [String] = []
            while j < t.count, t[j].kind != .close {
                if t[j].kind == .word { args.append(t[j].text) }
                j += 1
            }
            guard j < t.count, !args.isEmpty, head.kind == .word else { throw InputError(head.location, ".measure: malformed signal '\(head.text)(…)'") }
            k = j + 1
            return .function(head.text, args, head.location)
        }
        let crossingKeys: Set<String> = ["td", "rise", "fall", "cross"]
        func condition() throws -> MeasureConditionSyntax {
            let sig = try signal()
            guard k + 1 < t.count, t[k].kind == .equals else { throw InputError(card.location, ".measure WHEN needs signal=value") }
            k += 1
            if k + 1 < t.count, t[k + 1].kind == .open {
                let other = try signal()
                return MeasureConditionSyntax(signal: sig, level: nil, other: other, settings: try settings(stopAt: [], allowed: crossingKeys, what: "WHEN"))
            }
            let level = try setting(at: k)
            k += 1
            return MeasureConditionSyntax(signal: sig, level: level, other: nil, settings: try settings(stopAt: [], allowed: crossingKeys, what: "WHEN"))
        }
        func part(_ what: String, stopAt: Set<String>) throws -> MeasurePartSyntax {
            let allowed = crossingKeys.union(["val", "at"])
            if k + 2 < t.count, t[k].text == "at", t[k + 1].kind == .equals {
                return MeasurePartSyntax(signal: nil, settings: try settings(stopAt: stopAt, allowed: allowed, what: what))
            }
            let sig = try signal()
            let s = try settings(stopAt: stopAt, allowed: allowed, what: what)
            guard s["at"] != nil || s["val"] != nil else { throw InputError(card.location, ".measure \(what) needs VAL= or AT=") }
            return MeasurePartSyntax(signal: sig, settings: s)
        }
        let body: MeasureBodySyntax
        switch keyword {
        case "trig":
            let trig = try part("TRIG", stopAt: ["targ"])
            guard k < t.count, t[k].text == "targ" else { throw InputError(card.location, ".measure TRIG needs a TARG part") }
            k += 1
            body = .trigTarg(trig, try part("TARG", stopAt: []))
        case "targ":
            throw InputError(t[2].location, ".measure \(name): TARG needs a TRIG part before it")
        case "find":
            let sig = try signal()
            if k < t.count, t[k].text == "at", k + 2 < t.count {
                guard t[k + 1].kind == .equals else { throw InputError(t[k + 1].location, ".measure FIND … AT needs AT=value") }
                let at = try setting(at: k + 2)
                k += 3
                body = .findAt(sig, at)
            } else {
                guard k < t.count, t[k].text == "when" else { throw InputError(card.location, ".measure FIND needs WHEN or AT=") }
                k += 1
                body = .findWhen(sig, try condition())
            }
        case "when":
            body = .when(try condition())
        case "deriv", "derivative":
            let sig = try signal()
            let s = try settings(stopAt: [], allowed: ["at"], what: "DERIV")
            guard s["at"] != nil else { throw InputError(card.location, ".measure DERIV needs AT=") }
            body = .derivative(sig, s)
        case "avg", "rms", "min", "max", "pp", "integ", "integral", "mean", "min_at", "max_at":
            let sig = try signal()
            body = .aggregate(keyword, sig, try settings(stopAt: [], allowed: ["from", "to"], what: keyword.uppercased()))
        case "param":
            guard k + 1 < t.count, t[k].kind == .equals else { throw InputError(card.location, ".measure PARAM needs ='expression'") }
            body = .param(try setting(at: k + 1))
            k += 2
        default:
            throw InputError(t[2].location, ".measure: unsupported measurement '\(keyword)' (\(measureKeywords))")
        }
        if k < t.count {
            throw InputError(t[k].location, ".measure \(name): unexpected '\(t[k].text)' after the measurement")
        }
        return MeasureStatement(analysis: analysis, analysisLocation: t[0].location, name: name, body: body, tokens: t, location: card.location)
    }

    /// `.eis` tokens after the keyword: the two port nodes and `key=value` settings.
    static func parseImpedanceSpectroscopy(_ tokens: [Token], _ card: Card) throws -> ImpedanceSpectroscopyStatement {
        guard tokens.count >= 2, tokens[0].kind == .word, tokens[1].kind == .word else {
            throw InputError(card.location, ".eis needs the two port nodes: .eis plus minus [fmin=… fmax=… ppd=… amplitude=…]")
        }
        let settings = try parseAssignments(tokens, from: 2, card: card)
        return ImpedanceSpectroscopyStatement(plus: tokens[0].text, minus: tokens[1].text, settings: settings, tokens: tokens, location: card.location)
    }

    /// `.experiment` tokens after the keyword: two nodes, quoted steps, `key=value` settings.
    static func parseExperiment(_ tokens: [Token], _ card: Card) throws -> ExperimentStatement {
        guard tokens.count >= 3, tokens[0].kind == .word, tokens[1].kind == .word else {
            throw InputError(card.location, ".experiment needs the cell's two nodes, then quoted steps: .experiment plus minus \"Charge at 1C until 4.2 V\" … [capacity=Ah repeat=N]")
        }
        var steps: [ExperimentStepSyntax] = []
        var k = 2
        while k < tokens.count, tokens[k].kind == .quoted || tokens[k].kind == .string {
            let token = tokens[k]
            // `{expr}` inside a step takes the netlist's parameters (replaced during elaboration).
            var pieces: [ExperimentStepSyntax.Piece] = []
            var rest = Substring(token.text)
            while let open = rest.firstIndex(of: "{") {
                guard let close = rest[open...].firstIndex(of: "}") else {
                    throw InputError(token.location, ".experiment step '\(token.text)': '{' without '}'")
                }
                if open > rest.startIndex { pieces.append(.text(String(rest[..<open]))) }
                let inner = String(rest[rest.index(after: open)..<close])
                pieces.append(.expression(try ExpressionParser.parse(inner, at: token.location), text: inner))
                rest = rest[rest.index(after: close)...]
            }
            if !rest.isEmpty || pieces.isEmpty { pieces.append(.text(String(rest))) }
            steps.append(ExperimentStepSyntax(pieces: pieces, location: token.location))
            k += 1
        }
        guard !steps.isEmpty else { throw InputError(tokens[min(2, tokens.count - 1)].location, ".experiment needs at least one quoted step") }
        let settings = try parseAssignments(tokens, from: k, card: card)
        return ExperimentStatement(plus: tokens[0].text, minus: tokens[1].text, steps: steps, settings: settings, tokens: tokens, location: card.location)
    }
}
