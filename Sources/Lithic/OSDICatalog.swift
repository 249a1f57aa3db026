import Devices
import Glibc
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
                CardDocumentation.Parameter(p.names.first ?? "?", p.unit, "model default",
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
        var catalog = base
        for (path, location) in tree.osdiLibraries {
            catalog.addOSDI(try OSDILibrary.open(path, at: location))
        }
        // MOSFET levels without a built-in model run through the OSDI build of ngspice's model
        // when the precompiled models are installed (scripts/peer-vacask.sh).
        let files = ["sp_mos2": "mos2", "sp_mos3": "mos3", "sp_mos6": "mos6", "sp_mos9": "mos9", "sp_bsim3v3": "bsim3v3", "sp_bsim4v8": "bsim4v8"]
        var needed = Set<String>()
        func scan(_ statements: [Statement]) {
            for s in statements {
                switch s {
                case .model(let m) where m.type == "nmos" || m.type == "pmos":
                    if case .number(let level)? = m.parameters.first(where: { $0.name == "level" })?.value,
                       let n = level.exactInteger, let module = Elaborator.mosfetLevelModules[n] { needed.insert(module) }
                case .subcircuit(let d): scan(d.body)
                default: break
                }
            }
        }
        scan(tree.statements)
        if !needed.isEmpty, let folder = standardOSDIFolder() {
            for module in needed.sorted() where catalog.entries[module] == nil {
                guard let file = files[module] else { continue }
                let path = "\(folder)/spice/\(file).osdi"
                if access(path, R_OK) == 0 { catalog.addOSDI(try OSDILibrary.open(path, at: SourceLocation(file: path, line: 0, column: 0))) }
            }
        }
        return catalog
    }

    /// Where the precompiled OSDI models are: `$LITHIC_OSDI_MODELS`, else `.build/osdi` beside
    /// the running binary (scripts/peer-vacask.sh links it there), else under the working directory.
    static func standardOSDIFolder() -> String? {
        if let env = getenv("LITHIC_OSDI_MODELS").map({ String(cString: $0) }), !env.isEmpty { return env }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var candidates: [String] = []
        if n > 0 {
            let exe = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = exe.lastIndex(of: "/") {
                let dir = String(exe[..<slash])
                candidates += ["\(dir)/../osdi", "\(dir)/../../osdi"]
            }
        }
        candidates.append(".build/osdi")
        return candidates.first { access("\($0)/spice", R_OK) == 0 }
    }
}
