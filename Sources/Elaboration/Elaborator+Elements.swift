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

    /// KF and AF of a diode, BJT, JFET or MOSFET card: KF ≥ 0, AF > 0, both finite.
    func flickerNoise(_ p: [String: Double], _ card: ModelStatement) throws -> FlickerNoise {
        let noise = FlickerNoise(coefficient: p["kf"] ?? 0, exponent: p["af"] ?? 1)
        guard noise.coefficient >= 0, noise.coefficient.isFinite, noise.exponent > 0, noise.exponent.isFinite else {
            throw InputError(card.location, "model '\(card.name)': flicker noise needs KF ≥ 0 and AF > 0, got KF=\(noise.coefficient), AF=\(noise.exponent)")
        }
        return noise
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
                let parameters = try checkedModelParameters(found.0, found.1)
                checkResistorModel(found.0, parameters)
                model = parameters
            } else if r == nil {
                r = try elementValue(t, c, resistor: true)
            } else {
                throw InputError(t.location, "unexpected '\(t.text)' in resistor '\(e.name)'")
            }
        }
        var instance: [String: Double] = [:]
        for x in a {
            guard let v = x.value else { continue }
            switch x.name {
            case "r", "resistance": r = try c.scope.evaluate(v, at: x.location)
            case "l", "w": instance[x.name] = try c.scope.evaluate(v, at: x.location) * options.geometryScale
            case "m", "tc1", "tc2", "temp", "dtemp", "scale", "ac": instance[x.name] = try c.scope.evaluate(v, at: x.location)
            case "noisy", "noise": instance["noisy"] = try c.scope.evaluate(v, at: x.location)
            case "tc": instance["tc1"] = try c.scope.evaluate(v, at: x.location)
            case "tce":
                if try c.scope.evaluate(v, at: x.location) != 0 { warn(x.location, notModelled("tce", of: "resistor '\(e.name)'")) }
            case "bv_max":
                warn(x.location, "parameter bv_max of resistor '\(e.name)' is not checked (Lithic does not warn when the voltage exceeds it)")
            default: warn(x.location, notModelled(x.name, of: "resistor '\(e.name)'", known: false))
            }
        }
        let shortening = model?["short"] ?? model?["dlr"] ?? 0, narrowing = model?["narrow"] ?? model?["dw"] ?? 0
        let width = instance["w"] ?? model?["defw"] ?? model?["w"] ?? 10e-6
        let length = instance["l"] ?? model?["defl"] ?? model?["l"] ?? 10e-6
        if r == nil, let model {
            let sheet = model["rsh"] ?? 0
            if length * width * sheet > 0 {
                guard length - 2 * shortening > 0, width - 2 * narrowing > 0 else {
                    throw InputError(loc, "resistor '\(e.name)': L − 2·SHORT and W − 2·NARROW must be positive")
                }
                r = sheet * (length - 2 * shortening) / (width - 2 * narrowing)
            } else {
                r = model["r"] ?? model["res"]
            }
            if r == nil { throw InputError(loc, "resistor '\(e.name)': its model gives neither R nor RSH with L and W") }
        }
        guard let nominal = r else { throw InputError(loc, "resistor '\(e.name)' has no value") }
        let temperature = instance["temp"] ?? (options.temperature + (instance["dtemp"] ?? 0))
        let difference = temperature - (model?["tnom"] ?? options.nominalTemperature)
        let tc1 = instance["tc1"] ?? model?["tc1"] ?? model?["tc1r"] ?? 0, tc2 = instance["tc2"] ?? model?["tc2"] ?? model?["tc2r"] ?? 0
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
            guard kf > 0, kf.isFinite, af > 0, af.isFinite, ef.isFinite else {
                throw InputError(loc, "resistor '\(e.name)': flicker noise needs KF ≥ 0 and AF > 0, got KF=\(kf), AF=\(af)")
            }
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
    mutating func warnTemperature(_ card: ModelStatement, _ p: [String: Double], kind: String) {
        let nominal = p["tnom"] ?? options.nominalTemperature
        guard options.temperature != nominal else { return }
        warn(card.location, "the temperature dependence of \(kind) '\(card.name)' is not modelled (its parameters are taken as at TNOM = \(nominal) °C, the circuit is at \(options.temperature) °C); results ignore it")
    }

    /// The resistor model parameters ngspice defines (res.c), whether or not Lithic models them.
    static let resistorModelParameters: Set<String> = [
        "r", "res", "rsh", "narrow", "dw", "short", "dlr", "tc1", "tc1r", "tc2", "tc2r", "tce", "defw", "w", "defl", "l",
        "kf", "af", "lf", "wf", "ef", "tnom", "bv_max",
    ]

    /// Warnings for the parameters of a resistor model card that Lithic does not model.
    mutating func checkResistorModel(_ card: ModelStatement, _ p: [String: Double]) {
        for k in p.keys.sorted() {
            if !Self.resistorModelParameters.contains(k) {
                warn(card.location, notModelled(k, of: "resistor model '\(card.name)'", known: false))
            } else if k == "tce", p[k] != 0 {
                warn(card.location, notModelled(k, of: "resistor model '\(card.name)'"))
            } else if k == "bv_max" {
                warn(card.location, "parameter bv_max of resistor model '\(card.name)' is not checked (Lithic does not warn when the voltage exceeds it)")
            }
        }
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
            var ic: Double?
            var m = 1.0
            var thermal: [String: Double] = [:]
            for x in a {
                guard let v = x.value else { continue }
                switch x.name {
                case "c", "cap", "capacitance": cap = try c.scope.evaluate(v, at: x.location)
                case "ic": ic = try c.scope.evaluate(v, at: x.location)
                case "m": m = try c.scope.evaluate(v, at: x.location)
                case "tc1", "tc2", "temp", "dtemp", "scale": thermal[x.name] = try c.scope.evaluate(v, at: x.location)
                case "bv_max": warn(x.location, "parameter bv_max of capacitor '\(e.name)' is not checked (Lithic does not warn when the voltage exceeds it)")
                case "w", "l": break  // as ngspice, geometry only sizes a capacitor from a model (C = CJ·W·L …), not one with a value
                default: warn(x.location, notModelled(x.name, of: "capacitor '\(e.name)'", known: false))
                }
            }
            cap = cap.map { $0 * temperatureFactor(thermal) }
            guard let cv = cap, cv.isFinite else { throw InputError(loc, "capacitor '\(e.name)' has no valid value") }
            let na = node(p[0].text, c), nb = node(p[1].text, c)
            groups.append(Capacitor(name: name, a: na, b: nb, capacitance: cv * m * c.multiplier, initialVoltage: ic))
            if let ic { capacitorICs.append((na, nb, cv * m * c.multiplier, ic)) }
        case "l":
            let (p, a) = try split(e)
            try require(p, 2, e, "two nodes and an inductance")
            var ind: Double? = p.count >= 3 ? try elementValue(p[2], c) : nil
            var ic: Double?
            var m = 1.0
            var thermal: [String: Double] = [:]
            for x in a {
                guard let v = x.value else { continue }
                switch x.name {
                case "l", "inductance": ind = try c.scope.evaluate(v, at: x.location)
                case "ic": ic = try c.scope.evaluate(v, at: x.location)
                case "m": m = try c.scope.evaluate(v, at: x.location)
                case "tc1", "tc2", "temp", "dtemp", "scale": thermal[x.name] = try c.scope.evaluate(v, at: x.location)
                default: warn(x.location, notModelled(x.name, of: "inductor '\(e.name)'", known: x.name == "nt"))
                }
            }
            ind = ind.map { $0 * temperatureFactor(thermal) }
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
            var area = p.count >= 4 && p[3].text != "off" ? try value(p[3], c) : 1
            let off = p.contains { $0.text == "off" }
            for x in a {
                if x.name == "area", let v = x.value { area = try c.scope.evaluate(v, at: x.location) }
                if x.name == "m", let v = x.value { area *= try c.scope.evaluate(v, at: x.location) }
            }
            guard area > 0 else { throw InputError(loc, "diode area must be positive") }
            area *= c.multiplier
            groups.append(Diode(name: name, anode: node(p[0].text, c), cathode: node(p[1].text, c), model: model, area: area, off: off, temperature: options.temperature + 273.15))
        case "t":
            let (p, a) = try split(e)
            try require(p, 4, e, "two port node pairs and Z0=, TD= or F=")
            var values: [String: Double] = [:]
            for x in a {
                guard let v = x.value else { continue }
                guard ["z0", "zo", "td", "f", "nl"].contains(x.name) else {
                    warnings.append(Warning(x.location, "'\(e.name)': parameter '\(x.name)' ignored (lossless line: Z0, TD or F and NL)"))
                    continue
                }
                values[x.name == "zo" ? "z0" : x.name] = try c.scope.evaluate(v, at: x.location)
            }
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
            let area = try instanceArea(after: p.dropFirst(4), a, e, c)
            groups.append(JFET(name: name, drain: node(p[0].text, c), gate: node(p[1].text, c), source: node(p[2].text, c), model: model,
                               area: area, off: p.dropFirst(4).contains { $0.text == "off" }, temperature: options.temperature + 273.15))
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
            let area = try instanceArea(after: rest, a, e, c)
            let substrate = modelIndex == 4 ? node(p[3].text, c) : 0
            groups.append(BJT(name: name, collector: node(p[0].text, c), base: node(p[1].text, c), emitter: node(p[2].text, c),
                              substrate: substrate, model: model, area: area, off: rest.contains { $0.text == "off" },
                              temperature: options.temperature + 273.15))
        case "m":
            let (p, a) = try split(e)
            try require(p, 5, e, "drain, gate, source and bulk nodes and a model name")
            // Levels without a built-in model (BSIM3/4, 2/3/6/9) go through their OSDI build.
            if let (card, scope) = try osdiLevelModel(p[4], a, c), try mosfetThroughOSDI(e, p, a, card: card, scope: scope, in: c) { break }
            var geometry: [String: Double] = ["l": options.defaultLength, "w": options.defaultWidth, "ad": 0, "as": 0, "pd": 0, "ps": 0,
                                              "nrd": 1, "nrs": 1, "m": 1]
            // As ngspice: L= and W= on the model card are the defaults of instances that give
            // none (before .options defl/defw); a binned model is chosen by the instance's own.
            if let (card, scope) = try? lookupModel(p[4].text, c, at: p[4].location), card.type == "nmos" || card.type == "pmos" {
                let parameters = try checkedModelParameters(card, scope)
                let scale = options.geometryScale
                if let l = parameters["l"] { geometry["l"] = l * scale }
                if let w = parameters["w"] { geometry["w"] = w * scale }
            }
            for x in a {
                guard let v = x.value else { continue }
                guard geometry[x.name] != nil else {
                    warn(x.location, notModelled(x.name, of: "'\(e.name)'", known: false))
                    continue
                }
                let value = try c.scope.evaluate(v, at: x.location)
                let scale = options.geometryScale
                switch x.name {
                case "l", "w", "pd", "ps": geometry[x.name] = value * scale
                case "ad", "as": geometry[x.name] = value * scale * scale
                default: geometry[x.name] = value
                }
            }
            let (card, scope) = try binnedModel(p[4].text, length: geometry["l"] ?? 0, width: geometry["w"] ?? 0, c, at: p[4].location)
            guard card.type == "nmos" || card.type == "pmos" else {
                throw InputError(p[4].location, "model '\(card.name)' is of type '\(card.type)', not NMOS or PMOS")
            }
            let model = try mosfetModel(card, scope)
            let off = p.dropFirst(5).contains { $0.text == "off" }
            let g = { (k: String) in geometry[k] ?? 0 }
            guard g("l") - 2 * model.lateralDiffusion > 0, g("w") > 0, g("m") > 0 else {
                throw InputError(loc, "'\(e.name)': L − 2·LD, W and M must be positive (L = \(g("l")), W = \(g("w")), LD = \(model.lateralDiffusion))")
            }
            groups.append(MOSFET(name: name, drain: node(p[0].text, c), gate: node(p[1].text, c), source: node(p[2].text, c), bulk: node(p[3].text, c),
                                 model: model, length: g("l"), width: g("w"), drainArea: g("ad"), sourceArea: g("as"),
                                 drainPerimeter: g("pd"), sourcePerimeter: g("ps"), drainSquares: g("nrd"), sourceSquares: g("nrs"),
                                 multiplier: g("m") * c.multiplier, off: off, temperature: options.temperature + 273.15))
        case "s", "w":
            let (p, _) = try split(e)
            let needed = letter == "s" ? 5 : 4
            try require(p, needed, e, letter == "s" ? "two nodes, two control nodes and a model" : "two nodes, a controlling source and a model")
            let (card, scope) = try lookupModel(p[needed - 1].text, c, at: p[needed - 1].location)
            let expected = letter == "s" ? "sw" : "csw"
            guard card.type == expected else {
                throw InputError(p[needed - 1].location, "model '\(card.name)' is of type '\(card.type)', not \(expected.uppercased())")
            }
            let params = try checkedModelParameters(card, scope)
            let switchParameters: Set<String> = letter == "s" ? ["vt", "vh", "ron", "roff"] : ["it", "ih", "ron", "roff"]
            for k in params.keys.sorted() where !switchParameters.contains(k) {
                warn(card.location, notModelled(k, of: "switch model '\(card.name)'", known: ["gon", "goff"].contains(k)))
            }
            var model = SwitchModel()
            model.threshold = params[letter == "s" ? "vt" : "it"] ?? 0
            model.hysteresis = abs(params[letter == "s" ? "vh" : "ih"] ?? 0)
            model.onResistance = params["ron"] ?? 1
            model.offResistance = params["roff"] ?? 1 / options.gmin
            guard model.onResistance > 0, model.offResistance > 0 else { throw InputError(card.location, "switch resistances must be positive") }
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
        let p = try checkedModelParameters(card, scope)
        var m = DiodeModel()
        let known: Set<String> = ["is", "n", "rs", "cjo", "cj0", "cj", "vj", "pb", "m", "mj", "fc", "bv", "ibv", "tt", "eg", "xti", "tnom", "level", "kf", "af"]
        // As ngspice: unrecognised parameters (vendor fields such as IAVE, VPK) are ignored with a warning.
        for k in p.keys.sorted() where !known.contains(k) {
            warn(card.location, notModelled(k, of: "diode model '\(card.name)'", known: false))
        }
        if let v = p["is"] { m.saturationCurrent = v }
        if let v = p["n"] { m.emission = v }
        if let v = p["rs"] { m.seriesResistance = v }
        m.flicker = try flickerNoise(p, card)
        if let v = p["cjo"] ?? p["cj0"] ?? p["cj"] { m.junctionCapacitance = v }
        if let v = p["vj"] ?? p["pb"] { m.junctionPotential = v }
        if let v = p["m"] ?? p["mj"] { m.grading = v }
        if let v = p["fc"] { m.depletionCoefficient = v }
        if let v = p["bv"] { m.breakdownVoltage = abs(v) }
        if let v = p["ibv"] { m.breakdownCurrent = v }
        if let v = p["tt"] { m.transitTime = v }
        if let v = p["eg"] { m.bandgap = v }
        if let v = p["xti"] { m.saturationTemperatureExponent = v }
        m.nominalTemperature = (p["tnom"] ?? options.nominalTemperature) + 273.15
        guard m.saturationCurrent > 0, m.emission > 0, m.seriesResistance >= 0, m.junctionPotential > 0,
              m.grading > 0, m.grading < 1, m.depletionCoefficient >= 0, m.depletionCoefficient < 1 else {
            throw InputError(card.location, "diode model '\(card.name)': IS, N, VJ must be positive, RS ≥ 0, 0 < M < 1, 0 ≤ FC < 1")
        }
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
    mutating func instanceArea(after rest: ArraySlice<Token>, _ assignments: [Assignment], _ e: ElementStatement, _ c: Context) throws -> Double {
        var area = 1.0
        if let t = rest.first, t.text != "off" { area = try value(t, c) }
        for x in assignments {
            guard let v = x.value else { continue }
            if x.name == "area" { area = try c.scope.evaluate(v, at: x.location) }
            else if x.name == "m" { area *= try c.scope.evaluate(v, at: x.location) }
            else { warn(x.location, notModelled(x.name, of: "'\(e.name)'", known: false)) }
        }
        guard area > 0, area.isFinite else { throw InputError(e.card.location, "'\(e.name)': area must be positive, got \(area)") }
        return area * c.multiplier
    }

    /// A level-1 JFET model card (ngspice's default level).
    mutating func jfetModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> JFETModel {
        let p = try checkedModelParameters(card, scope)
        if let level = p["level"], level != 1 {
            throw InputError(card.location, "JFET model '\(card.name)': level \(level) is not supported (Lithic has the level-1 model)")
        }
        let known: Set<String> = ["level", "vto", "vt0", "beta", "lambda", "b", "rd", "rs", "cgs", "cgd", "pb", "m", "fc", "is", "n",
                                  "kf", "af", "tnom", "vtotc", "betatce", "xti", "eg"]
        for k in p.keys.sorted() where !known.contains(k) {
            warn(card.location, notModelled(k, of: "JFET model '\(card.name)'", known: false))
        }
        warnTemperature(card, p, kind: "JFET model")
        var m = JFETModel()
        m.polarity = card.type == "pjf" ? -1 : 1
        if let v = p["vto"] ?? p["vt0"] { m.threshold = v }
        m.flicker = try flickerNoise(p, card)
        if let v = p["beta"] { m.beta = v }
        if let v = p["lambda"] { m.channelModulation = v }
        if let v = p["b"] { m.dopingTail = v }
        if let v = p["rd"] { m.drainResistance = v }
        if let v = p["rs"] { m.sourceResistance = v }
        if let v = p["cgs"] { m.gateSourceCapacitance = v }
        if let v = p["cgd"] { m.gateDrainCapacitance = v }
        if let v = p["pb"] { m.junctionPotential = v }
        if let v = p["m"] { m.grading = v }
        if let v = p["fc"] { m.depletionCoefficient = v }
        if let v = p["is"] { m.saturationCurrent = v }
        if let v = p["n"] { m.emission = v }
        guard m.beta > 0, m.saturationCurrent > 0, m.emission > 0, m.junctionPotential > 0, m.junctionPotential != m.threshold,
              m.drainResistance >= 0, m.sourceResistance >= 0, m.gateSourceCapacitance >= 0, m.gateDrainCapacitance >= 0,
              m.grading > 0, m.grading < 1, m.depletionCoefficient >= 0, m.depletionCoefficient < 1 else {
            throw InputError(card.location, "JFET model '\(card.name)': BETA, IS, N, PB must be positive (PB ≠ VTO); RD, RS, CGS, CGD ≥ 0; 0 < M < 1; 0 ≤ FC < 1")
        }
        return m
    }

    /// A Gummel-Poon bipolar model card (level 1, ngspice's default).
    mutating func bjtModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> BJTModel {
        let p = try checkedModelParameters(card, scope)
        if let level = p["level"], level != 1 {
            throw InputError(card.location, "bipolar model '\(card.name)': level \(level) is not supported (Lithic has the Gummel-Poon model, level 1)")
        }
        let known: Set<String> = ["level", "is", "bf", "br", "nf", "nr", "vaf", "va", "var", "vb", "ikf", "ik", "ikr", "ise", "c2", "ne", "isc", "c4", "nc",
                                  "rb", "rbm", "irb", "re", "rc", "cje", "vje", "pe", "mje", "me", "cjc", "vjc", "pc", "mjc", "mc", "xcjc", "cjs", "ccs",
                                  "vjs", "ps", "mjs", "ms", "fc", "tf", "xtf", "vtf", "itf", "ptf", "tr", "eg", "xti", "xtb", "tnom", "kf", "af"]
        for k in p.keys.sorted() where !known.contains(k) {
            warn(card.location, notModelled(k, of: "bipolar model '\(card.name)'", known: false))
        }
        for k in ["irb", "ptf"] where (p[k] ?? 0) != 0 {
            warn(card.location, notModelled(k.uppercased(), of: "bipolar model '\(card.name)'"))
        }
        if let x = p["xcjc"], x != 1 {
            warnings.append(Warning(card.location, "bipolar model '\(card.name)': XCJC = \(x) taken as 1 (all of CJC at the internal base)"))
        }
        warnTemperature(card, p, kind: "bipolar model")
        var m = BJTModel()
        m.polarity = card.type == "pnp" ? -1 : 1
        // SPICE reads 0 for VAF, VAR, IKF, IKR as "infinite".
        func infiniteIfZero(_ v: Double?) -> Double? { v.map { $0 == 0 ? .infinity : $0 } }
        if let v = p["is"] { m.saturationCurrent = v }
        if let v = p["bf"] { m.forwardBeta = v }
        m.flicker = try flickerNoise(p, card)
        if let v = p["br"] { m.reverseBeta = v }
        if let v = p["nf"] { m.forwardEmission = v }
        if let v = p["nr"] { m.reverseEmission = v }
        if let v = infiniteIfZero(p["vaf"] ?? p["va"]) { m.forwardEarly = v }
        if let v = infiniteIfZero(p["var"] ?? p["vb"]) { m.reverseEarly = v }
        if let v = infiniteIfZero(p["ikf"] ?? p["ik"]) { m.forwardKnee = v }
        if let v = infiniteIfZero(p["ikr"]) { m.reverseKnee = v }
        if let v = p["ise"] ?? p["c2"] { m.emitterLeakage = v }
        if let v = p["isc"] ?? p["c4"] { m.collectorLeakage = v }
        if let v = p["ne"] { m.emitterLeakageEmission = v }
        if let v = p["nc"] { m.collectorLeakageEmission = v }
        if let v = p["rb"] { m.baseResistance = v }
        m.minimumBaseResistance = p["rbm"]
        if let v = p["re"] { m.emitterResistance = v }
        if let v = p["rc"] { m.collectorResistance = v }
        if let v = p["cje"] { m.emitterCapacitance = v }
        if let v = p["vje"] ?? p["pe"] { m.emitterPotential = v }
        if let v = p["mje"] ?? p["me"] { m.emitterGrading = v }
        if let v = p["cjc"] { m.collectorCapacitance = v }
        if let v = p["vjc"] ?? p["pc"] { m.collectorPotential = v }
        if let v = p["mjc"] ?? p["mc"] { m.collectorGrading = v }
        if let v = p["cjs"] ?? p["ccs"] { m.substrateCapacitance = v }
        if let v = p["vjs"] ?? p["ps"] { m.substratePotential = v }
        if let v = p["mjs"] ?? p["ms"] { m.substrateGrading = v }
        if let v = p["fc"] { m.depletionCoefficient = v }
        if let v = p["tf"] { m.forwardTransit = v }
        if let v = p["xtf"] { m.transitBiasCoefficient = v }
        if let v = infiniteIfZero(p["vtf"]) { m.transitBiasVoltage = v }
        if let v = p["itf"] { m.transitBiasCurrent = v }
        if let v = p["tr"] { m.reverseTransit = v }
        let grades = [m.emitterGrading, m.collectorGrading]
        guard m.saturationCurrent > 0, m.forwardBeta > 0, m.reverseBeta > 0, m.forwardEmission > 0, m.reverseEmission > 0,
              m.emitterLeakageEmission > 0, m.collectorLeakageEmission > 0, m.emitterLeakage >= 0, m.collectorLeakage >= 0,
              m.baseResistance >= 0, (m.minimumBaseResistance ?? 0) >= 0, m.emitterResistance >= 0, m.collectorResistance >= 0,
              m.emitterPotential > 0, m.collectorPotential > 0, m.substratePotential > 0, grades.allSatisfy({ $0 > 0 && $0 < 1 }),
              m.substrateGrading >= 0, m.substrateGrading < 1, m.depletionCoefficient >= 0, m.depletionCoefficient < 1,
              m.forwardTransit >= 0, m.reverseTransit >= 0, m.forwardEarly > 0, m.reverseEarly > 0, m.forwardKnee > 0, m.reverseKnee > 0 else {
            throw InputError(card.location, "bipolar model '\(card.name)': IS, BF, BR, NF, NR, NE, NC, VJE, VJC, VJS must be positive; resistances, TF, TR ≥ 0; 0 < MJE, MJC < 1; 0 ≤ MJS, FC < 1")
        }
        return m
    }

    /// A level-1 MOSFET model card; other levels are input errors (ngspice's BSIM and level 2/3
    /// models are not implemented).
    mutating func mosfetModel(_ card: ModelStatement, _ scope: ParameterScope) throws -> MOSFETModel {
        let p = try checkedModelParameters(card, scope)
        let level = p["level"] ?? 1
        guard level == 1 else {
            throw InputError(card.location, "MOSFET model '\(card.name)': level \(level) is not supported (Lithic has the level-1 Shichman-Hodges model)")
        }
        let known: Set<String> = ["level", "vto", "vt0", "kp", "gamma", "phi", "lambda", "rd", "rs", "cbd", "cbs", "is", "pb", "cgso", "cgdo",
                                  "cgbo", "rsh", "cj", "mj", "cjsw", "mjsw", "js", "tox", "ld", "uo", "u0", "nsub", "fc", "tnom", "kf", "af",
                                  "nss", "tpg", "l", "w"]
        for k in p.keys.sorted() where !known.contains(k) {
            warn(card.location, notModelled(k, of: "MOSFET model '\(card.name)'", known: false))
        }
        warnTemperature(card, p, kind: "MOSFET model")
        var m = MOSFETModel()
        m.polarity = card.type == "pmos" ? -1 : 1
        if let v = p["tox"], v > 0 { m.oxideThickness = v }
        let cox = m.oxideThickness.map { 3.9 * 8.854214871e-12 / $0 }
        // Process parameters, as ngspice's mos1temp.c: KP from UO and TOX; GAMMA and PHI from NSUB.
        let mobility = (p["uo"] ?? p["u0"] ?? 600) * 1e-4
        if let v = p["kp"] { m.transconductance = v } else if let cox { m.transconductance = mobility * cox }
        let vt = 1.380649e-23 * 300.15 / 1.602176634e-19
        if let nsub = p["nsub"], nsub > 0, let cox {
            let ni = 1.45e16
            let nsubSI = nsub * 1e6
            if p["phi"] == nil { m.surfacePotential = max(0.1, 2 * vt * log(nsubSI / ni)) }
            if p["gamma"] == nil { m.bodyEffect = (2 * 11.7 * 8.854214871e-12 * 1.602176634e-19 * nsubSI).squareRoot() / cox }
        }
        if let v = p["phi"] { m.surfacePotential = v }
        if let v = p["gamma"] { m.bodyEffect = v }
        if let v = p["vto"] ?? p["vt0"] { m.thresholdVoltage = v }
        else if let nsub = p["nsub"], nsub * 1e6 > 1.45e16, let cox {
            // As ngspice's mos1temp.c: VTO from the flat-band voltage (gate work function by TPG,
            // surface states NSS in cm⁻²) when only the process parameters are given.
            let tnom = (p["tnom"] ?? options.nominalTemperature) + 273.15
            let bandgap = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108)
            let type = m.polarity, gateType = p["tpg"] ?? 1
            let fermiSubstrate = type * 0.5 * m.surfacePotential
            var gateWorkFunction = 3.2
            if gateType != 0 { gateWorkFunction = 3.25 + 0.5 * bandgap - type * gateType * 0.5 * bandgap }
            let difference = gateWorkFunction - (3.25 + 0.5 * bandgap + fermiSubstrate)
            let flatBand = difference - (p["nss"] ?? 0) * 1e4 * 1.602176634e-19 / cox
            m.thresholdVoltage = flatBand + type * (m.bodyEffect * m.surfacePotential.squareRoot() + m.surfacePotential)
        }
        m.flicker = try flickerNoise(p, card)
        if let v = p["lambda"] { m.channelModulation = v }
        if let v = p["rd"] { m.drainResistance = v }
        if let v = p["rs"] { m.sourceResistance = v }
        if let v = p["rsh"] { m.sheetResistance = v }
        m.bulkDrainCapacitance = p["cbd"]
        m.bulkSourceCapacitance = p["cbs"]
        if let v = p["cj"] { m.junctionCapacitancePerArea = v }
        if let v = p["cjsw"] { m.junctionCapacitancePerPerimeter = v }
        if let v = p["mj"] { m.bottomGrading = v }
        if let v = p["mjsw"] { m.sidewallGrading = v }
        if let v = p["pb"] { m.junctionPotential = v }
        if let v = p["fc"] { m.depletionCoefficient = v }
        if let v = p["is"] { m.junctionSaturationCurrent = v }
        if let v = p["js"] { m.junctionSaturationDensity = v }
        if let v = p["cgso"] { m.gateSourceOverlap = v }
        if let v = p["cgdo"] { m.gateDrainOverlap = v }
        if let v = p["cgbo"] { m.gateBulkOverlap = v }
        if let v = p["ld"] { m.lateralDiffusion = v }
        guard m.transconductance > 0, m.surfacePotential > 0, m.bodyEffect >= 0, m.junctionPotential > 0,
              m.drainResistance >= 0, m.sourceResistance >= 0, m.sheetResistance >= 0, m.junctionSaturationCurrent > 0,
              m.bottomGrading > 0, m.bottomGrading < 1, m.sidewallGrading > 0, m.sidewallGrading < 1,
              m.depletionCoefficient >= 0, m.depletionCoefficient < 1 else {
            throw InputError(card.location, "MOSFET model '\(card.name)': KP, PHI, PB, IS must be positive, GAMMA, RD, RS, RSH ≥ 0, 0 < MJ, MJSW < 1, 0 ≤ FC < 1")
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
        var instanceParameters: [String: Double] = [:]
        for a in assignments {
            guard let v = a.value else { throw InputError(a.location, "parameter '\(a.name)' needs a value") }
            instanceParameters[a.name] = try c.scope.evaluate(v, at: a.location)
        }
        let request = DeviceRequest(name: instanceName, nodes: nodes, modelName: card.name,
                                    modelParameters: try checkedModelParameters(card, scope), instanceParameters: instanceParameters, location: loc)
        try entry.build(request, &groups)
    }
}
