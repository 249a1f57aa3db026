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
}
