import COSDI
import Devices
import Glibc
import LithicCore

/// Simulator parameters a model may read with `$simparam` (a null-terminated list).
struct SimParameters {
    static let names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let list = ["gmin", "sourceScaleFactor"]
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: list.count + 1)
        for (k, s) in list.enumerated() { p[k] = strdup(s) }
        p[list.count] = nil
        return p
    }()
    static let emptyStrings: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 1)
        p[0] = nil
        return p
    }()
    /// Values in the order of `names`: gmin (S), source scale factor.
    static func make(gmin: Double, sourceFactor: Double) -> (LithicOsdiSimParas, UnsafeMutablePointer<Double>) {
        let v = UnsafeMutablePointer<Double>.allocate(capacity: 2)
        v[0] = gmin
        v[1] = sourceFactor
        return (LithicOsdiSimParas(names: names, vals: v, names_str: emptyStrings, vals_str: emptyStrings), v)
    }
}

/// Reads and frees the errors a setup function reported.
func setupErrors(_ info: LithicOsdiInitInfo, module: OSDIModule, what: String, at location: SourceLocation) throws {
    defer { free(info.errors) }
    guard info.num_errors > 0, let errors = info.errors else { return }
    let messages = (0..<Int(info.num_errors)).map { k -> String in
        let e = errors[k]
        let p = Int(e.parameter_id) < module.parameters.count ? module.parameters[Int(e.parameter_id)].names.first ?? "?" : "#\(e.parameter_id)"
        return e.code == LITHIC_OSDI_INIT_ERR_OUT_OF_BOUNDS ? "parameter \(p) is out of its allowed range" : "error code \(e.code) (parameter \(p))"
    }
    throw InputError(location, "\(what): \(messages.joined(separator: "; ")) (OSDI module \(module.name))")
}

/// Writes one parameter value through the model's `access` function.
func setParameter(_ p: OSDIModule.Parameter, _ value: Double, module: OSDIModule, instance: UnsafeMutableRawPointer?,
                  model: UnsafeMutableRawPointer, at location: SourceLocation) throws {
    guard let access = module.descriptor.pointee.access else { return }
    let flags = LITHIC_OSDI_ACCESS_SET | (instance != nil ? LITHIC_OSDI_ACCESS_INSTANCE : 0)
    guard let slot = access(instance, model, p.id, flags) else {
        throw InputError(location, "OSDI module \(module.name) refused parameter \(p.names.first ?? "?")")
    }
    switch p.kind {
    case .real:
        guard value.isFinite else { throw InputError(location, "parameter \(p.names.first ?? "?") = \(value) is not finite") }
        slot.assumingMemoryBound(to: Double.self).pointee = value
    case .integer:
        guard let i = value.exactInteger, let i32 = Int32(exactly: i) else {
            throw InputError(location, "parameter \(p.names.first ?? "?") of \(module.name) is an integer; \(value) is not")
        }
        slot.assumingMemoryBound(to: Int32.self).pointee = i32
    case .string:
        throw InputError(location, "parameter \(p.names.first ?? "?") of \(module.name) takes a string, which Lithic cannot pass yet")
    }
}

/// A `.model` card of an OSDI module: the model's data block with its parameters set and
/// `setup_model` run once; every instance of the card shares it.
public final class OSDIModel: @unchecked Sendable {
    public let module: OSDIModule
    public let name: String
    let data: UnsafeMutableRawPointer
    let handleName: UnsafeMutablePointer<CChar>

    /// `parameters`: the card's values by netlist name (model parameters, and instance
    /// parameters given on the card, which become the instances' defaults).
    public init(module: OSDIModule, name: String, parameters: [String: Double], at location: SourceLocation) throws {
        self.module = module
        self.name = name
        let size = max(Int(module.descriptor.pointee.model_size), 1)
        guard let block = calloc(1, size) else { throw InputError(location, "out of memory for OSDI model '\(name)'") }
        data = block
        handleName = strdup(name) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            // SPICE cards label their model with level= and version=; the module is the model.
            if key == "level" || key == "version" { continue }
            guard let p = module.parameter(named: key) else {
                throw InputError(location, "'\(key)' is not a parameter of OSDI module \(module.name) (\(module.library)); `lithic devices` lists them")
            }
            try setParameter(p, value, module: module, instance: nil, model: data, at: location)
        }
        var (paras, values) = SimParameters.make(gmin: 1e-12, sourceFactor: 1)
        defer { values.deallocate() }
        var info = LithicOsdiInitInfo(flags: 0, num_errors: 0, errors: nil)
        module.descriptor.pointee.setup_model?(UnsafeMutableRawPointer(handleName), data, &paras, &info)
        try setupErrors(info, module: module, what: "model '\(name)'", at: location)
    }

    deinit {
        free(data)
        free(handleName)
    }
}

/// One instance's OSDI data block and what Lithic bound it to. Made afresh by each binding
/// (`allocate`), so analyses never share an instance's internal values.
final class OSDIInstanceData {
    let data: UnsafeMutableRawPointer
    let handleName: UnsafeMutablePointer<CChar>
    let states: UnsafeMutablePointer<Double>
    let nextStates: UnsafeMutablePointer<Double>
    var nodeMap: [Int] = []
    var slots: [Int] = []
    var jfBase: UnsafeMutablePointer<Double>?
    var jqBase: UnsafeMutablePointer<Double>?
    var temperature = 0.0
    var paras: LithicOsdiSimParas
    let paraValues: UnsafeMutablePointer<Double>

    init(size: Int, name: String, states count: Int) {
        data = calloc(1, max(size, 1)) ?? UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        handleName = strdup(name) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        states = .allocate(capacity: max(count, 1)); states.initialize(repeating: 0, count: max(count, 1))
        nextStates = .allocate(capacity: max(count, 1)); nextStates.initialize(repeating: 0, count: max(count, 1))
        (paras, paraValues) = SimParameters.make(gmin: 1e-12, sourceFactor: 1)
    }

    deinit {
        free(data)
        free(handleName)
        states.deallocate()
        nextStates.deallocate()
        paraValues.deallocate()
    }
}

/// An instance of a Verilog-A module compiled to OSDI, on Lithic's device contract.
///
/// The model computes its resistive and reactive residuals and Jacobians itself (`eval`), and
/// writes them through Lithic's own unknown numbering and Jacobian slots: the node mapping in
/// the instance block holds Lithic unknown indices (ground = 0, Lithic's discard row), and the
/// Jacobian pointers point into the solver's ∂f/∂x and ∂q/∂x slot arrays. Collapsible internal
/// nodes the model collapses (e.g. a zero series resistance) share their partner's unknown.
/// Not yet used: the model's voltage limiting (`$limit`, evaluated unlimited), noise, operating-
/// point variables; `$bound_step` is honoured.
public struct OSDIDevice: Device {
    public let name: String
    public let model: OSDIModel
    public let terminals: [Int]
    let instanceParameters: [(OSDIModule.Parameter, Double)]
    let location: SourceLocation
    var instance: OSDIInstanceData?

    public init(name: String, model: OSDIModel, terminals: [Int], parameters: [String: Double], at location: SourceLocation) throws {
        let module = model.module
        guard terminals.count <= module.terminals.count, terminals.count >= 1 else {
            throw InputError(location, "'\(name)': OSDI module \(module.name) has \(module.terminals.count) terminals (\(module.terminals.joined(separator: ", "))), \(terminals.count) given")
        }
        var params: [(OSDIModule.Parameter, Double)] = []
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let p = module.parameter(named: key) else {
                throw InputError(location, "'\(key)' is not a parameter of OSDI module \(module.name); `lithic devices` lists them")
            }
            guard p.isInstance else {
                throw InputError(location, "'\(key)' is a model parameter of \(module.name); give it on the .model card")
            }
            params.append((p, value))
        }
        self.name = name
        self.model = model
        self.terminals = terminals
        instanceParameters = params
        self.location = location
    }

    public var isLinear: Bool { false }

    var descriptor: LithicOsdiDescriptor { model.module.descriptor.pointee }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        let d = descriptor
        let inst = OSDIInstanceData(size: Int(d.instance_size), name: name, states: Int(d.num_states))
        for (p, v) in instanceParameters {
            try setParameter(p, v, module: model.module, instance: inst.data, model: model.data, at: location)
        }
        try setup(inst, temperature: 300.15)
        // Collapsed node pairs: node_1 joins node_2 (ground when node_2 is UINT32_MAX); a
        // terminal is never moved onto an internal node.
        let count = Int(d.num_nodes)
        var parent = Array(0..<count)
        let ground = -1
        func find(_ n: Int) -> Int {
            var r = n
            while r >= 0, parent[r] != r { r = parent[r] }
            return r
        }
        if d.num_collapsible > 0, let pairs = d.collapsible {
            let flags = (inst.data + Int(d.collapsed_offset)).assumingMemoryBound(to: Bool.self)
            for k in 0..<Int(d.num_collapsible) where flags[k] {
                let a = Int(pairs[k].node_1)
                let b = pairs[k].node_2 == UInt32.max ? ground : Int(pairs[k].node_2)
                guard a < count, b < count else { continue }
                let ra = find(a), rb = b == ground ? ground : find(b)
                if ra == rb { continue }
                if ra == ground { if rb >= terminals.count { parent[rb] = ground }; continue }
                if rb != ground, ra < terminals.count, rb >= terminals.count { parent[rb] = ra } else if ra >= terminals.count { parent[ra] = rb }
            }
        }
        // Lithic unknowns: terminals as connected (unconnected optional terminals are ground),
        // internal roots get an unknown of their own.
        var index = [Int](repeating: 0, count: count)
        for n in 0..<count where find(n) == n {
            if n < terminals.count { index[n] = terminals[n] }
            else if n < model.module.terminals.count { index[n] = 0 }
            else {
                let nodeName = model.module.internalNodes[n - model.module.terminals.count]
                let isFlow = d.nodes?[n].is_flow ?? false
                index[n] = allocator.addUnknown("\(name)#\(nodeName)", kind: isFlow ? .current : .voltage)
            }
        }
        let map = (0..<count).map { n -> Int in let r = find(n); return r == ground ? 0 : index[r] }
        inst.nodeMap = map
        let mapping = (inst.data + Int(d.node_mapping_offset)).assumingMemoryBound(to: UInt32.self)
        for (k, m) in map.enumerated() { mapping[k] = UInt32(m) }
        if d.num_states > 0 {
            let idx = (inst.data + Int(d.state_idx_off)).assumingMemoryBound(to: UInt32.self)
            for k in 0..<Int(d.num_states) { idx[k] = UInt32(k) }
        }
        instance = inst
    }

    func setup(_ inst: OSDIInstanceData, temperature: Double) throws {
        var info = LithicOsdiInitInfo(flags: 0, num_errors: 0, errors: nil)
        descriptor.setup_instance?(UnsafeMutableRawPointer(inst.handleName), inst.data, model.data, temperature, UInt32(terminals.count), &inst.paras, &info)
        inst.temperature = temperature
        try setupErrors(info, module: model.module, what: "instance '\(name)'", at: location)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        guard let inst = instance, let entries = descriptor.jacobian_entries else { return }
        inst.slots = (0..<Int(descriptor.num_jacobian_entries)).map { k in
            let e = entries[k].nodes
            let a = Int(e.node_1), b = Int(e.node_2)
            guard a < inst.nodeMap.count, b < inst.nodeMap.count else { return 0 }  // a malformed descriptor: discard
            return binder.slot(inst.nodeMap[a], inst.nodeMap[b])
        }
    }

    public func load(_ context: inout LoadContext) {
        guard let inst = instance else { return }
        let d = descriptor
        if inst.temperature != context.temperature { try? setup(inst, temperature: context.temperature) }
        if inst.jfBase != context.jf || inst.jqBase != context.jq, let entries = d.jacobian_entries {
            let resist = (inst.data + Int(d.jacobian_ptr_resist_offset)).assumingMemoryBound(to: UnsafeMutablePointer<Double>.self)
            for k in 0..<inst.slots.count {
                resist[k] = context.jf + inst.slots[k]
                let off = entries[k].react_ptr_off
                if off != UInt32.max {
                    (inst.data + Int(off)).assumingMemoryBound(to: UnsafeMutablePointer<Double>.self).pointee = context.jq + inst.slots[k]
                }
            }
            inst.jfBase = context.jf
            inst.jqBase = context.jq
        }
        inst.paraValues[0] = context.gmin
        inst.paraValues[1] = context.sourceFactor
        var flags = LITHIC_OSDI_CALC_RESIST_RESIDUAL | LITHIC_OSDI_CALC_REACT_RESIDUAL | LITHIC_OSDI_CALC_RESIST_JACOBIAN | LITHIC_OSDI_CALC_REACT_JACOBIAN
        if context.smallSignal { flags |= LITHIC_OSDI_ANALYSIS_AC } else if context.time == nil { flags |= LITHIC_OSDI_ANALYSIS_DC | LITHIC_OSDI_ANALYSIS_STATIC } else { flags |= LITHIC_OSDI_ANALYSIS_TRAN }
        var info = LithicOsdiSimInfo(paras: inst.paras, abstime: context.time ?? 0, prev_solve: context.x, prev_state: inst.states,
                                     next_state: inst.nextStates, flags: flags, history_ctx: nil, query_past_state: nil)
        let ret = d.eval?(UnsafeMutableRawPointer(inst.handleName), inst.data, model.data, &info) ?? LITHIC_OSDI_EVAL_FATAL
        if ret & LITHIC_OSDI_EVAL_FATAL != 0 {
            // A numerical exception inside the model: poison its residual so that Newton fails
            // at this device's node instead of accepting garbage.
            context.f[inst.nodeMap.first ?? 0] = .nan
            context.limitedCount += 1
            return
        }
        d.load_residual_resist?(inst.data, model.data, context.f)
        d.load_residual_react?(inst.data, model.data, context.q)
        d.load_jacobian_resist?(inst.data, model.data)
        d.load_jacobian_react?(inst.data, model.data, 1)
        if d.num_states > 0 { inst.states.update(from: inst.nextStates, count: Int(d.num_states)) }
    }

    public var maximumTimeStep: Double? {
        let off = descriptor.bound_step_offset
        guard off != UInt32.max, let inst = instance else { return nil }
        let v = (inst.data + Int(off)).assumingMemoryBound(to: Double.self).pointee
        return v > 0 && v.isFinite ? v : nil
    }

    public static func loadAll(_ devices: UnsafeBufferPointer<OSDIDevice>, _ context: inout LoadContext) {
        for d in devices { d.load(&context) }
    }
}
