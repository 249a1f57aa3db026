import LithicCore

// The syntax of parameter sweeps and Monte Carlo runs: `.step` (LTspice and Xyce forms) and
// `.mc`. Their meaning (numbers, which names exist, the list of points) is decided by
// elaboration (`SweepPlan`).

/// `.step [lin|dec|oct] param NAME start stop incr`, `.step param NAME list v1 v2 …`,
/// `.step temp …`, and Xyce's `.step [lin|dec|oct] NAME …` / `.step NAME list …`.
public struct StepStatement: Sendable {
    /// What is stepped.
    public enum Target: Sendable, Equatable {
        /// A top-level `.param`, lower-cased.
        case parameter(String)
        /// The circuit temperature (°C), as `.temp`.
        case temperature
    }
    /// How the values are given.
    public enum Values: Sendable {
        /// start, stop, increment.
        case linear(ArithmeticExpression, ArithmeticExpression, ArithmeticExpression)
        /// start, stop, points per decade.
        case decade(ArithmeticExpression, ArithmeticExpression, ArithmeticExpression)
        /// start, stop, points per octave.
        case octave(ArithmeticExpression, ArithmeticExpression, ArithmeticExpression)
        case list([ArithmeticExpression])
    }
    public var target: Target
    public var targetLocation: SourceLocation
    public var values: Values
    /// Where each value was written (start, stop, increment; or each list entry).
    public var valueLocations: [SourceLocation]
    public var tokens: [Token]
    public var location: SourceLocation
}

/// `.mc RUNS [seed=S] [sampling=random|lhs]` (Lithic): a Monte Carlo over the statistical
/// functions (`agauss`, `gauss`, `aunif`, `unif`, `lognormal`) of the netlist's expressions.
public struct MonteCarloStatement: Sendable {
    public var runs: ArithmeticExpression
    public var runsLocation: SourceLocation
    /// `seed=`, `sampling=`/`method=` as written.
    public var settings: [Assignment]
    public var tokens: [Token]
    public var location: SourceLocation
}

extension NetlistParser {
    /// Parses the tokens after `.step`.
    public static func parseStep(_ body: [Token], _ card: Card) throws -> StepStatement {
        let usage = ".step needs: [lin|dec|oct] param NAME start stop increment, param NAME list v1 v2 …, or temp start stop increment"
        let words = body.filter { $0.kind != .comma }
        var scale: String?
        var target: StepStatement.Target?
        var targetLocation = card.location
        var k = 0
        func takeScale(_ t: Token) throws -> Bool {
            guard t.kind == .word, ["lin", "dec", "oct"].contains(t.text) else { return false }
            guard scale == nil else { throw InputError(t.location, ".step: two sweep types ('\(scale ?? "")' and '\(t.text)')") }
            scale = t.text
            return true
        }
        while k < words.count, target == nil {
            let t = words[k]
            if try takeScale(t) { k += 1; continue }
            guard t.kind == .word else { throw InputError(t.location, usage) }
            if t.text == "param" {
                guard k + 1 < words.count, words[k + 1].kind == .word else { throw InputError(t.location, ".step param needs a parameter name") }
                target = .parameter(words[k + 1].text)
                targetLocation = words[k + 1].location
                k += 2
            } else if t.text == "temp" {
                target = .temperature
                targetLocation = t.location
                k += 1
            } else {
                if k + 1 < words.count, words[k + 1].kind == .open {
                    throw InputError(t.location, ".step of a model or device parameter ('\(t.text)(…)') is not supported: write the value as {NAME} with .param NAME and step param NAME")
                }
                target = .parameter(t.text)
                targetLocation = t.location
                k += 1
            }
        }
        guard let target else { throw InputError(card.location, usage) }
        if k < words.count, try takeScale(words[k]) { k += 1 }
        if k < words.count, words[k].kind == .word, words[k].text == "list" {
            if let scale { throw InputError(words[k].location, ".step: '\(scale)' and 'list' cannot be combined") }
            let entries = Array(words[(k + 1)...])
            guard !entries.isEmpty else { throw InputError(words[k].location, ".step … list needs at least one value") }
            return StepStatement(target: target, targetLocation: targetLocation, values: .list(try entries.map { try $0.expression() }),
                                 valueLocations: entries.map(\.location), tokens: body, location: card.location)
        }
        let rest = Array(words[k...])
        guard rest.count == 3 else {
            throw InputError(rest.first?.location ?? card.location, "\(usage) (found \(rest.count) value\(rest.count == 1 ? "" : "s") after the name)")
        }
        let (a, b, c) = (try rest[0].expression(), try rest[1].expression(), try rest[2].expression())
        let values: StepStatement.Values
        switch scale {
        case "dec": values = .decade(a, b, c)
        case "oct": values = .octave(a, b, c)
        default: values = .linear(a, b, c)
        }
        return StepStatement(target: target, targetLocation: targetLocation, values: values, valueLocations: rest.map(\.location),
                             tokens: body, location: card.location)
    }

    /// Parses the tokens after `.mc`.
    public static func parseMonteCarlo(_ body: [Token], _ card: Card) throws -> MonteCarloStatement {
        guard let first = body.first, first.kind != .equals, !(body.count > 1 && body[1].kind == .equals) else {
            throw InputError(card.location, ".mc needs the number of runs: .mc RUNS [seed=S] [sampling=random|lhs]")
        }
        let settings = try parseAssignments(body, from: 1, card: card, allowFlags: true)
        return MonteCarloStatement(runs: try first.expression(), runsLocation: first.location, settings: settings, tokens: body, location: card.location)
    }
}
