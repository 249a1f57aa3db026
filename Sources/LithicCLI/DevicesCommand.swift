import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic


struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List device types and their parameters (unit, default, source).")

    @Argument(help: "A device type (e.g. memristor, butlervolmer, cpe, or an OSDI module's name); all when omitted.") var type: String?
    @Option(name: .customLong("osdi"), help: "Also list the modules of this OSDI library (a Verilog-A model compiled by openvaf-r); repeatable.") var osdi: [String] = []

    func run() throws {
        var catalog = DeviceCatalog.standard
        for path in osdi { catalog.addOSDI(try OSDILibrary.open(path, at: .commandLine)) }
        let builtIn = "Built-in SPICE elements: R C L K V I E F G H B D S W X (ngspice syntax; see README)."
        if let type {
            guard let e = catalog.entries[type.lowercased()] else {
                throw InputError(.commandLine, "unknown device type '\(type)' (have: \(catalog.entries.keys.sorted().joined(separator: ", ")))")
            }
            let nodes = (1...max(e.terminals, 1)).map { "n\($0)" }.joined(separator: " ")
            print("Y\(type.uppercased()) name \(nodes) model [param=value …]" + (osdi.isEmpty ? "" : "   or   Nname \(nodes) model [param=value …]"))
            print(".model name \(type.lowercased()) (param=value …)\n\(e.summary)\n")
            for p in e.parameters { print("  \(p.name)\n      unit: \(p.unit)   default: \(p.defaultValue)\(p.source.isEmpty ? "" : "   source: \(p.source)")") }
            return
        }
        print(builtIn)
        print("Extension devices (Y<TYPE> name nodes… model):")
        for (name, e) in catalog.entries.sorted(by: { $0.key < $1.key }) { print("  \(String(format: "%-13s", name)) \(e.summary)") }
    }
}
