import LithicCore

// A device's card, declared once, next to its physics: every parameter's name, aliases, unit,
// default, admissible range, meaning, literature source and scope (instance or model card), and
// how its value reaches the device's model. The elaborator reads cards through `Card.apply`
// (names, aliases, ranges, warnings for what is accepted but not modelled), `lithic devices`
// prints `Card.documentation`, and tests check the two against each other. Nothing else holds
// a list of a device's parameter names.

/// Where a parameter may be written: on the element line, on the `.model` card, or either (an
/// instance value then overrides the model's, as for Lithic's `Y` devices).
public enum CardScope: String, Sendable {
    case instance, model, either
}

/// The values a parameter admits; anything else is an input error naming the parameter, the
/// value and this range.
public enum ParameterRange: Sendable, Equatable {
    /// Any finite number.
    case any
    /// > 0 (and finite).
    case positive
    /// ≥ 0 (and finite).
    case nonNegative
    /// Between `lower` and `upper`, each end open or closed.
    case interval(Double, Double, lowerOpen: Bool, upperOpen: Bool)
    /// Any number, infinities included (a value that SPICE reads as "infinite" when 0 is given).
    case unbounded

    public func admits(_ v: Double) -> Bool {
        switch self {
        case .any: return v.isFinite
        case .unbounded: return !v.isNaN
        case .positive: return v.isFinite && v > 0
        case .nonNegative: return v.isFinite && v >= 0
        case .interval(let a, let b, let lo, let hi):
            guard v.isFinite else { return false }
            return (lo ? v > a : v >= a) && (hi ? v < b : v <= b)
        }
    }

    /// The range as a reader writes it ("> 0", "in (0, 1)").
    public var text: String {
        func n(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch self {
        case .any: return "finite"
        case .unbounded: return "any"
        case .positive: return "> 0"
        case .nonNegative: return "≥ 0"
        case .interval(let a, let b, let lo, let hi): return "in \(lo ? "(" : "[")\(n(a)), \(n(b))\(hi ? ")" : "]")"
        }
    }
}

/// Whether Lithic models a parameter it accepts.
public enum ParameterStatus: Sendable, Equatable {
    /// Read and used.
    case modelled
    /// Defined by the dialect (ngspice), accepted, not modelled: a warning names it whenever it
    /// is given with a value other than `neutral` (nil: always).
    case notModelled(neutral: Double?)
    /// Selects or labels (LEVEL, a vendor field): read by the card's own logic or ignored without
    /// changing results, so no warning.
    case label
}

/// One parameter as given on a card: its name as written (lower case), its value, where.
public struct GivenParameter: Sendable {
    public var name: String
    public var value: Double
    public var location: SourceLocation
    public init(_ name: String, _ value: Double, at location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

/// One parameter's declaration, for a device whose parameters land in a value of type `Target`
/// (the device's model struct, or `ParameterValues` for instance settings read by name).
public struct CardParameter<Target> {
    public let name: String
    public let aliases: [String]
    public let unit: String
    public let range: ParameterRange
    public let summary: String
    public let source: String
    public let scope: CardScope
    public let status: ParameterStatus
    /// The default as printed; nil reads it from the card's prototype.
    public let defaultText: String?
    let assign: (inout Target, Double) -> Void
    let current: (Target) -> Double?
    /// For a family written NAME1, NAME2, … (an OCV table's SOC1…SOCN): stores entry k (≥ 1).
    let assignIndexed: ((inout Target, Int, Double) -> Void)?

    public init(_ name: String, aliases: [String] = [], unit: String, range: ParameterRange = .any, scope: CardScope = .model,
                status: ParameterStatus = .modelled, default defaultText: String? = nil, _ summary: String, source: String = "",
                assign: @escaping (inout Target, Double) -> Void, current: @escaping (Target) -> Double?) {
        self.name = name
        self.aliases = aliases
        self.unit = unit
        self.range = range
        self.summary = summary
        self.source = source
        self.scope = scope
        self.status = status
        self.defaultText = defaultText
        self.assign = assign
        self.current = current
        self.assignIndexed = nil
    }

    /// A family of parameters NAME1, NAME2, … (`name` is documented as `NAME1…NAMEN`).
    public init(indexed name: String, unit: String, range: ParameterRange = .any, scope: CardScope = .model, default defaultText: String = "none",
                _ summary: String, source: String = "", assign: @escaping (inout Target, Int, Double) -> Void) {
        self.name = name
        self.aliases = []
        self.unit = unit
        self.range = range
        self.summary = summary
        self.source = source
        self.scope = scope
        self.status = .modelled
        self.defaultText = defaultText
        self.assign = { _, _ in }
        self.current = { _ in nil }
        self.assignIndexed = assign
    }

    /// A parameter stored in a `Double` field of the target.
    public static func field(_ name: String, aliases: [String] = [], _ keyPath: WritableKeyPath<Target, Double>, unit: String,
                             range: ParameterRange = .any, scope: CardScope = .model, default defaultText: String? = nil,
                             _ summary: String, source: String = "") -> CardParameter {
        CardParameter(name, aliases: aliases, unit: unit, range: range, scope: scope, default: defaultText, summary, source: source,
                      assign: { $0[keyPath: keyPath] = $1 }, current: { $0[keyPath: keyPath] })
    }

    /// A parameter stored in an optional field (absent means "derive it" or "none").
    public static func optionalField(_ name: String, aliases: [String] = [], _ keyPath: WritableKeyPath<Target, Double?>, unit: String,
                                     range: ParameterRange = .any, scope: CardScope = .model, default defaultText: String? = nil,
                                     _ summary: String, source: String = "") -> CardParameter {
        CardParameter(name, aliases: aliases, unit: unit, range: range, scope: scope, default: defaultText, summary, source: source,
                      assign: { $0[keyPath: keyPath] = $1 }, current: { $0[keyPath: keyPath] })
    }

    /// A parameter the dialect defines and Lithic accepts without modelling it (warned when it
    /// differs from `neutral`).
    public static func notModelled(_ name: String, aliases: [String] = [], unit: String, neutral: Double? = nil, scope: CardScope = .model,
                                   _ summary: String) -> CardParameter {
        CardParameter(name, aliases: aliases, unit: unit, range: .unbounded, scope: scope, status: .notModelled(neutral: neutral),
                      default: neutral.map { "\($0)" } ?? "—", summary, assign: { _, _ in }, current: { _ in nil })
    }

    /// Every spelling the card accepts for this parameter.
    public var spellings: [String] { [name] + aliases }
}

/// What a card is for `lithic devices` and for error messages: type-free.
public struct CardDocumentation: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var aliases: [String]
        public var unit: String
        public var defaultValue: String
        public var range: String
        public var summary: String
        public var source: String
        public var scope: CardScope
        public var status: ParameterStatus
        public init(name: String, aliases: [String] = [], unit: String, defaultValue: String, range: String = "", summary: String,
                    source: String = "", scope: CardScope = .either, status: ParameterStatus = .modelled) {
            self.name = name; self.aliases = aliases; self.unit = unit; self.defaultValue = defaultValue; self.range = range
            self.summary = summary; self.source = source; self.scope = scope; self.status = status
        }
        /// A row of a hand-written table (a device whose card is not yet declared by binding).
        public init(_ name: String, _ unit: String, _ defaultValue: String, _ source: String) {
            self.init(name: name, unit: unit, defaultValue: defaultValue, summary: source, source: source)
        }
    }
    /// What the card is ("diode model", "resistor").
    public var title: String
    /// How it is written (`D<name> anode cathode model [area] [OFF] [AREA=] [M=]`).
    public var syntax: String
    /// What is modelled, one or two lines, with the equations' source.
    public var summary: String
    public var parameters: [Parameter]
    public init(title: String, syntax: String, summary: String, parameters: [Parameter]) {
        self.title = title; self.syntax = syntax; self.summary = summary; self.parameters = parameters
    }

    /// Every spelling of every parameter (lower case).
    public var spellings: Set<String> { Set(parameters.flatMap { [$0.name] + $0.aliases }) }
}

/// What to do with a name the card does not declare.
public enum UnknownParameterPolicy: Sendable {
    /// Warn "parameter X of … is not recognised; results ignore it" (ngspice's model cards).
    case warn
    /// An input error listing the card's parameters (Lithic's own devices).
    case reject
}

/// A device's card: its parameters bound to a target value, and the prototype holding their
/// defaults.
public struct DeviceCard<Target> {
    public let title: String
    public let syntax: String
    public let summary: String
    public let parameters: [CardParameter<Target>]
    /// The target with every default; `apply` starts from it.
    public let prototype: Target
    let index: [String: Int]

    public init(title: String, syntax: String, summary: String, prototype: Target, parameters: [CardParameter<Target>]) {
        self.title = title
        self.syntax = syntax
        self.summary = summary
        self.prototype = prototype
        self.parameters = parameters
        var index: [String: Int] = [:]
        for (k, p) in parameters.enumerated() {
            for s in p.spellings where index[s] == nil { index[s] = k }
        }
        self.index = index
    }

    /// The declaration of a parameter by any of its spellings.
    public func parameter(_ spelling: String) -> CardParameter<Target>? {
        if let k = index[spelling] { return parameters[k].assignIndexed == nil ? parameters[k] : nil }
        guard let (stem, _) = Self.indexed(spelling) else { return nil }
        return index[stem].map { parameters[$0] }.flatMap { $0.assignIndexed == nil ? nil : $0 }
    }

    /// `soc12` → ("soc", 12).
    static func indexed(_ spelling: String) -> (String, Int)? {
        let digits = spelling.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count < spelling.count, let n = Int(String(digits.reversed())), n >= 1 else { return nil }
        return (String(spelling.dropLast(digits.count)), n)
    }

    /// Applies given parameters to `target` in the order given (a later spelling of the same
    /// parameter wins, as a later card entry does in SPICE), checking scope and range.
    /// Unknown names follow `unknown`; not-modelled ones are warned through `warn`. Returns
    /// the canonical names that were given (for derived defaults: "was VTO given?").
    @discardableResult
    public func apply(_ given: [GivenParameter], to target: inout Target, scope: CardScope, owner: String,
                      unknown: UnknownParameterPolicy = .warn, warn: (SourceLocation, String) -> Void) throws -> Set<String> {
        var seen: Set<String> = []
        for g in given {
            guard let p = parameter(g.name) else {
                switch unknown {
                case .warn:
                    warn(g.location, "parameter \(g.name) of \(owner) is not recognised; results ignore it")
                    continue
                case .reject:
                    let names = parameters.filter { $0.scope == scope || $0.scope == .either }.map { $0.name.uppercased() }
                    throw InputError(g.location, "unknown parameter '\(g.name.uppercased())' of \(owner) (\(names.joined(separator: ", ")))")
                }
            }
            if p.scope != .either, scope != .either, p.scope != scope {
                throw InputError(g.location, "parameter \(p.name.uppercased()) of \(owner) belongs on the \(p.scope == .model ? ".model card" : "element line"), not the \(scope == .model ? ".model card" : "element line")")
            }
            if case .notModelled(let neutral) = p.status {
                if neutral != g.value { warn(g.location, "parameter \(g.name) of \(owner) is not modelled; results ignore it") }
                continue
            }
            guard p.range.admits(g.value) else {
                throw InputError(g.location, "\(owner): parameter \(g.name.uppercased()) must be \(p.range.text), got \(g.value)")
            }
            if let assignIndexed = p.assignIndexed, let (_, k) = Self.indexed(g.name) {
                assignIndexed(&target, k, g.value)
            } else {
                p.assign(&target, g.value)
            }
            seen.insert(p.name)
        }
        return seen
    }

    /// The card for `lithic devices`: defaults read from the prototype unless declared as text.
    public var documentation: CardDocumentation {
        CardDocumentation(title: title, syntax: syntax, summary: summary, parameters: parameters.map { p in
            let value = p.defaultText ?? p.current(prototype).map(formatDefault) ?? "none"
            return .init(name: p.name, aliases: p.aliases, unit: p.unit, defaultValue: value, range: p.range.text, summary: p.summary,
                         source: p.source, scope: p.scope, status: p.status)
        })
    }
}

/// A default as a reader writes it: `1e-14`, `0.5`, `∞`.
func formatDefault(_ v: Double) -> String {
    if v == .infinity { return "∞" }
    if v == -.infinity { return "-∞" }
    if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
    return "\(v)"
}

/// Instance settings read by name (area, multiplier, geometry): the canonical names given and
/// their values, with the card's defaults for the rest.
public struct ParameterValues: Sendable {
    public var values: [String: Double]
    public init(_ values: [String: Double] = [:]) { self.values = values }
    public subscript(_ name: String) -> Double? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// A named setting of a by-name card (the default when the line does not give it).
    public static func setting(_ name: String, aliases: [String] = [], unit: String, range: ParameterRange = .any, scope: CardScope = .instance,
                               default value: Double?, defaultText: String? = nil, _ summary: String, source: String = "") -> CardParameter<ParameterValues> {
        CardParameter(name, aliases: aliases, unit: unit, range: range, scope: scope, default: defaultText, summary, source: source,
                      assign: { $0.values[name] = $1 }, current: { _ in value })
    }
}

extension DeviceCard where Target == ParameterValues {
    /// The value of a by-name setting: given, or the declared default.
    public func value(_ name: String, in given: ParameterValues) -> Double? {
        given[name] ?? parameter(name)?.current(prototype)
    }
}

extension DeviceCard {
    /// The same card with other defaults (a device family sharing one card, e.g. the DAI
    /// interface's defaults on the Li interface's parameters).
    public func withPrototype(_ prototype: Target, title: String? = nil, syntax: String? = nil, summary: String? = nil) -> DeviceCard {
        DeviceCard(title: title ?? self.title, syntax: syntax ?? self.syntax, summary: summary ?? self.summary, prototype: prototype, parameters: parameters)
    }
}

/// A `Y<type>` device that builds itself from its card. A new extension device is one file
/// conforming to this protocol plus one `catalog.register(MyDevice.self)` line; the elaborator
/// applies the `.model` card's and the instance line's parameters through `card` (unknown names
/// are input errors) and calls `init`.
public protocol CatalogDevice: Device {
    associatedtype Parameters
    /// The name written after `Y` and as the `.model` type (lower case).
    static var typeName: String { get }
    /// Number of external nodes.
    static var terminals: Int { get }
    static var card: DeviceCard<Parameters> { get }
    /// Checks conditions across parameters and builds the device on `nodes`.
    init(name: String, nodes: [Int], parameters: Parameters, at location: SourceLocation) throws
}

/// Warnings a device's builder collects for the elaborator to report.
public final class WarningSink: @unchecked Sendable {
    public private(set) var warnings: [Warning] = []
    public init() {}
    public func append(_ location: SourceLocation, _ message: String) { warnings.append(Warning(location, message)) }
}
