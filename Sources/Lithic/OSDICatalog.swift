import Devices
import Elaboration
import LithicCore
import Netlist
import OSDI

extension DeviceCatalog {
    /// Adds every module of an OSDI library as a device type named after the module (lower
    /// case): `.model NAME <module> (…)` with `N…`/`Y<module> …` instances. The parameter table
    /// for `lithic devices` is the module's own (name, unit, description, from its descriptor).
    /// Model cards are set up once per card and shared by their instances.
    public mutating func addOSDI(_ library: OSDILibrary) {
        for module in library.modules {
            let cache = OSDIModelCache()
            let parameters = module.parameters.map { p in
                DeviceCatalog.Parameter(p.names.first ?? "?", p.unit, "model default",
                                        (p.isInstance ? "instance: " : "model: ") + (p.description.isEmpty ? "(no description)" : p.description))
            }
            entries[module.name.lowercased()] = Entry(
                terminals: module.terminals.count,
                summary: "Verilog-A module \(module.name) from \(library.path) (OSDI \(library.versionMajor).\(library.versionMinor)); terminals \(module.terminals.joined(separator: ", "))",
                parameters: parameters
            ) { request, groups in
                let model = try cache.model(module: module, name: request.modelName, parameters: request.modelParameters, at: request.location)
                groups.append(try OSDIDevice(name: request.name, model: model, terminals: request.nodes,
                                             parameters: request.instanceParameters, at: request.location))
            }
        }
    }
}

/// One set-up OSDI model per model card (name and parameter values) of an elaboration.
final class OSDIModelCache: @unchecked Sendable {
    private let lock = Lock()
    private var models: [String: OSDIModel] = [:]

    func model(module: OSDIModule, name: String, parameters: [String: Double], at location: SourceLocation) throws -> OSDIModel {
        let key = name + "\u{1}" + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.bitPattern)" }.joined(separator: ",")
        lock.lock()
        defer { lock.unlock() }
        if let m = models[key] { return m }
        let m = try OSDIModel(module: module, name: name, parameters: parameters, at: location)
        models[key] = m
        return m
    }
}

extension NetlistRun {
    /// The catalog with every OSDI library the netlist loads added (`.osdi`, `pre_osdi`).
    static func catalog(_ base: DeviceCatalog, loading tree: SyntaxTree) throws -> DeviceCatalog {
        guard !tree.osdiLibraries.isEmpty else { return base }
        var catalog = base
        for (path, location) in tree.osdiLibraries {
            catalog.addOSDI(try OSDILibrary.open(path, at: location))
        }
        return catalog
    }
}
