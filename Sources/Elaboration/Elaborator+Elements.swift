import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Netlist

extension Elaborator {
    /// Expands the statements of one hierarchy level.
    mutating func expand(_ statements: [Statement], in context: Context, depth: Int) throws {
        for s in statements {
            guard case .element(let e) = s else { continue }
            try element(e, in: context, depth: depth)
        }
    }

    /// Maps a node name at this level to a global index, creating internal nodes.
    mutating func node(_ raw: String, _ c: Context) -> Int {
        let k = resolveNode(raw, c)
        if !elementNodes.isEmpty { elementNodes[elementNodes.count - 1].append(k) }
        return k
    }

    private mutating func resolveNode(_ raw: String, _ c: Context) -> Int {
        let n = canonicalNode(raw)
        if let k = c.nodeMap[n] { return k }
        let global = globals.contains(n) ? n : c.prefix + n
        if let k = nodeIndex[global] { return k }
        nodeNames.append(global)
        nodeIndex[global] = nodeNames.count - 1
        return nodeNames.count - 1
    }

    /// The qualified name of a device referenced from this level (`v1` inside `x1` → `x1.v1`).
    /// Inside subcircuits devices are named as ngspice names them: the element letter, a dot,
    /// the instance path and the local name (`v.x1.x2.vsense`), so `i(v.x1.vsense)` means the
    /// same in both simulators.
    func deviceName(_ raw: String, _ c: Context) -> String {
        c.prefix.isEmpty ? raw : "\(raw.prefix(1)).\(c.prefix)\(raw)"
    }

    func lookupModel(_ name: String, _ c: Context, at loc: SourceLocation) throws -> (ModelStatement, ParameterScope) {
        if let m = c.models[name] { return m }
        for p in c.parent.reversed() { if let m = p.models[name] { return m } }
        throw InputError(loc, "model '\(name)' is not defined")
    }

    /// A model by name or, when only binned cards `name.1`, `name.2`, … exist (ngspice model
    /// binning), the bin with LMIN ≤ L < LMAX and WMIN ≤ W < WMAX (limits default to 0 and ∞).
    func binnedModel(_ name: String, length: Double, width: Double, _ c: Context, at loc: SourceLocation) throws -> (ModelStatement, ParameterScope) {
        if let found = try? lookupModel(name, c, at: loc) { return found }
        var bins: [(ModelStatement, ParameterScope)] = []
        for scope in [c] + c.parent.reversed() {
            for (key, value) in scope.models where key.hasPrefix(name + ".") && Int(key.dropFirst(name.count + 1)) != nil {
                if !bins.contains(where: { $0.0.name == value.0.name }) { bins.append(value) }
            }
        }
        guard !bins.isEmpty else { return try lookupModel(name, c, at: loc) }
        for (card, scope) in bins.sorted(by: { $0.0.name < $1.0.name }) {
            let p = try modelParameters(card, scope)
            if length >= (p["lmin"] ?? 0), length < (p["lmax"] ?? .infinity), width >= (p["wmin"] ?? 0), width < (p["wmax"] ?? .infinity) {
                return (card, scope)
            }
        }
        throw InputError(loc, "no bin of model '\(name)' (\(bins.map(\.0.name).sorted().joined(separator: ", "))) covers L = \(length), W = \(width)")
    }

    func lookupSubcircuit(_ name: String, _ c: Context) -> SubcircuitDefinition? {
        if let d = c.subcircuits[name] { return d }
        for p in c.parent.reversed() { if let d = p.subcircuits[name] { return d } }
        return nil
    }

    /// Vendor text fields of model cards (`MFG=OnSemi`, `TYPE=silicon`); as ngspice, a word
    /// there is not a number and is ignored (a number is kept, and warned about by the model).
    static let textModelFields: Set<String> = ["mfg", "type", "iave", "vpk", "vendor", "part", "package", "case", "icrating", "subtype"]

    /// Whether a model card's parameter is a text field holding a word (skipped, not evaluated).
    func isTextField(_ a: Assignment, _ scope: ParameterScope) -> Bool {
        guard let v = a.value, Self.textModelFields.contains(a.name) || a.name == "version" else { return false }
        guard case .name(let word) = v else { return false }
        return (try? scope.parameterValue(word)) == nil
    }

    /// Evaluates every parameter of a model card in the model's scope; text fields are skipped.
    func modelParameters(_ m: ModelStatement, _ scope: ParameterScope) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for a in m.parameters {
            guard let v = a.value else { continue }
            if isTextField(a, scope) { continue }
            let x = try scope.evaluate(v, at: a.location)
            result[a.name] = x
        }
        return result
    }

    /// `modelParameters`, warning once about every text field it skipped (a model's `version=`
    /// label, e.g. BSIM's 4.3.0, is skipped without a word).
    mutating func checkedModelParameters(_ m: ModelStatement, _ scope: ParameterScope) throws -> [String: Double] {
        for a in m.parameters where a.name != "version" && isTextField(a, scope) {
            if case .name(let word)? = a.value {
                warn(a.location, "parameter \(a.name.uppercased())=\(word) of model '\(m.name)' is text, not a number; results ignore it")
            }
        }
        return try modelParameters(m, scope)
    }

    /// A model card's parameters, evaluated in the model's scope in the order written, for a
    /// device card to apply; text fields are skipped with a warning (`version=` silently).
    mutating func givenModelParameters(_ m: ModelStatement, _ scope: ParameterScope) throws -> [GivenParameter] {
        var given: [GivenParameter] = []
        for a in m.parameters {
            guard let v = a.value else { continue }
            if isTextField(a, scope) {
                if a.name != "version", case .name(let word) = v {
                    warn(a.location, "parameter \(a.name.uppercased())=\(word) of model '\(m.name)' is text, not a number; results ignore it")
                }
                continue
            }
            given.append(GivenParameter(a.name, try scope.evaluate(v, at: a.location), at: a.location))
        }
        return given
    }

    /// The `name=value` settings of an element line, evaluated at this level (flags without a
    /// value are skipped: the element's positional words carry them).
    func givenInstanceParameters(_ assignments: [Assignment], _ c: Context) throws -> [GivenParameter] {
        try assignments.compactMap { x in
            guard let v = x.value else { return nil }
            return GivenParameter(x.name, try c.scope.evaluate(v, at: x.location), at: x.location)
        }
    }

    /// Applies given parameters through a device's card (names, aliases, ranges, scope), warning
    /// about what the card accepts but does not model and about names it does not know.
    @discardableResult
    mutating func apply<T>(_ card: DeviceCard<T>, _ given: [GivenParameter], to target: inout T, scope: CardScope, owner: String,
                           unknown: UnknownParameterPolicy = .warn) throws -> Set<String> {
        var notes: [(SourceLocation, String)] = []
        let seen = try card.apply(given, to: &target, scope: scope, owner: owner, unknown: unknown, warn: { notes.append(($0, $1)) })
        for (location, message) in notes { warn(location, message) }
        return seen
    }

    /// Splits element tokens into positional tokens and trailing `name=value` assignments.
    func split(_ e: ElementStatement, positionalLimit: Int = Int.max) throws -> ([Token], [Assignment]) {
        var k = 0
        var positional: [Token] = []
        while k < e.tokens.count, positional.count < positionalLimit {
            if k + 1 < e.tokens.count, e.tokens[k + 1].kind == .equals, e.tokens[k].kind == .word { break }
            if e.tokens[k].kind == .comma { k += 1; continue }
            positional.append(e.tokens[k])
            k += 1
        }
        let assignments = try NetlistParser.parseAssignments(e.tokens, from: k, card: e.card, allowFlags: true)
        return (positional, assignments)
    }

    func value(_ t: Token, _ c: Context) throws -> Double {
        let v = try c.scope.evaluate(try t.expression(), at: t.location)
        return v
    }

    /// The positional value of an R, C or L: a number, an expression or RKM notation (`4k7`,
    /// `1r5` for resistors; `SINumber.parseRKM`).
    func elementValue(_ t: Token, _ c: Context, resistor: Bool = false) throws -> Double {
        if t.kind == .word, SINumber.parse(t.text) == nil, let v = SINumber.parseRKM(t.text, resistor: resistor) { return v }
        return try value(t, c)
    }

    func require(_ tokens: [Token], _ n: Int, _ e: ElementStatement, _ usage: String) throws {
        guard tokens.count >= n else {
            throw InputError(e.card.location, "'\(e.name)' needs \(usage)")
        }
        for t in tokens.prefix(n) where t.kind != .word && t.kind != .braced && t.kind != .quoted {
            throw InputError(t.location, "unexpected '\(t.text)' in '\(e.name)'")
        }
    }

    mutating func register(_ name: String, _ loc: SourceLocation) throws {
        guard !deviceNames.contains(name) else { throw InputError(loc, "device '\(name)' is defined twice") }
        deviceNames.insert(name)
    }

    /// `R<name> n+ n- [value] [model] [r=] [l= w=] [tc1= tc2= | tc=] [temp= | dtemp=] [scale=] [m=] [ac=]`
    /// (ngspice): the value, or from a resistor model (`.model NAME R (r= rsh= narrow|dw=
    /// short|dlr= defw= defl= tc1= tc2= tnom=)`) R = RSH·(L − 2·SHORT)/(W − 2·NARROW) when
    /// L·W·RSH > 0 (narrowing and shortening at each edge: what the installed ngspice 39 computes,
    /// measured, although its source reads as one edge), else the model's R; then
    /// R·(1 + tc1·ΔT + tc2·ΔT²)·scale with ΔT = T − TNOM, divided by m.
    ///
    /// A resistance that reads run-time quantities (`R1 a b r={v(x)*1k}`, ngspice's behavioural
    /// resistor) becomes a B-source I = v(a, b)/expression; the function then returns nil.
    mutating func resistor(_ e: ElementStatement, name: String, _ c: Context) throws -> Resistor? {
        let loc = e.card.location
        let (p, a) = try split(e)
        try require(p, 2, e, "two nodes and a resistance")
        let runtime: (ArithmeticExpression, SourceLocation)? = try {
            for t in p.dropFirst(2).prefix(1) where t.kind == .braced || t.kind == .quoted {
                let x = try t.expression()
                if x.isRuntime { return (x, t.location) }
            }
            for x in a where x.name == "r" || x.name == "resistance" {
                if let v = x.value, v.isRuntime { return (v, x.location) }
            }
            return nil
        }()
        if let (expression, at) = runtime {
            for x in a where !["r", "resistance"].contains(x.name) {
                warnings.append(Warning(x.location, "'\(x.name)' ignored on the behavioural resistor '\(e.name)'"))
            }
            let across = ArithmeticExpression.voltage(p[0].text, p[1].text == "0" ? nil : p[1].text)
            try behavioural(name: name, kind: .current, a: node(p[0].text, c), b: node(p[1].text, c),
                            expression: .binary(.divide, across, expression), at: at, c)
            return nil
        }
        var r: Double?
        var model: [String: Double]?
        for t in p.dropFirst(2).prefix(2) {
            if t.kind == .word, SINumber.parse(t.text) == nil, let found = try? lookupModel(t.text, c, at: t.location) {
                guard found.0.type == "r" || found.0.type == "res" else {
                    throw InputError(t.location, "model '\(found.0.name)' is of type '\(found.0.type)', not R")
                }
                var parameters = ParameterValues()
                try apply(Resistor.modelCard, try givenModelParameters(found.0, found.1), to: &parameters, scope: .model,
                          owner: "resistor model '\(found.0.name)'")
                model = parameters.values
            } else if r == nil {
                r = try elementValue(t, c, resistor: true)
            } else {
                throw InputError(t.location, "unexpected '\(t.text)' in resistor '\(e.name)'")
            }
        }
        var settings = ParameterValues()
        try apply(Resistor.instanceCard, try givenInstanceParameters(a, c), to: &settings, scope: .instance, owner: "resistor '\(e.name)'")
        for k in ["l", "w"] { if let v = settings[k] { settings[k] = v * options.geometryScale } }
        if let v = settings["r"] { r = v }
        let instance = settings.values
        let shortening = model?["short"] ?? 0, narrowing = model?["narrow"] ?? 0
        let width = instance["w"] ?? model?["defw"] ?? 10e-6
        let length = instance["l"] ?? model?["defl"] ?? 10e-6
        if r == nil, let model {
            let sheet = model["rsh"] ?? 0
            if length * width * sheet > 0 {
                guard length - 2 * shortening > 0, width - 2 * narrowing > 0 else {
                    throw InputError(loc, "resistor '\(e.name)': L − 2·SHORT and W − 2·NARROW must be positive")
                }
                r = sheet * (length - 2 * shortening) / (width - 2 * narrowing)
            } else {
                r = model["r"]
            }
            if r == nil { throw InputError(loc, "resistor '\(e.name)': its model gives neither R nor RSH with L and W") }
        }
        guard let nominal = r else { throw InputError(loc, "resistor '\(e.name)' has no value") }
        let temperature = instance["temp"] ?? (options.temperature + (instance["dtemp"] ?? 0))
        let difference = temperature - (model?["tnom"] ?? options.nominalTemperature)
        let tc1 = instance["tc1"] ?? model?["tc1"] ?? 0, tc2 = instance["tc2"] ?? model?["tc2"] ?? 0
        let factor = (1 + tc1 * difference + tc2 * difference * difference) * (instance["scale"] ?? 1)
        let m = instance["m"] ?? 1
        let rv = nominal * factor
        guard rv != 0, rv.isFinite, m > 0, m.isFinite else { throw InputError(loc, "resistor '\(e.name)' has invalid value \(rv)") }
        var ac: Double?
        if let acNominal = instance["ac"] {
            let v = acNominal * factor
            guard v != 0, v.isFinite else { throw InputError(loc, "resistor '\(e.name)' has invalid ac= value \(acNominal)") }
            ac = v / (m * c.multiplier)
        }
        var resistor = Resistor(name: name, a: node(p[0].text, c), b: node(p[1].text, c), resistance: rv / (m * c.multiplier), acResistance: ac)
        resistor.noisy = (instance["noisy"] ?? 1) != 0
        if let model, let kf = model["kf"], kf != 0 {
            let af = model["af"] ?? 1, ef = model["ef"] ?? 1
            // As ngspice's ressetup.c: the noise area only when the instance gives L or W.
            var area = 1.0
            if instance["l"] != nil || instance["w"] != nil {
                area = pow(length - 2 * shortening, model["lf"] ?? 1) * pow(width - 2 * narrowing, model["wf"] ?? 1)
                guard area > 0, area.isFinite else { throw InputError(loc, "resistor '\(e.name)': the flicker-noise area (L − 2·SHORT)^LF·(W − 2·NARROW)^WF must be positive") }
            }
            resistor.flicker = ResistorFlickerNoise(coefficient: kf, exponent: af, frequencyExponent: ef, area: area, multiplier: m * c.multiplier)
        }
        return resistor
    }

    /// ngspice's capacitor and inductor scaling (captemp.c, indtemp.c): (1 + TC1·ΔT + TC2·ΔT²)·SCALE
    /// with ΔT = TEMP − TNOM, TEMP the instance's `temp=` or the circuit's plus `dtemp=`.
    func temperatureFactor(_ p: [String: Double]) -> Double {
        let temperature = p["temp"] ?? (options.temperature + (p["dtemp"] ?? 0))
        let difference = temperature - options.nominalTemperature
        let tc1 = p["tc1"] ?? 0, tc2 = p["tc2"] ?? 0
        return (1 + tc1 * difference + tc2 * difference * difference) * (p["scale"] ?? 1)
    }

    /// Lithic's BJT, JFET and MOSFET take their model parameters as they are written (the thermal
    /// voltage alone follows TEMP); ngspice scales IS, BF, VTO, KP, PHI, junction potentials and
    /// capacitances from TNOM to TEMP. A run away from TNOM says so.
    mutating func warnTemperature(_ card: ModelStatement, _ given: [GivenParameter], kind: String) {
        let nominal = given.last(where: { $0.name == "tnom" })?.value ?? options.nominalTemperature
        guard options.temperature != nominal else { return }
        warn(card.location, "the temperature dependence of \(kind) '\(card.name)' is not modelled (its parameters are taken as at TNOM = \(nominal) °C, the circuit is at \(options.temperature) °C); results ignore it")
    }

    /// The text of a warning for a parameter Lithic does not model: "parameter X of <what> is
    /// not modelled; results ignore it" (`known: false` adds that the simulator does not know it).
    func notModelled(_ parameter: String, of what: String, known: Bool = true) -> String {
        known ? "parameter \(parameter) of \(what) is not modelled; results ignore it"
              : "parameter \(parameter) of \(what) is not recognised; results ignore it"
    }

    /// Appends a warning unless the same message at the same place was given already (a model
    /// card shared by many instances is checked once per instance).
    mutating func warn(_ location: SourceLocation, _ message: String) {
        let key = "\(location):\(message)"
        guard !warnedKeys.contains(key) else { return }
        warnedKeys.insert(key)
        warnings.append(Warning(location, message))
    }

    mutating func element(_ e: ElementStatement, in c: Context, depth: Int) throws {
        let name = deviceName(e.name, c)
        let loc = e.card.location
        guard let letter = e.name.first else { return }
        // The nodes this element touches join one group (a subcircuit instance's own elements
        // join theirs), for the check that every node has a path to ground.
        elementNodes.append([])
        defer {
            let touched = elementNodes.removeLast()
            if letter != "x" { connectivity.join(touched, at: loc) }
        }
        if letter != "x" && letter != "y" { try register(name, loc) }
        switch letter {
        case "r":
            if let r = try resistor(e, name: name, c) { groups.append(r) }
        case "c":
            let (p, a) = try split(e)
            try require(p, 2, e, "two nodes and a capacitance")
            var cap: Double? = p.count >= 3 ? try elementValue(p[2], c) : nil
            var settings = ParameterValues()
            try apply(Capacitor.instanceCard, try givenInstanceParameters(a, c), to: &settings, scope: .instance, owner: "capacitor '\(e.name)'")
            if let v = settings["c"] { cap = v }
            let ic = settings["ic"], m = settings["m"] ?? 1
            cap = cap.map { $0 * temperatureFactor(settings.values) }
            guard let cv = cap, cv.isFinite else { throw InputError(loc, "capacitor '\(e.name)' has no valid value") }
            let na = node(p[0].text, c), nb = node(p[1].text, c)
            groups.append(Capacitor(name: name, a: na, b: nb, capacitance: cv * m * c.multiplier, initialVoltage: ic))
            if let ic { capacitorICs.append((na, nb, cv * m * c.multiplier, ic)) }
        case "l":
            let (p, a) = try split(e)
            try require(p, 2, e, "two nodes and an inductance")
            var ind: Double? = p.count >= 3 ? try elementValue(p[2], c) : nil
            var settings = ParameterValues()
            try apply(Inductor.instanceCard, try givenInstanceParameters(a, c), to: &settings, scope: .instance, owner: "inductor '\(e.name)'")
            if let v = settings["l"] { ind = v }
            let ic = settings["ic"], m = settings["m"] ?? 1
            ind = ind.map { $0 * temperatureFactor(settings.values) }
            guard let lv = ind, lv.isFinite, lv != 0 else { throw InputError(loc, "inductor '\(e.name)' has no valid value") }
            groups.append(Inductor(name: name, a: node(p[0].text, c), b: node(p[1].text, c), inductance: lv / (m * c.multiplier), initialCurrent: ic))
            branchDevices.append(name)
            if let ic { inductorICs.append((name, ic)) }
        case "k":
            let (p, _) = try split(e)
            try require(p, 3, e, "two inductors and a coupling coefficient")
            let k = try value(p[2], c)
            guard abs(k) <= 1 else { throw InputError(p[2].location, "coupling coefficient must be in [-1, 1], got \(k)") }
            let l1 = deviceName(p[0].text, c), l2 = deviceName(p[1].text, c)
            guard let ind1 = inductance(of: l1), let ind2 = inductance(of: l2) else {
                throw InputError(loc, "'\(e.name)' couples '\(p[0].text)' and '\(p[1].text)', which must be inductors defined before it")
            }
            groups.append(MutualInductance(name: name, first: l1, second: l2, mutual: k * (ind1 * ind2).squareRoot()))
        case "v", "i":
            let p = Array(e.tokens.prefix(2))
            try require(p, 2, e, "two nodes")
            let spec = try sourceSpecification(Array(e.tokens.dropFirst(2)), e, c)
            let na = node(p[0].text, c), nb = node(p[1].text, c)
            if letter == "v" {
                groups.append(VoltageSource(name: name, a: na, b: nb, source: spec))
                branchDevices.append(name)
            } else {
                groups.append(CurrentSource(name: name, a: na, b: nb, source: spec, multiplier: c.multiplier))
            }
        case "e", "g":
            if e.tokens.count > 2, e.tokens[2].text == "poly" {
                try polynomialSource(e, name: name, controlledByVoltage: true, outputIsVoltage: letter == "e", c)
                return
            }
            if e.tokens.count > 3, e.tokens[2].text == "table" {
                try tableSource(e, name: name, outputIsVoltage: letter == "e", c)
                return
            }
            let (p, a) = try split(e)
            if let expr = a.first(where: { ["value", "vol", "cur"].contains($0.name) }), let v = expr.value {
                try require(p, 2, e, "two nodes")
                try behavioural(name: name, kind: letter == "e" ? .voltage : .current, a: node(p[0].text, c), b: node(p[1].text, c),
                                expression: v, at: expr.location, c)
                if letter == "e" { branchDevices.append(name) }
                return
            }
            try require(p, 5, e, "two output nodes, two control nodes and a gain")
            let gain = try value(p[4], c)
            var m = 1.0
            if let mm = a.first(where: { $0.name == "m" })?.value { m = try c.scope.evaluate(mm, at: loc) }
            let (na, nb, ca, cb) = (node(p[0].text, c), node(p[1].text, c), node(p[2].text, c), node(p[3].text, c))
            if letter == "e" {
                groups.append(VCVS(name: name, a: na, b: nb, ca: ca, cb: cb, gain: gain))
                branchDevices.append(name)
            } else {
                groups.append(VCCS(name: name, a: na, b: nb, ca: ca, cb: cb, transconductance: gain * m * c.multiplier))
            }
        case "f", "h":
            if e.tokens.count > 2, e.tokens[2].text == "poly" {
                try polynomialSource(e, name: name, controlledByVoltage: false, outputIsVoltage: letter == "h", c)
                return
            }
            let (p, a) = try split(e)
            try require(p, 4, e, "two nodes, a controlling voltage source and a gain")
            let gain = try value(p[3], c)
            let control = deviceName(p[2].text, c)
            let (na, nb) = (node(p[0].text, c), node(p[1].text, c))
            if letter == "f" {
                var m = 1.0
                if let mm = a.first(where: { $0.name == "m" })?.value { m = try c.scope.evaluate(mm, at: loc) }
                groups.append(CCCS(name: name, a: na, b: nb, control: control, gain: gain * m * c.multiplier))
            } else {
                groups.append(CCVS(name: name, a: na, b: nb, control: control, transresistance: gain))
                branchDevices.append(name)
            }
        case "b":
            let p = Array(e.tokens.prefix(2))
            try require(p, 2, e, "two nodes and V=expr or I=expr")
            let toks = e.tokens
            guard let k = toks.firstIndex(where: { ($0.text == "v" || $0.text == "i") && $0.kind == .word }),
                  k >= 2, k + 2 < toks.count, toks[k + 1].kind == .equals else {
                throw InputError(loc, "B-source '\(e.name)' needs V=expr or I=expr")
            }
            // The expression runs to the end of the card, or up to trailing tc1=/tc2=/temp= settings.
            var end = toks.count
            for j in (k + 2)..<toks.count where j + 1 < toks.count && toks[j + 1].kind == .equals &&
                ["tc1", "tc2", "temp", "dtemp", "m"].contains(toks[j].text) {
                end = j; break
            }
            guard end > k + 2 else { throw InputError(toks[k].location, "B-source '\(e.name)' has an empty expression") }
            for j in end..<toks.count where j + 1 < toks.count && toks[j + 1].kind == .equals && toks[j].kind == .word {
                warn(toks[j].location, notModelled(toks[j].text, of: "B-source '\(e.name)'"))
            }
            let expr = try NetlistParser.expression(tokens: toks, from: k + 2, to: end, card: e.card)
            let kind: BehavioralSource.Kind = toks[k].text == "v" ? .voltage : .current
            try behavioural(name: name, kind: kind, a: node(p[0].text, c), b: node(p[1].text, c), expression: expr, at: toks[k + 2].location, c)
            if kind == .voltage { branchDevices.append(name) }
        case "d":
            let (p, a) = try split(e)
            try require(p, 3, e, "anode, cathode and a model name")
            let (card, scope) = try lookupModel(p[2].text, c, at: p[2].location)
            guard card.type == "d" else { throw InputError(p[2].location, "model '\(card.name)' is of type '\(card.type)', not D") }
            let model = try diodeModel(card, scope)
            let off = p.contains { $0.text == "off" }
            let area = try instanceArea(after: p.dropFirst(3), a, card: Diode.instanceCard, e, c)
            groups.append(Diode(name: name, anode: node(p[0].text, c), cathode: node(p[1].text, c), model: model, area: area, off: off, temperature: options.temperature + PhysicalConstant.zeroCelsius))
        case "t":
            let (p, a) = try split(e)
            try require(p, 4, e, "two port node pairs and Z0=, TD= or F=")
            var settings = ParameterValues()
            try apply(TransmissionLine.instanceCard, try givenInstanceParameters(a, c), to: &settings, scope: .instance,
                      owner: "lossless line '\(e.name)'")
            let values = settings.values
            guard let z0 = values["z0"], z0 > 0, z0.isFinite else { throw InputError(loc, "'\(e.name)' needs a positive Z0=") }
            let delay: Double
            if let td = values["td"] { delay = td }
            else if let f = values["f"], f > 0 { delay = (values["nl"] ?? 0.25) / f }
            else { throw InputError(loc, "'\(e.name)' needs TD= or F= (with NL=, default 0.25)") }
            guard delay > 0, delay.isFinite else { throw InputError(loc, "'\(e.name)': the delay must be positive, got \(delay)") }
            groups.append(TransmissionLine(name: name, a1: node(p[0].text, c), b1: node(p[1].text, c), a2: node(p[2].text, c), b2: node(p[3].text, c),
                                           impedance: z0, delay: delay))
        case "j":
            let (p, a) = try split(e)
            try require(p, 4, e, "drain, gate and source nodes and a model name")
            let (card, scope) = try lookupModel(p[3].text, c, at: p[3].location)
            guard card.type == "njf" || card.type == "pjf" else {
                throw InputError(p[3].location, "model '\(card.name)' is of type '\(card.type)', not NJF or PJF")
            }
            let model = try jfetModel(card, scope)
            let area = try instanceArea(after: p.dropFirst(4), a, card: JFET.instanceCard, e, c)
            groups.append(JFET(name: name, drain: node(p[0].text, c), gate: node(p[1].text, c), source: node(p[2].text, c), model: model,
                               area: area, off: p.dropFirst(4).contains { $0.text == "off" }, temperature: options.temperature + PhysicalConstant.zeroCelsius))
        case "q":
            let (p, a) = try split(e)
            try require(p, 4, e, "collector, base and emitter nodes and a model name")
            // Q c b e [substrate] model [area] [off]: the fourth token is the model when one has that name.
            var modelIndex = 3
            if (try? lookupModel(p[3].text, c, at: p[3].location)) == nil, p.count >= 5 { modelIndex = 4 }
            let (card, scope) = try lookupModel(p[modelIndex].text, c, at: p[modelIndex].location)
            guard card.type == "npn" || card.type == "pnp" else {
                throw InputError(p[modelIndex].location, "model '\(card.name)' is of type '\(card.type)', not NPN or PNP")
            }
            let model = try bjtModel(card, scope)
            let rest = p.dropFirst(modelIndex + 1)
            let area = try instanceArea(after: rest, a, card: BJT.instanceCard, e, c)
            let substrate = modelIndex == 4 ? node(p[3].text, c) : 0
            groups.append(BJT(name: name, collector: node(p[0].text, c), base: node(p[1].text, c), emitter: node(p[2].text, c),
                              substrate: substrate, model: model, area: area, off: rest.contains { $0.text == "off" },
                              temperature: options.temperature + PhysicalConstant.zeroCelsius))
        case "m":
            let (p, a) = try split(e)
            try require(p, 5, e, "drain, gate, source and bulk nodes and a model name")
            // Levels without a built-in model (BSIM3/4, 2/3/6/9) go through their OSDI build.
            if let (card, scope) = try osdiLevelModel(p[4], a, c), try mosfetThroughOSDI(e, p, a, card: card, scope: scope, in: c) { break }
            // As ngspice: L= and W= on the model card are the defaults of instances that give
            // none (before .options defl/defw); a binned model is chosen by the instance's own.
            let scale = options.geometryScale
            var settings = ParameterValues(["l": options.defaultLength, "w": options.defaultWidth])
            if let (card, scope) = try? lookupModel(p[4].text, c, at: p[4].location), card.type == "nmos" || card.type == "pmos" {
                let parameters = try modelParameters(card, scope)
                if let l = parameters["l"] { settings["l"] = l * scale }
                if let w = parameters["w"] { settings["w"] = w * scale }
            }
            var given = ParameterValues()
            try apply(MOSFET.instanceCard, try givenInstanceParameters(a, c), to: &given, scope: .instance, owner: "'\(e.name)'")
            for (k, v) in given.values {
                switch k {
                case "l", "w", "pd", "ps": settings[k] = v * scale
                case "ad", "as": settings[k] = v * scale * scale
                default: settings[k] = v
                }
            }
            let geometry = settings.values
            let g = { (k: String) in geometry[k] ?? MOSFET.instanceCard.value(k, in: settings) ?? 0 }
            let (card, scope) = try binnedModel(p[4].text, length: g("l"), width: g("w"), c, at: p[4].location)
            guard card.type == "nmos" || card.type == "pmos" else {
                throw InputError(p[4].location, "model '\(card.name)' is of type '\(card.type)', not NMOS or PMOS")
            }
            let model = try mosfetModel(card, scope)
            let off = p.dropFirst(5).contains { $0.text == "off" }
            guard g("l") - 2 * model.lateralDiffusion > 0, g("w") > 0, g("m") > 0 else {
                throw InputError(loc, "'\(e.name)': L − 2·LD, W and M must be positive (L = \(g("l")), W = \(g("w")), LD = \(model.lateralDiffusion))")
            }
            groups.append(MOSFET(name: name, drain: node(p[0].text, c), gate: node(p[1].text, c), source: node(p[2].text, c), bulk: node(p[3].text, c),
                                 model: model, length: g("l"), width: g("w"), drainArea: g("ad"), sourceArea: g("as"),
                                 drainPerimeter: g("pd"), sourcePerimeter: g("ps"), drainSquares: g("nrd"), sourceSquares: g("nrs"),
                                 multiplier: g("m") * c.multiplier, off: off, temperature: options.temperature + PhysicalConstant.zeroCelsius))
        case "s", "w":
            let (p, _) = try split(e)
            let needed = letter == "s" ? 5 : 4
            try require(p, needed, e, letter == "s" ? "two nodes, two control nodes and a model" : "two nodes, a controlling source and a model")
            let (card, scope) = try lookupModel(p[needed - 1].text, c, at: p[needed - 1].location)
            let expected = letter == "s" ? "sw" : "csw"
            guard card.type == expected else {
                throw InputError(p[needed - 1].location, "model '\(card.name)' is of type '\(card.type)', not \(expected.uppercased())")
            }
            var model = SwitchModel()
            model.offResistance = 1 / options.gmin
            try apply(SwitchModel.card(current: letter == "w"), try givenModelParameters(card, scope), to: &model, scope: .model,
                      owner: "switch model '\(card.name)'")
            let on = p.count > needed && p[needed].text == "on"
            let control: ControlledSwitch.Control = letter == "s"
                ? .voltage(node(p[2].text, c), node(p[3].text, c)) : .current(deviceName(p[2].text, c))
            groups.append(ControlledSwitch(name: name, a: node(p[0].text, c), b: node(p[1].text, c), control: control, model: model, initiallyOn: on))
        case "x":
            try instance(e, in: c, depth: depth)
        case "y":
            try extensionDevice(e, in: c)
        case "n":
            try osdiInstance(e, in: c)
        default:
            let features: [Character: String] = [
                "o": "lossy transmission line (LTRA)", "p": "coupled multiconductor line (CPL)", "u": "uniform distributed RC line (URC)",
                "z": "MESFET", "a": "XSPICE code model",
            ]
            let what = features[letter].map { "\($0) element '\(e.name)'" } ?? "element type '\(letter)' in '\(e.name)'"
            throw InputError(loc, "unsupported: \(what) (Lithic has R C L K V I E F G H B D J M N Q S T W X Y)")
        }
    }

    func inductance(of name: String) -> Double? {
        for g in groups.groups {
            if let l = g as? Devices<Inductor>, let d = l.devices.first(where: { $0.name == name }) { return d.inductance }
        }
        return nil
    }

    mutating func diodeModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> DiodeModel {
        var m = DiodeModel()
        m.nominalTemperature = options.nominalTemperature + PhysicalConstant.zeroCelsius
        try apply(DiodeModel.card, try givenModelParameters(card, scope), to: &m, scope: .model, owner: "diode model '\(card.name)'")
        return m
    }

    /// Table-controlled source `E|G n+ n- TABLE {expr} = (x0, y0) (x1, y1) …`: the output follows
    /// the points linearly in x and stays at the end values outside them (ngspice/PSpice `TABLE`),
    /// compiled like a B-source with `pwl`.
    mutating func tableSource(_ e: ElementStatement, name: String, outputIsVoltage: Bool, _ c: Context) throws {
        let t = e.tokens
        guard t[3].kind == .braced || t[3].kind == .quoted else {
            throw InputError(t[3].location, "'\(e.name)': TABLE needs its controlling expression in braces, e.g. TABLE {v(in)} = (0,0) (1,1)")
        }
        let control = try t[3].expression()
        var values: [ArithmeticExpression] = []
        for token in t.dropFirst(4) where token.kind != .open && token.kind != .close && token.kind != .comma && token.kind != .equals {
            values.append(.number(try value(token, c)))
        }
        guard values.count >= 2, values.count % 2 == 0 else {
            throw InputError(t[2].location, "'\(e.name)': TABLE needs (x, y) pairs, got \(values.count) numbers")
        }
        var previous = -Double.infinity
        for k in stride(from: 0, to: values.count, by: 2) {
            guard case .number(let x) = values[k], x >= previous else {
                throw InputError(t[2].location, "'\(e.name)': TABLE x values must not decrease")
            }
            previous = x
        }
        try require(Array(t.prefix(2)), 2, e, "two output nodes")
        try behavioural(name: name, kind: outputIsVoltage ? .voltage : .current, a: node(t[0].text, c), b: node(t[1].text, c),
                        expression: .call("pwl", [control] + values), at: t[2].location, c)
        if outputIsVoltage { branchDevices.append(name) }
    }

    /// SPICE2 polynomial controlled source `E|G n+ n- POLY(N) (c1+ c1-) … p0 p1 …` (node pairs) or
    /// `F|H n+ n- POLY(N) V1 … p0 p1 …` (controlling sources): the polynomial in the N controlling
    /// quantities with SPICE's term order (constant, linear terms, then every product of degree 2,
    /// 3, … with non-decreasing indices), compiled like a B-source.
    mutating func polynomialSource(_ e: ElementStatement, name: String, controlledByVoltage: Bool, outputIsVoltage: Bool, _ c: Context) throws {
        let t = e.tokens
        let loc = e.card.location
        guard t.count >= 6, t[3].kind == .open, t[5].kind == .close, let dims = Int(t[4].text), dims >= 1, dims <= 20 else {
            throw InputError(t.count > 2 ? t[2].location : loc, "'\(e.name)': expected POLY(N) with 1 ≤ N ≤ 20")
        }
        // Controls and coefficients: parentheses and commas only group; trailing name=value (IC=, M=) are settings.
        var words: [Token] = []
        var k = 6
        var multiplier = 1.0
        while k < t.count {
            if k + 1 < t.count, t[k + 1].kind == .equals, t[k].kind == .word {
                let assignments = try NetlistParser.parseAssignments(t, from: k, card: e.card, allowFlags: true)
                for x in assignments where x.name == "m" { if let v = x.value { multiplier = try c.scope.evaluate(v, at: x.location) } }
                break
            }
            if t[k].kind != .open && t[k].kind != .close && t[k].kind != .comma { words.append(t[k]) }
            k += 1
        }
        let controlCount = controlledByVoltage ? 2 * dims : dims
        guard words.count > controlCount else {
            throw InputError(loc, "'\(e.name)': POLY(\(dims)) needs \(controlCount) control \(controlledByVoltage ? "nodes" : "sources") and at least one coefficient")
        }
        var variables: [ArithmeticExpression] = []
        for d in 0..<dims {
            if controlledByVoltage {
                variables.append(.voltage(words[2 * d].text, words[2 * d + 1].text))
            } else {
                variables.append(.current(words[d].text))
            }
        }
        // A single coefficient is p0, a constant, as in ngspice (SPICE2 read it as the gain p1).
        let coefficients = try words[controlCount...].map { try value($0, c) }
        // Terms in SPICE order: degree by degree, index tuples non-decreasing.
        var terms: [ArithmeticExpression] = []
        var tuples: [[Int]] = [[]]
        var index = 0
        while index < coefficients.count {
            for tuple in tuples where index < coefficients.count {
                let p = coefficients[index]
                index += 1
                guard p != 0 else { continue }
                var term: ArithmeticExpression = .number(p)
                for v in tuple { term = .binary(.multiply, term, variables[v]) }
                terms.append(term)
            }
            // Next degree: extend each tuple by an index not below its last one.
            tuples = tuples.flatMap { tuple in ((tuple.last ?? 0)..<dims).map { tuple + [$0] } }
        }
        var expression = terms.first ?? .number(0)
        for term in terms.dropFirst() { expression = .binary(.add, expression, term) }
        if !outputIsVoltage && multiplier != 1 { expression = .binary(.multiply, .number(multiplier), expression) }
        let p = e.tokens
        try require(Array(p.prefix(2)), 2, e, "two output nodes")
        try behavioural(name: name, kind: outputIsVoltage ? .voltage : .current, a: node(p[0].text, c), b: node(p[1].text, c),
                        expression: expression, at: t[2].location, c)
        if outputIsVoltage { branchDevices.append(name) }
    }

    /// The area factor of a BJT or JFET instance: the positional value after the model name (unless
    /// it is OFF), `AREA=`, times `M=` (parallel devices); other instance parameters are warned about.
    mutating func instanceArea(after rest: ArraySlice<Token>, _ assignments: [Assignment], card: DeviceCard<ParameterValues>,
                               _ e: ElementStatement, _ c: Context) throws -> Double {
        var settings = ParameterValues()
        if let t = rest.first, t.text != "off" { settings["area"] = try value(t, c) }
        try apply(card, try givenInstanceParameters(assignments, c), to: &settings, scope: .instance, owner: "'\(e.name)'")
        let area = (settings["area"] ?? 1) * (settings["m"] ?? 1)
        guard area > 0, area.isFinite else { throw InputError(e.card.location, "'\(e.name)': area must be positive, got \(area)") }
        return area * c.multiplier
    }

    /// A level-1 JFET model card (ngspice's default level), through `JFETModel.card`.
    mutating func jfetModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> JFETModel {
        let given = try givenModelParameters(card, scope)
        if let level = given.last(where: { $0.name == "level" })?.value, level != 1 {
            throw InputError(card.location, "JFET model '\(card.name)': level \(level) is not supported (Lithic has the level-1 model)")
        }
        warnTemperature(card, given, kind: "JFET model")
        var m = JFETModel()
        m.polarity = card.type == "pjf" ? -1 : 1
        try apply(JFETModel.card, given, to: &m, scope: .model, owner: "JFET model '\(card.name)'")
        if let problem = m.inconsistency { throw InputError(card.location, "JFET model '\(card.name)': \(problem)") }
        return m
    }

    /// A Gummel-Poon bipolar model card (level 1, ngspice's default), through `BJTModel.card`.
    mutating func bjtModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> BJTModel {
        let given = try givenModelParameters(card, scope)
        if let level = given.last(where: { $0.name == "level" })?.value, level != 1 {
            throw InputError(card.location, "bipolar model '\(card.name)': level \(level) is not supported (Lithic has the Gummel-Poon model, level 1)")
        }
        warnTemperature(card, given, kind: "bipolar model")
        var m = BJTModel()
        m.polarity = card.type == "pnp" ? -1 : 1
        try apply(BJTModel.card, given, to: &m, scope: .model, owner: "bipolar model '\(card.name)'")
        return m
    }

    /// A level-1 MOSFET model card, through `MOSFETModel.card`; KP, PHI, GAMMA and VTO not
    /// given are derived from the process parameters (ngspice `mos1temp.c`). Other levels are
    /// input errors here (the OSDI path takes them first).
    mutating func mosfetModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> MOSFETModel {
        let given = try givenModelParameters(card, scope)
        let level = given.last(where: { $0.name == "level" })?.value ?? 1
        guard level == 1 else {
            throw InputError(card.location, "MOSFET model '\(card.name)': level \(level) is not supported (Lithic has the level-1 Shichman-Hodges model)")
        }
        warnTemperature(card, given, kind: "MOSFET model")
        var m = MOSFETModel()
        m.polarity = card.type == "pmos" ? -1 : 1
        let seen = try apply(MOSFETModel.card, given, to: &m, scope: .model, owner: "MOSFET model '\(card.name)'")
        let tnom = (given.last(where: { $0.name == "tnom" })?.value ?? options.nominalTemperature) + PhysicalConstant.zeroCelsius
        m.deriveProcessParameters(given: seen, nominalTemperature: tnom)
        guard m.transconductance > 0, m.surfacePotential > 0 else {
            throw InputError(card.location, "MOSFET model '\(card.name)': the derived KP (\(m.transconductance)) and PHI (\(m.surfacePotential)) must be positive")
        }
        return m
    }

    mutating func behavioural(name: String, kind: BehavioralSource.Kind, a: Int, b: Int, expression: ArithmeticExpression,
                              at loc: SourceLocation, _ c: Context) throws {
        // As ngspice, behavioural sources are not multiplied by an enclosing instance's m=.
        if c.multiplier != 1 {
            warnings.append(Warning(loc, "'\(name)': behavioural sources are not multiplied by the enclosing instance's m=\(c.multiplier) (as ngspice)"))
        }
        var derivatives = 0
        let rewritten = try replacingDerivatives(expression, source: name, count: &derivatives, at: loc, c)
        let compiled = try ExpressionCompiler.compile(rewritten, scope: c.scope, at: loc, allowRuntime: true, temperatureCelsius: options.temperature)
        let inputs = resolvedInputs(compiled, c)
        groups.append(BehavioralSource(name: name, a: a, b: b, kind: kind, expression: compiled, inputs: inputs))
    }

    /// Replaces each `ddt(u)` of a behavioural expression (innermost first) by the voltage of an
    /// internal node `<source>#ddtN` carrying du/dt, and adds the `BehavioralDerivative` that
    /// makes it so.
    mutating func replacingDerivatives(_ e: ArithmeticExpression, source: String, count: inout Int, at loc: SourceLocation,
                                       _ c: Context) throws -> ArithmeticExpression {
        switch e {
        case .number, .name, .voltage, .current: return e
        case .unary(let op, let a): return .unary(op, try replacingDerivatives(a, source: source, count: &count, at: loc, c))
        case .binary(let op, let a, let b):
            return .binary(op, try replacingDerivatives(a, source: source, count: &count, at: loc, c),
                           try replacingDerivatives(b, source: source, count: &count, at: loc, c))
        case .conditional(let x, let a, let b):
            return .conditional(try replacingDerivatives(x, source: source, count: &count, at: loc, c),
                                try replacingDerivatives(a, source: source, count: &count, at: loc, c),
                                try replacingDerivatives(b, source: source, count: &count, at: loc, c))
        case .call(let f, let args):
            let inner = try args.map { try replacingDerivatives($0, source: source, count: &count, at: loc, c) }
            guard f == "ddt", c.scope.userFunction("ddt") == nil else { return .call(f, inner) }
            guard inner.count == 1 else { throw InputError(loc, "ddt() takes one argument, got \(inner.count)") }
            count += 1
            // The node is local to the source's level, like its own nodes (hierarchical names inside x…).
            let local = "\(source.split(separator: ".").last.map(String.init) ?? source)#ddt\(count)"
            let y = node(local, c)
            connectivity.join([y, 0], at: loc)
            let compiled = try ExpressionCompiler.compile(inner[0], scope: c.scope, at: loc, allowRuntime: true, temperatureCelsius: options.temperature)
            groups.append(BehavioralDerivative(name: "\(source)#ddt\(count)", node: y, expression: compiled, inputs: resolvedInputs(compiled, c)))
            return .voltage(local, nil)
        }
    }

    /// The run-time inputs of a compiled behavioural expression resolved to unknowns at this level.
    mutating func resolvedInputs(_ compiled: CompiledExpression, _ c: Context) -> [ResolvedInput] {
        var inputs: [ResolvedInput] = []
        for input in compiled.inputs {
            switch input {
            case .voltage(let p, let m):
                inputs.append(.voltage(node(p, c), m.map { node($0, c) } ?? 0))
            case .current(let dev):
                inputs.append(.current(deviceName(dev, c)))
            case .time: inputs.append(.time)
            case .temperature: inputs.append(.constant(options.temperature))
            case .frequency: inputs.append(.constant(0))
            }
        }
        return inputs
    }

    /// Parses `[DC v] [AC mag [phase]] [PULSE(…)|SIN(…)|EXP(…)|PWL(…)|SFFM(…)|AM(…)]`.
    func sourceSpecification(_ toks: [Token], _ e: ElementStatement, _ c: Context) throws -> SourceSpecification {
        var spec = SourceSpecification()
        var k = 0
        func isValue(_ t: Token) -> Bool {
            t.kind == .braced || t.kind == .quoted || (t.kind == .word && SINumber.parse(t.text) != nil)
        }
        let functions: Set<String> = ["pulse", "sin", "exp", "pwl", "sffm", "am"]
        while k < toks.count {
            let t = toks[k]
            if t.kind == .comma { k += 1; continue }
            if t.kind == .word, t.text == "dc" {
                // ngspice also reads `DC=3` and `dc = 0`.
                let at = k + 1 < toks.count && toks[k + 1].kind == .equals ? k + 2 : k + 1
                guard at < toks.count, isValue(toks[at]) || toks[at].kind == .word else { throw InputError(t.location, "DC needs a value") }
                spec.dc = try value(toks[at], c)
                spec.hasExplicitDC = true
                k = at + 1
            } else if t.kind == .word, t.text == "ac" {
                k += 1
                if k < toks.count, toks[k].kind == .equals { k += 1 }
                spec.acMagnitude = 1
                if k < toks.count, isValue(toks[k]) { spec.acMagnitude = try value(toks[k], c); k += 1
                    if k < toks.count, isValue(toks[k]) { spec.acPhaseDegrees = try value(toks[k], c); k += 1 }
                }
            } else if t.kind == .word, t.text == "distof1" || t.text == "distof2" {
                k += 1
                while k < toks.count, isValue(toks[k]) { k += 1 }
            } else if t.kind == .word, functions.contains(t.text) {
                k += 1
                var args: [Double] = []
                var extras: [String: Double] = [:]
                if k < toks.count, toks[k].kind == .open {
                    k += 1
                    var depth = 1
                    var group: [Token] = []
                    while k < toks.count {
                        let u = toks[k]
                        if u.kind == .open { depth += 1 }
                        if u.kind == .close { depth -= 1; if depth == 0 { break } }
                        group.append(u)
                        k += 1
                    }
                    guard k < toks.count else { throw InputError(t.location, "unclosed '(' in \(t.text.uppercased())") }
                    k += 1
                    args = try functionArguments(group, e, c)
                } else {
                    while k < toks.count, isValue(toks[k]) { args.append(try value(toks[k], c)); k += 1 }
                }
                // PWL extras: r=, td=
                while k + 2 < toks.count + 0, toks[k].kind == .word, ["r", "td"].contains(toks[k].text), toks[k + 1].kind == .equals {
                    extras[toks[k].text] = try value(toks[k + 2], c)
                    k += 3
                }
                spec.waveform = try waveform(t.text, args, extras, at: t.location)
            } else if t.kind == .braced || t.kind == .quoted {
                // An expression as the DC value: its own error (unknown function, undefined
                // parameter) is the useful message.
                spec.dc = try value(t, c)
                spec.hasExplicitDC = true
                k += 1
            } else if t.kind == .word, ["trnoise", "trrandom"].contains(t.text) {
                throw InputError(t.location, "unsupported: \(t.text.uppercased()) (ngspice's transient noise and random sources) in source '\(e.name)'; Lithic has DC, AC, PULSE, SIN, EXP, PWL, SFFM and AM")
            } else if isValue(t) || t.kind == .word {
                guard let v = try? value(t, c) else {
                    throw InputError(t.location, "unexpected '\(t.text)' in source '\(e.name)' (expected DC, AC, a value or a waveform)")
                }
                spec.dc = v
                spec.hasExplicitDC = true
                k += 1
            } else {
                throw InputError(t.location, "unexpected '\(t.text)' in source '\(e.name)'")
            }
        }
        if spec.waveform == nil { spec.hasExplicitDC = true }
        return spec
    }

    /// Arguments inside a waveform's parentheses: values separated by blanks or commas; a
    /// parenthesised group inside (PWL pairs written `(t, v)`) is flattened.
    func functionArguments(_ group: [Token], _ e: ElementStatement, _ c: Context) throws -> [Double] {
        var out: [Double] = []
        for t in group {
            switch t.kind {
            case .comma, .open, .close: continue
            case .equals: throw InputError(t.location, "unexpected '=' in waveform of '\(e.name)'")
            default: out.append(try value(t, c))
            }
        }
        return out
    }

    func waveform(_ kind: String, _ a: [Double], _ extras: [String: Double], at loc: SourceLocation) throws -> Waveform {
        func arg(_ i: Int, _ d: Double) -> Double { i < a.count ? a[i] : d }
        let tstep = transientStep > 0 ? transientStep : 1
        let tstop = transientStop > 0 ? transientStop : 1
        switch kind {
        case "pulse":
            guard a.count >= 2 else { throw InputError(loc, "PULSE needs at least V1 and V2") }
            var tr = arg(3, 0), tf = arg(4, 0)
            if tr <= 0 { tr = tstep }
            if tf <= 0 { tf = tstep }
            var pw = arg(5, tstop), per = arg(6, tstop)
            if a.count <= 5 { pw = tstop }
            if a.count <= 6 { per = tstop }
            guard tr >= 0, tf >= 0, pw >= 0, per >= 0 else { throw InputError(loc, "PULSE times must not be negative") }
            if per > 0, per < tr + pw + tf { per = tr + pw + tf }
            return .pulse(v1: a[0], v2: a[1], delay: max(arg(2, 0), 0), rise: tr, fall: tf, width: pw, period: per, count: arg(7, 0))
        case "sin":
            guard a.count >= 2 else { throw InputError(loc, "SIN needs at least VO and VA") }
            return .sine(offset: a[0], amplitude: a[1], frequency: arg(2, 1 / tstop), delay: arg(3, 0), damping: arg(4, 0), phaseDegrees: arg(5, 0))
        case "exp":
            guard a.count >= 2 else { throw InputError(loc, "EXP needs at least V1 and V2") }
            let td1 = arg(2, 0)
            var tau1 = arg(3, tstep), tau2 = arg(5, tstep)
            if tau1 <= 0 { tau1 = tstep }
            if tau2 <= 0 { tau2 = tstep }
            return .exponential(v1: a[0], v2: a[1], riseDelay: td1, riseTau: tau1, fallDelay: arg(4, td1 + tstep), fallTau: tau2)
        case "pwl":
            guard a.count >= 2, a.count % 2 == 0 else { throw InputError(loc, "PWL needs time-value pairs") }
            var times: [Double] = [], values: [Double] = []
            for i in stride(from: 0, to: a.count, by: 2) {
                if let last = times.last, a[i] < last {
                    throw InputError(loc, "PWL times must not decrease (\(a[i]) after \(last))")
                }
                times.append(a[i]); values.append(a[i + 1])
            }
            return .piecewiseLinear(times: times, values: values, repeatFrom: extras["r"] ?? -1, delay: extras["td"] ?? 0)
        case "sffm":
            guard a.count >= 2 else { throw InputError(loc, "SFFM needs at least VO and VA") }
            return .sffm(offset: a[0], amplitude: a[1], carrier: arg(2, 1 / tstop), modulationIndex: arg(3, 0), signal: arg(4, 1 / tstop),
                         carrierPhase: arg(5, 0), signalPhase: arg(6, 0))
        case "am":
            guard a.count >= 4 else { throw InputError(loc, "AM needs VA VO MF FC") }
            return .am(amplitude: a[0], offset: a[1], modulation: a[2], carrier: a[3], delay: arg(4, 0), phase: arg(5, 0))
        default:
            throw InputError(loc, "unknown waveform '\(kind)'")
        }
    }

    /// A subcircuit instance `X<name> nodes… subckt [p=v…]`.
    mutating func instance(_ e: ElementStatement, in c: Context, depth: Int) throws {
        let (p, assignments) = try split(e)
        guard let last = p.last, p.count >= 1 else { throw InputError(e.card.location, "'\(e.name)' needs nodes and a subcircuit name") }
        guard let def = lookupSubcircuit(last.text, c) else {
            throw InputError(last.location, "subcircuit '\(last.text)' is not defined")
        }
        let nodes = p.dropLast()
        guard nodes.count == def.ports.count else {
            throw InputError(e.card.location, "'\(e.name)' connects \(nodes.count) nodes but subcircuit '\(def.name)' has \(def.ports.count) ports")
        }
        guard depth < Self.maximumInstanceDepth else {
            throw InputError(e.card.location, "subcircuits nested more than \(Self.maximumInstanceDepth) deep")
        }
        guard !subcircuitStack.contains(def.name) else {
            throw InputError(e.card.location, "subcircuit '\(def.name)' instantiates itself (recursion)")
        }
        let scope = ParameterScope(parent: c.scope, temperature: options.temperature)
        for d in def.parameters { scope.define(d) }
        var multiplier = 1.0
        for a in assignments {
            guard let v = a.value else { throw InputError(a.location, "parameter '\(a.name)' needs a value") }
            if a.name == "m" {
                // As ngspice: M= makes the instance M parallel copies (every element inside scales).
                multiplier = try c.scope.evaluate(v, at: a.location)
                guard multiplier > 0, multiplier.isFinite else { throw InputError(a.location, "'\(e.name)': m must be positive, got \(multiplier)") }
                if def.parameters.contains(where: { $0.name == "m" }) { scope.set("m", multiplier) }
                continue
            }
            guard def.parameters.contains(where: { $0.name == a.name }) else {
                throw InputError(a.location, "subcircuit '\(def.name)' has no parameter '\(a.name)'")
            }
            scope.set(a.name, try c.scope.evaluate(v, at: a.location))
        }
        // `.if` blocks inside the definition, on this instance's parameters.
        let conditionScope = ParameterScope(parent: scope, temperature: options.temperature)
        Self.hoistDefinitions(def.body, into: conditionScope)
        let body = try resolveConditionals(def.body, scope: conditionScope)
        var map: [String: Int] = [:]
        for (port, n) in zip(def.ports, nodes) { map[port] = node(n.text, c) }
        var inner = Context(prefix: c.prefix + e.name + ".", nodeMap: map, scope: scope, subcircuits: [:], models: [:], parent: c.parent + [c],
                            multiplier: c.multiplier * multiplier)
        inner.parent = c.parent + [Context(prefix: c.prefix, nodeMap: [:], scope: c.scope, subcircuits: c.subcircuits, models: c.models, parent: [])]
        collectDefinitions(body, into: &inner)
        try inner.scope.evaluateAll()
        subcircuitStack.append(def.name)
        defer { subcircuitStack.removeLast() }
        try expand(body, in: inner, depth: depth + 1)
    }

    /// `Y<type> name nodes… model [p=v…]`, built through the device catalog.
    mutating func extensionDevice(_ e: ElementStatement, in c: Context) throws {
        let loc = e.card.location
        if c.multiplier != 1 {
            warnings.append(Warning(loc, "'\(e.name)': extension devices are not multiplied by an enclosing instance's m=\(c.multiplier)"))
        }
        let type = String(e.name.dropFirst())
        guard let entry = catalog.entries[type] else {
            // ngspice's `Y` is the lossy line TXL (`Y1 in 0 out 0 mod` with `.model mod txl`): name
            // the model's type, the real cause, rather than the instance.
            for t in e.tokens where t.kind == .word {
                if let (card, _) = try? lookupModel(t.text, c, at: t.location), !catalog.entries.keys.contains(card.type) {
                    let known = ["txl": "ngspice's single lossy transmission line", "cpl": "ngspice's coupled multiconductor line",
                                 "ltra": "ngspice's lossy transmission line", "urc": "ngspice's uniform RC line"]
                    throw InputError(t.location, "unsupported: model '\(card.name)' of '\(e.name)' is of type '\(card.type)'\(known[card.type].map { " (\($0))" } ?? ""), which Lithic does not model")
                }
            }
            throw InputError(loc, "unknown device type 'Y\(type.uppercased())' (catalog has: \(catalog.entries.keys.sorted().joined(separator: ", ")))")
        }
        let (p, assignments) = try split(e)
        guard p.count >= entry.terminals + 2 else {
            throw InputError(loc, "'Y\(type)' needs a name, \(entry.terminals) nodes and a model")
        }
        let instanceName = deviceName("y" + p[0].text, c)
        try register(instanceName, loc)
        let nodes = p[1...entry.terminals].map { node($0.text, c) }
        let modelToken = p[entry.terminals + 1]
        let (card, scope) = try lookupModel(modelToken.text, c, at: modelToken.location)
        guard card.type == type else {
            throw InputError(modelToken.location, "model '\(card.name)' is of type '\(card.type)', not '\(type)'")
        }
        for a in assignments where a.value == nil { throw InputError(a.location, "parameter '\(a.name)' needs a value") }
        let instanceGiven = try givenInstanceParameters(assignments, c)
        let modelGiven = try givenModelParameters(card, scope)
        let request = DeviceRequest(name: instanceName, nodes: nodes, modelName: card.name,
                                    modelParameters: Dictionary(modelGiven.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                                    instanceParameters: Dictionary(instanceGiven.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                                    modelGiven: modelGiven, instanceGiven: instanceGiven, location: loc)
        try entry.build(request, &groups)
        for w in request.warnings.warnings { warn(w.location, w.message) }
    }
}
