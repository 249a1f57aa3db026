import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration
import Analyses
import Memristors

extension SourceSpecification {
    /// A constant (DC) source value.
    public static func constant(_ v: Double) -> SourceSpecification {
        var s = SourceSpecification(); s.dc = v; s.hasExplicitDC = true; return s
    }
}

/// A memristive crossbar as a circuit: `rows` word lines and `columns` bit lines with a cell at
/// every crossing (Chen, IEEE TED 60(4):1318 (2013) network; MemTorch's "passive" formulation).
///
/// Word line i is driven at its left end by a source through `driverResistance` and runs right
/// through `wireResistance` per segment; bit line j runs down through `wireResistance` per
/// segment to a virtual-ground sense amplifier (a 0 V source through `senseResistance`) whose
/// current is the column output. Cell (i, j) joins word-line node (i, j) to bit-line node (i, j):
/// a fixed conductance (read/VMM of programmed weights) or a memristor compact model.
public struct CrossbarArray: Sendable {
    public enum Cells: Sendable {
        /// Conductances (S), row-major rows × columns.
        case conductances([Double])
        /// A memristor model for every cell, with per-cell initial states (row-major).
        case memristors(MemristorModel, initialStates: [Double])
        /// One memristor model per cell (device-to-device variability), row-major.
        case memristorArray([MemristorModel], initialStates: [Double])
    }
    /// A cell that no longer switches: stuck at its ON or OFF conductance (S).
    public enum Fault: Sendable, Equatable { case stuck(conductance: Double) }
    public var rows: Int
    public var columns: Int
    public var wireResistance = 2.5
    public var driverResistance = 2.5
    public var senseResistance = 1e-3
    public var cells: Cells
    /// The element in series with every cell (none, selector, 1T1R transistor).
    public var access = AccessDevice.none
    /// Per-cell selector thresholds (V, row-major) when they spread; nil = the selector's own.
    public var selectorThresholds: [Double]?
    /// Stuck cells by row-major index.
    public var faults: [Int: Fault] = [:]

    public init(rows: Int, columns: Int, cells: Cells) {
        self.rows = rows; self.columns = columns; self.cells = cells
    }

    /// How the lines are driven for one operation: each row's driver voltage (nil = the row
    /// floats, its driver disconnected), each column's sense voltage (nil = floating; 0 = the
    /// virtual ground of a sense amplifier), and each row's gate voltage (1T1R only).
    public struct Bias: Sendable {
        public var rows: [SourceSpecification?]
        public var columns: [Double?]
        public var gates: [Double]
        public init(rows: [SourceSpecification?], columns: [Double?], gates: [Double]) {
            self.rows = rows; self.columns = columns; self.gates = gates
        }
        /// Constant row voltages, every column at virtual ground, every gate on.
        public static func read(_ inputs: [Double], columns: Int, gate: Double) -> Bias {
            Bias(rows: inputs.map { .constant($0) }, columns: [Double?](repeating: 0, count: columns),
                 gates: [Double](repeating: gate, count: inputs.count))
        }
    }

    var hasAccess: Bool { if case .none = access { return false } else { return true } }
    var gateOn: Double { if case .transistor(let t) = access { return t.gateOn } else { return 0 } }

    func wordNode(_ i: Int, _ j: Int) -> Int { 1 + i * columns + j }
    func bitNode(_ i: Int, _ j: Int) -> Int { 1 + rows * columns + i * columns + j }
    func inputNode(_ i: Int) -> Int { 1 + 2 * rows * columns + i }
    func senseNode(_ j: Int) -> Int { 1 + 2 * rows * columns + rows + j }
    /// Node between memristor and access device (only when there is one).
    func middleNode(_ i: Int, _ j: Int) -> Int { 1 + 2 * rows * columns + rows + columns + i * columns + j }

    /// The model of cell k (row-major), when the cells are memristors.
    public func model(at k: Int) -> MemristorModel? {
        switch cells {
        case .conductances: return nil
        case .memristors(let m, _): return m
        case .memristorArray(let ms, _): return k < ms.count ? ms[k] : nil
        }
    }

    /// The array as a circuit with row sources `inputs` (V) — constant, or given as waveforms —
    /// and every column at virtual ground.
    public func circuit(inputs: [SourceSpecification], analyses: [Analysis] = []) throws -> Circuit {
        try circuit(bias: Bias(rows: inputs, columns: [Double?](repeating: 0, count: columns), gates: [Double](repeating: gateOn, count: inputs.count)),
                    analyses: analyses)
    }

    /// The array as a circuit under `bias`; memristor states from the cells (or `states`).
    public func circuit(bias: Bias, analyses: [Analysis] = [], states: [Double]? = nil) throws -> Circuit {
        guard rows >= 1, columns >= 1 else { throw InputError(.commandLine, "a crossbar needs at least one row and one column") }
        let inputs = bias.rows
        guard inputs.count == rows, bias.columns.count == columns, bias.gates.count == rows else {
            throw InputError(.commandLine, "bias for \(inputs.count) rows and \(bias.columns.count) columns on a \(rows)×\(columns) array")
        }
        if let t = selectorThresholds, t.count != rows * columns {
            throw InputError(.commandLine, "\(t.count) selector thresholds for a \(rows)×\(columns) array")
        }
        if case .memristorArray(let ms, _) = cells, ms.count != rows * columns {
            throw InputError(.commandLine, "\(ms.count) memristor models for a \(rows)×\(columns) array")
        }
        if let bad = faults.keys.first(where: { !(0..<(rows * columns)).contains($0) }) {
            throw InputError(.commandLine, "fault at cell \(bad) outside the \(rows)×\(columns) array")
        }
        guard wireResistance >= 0, driverResistance >= 0, senseResistance > 0 else {
            throw InputError(.commandLine, "wire and driver resistances must not be negative, sense resistance must be positive")
        }
        var names = ["0"]
        names.reserveCapacity(3 * rows * columns + rows + columns + 1)
        for i in 0..<rows { for j in 0..<columns { names.append("w\(i)_\(j)") } }
        for i in 0..<rows { for j in 0..<columns { names.append("b\(i)_\(j)") } }
        for i in 0..<rows { names.append("in\(i)") }
        for j in 0..<columns { names.append("s\(j)") }
        if hasAccess { for i in 0..<rows { for j in 0..<columns { names.append("m\(i)_\(j)") } } }
        // The cell proper sits between the word line and `top(i, j)`: the bit line, or the
        // access element's upper node.
        func top(_ i: Int, _ j: Int) -> Int { hasAccess ? middleNode(i, j) : bitNode(i, j) }
        var resistors: [Resistor] = []
        resistors.reserveCapacity(3 * rows * columns)
        let wire = max(wireResistance, 1e-9)
        for i in 0..<rows {
            resistors.append(Resistor(name: "rd\(i)", a: inputNode(i), b: wordNode(i, 0), resistance: max(driverResistance, 1e-9)))
            // A floating row: its driver is disconnected (1e15 Ω to ground keeps the node defined).
            if inputs[i] == nil { resistors.append(Resistor(name: "rfloat\(i)", a: inputNode(i), b: 0, resistance: 1e15)) }
            for j in 0..<(columns - 1) {
                resistors.append(Resistor(name: "rw\(i)_\(j)", a: wordNode(i, j), b: wordNode(i, j + 1), resistance: wire))
            }
        }
        for j in 0..<columns {
            for i in 0..<(rows - 1) {
                resistors.append(Resistor(name: "rb\(i)_\(j)", a: bitNode(i, j), b: bitNode(i + 1, j), resistance: wire))
            }
            resistors.append(Resistor(name: "rs\(j)", a: bitNode(rows - 1, j), b: senseNode(j), resistance: senseResistance))
            if bias.columns[j] == nil { resistors.append(Resistor(name: "rsfloat\(j)", a: senseNode(j), b: 0, resistance: 1e15)) }
        }
        var groups: [any DeviceGroup] = []
        var mems: [Memristor] = []
        func addCell(_ i: Int, _ j: Int, conductance c: Double) throws {
            guard c > 0, c.isFinite else { throw InputError(.commandLine, "cell (\(i), \(j)) conductance \(c) must be positive") }
            resistors.append(Resistor(name: "x\(i)_\(j)", a: wordNode(i, j), b: top(i, j), resistance: 1 / c))
        }
        switch cells {
        case .conductances(let g):
            guard g.count == rows * columns else { throw InputError(.commandLine, "\(g.count) conductances for a \(rows)×\(columns) array") }
            for i in 0..<rows {
                for j in 0..<columns {
                    if case .stuck(let c)? = faults[i * columns + j] { try addCell(i, j, conductance: c) } else { try addCell(i, j, conductance: g[i * columns + j]) }
                }
            }
        case .memristors(_, let initial), .memristorArray(_, let initial):
            let st = states ?? initial
            guard st.count == rows * columns else { throw InputError(.commandLine, "\(st.count) states for a \(rows)×\(columns) array") }
            mems.reserveCapacity(rows * columns)
            for i in 0..<rows {
                for j in 0..<columns {
                    let k = i * columns + j
                    if case .stuck(let c)? = faults[k] { try addCell(i, j, conductance: c); continue }
                    guard let m = model(at: k) else { throw InputError(.commandLine, "no memristor model for cell (\(i), \(j))") }
                    mems.append(Memristor(name: "m\(i)_\(j)", plus: wordNode(i, j), minus: top(i, j), model: m, initialState: st[k]))
                }
            }
        }
        groups.append(Devices<Resistor>(resistors))
        if !mems.isEmpty { groups.append(Devices<Memristor>(mems)) }
        if hasAccess {
            var elements: [AccessElement] = []
            elements.reserveCapacity(rows * columns)
            var defaultThreshold = 0.0
            if case .selector(let sel) = access { defaultThreshold = sel.threshold }
            for i in 0..<rows {
                for j in 0..<columns {
                    let k = i * columns + j
                    elements.append(AccessElement(name: "a\(i)_\(j)", a: middleNode(i, j), b: bitNode(i, j), kind: access,
                                                  threshold: selectorThresholds.map { $0[k] } ?? defaultThreshold, gate: bias.gates[i]))
                }
            }
            groups.append(Devices<AccessElement>(elements))
        }
        var sources: [VoltageSource] = []
        for i in 0..<rows { if let spec = inputs[i] { sources.append(VoltageSource(name: "vin\(i)", a: inputNode(i), b: 0, source: spec)) } }
        for j in 0..<columns {
            guard let v = bias.columns[j] else { continue }
            sources.append(VoltageSource(name: "vsense\(j)", a: senseNode(j), b: 0, source: .constant(v)))
        }
        groups.append(Devices<VoltageSource>(sources))
        let saves = (0..<columns).filter { bias.columns[$0] != nil }.map { "i(vsense\($0))" }
        return Circuit(title: "crossbar \(rows)x\(columns)", nodeNames: names, groups: groups, analyses: analyses, saves: saves)
    }

    /// The same array as an ngspice netlist (resistive cells, or memristors as Lithic YMEMRISTOR
    /// lines with `memristorModelCard`), so ngspice or Lithic can run it as plain SPICE.
    public func netlist(inputs: [Double], analysis: String = ".op", memristorModelCard: String? = nil) -> String {
        netlist(bias: .read(inputs, columns: columns, gate: gateOn), analysis: analysis, memristorModelCard: memristorModelCard)
    }

    /// The array under `bias` as a SPICE netlist. Memristors are written as YMEMRISTOR lines when
    /// `memristorModelCard` is given (Lithic runs them), otherwise as ngspice behavioural twins
    /// (B-sources with the state on a 1 F capacitor: run the transient with `uic`); selectors and
    /// access transistors as B-sources with the same equations as Lithic's devices.
    public func netlist(bias: Bias, analysis: String = ".op", memristorModelCard: String? = nil, states: [Double]? = nil) -> String {
        var out = "crossbar \(rows)x\(columns) emitted by lithic crossbar\n"
        out.reserveCapacity(rows * columns * (hasAccess ? 160 : 60))
        func source(_ spec: SourceSpecification) -> String {
            if let w = spec.waveform {
                switch w {
                case .pulse(let v1, let v2, let td, let tr, let tf, let pw, let per, _):
                    return "PULSE(\(v1) \(v2) \(td) \(tr) \(tf) \(pw) \(per))"
                case .piecewiseLinear(let t, let v, let r, let td):
                    return "PWL(" + zip(t, v).map { "\($0) \($1)" }.joined(separator: " ") + ")" + (r >= 0 ? " r=\(r)" : "") + (td != 0 ? " td=\(td)" : "")
                case .sine(let vo, let va, let f, let td, let theta, let phase):
                    return "SIN(\(vo) \(va) \(f) \(td) \(theta) \(phase))"
                default: break
                }
            }
            return "DC \(spec.dc)"
        }
        for i in 0..<rows {
            if let spec = bias.rows[i] { out += "Vin\(i) in\(i) 0 \(source(spec))\n" } else { out += "Rfloat\(i) in\(i) 0 1e15\n" }
            out += "Rd\(i) in\(i) w\(i)_0 \(max(driverResistance, 1e-9))\n"
            for j in 0..<(columns - 1) { out += "Rw\(i)_\(j) w\(i)_\(j) w\(i)_\(j + 1) \(max(wireResistance, 1e-9))\n" }
        }
        for j in 0..<columns {
            for i in 0..<(rows - 1) { out += "Rb\(i)_\(j) b\(i)_\(j) b\(i + 1)_\(j) \(max(wireResistance, 1e-9))\n" }
            out += "Rs\(j) b\(rows - 1)_\(j) s\(j) \(senseResistance)\n"
            if let v = bias.columns[j] { out += "Vsense\(j) s\(j) 0 DC \(v)\n" } else { out += "Rsfloat\(j) s\(j) 0 1e15\n" }
        }
        func top(_ i: Int, _ j: Int) -> String { hasAccess ? "m\(i)_\(j)" : "b\(i)_\(j)" }
        switch cells {
        case .conductances(let g):
            for i in 0..<rows {
                for j in 0..<columns {
                    var c = g[i * columns + j]
                    if case .stuck(let s)? = faults[i * columns + j] { c = s }
                    out += "Rx\(i)_\(j) w\(i)_\(j) \(top(i, j)) \(1 / c)\n"
                }
            }
        case .memristors(_, let initial), .memristorArray(_, let initial):
            let st = states ?? initial
            var suffixes: [String: String] = [:]   // .func text → suffix, one set per distinct model
            var functions = ""
            for i in 0..<rows {
                for j in 0..<columns {
                    let k = i * columns + j
                    if case .stuck(let c)? = faults[k] { out += "Rx\(i)_\(j) w\(i)_\(j) \(top(i, j)) \(1 / c)\n"; continue }
                    // With a model card and one shared model: Lithic-only YMEMRISTOR lines.
                    if memristorModelCard != nil, case .memristors = cells {
                        out += "YMEMRISTOR m\(i)_\(j) w\(i)_\(j) \(top(i, j)) cell x0=\(st[k])\n"
                        continue
                    }
                    guard let m = model(at: k), let f = m.twinFunctions(suffix: "_SFX") else {
                        // No behavioural form (e.g. the LLZO interphase drift, a second state):
                        // the cell is written for Lithic only.
                        out += "* cell (\(i), \(j)): no ngspice twin for this model; Lithic-only line follows\n"
                        out += "YMEMRISTOR m\(i)_\(j) w\(i)_\(j) \(top(i, j)) cell\(k) x0=\(st[k])\n"
                        if let m = model(at: k) { out += ".model cell\(k) memristor \(m.modelCard)\n" }
                        continue
                    }
                    let suffix: String
                    if let known = suffixes[f] { suffix = known } else {
                        suffix = "_\(suffixes.count)"; suffixes[f] = suffix
                        functions += f.replacing("_SFX", with: suffix) + "\n"
                    }
                    out += MemristorModel.twinInstance(name: "\(i)_\(j)", plus: "w\(i)_\(j)", minus: top(i, j), initialState: st[k], suffix: suffix)
                }
            }
            if let card = memristorModelCard, case .memristors = cells { out += ".model cell memristor \(card)\n" }
            out += functions
        }
        switch access {
        case .none: break
        case .selector(let sel):
            for i in 0..<rows {
                for j in 0..<columns {
                    let vth = selectorThresholds?[i * columns + j] ?? sel.threshold
                    let v = "v(m\(i)_\(j),b\(i)_\(j))"
                    out += "Ba\(i)_\(j) m\(i)_\(j) b\(i)_\(j) I=\(sel.leakage)*\(v)+\(sel.onConductance * sel.smoothing)*(ln(1+exp((\(v)-\(vth))/\(sel.smoothing)))-ln(1+exp((-\(v)-\(vth))/\(sel.smoothing))))\n"
                }
            }
        case .transistor(let t):
            for i in 0..<rows {
                let g = bias.gates[i]
                for j in 0..<columns {
                    func u(_ node: String) -> String { "\(t.smoothing)*ln(1+exp((\(g - t.threshold)-v(\(node)))/\(t.smoothing)))" }
                    out += "Ba\(i)_\(j) m\(i)_\(j) b\(i)_\(j) I=\(t.transconductance / 2)*(pwr(\(u("b\(i)_\(j)")),2)-pwr(\(u("m\(i)_\(j)")),2))\n"
                }
            }
        }
        let sensed = (0..<columns).filter { bias.columns[$0] != nil }
        if !sensed.isEmpty { out += ".save " + sensed.map { "i(vsense\($0))" }.joined(separator: " ") + "\n" }
        out += "\(analysis)\n.end\n"
        return out
    }

    /// Result of a read / vector-matrix multiply.
    public struct Read: Sendable {
        /// Column currents (A) into the sense amplifiers (NaN for floating columns).
        public var currents: [Double]
        /// Ideal product Σᵢ Gᵢⱼ Vᵢ (no wire resistance, no access device, no sneak paths).
        public var ideal: [Double]
        /// Voltage across every cell (the memristor or resistor itself) relative to its row's
        /// applied voltage (1 = no IR drop); 0 for rows without a voltage.
        public var cellVoltageRatio: [Double]
        /// Voltage across every cell (V) and the current through it (A), row-major.
        public var cellVoltages: [Double]
        public var cellCurrents: [Double]
        /// Relative error per column and its rms, relative to the largest ideal current.
        public var relativeError: [Double]
        public var rmsRelativeError: Double
        /// Power delivered by all line drivers (W).
        public var power: Double
        public var statistics: SolverStatistics
    }

    /// The conductance of every cell (S) at small signal: stuck value, resistor, or the memristor
    /// at its present state (`states`, default the initial ones).
    public func cellConductances(states: [Double]? = nil) -> [Double] {
        (0..<(rows * columns)).map { k in
            if case .stuck(let c)? = faults[k] { return c }
            switch cells {
            case .conductances(let g): return g[k]
            case .memristors(_, let initial), .memristorArray(_, let initial):
                guard let m = model(at: k) else { return 0 }
                return m.current(v: Dual2(1e-3), x: Dual2((states ?? initial)[k])).value / 1e-3
            }
        }
    }

    /// Reads the array with row voltages `inputs` (a DC operating point, columns at virtual
    /// ground, gates on) and compares the column currents with the ideal vector-matrix product.
    public func read(inputs: [Double]) throws -> Read {
        try read(bias: .read(inputs, columns: columns, gate: gateOn))
    }

    /// A DC operating point of the array under `bias`, memristor states held (`states` or the
    /// cells' own).
    public func read(bias: Bias, states: [Double]? = nil) throws -> Read {
        let circuit = try self.circuit(bias: bias, states: states)
        let system = try BoundSystem(circuit: circuit, copyDevices: false)
        try system.solveOperatingPoint()
        let x = system.solution
        let inputs = bias.rows.map { $0?.dc ?? 0 }
        var currents = [Double](repeating: .nan, count: columns)
        for j in 0..<columns where bias.columns[j] != nil { currents[j] = (x[bitNode(rows - 1, j)] - x[senseNode(j)]) / senseResistance }
        let conductance = cellConductances(states: states)
        var ideal = [Double](repeating: 0, count: columns)
        for i in 0..<rows { for j in 0..<columns { ideal[j] += conductance[i * columns + j] * (inputs[i] - (bias.columns[j] ?? 0)) } }
        var ratio = [Double](repeating: 0, count: rows * columns)
        var cellV = [Double](repeating: 0, count: rows * columns), cellI = cellV
        let st: [Double]?
        switch cells {
        case .conductances: st = nil
        case .memristors(_, let initial), .memristorArray(_, let initial): st = states ?? initial
        }
        for i in 0..<rows {
            for j in 0..<columns {
                let k = i * columns + j
                let top = hasAccess ? x[middleNode(i, j)] : x[bitNode(i, j)]
                let v = x[wordNode(i, j)] - top
                cellV[k] = v
                if case .stuck(let c)? = faults[k] { cellI[k] = c * v }
                else if let m = model(at: k), let st { cellI[k] = m.current(v: Dual2(v), x: Dual2(st[k])).value }
                else { cellI[k] = conductance[k] * v }
                if inputs[i] != 0 { ratio[k] = v / inputs[i] }
            }
        }
        let scale = max(ideal.map(abs).max() ?? 0, 1e-300)
        let err = zip(currents, ideal).map { $0.isNaN ? 0 : ($0 - $1) / scale }
        var power = 0.0
        for i in 0..<rows where bias.rows[i] != nil { power += inputs[i] * (inputs[i] - x[wordNode(i, 0)]) / max(driverResistance, 1e-9) }
        for j in 0..<columns { if let v = bias.columns[j] { power += v * (v - x[bitNode(rows - 1, j)]) / senseResistance } }
        return Read(currents: currents, ideal: ideal, cellVoltageRatio: ratio, cellVoltages: cellV, cellCurrents: cellI, relativeError: err,
                    rmsRelativeError: (err.reduce(0) { $0 + $1 * $1 } / Double(max(columns, 1))).squareRoot(),
                    power: power, statistics: system.statistics)
    }
}

extension CrossbarArray {
    /// A transient of the array under time-varying row inputs (memristor states evolve): column
    /// currents at every accepted time point.
    public struct Transient: Sendable {
        public var time: [Double]
        /// currents[j][k]: column j at time k (A), into the sense amplifier (as `Read.currents`).
        public var currents: [[Double]]
        public var statistics: SolverStatistics
    }

    /// - Parameter krylovCostRatio: from which refactorisation-to-solve cost ratio Newton steps
    ///   are first tried by GMRES on the previous factorisation (`SimulatorOptions.krylovCostRatio`;
    ///   0 forces it, infinity switches it off).
    public func transient(inputs: [SourceSpecification], step: Double, stop: Double, krylovCostRatio: Double = 8) throws -> Transient {
        var circuit = try self.circuit(inputs: inputs, analyses: [.transient(step: step, stop: stop, start: 0, maximumStep: step, useInitialConditions: false)])
        circuit.options.krylovCostRatio = krylovCostRatio
        // The array's matrix changes slowly (a few cells switch at a time): reusing a
        // factorisation for up to 16 Newton solves cut a 64×64 LLZO transient from 4.4 to 3.1 s with
        // the same steps and currents within 2e-5 of their peak.
        circuit.options.chordAgeLimit = 16
        var sim = Simulator(circuit: circuit)
        sim.progress = nil
        let outcome = try sim.run()
        if let f = outcome.failure { throw f }
        guard let plot = outcome.plots.first else { throw SimulationError(analysis: "crossbar", point: "", message: "no transient results") }
        // i(vsense) flows from the sense node through the source: the current into the amplifier.
        let currents = (0..<columns).map { j in plot.vector("i(vsense\(j))")?.real ?? [] }
        return Transient(time: plot.vectors[0].real, currents: currents, statistics: outcome.statistics)
    }
}
