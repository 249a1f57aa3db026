import LithicCore
import Devices
import Elaboration

/// What an impedance analyser does to a cell in the time domain: it holds the port at a bias and
/// adds a small excitation, either as a voltage (potentiostatic) or as a current (galvanostatic),
/// and records voltage and current on a uniform time grid. Used by FFT impedance spectroscopy.
public enum PortExcitation {
    public enum Mode: String, Sendable, CaseIterable { case potentiostatic, galvanostatic }

    /// Uniformly sampled port voltage (V, plus − minus) and current into `plus` (A).
    public struct Record: Sendable {
        public var time: [Double]
        public var voltage: [Double]
        public var current: [Double]
    }

    /// Simulates `duration` seconds of `bias + Σ aₖ sin(2πfₖt + φₖ)` applied at the port,
    /// sampled every `interval` seconds (steps land exactly on the samples; Gear-2 integration so
    /// stiff parts of the cell do not ring).
    public static func simulate(circuit: Circuit, plus: String, minus: String, mode: Mode, bias: Double,
                                amplitudes: [Double], frequencies: [Double], phases: [Double],
                                duration: Double, interval: Double) throws -> Record {
        guard let p = circuit.nodeNames.firstIndex(of: plus.lowercased()) else {
            throw InputError(.commandLine, "port node '\(plus)' is not a node of the netlist")
        }
        let mName = minus.lowercased() == "gnd" ? "0" : minus.lowercased()
        guard let m = circuit.nodeNames.firstIndex(of: mName) else {
            throw InputError(.commandLine, "port node '\(minus)' is not a node of the netlist")
        }
        guard p != m else { throw InputError(.commandLine, "the two port nodes are the same") }
        var c = circuit
        c.groups = circuit.groups.map { $0.copy() }
        var spec = SourceSpecification()
        spec.waveform = .multisine(offset: bias, amplitudes: amplitudes, frequencies: frequencies, phases: phases)
        switch mode {
        case .potentiostatic:
            c.groups.append(Devices<VoltageSource>([VoltageSource(name: "v.eis", a: p, b: m, source: spec)]))
        case .galvanostatic:
            c.groups.append(Devices<CurrentSource>([CurrentSource(name: "i.eis", a: m, b: p, source: spec)]))
        }
        c.saves = ["v(\(c.nodeNames[p]))"] + (m == 0 ? [] : ["v(\(c.nodeNames[m]))"]) + (mode == .potentiostatic ? ["i(v.eis)"] : [])
        // Gear-2, and a truncation-error control tight enough that the integrator's own error
        // (which shows up as spurious content at non-excited bins) stays below the 0.1 % level.
        c.options.method = .gear
        c.options.reltol = min(c.options.reltol, 1e-5)
        c.options.trtol = 1
        let system = try BoundSystem(circuit: c, copyDevices: false)
        let (plot, error) = system.transient(step: interval, stop: duration, start: 0, maximumStep: interval,
                                             useInitialConditions: false, progress: nil, sampling: interval)
        if let error { throw error }
        let t = plot.vectors[0].real
        let vp = plot.vector("v(\(c.nodeNames[p]))")?.real ?? []
        let vm = m == 0 ? [Double](repeating: 0, count: t.count) : (plot.vector("v(\(c.nodeNames[m]))")?.real ?? [])
        let v = zip(vp, vm).map { $0 - $1 }
        let i: [Double]
        switch mode {
        case .potentiostatic:
            i = (plot.vector("i(v.eis)")?.real ?? []).map { -$0 }  // the source's branch current flows out of plus
        case .galvanostatic:
            i = t.map { spec.waveform?.value(at: $0) ?? 0 }
        }
        return Record(time: t, voltage: v, current: i)
    }
}
