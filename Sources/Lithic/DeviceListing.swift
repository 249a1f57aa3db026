import Devices
import Elaboration
import LithicCore
import OSDI

/// `lithic devices`: the text of the device listing, from the same card declarations the
/// elaborator applies (built-in elements by letter, `Y` devices, OSDI modules).
public enum DeviceListing {
    /// The summary of every device (no `type`), or the full card of one: an element letter
    /// (`d`, `q`, `m`, …), a `Y` device type or an OSDI module. `osdi` are library paths to add.
    public static func text(for type: String?, osdi: [String] = []) throws -> String {
        var catalog = DeviceCatalog.standard
        for path in osdi { catalog.addOSDI(try OSDILibrary.open(path, at: .commandLine)) }
        guard let type = type?.lowercased() else { return summary(catalog) }
        if let builtIn = DeviceCatalog.builtInCards.first(where: { $0.letter == type }) {
            return builtIn.cards.map(describe).joined(separator: "\n")
        }
        guard let e = catalog.entries[type] else {
            let letters = DeviceCatalog.builtInCards.map { $0.letter.uppercased() }.joined(separator: " ")
            throw InputError(.commandLine, "unknown device type '\(type)' (elements: \(letters); Y devices: \(catalog.entries.keys.sorted().joined(separator: ", ")))")
        }
        let nodes = (1...max(e.terminals, 1)).map { "n\($0)" }.joined(separator: " ")
        var doc = e.documentation
        if doc.syntax.isEmpty { doc.syntax = "Y\(type.uppercased()) name \(nodes) model [param=value …]" }
        if doc.title.isEmpty { doc.title = type }
        return ([".model name \(type) (param=value …)\n" + describe(doc)] + e.moreCards.map(describe)).joined(separator: "\n")
    }

    static func summary(_ catalog: DeviceCatalog) -> String {
        var out = "Built-in SPICE elements (ngspice syntax; `lithic devices <letter>` for a card):\n"
        for (letter, cards) in DeviceCatalog.builtInCards {
            // What the element models is said by its model card where it has one (D, Q, J, M).
            let physics = letter == "r" ? cards.first : (cards.first { $0.title.hasSuffix("model") } ?? cards.first)
            out += "  \(letter.uppercased())  \(cards.map(\.title).joined(separator: ", ")): \(physics?.summary ?? "")\n"
        }
        out += "  also: K (mutual inductance), V I (sources), E F G H (controlled, POLY, TABLE), B (behavioural), X (subcircuit), N (OSDI)\n"
        out += "Extension devices (Y<TYPE> name nodes… model):\n"
        for (name, e) in catalog.entries.sorted(by: { $0.key < $1.key }) {
            out += "  " + name + String(repeating: " ", count: max(0, 13 - name.count)) + " " + e.summary + "\n"
        }
        return out
    }

    /// One card: syntax, what it models, each parameter with aliases, unit, default, range,
    /// scope, whether it is modelled, and its source.
    static func describe(_ d: CardDocumentation) -> String {
        var out = "\(d.title): \(d.syntax)\n\(d.summary)\n"
        for p in d.parameters {
            let names = ([p.name] + p.aliases).joined(separator: ", ")
            var facts = ["unit: \(p.unit)", "default: \(p.defaultValue)"]
            if !p.range.isEmpty, p.range != "finite", p.range != "any" { facts.append("range: \(p.range)") }
            if p.scope != .either { facts.append(p.scope.rawValue) }
            if case .notModelled = p.status { facts.append("NOT MODELLED (warned)") }
            if !p.source.isEmpty, p.source != p.summary { facts.append("source: \(p.source)") }
            out += "  \(names)  \(p.summary)\n      \(facts.joined(separator: "   "))\n"
        }
        return out
    }
}
