import Foundation
import LithicCore
import Devices
import Elaboration
import Analyses
import Memristors

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
    }
    public var rows: Int
    public var columns: Int
    public var wireResistance = 2.5
    public var driverResistance = 2.5
    public var senseResistance = 1e-3
    public var cells: Cells

    public init(rows: Int, columns: Int, cells: Cells) {
        self.rows = rows; self.columns = columns; self.cells = cells
    }

    func wordNode(_ i: Int, _ j: Int) -> Int { 1 + i * columns + j }
    func bitNode(_ i: Int, _ j: Int) -> Int { 1 + rows * columns + i * columns + j }
    func inputNode(_ i: Int) -> Int { 1 + 2 * rows * columns + i }
    func senseNode(_ j: Int) -> Int { 1 + 2 * rows * columns + rows + j }

    /// The array as a circuit with row sources `inputs` (V) — constant, or given as waveforms.
    public func circuit(inputs: [SourceSpecification], analyses: [Analysis] = []) throws -> Circuit {
        guard rows >= 1, columns >= 1 else { throw InputError(.commandLine, "a crossbar needs at least one row and one column") }
        guard inputs.count == rows else { throw InputError(.commandLine, "\(inputs.count) inputs for \(rows) rows") }
        guard wireResistance >= 0, driverResistance >= 0, senseResistance > 0 else {
            throw InputError(.commandLine, "wire and driver resistances must not be negative, sense resistance must be positive")
        }
        var names = ["0"]
        names.reserveCapacity(2 * rows * columns + rows + columns + 1)
        for i in 0..<rows { for j in 0..<columns { names.append("w\(i)_\(j)") } }
        for i in 0..<rows { for j in 0..<columns { names.append("b\(i)_\(j)") } }
        for i in 0..<rows { names.append("in\(i)") }
        for j in 0..<columns { names.append("s\(j)") }
        var resistors: [Resistor] = []
        resistors.reserveCapacity(3 * rows * columns)
        let wire = max(wireResistance, 1e-9)
        for i in 0..<rows {
            resistors.append(Resistor(name: "rd\(i)", a: inputNode(i), b: wordNode(i, 0), resistance: max(driverResistance, 1e-9)))
            for j in 0..<(columns - 1) {
                resistors.append(Resistor(name: "rw\(i)_\(j)", a: wordNode(i, j), b: wordNode(i, j + 1), resistance: wire))
            }
        }
        for j in 0..<columns {
            for i in 0..<(rows - 1) {
                resistors.append(Resistor(name: "rb\(i)_\(j)", a: bitNode(i, j), b: bitNode(i + 1, j), resistance: wire))
            }
            resistors.append(Resistor(name: "rs\(j)", a: bitNode(rows - 1, j), b: senseNode(j), resistance: senseResistance))
        }
        var groups: [any DeviceGroup] = []
        switch cells {
        case .conductances(let g):
            guard g.count == rows * columns else { throw InputError(.commandLine, "\(g.count) conductances for a \(rows)×\(columns) array") }
            for i in 0..<rows {
                for j in 0..<columns {
                    let c = g[i * columns + j]
                    guard c > 0, c.isFinite else { throw InputError(.commandLine, "cell (\(i), \(j)) conductance \(c) must be positive") }
                    resistors.append(Resistor(name: "x\(i)_\(j)", a: wordNode(i, j), b: bitNode(i, j), resistance: 1 / c))
                }
            }
            groups.append(Devices<Resistor>(resistors))
        case .memristors(let model, let states):
            guard states.count == rows * columns else { throw InputError(.commandLine, "\(states.count) states for a \(rows)×\(columns) array") }
            groups.append(Devices<Resistor>(resistors))
            var mems: [Memristor] = []
            mems.reserveCapacity(rows * columns)
            for i in 0..<rows {
                for j in 0..<columns {
                    mems.append(Memristor(name: "m\(i)_\(j)", plus: wordNode(i, j), minus: bitNode(i, j), model: model, initialState: states[i * columns + j]))
                }
            }
            groups.append(Devices<Memristor>(mems))
        }
        var sources: [VoltageSource] = []
        for i in 0..<rows { sources.append(VoltageSource(name: "vin\(i)", a: inputNode(i), b: 0, source: inputs[i])) }
        var zero = SourceSpecification()
        zero.hasExplicitDC = true
        for j in 0..<columns { sources.append(VoltageSource(name: "vsense\(j)", a: senseNode(j), b: 0, source: zero)) }
        groups.append(Devices<VoltageSource>(sources))
        let saves = (0..<columns).map { "i(vsense\($0))" }
        return Circuit(title: "crossbar \(rows)x\(columns)", nodeNames: names, groups: groups, analyses: analyses, saves: saves)
    }

    /// The same array as an ngspice netlist (resistive cells, or memristors as Lithic YMEMRISTOR
    /// lines with `memristorModelCard`), so ngspice or Lithic can run it as plain SPICE.
    public func netlist(inputs: [Double], analysis: String = ".op", memristorModelCard: String? = nil) -> String {
        var out = "crossbar \(rows)x\(columns) emitted by lithic crossbar\n"
        out.reserveCapacity(rows * columns * 60)
        for i in 0..<rows {
            out += "Vin\(i) in\(i) 0 DC \(inputs[i])\nRd\(i) in\(i) w\(i)_0 \(max(driverResistance, 1e-9))\n"
            for j in 0..<(columns - 1) { out += "Rw\(i)_\(j) w\(i)_\(j) w\(i)_\(j + 1) \(max(wireResistance, 1e-9))\n" }
        }
        for j in 0..<columns {
            for i in 0..<(rows - 1) { out += "Rb\(i)_\(j) b\(i)_\(j) b\(i + 1)_\(j) \(max(wireResistance, 1e-9))\n" }
            out += "Rs\(j) b\(rows - 1)_\(j) s\(j) \(senseResistance)\nVsense\(j) s\(j) 0 DC 0\n"
        }
        switch cells {
        case .conductances(let g):
            for i in 0..<rows { for j in 0..<columns { out += "Rx\(i)_\(j) w\(i)_\(j) b\(i)_\(j) \(1 / g[i * columns + j])\n" } }
        case .memristors(_, let states):
            for i in 0..<rows { for j in 0..<columns { out += "YMEMRISTOR m\(i)_\(j) w\(i)_\(j) b\(i)_\(j) cell x0=\(states[i * columns + j])\n" } }
            out += ".model cell memristor \(memristorModelCard ?? "")\n"
        }
        out += ".save " + (0..<columns).map { "i(vsense\($0))" }.joined(separator: " ") + "\n\(analysis)\n.end\n"
        return out
    }

    /// Result of a read / vector-matrix multiply.
    public struct Read: Sendable {
        /// Column currents (A) into the sense amplifiers.
        public var currents: [Double]
        /// Ideal product Σᵢ Gᵢⱼ Vᵢ (no wire resistance).
        public var ideal: [Double]
        /// Voltage across every cell relative to the applied row voltage (1 = no IR drop).
        public var cellVoltageRatio: [Double]
        /// Relative error per column and its rms, relative to the largest ideal current.
        public var relativeError: [Double]
        public var rmsRelativeError: Double
        /// Power drawn from the row sources (W).
        public var power: Double
        public var statistics: SolverStatistics
    }

    /// Reads the array with row voltages `inputs` (a DC operating point) and compares the column
    /// currents with the ideal vector-matrix product.
    public func read(inputs: [Double]) throws -> Read {
        let specs = inputs.map { v -> SourceSpecification in
            var s = SourceSpecification(); s.dc = v; s.hasExplicitDC = true; return s
        }
        let circuit = try self.circuit(inputs: specs)
        let system = try BoundSystem(circuit: circuit, copyDevices: false)
        try system.solveOperatingPoint()
        let x = system.solution
        var currents = [Double](repeating: 0, count: columns)
        for j in 0..<columns { currents[j] = (x[bitNode(rows - 1, j)] - x[senseNode(j)]) / senseResistance }
        var conductance: [Double]
        switch cells {
        case .conductances(let g): conductance = g
        case .memristors(let model, let states):
            conductance = states.map { s in
                let i = model.current(v: Dual2(1e-3), x: Dual2(s)).value
                return i / 1e-3
            }
        }
        var ideal = [Double](repeating: 0, count: columns)
        for i in 0..<rows { for j in 0..<columns { ideal[j] += conductance[i * columns + j] * inputs[i] } }
        var ratio = [Double](repeating: 1, count: rows * columns)
        for i in 0..<rows where inputs[i] != 0 {
            for j in 0..<columns { ratio[i * columns + j] = (x[wordNode(i, j)] - x[bitNode(i, j)]) / inputs[i] }
        }
        let scale = max(ideal.map(abs).max() ?? 0, 1e-300)
        let err = zip(currents, ideal).map { ($0 - $1) / scale }
        var power = 0.0
        for i in 0..<rows { power += inputs[i] * (inputs[i] - x[wordNode(i, 0)]) / max(driverResistance, 1e-9) }
        return Read(currents: currents, ideal: ideal, cellVoltageRatio: ratio, relativeError: err,
                    rmsRelativeError: (err.reduce(0) { $0 + $1 * $1 } / Double(max(columns, 1))).squareRoot(),
                    power: power, statistics: system.statistics)
    }
}

extension CrossbarArray {
    /// A transient of the array under time-varying row inputs (memristor states evolve): column
    /// currents at every accepted time point.
    public struct Transient: Sendable {
        public var time: [Double]
        /// currents[j][k]: column j at time k (A).
        public var currents: [[Double]]
        public var statistics: SolverStatistics
    }

    public func transient(inputs: [SourceSpecification], step: Double, stop: Double) throws -> Transient {
        let circuit = try self.circuit(inputs: inputs, analyses: [.transient(step: step, stop: stop, start: 0, maximumStep: step, useInitialConditions: false)])
        var sim = Simulator(circuit: circuit)
        sim.progress = nil
        let outcome = try sim.run()
        if let f = outcome.failure { throw f }
        guard let plot = outcome.plots.first else { throw SimulationError(analysis: "crossbar", point: "", message: "no transient results") }
        let currents = (0..<columns).map { j in (plot.vector("i(vsense\(j))")?.real ?? []).map { -$0 } }
        return Transient(time: plot.vectors[0].real, currents: currents, statistics: outcome.statistics)
    }
}
