import LithicCore
import Devices
import Elaboration

/// The small-signal impedance seen between two nodes of a circuit, as an impedance analyser
/// connected there would measure it: the circuit's own AC excitations are removed, a 1 A AC
/// current is injected into `plus` and drawn from `minus`, the operating point is found with
/// the circuit's DC sources as they are, and Z(f) = V(plus) − V(minus) from the AC analysis.
public enum PortImpedance {
    public static func compute(circuit: Circuit, plus: String, minus: String, frequencies: [Double]) throws -> (real: [Double], imaginary: [Double]) {
        guard let p = circuit.nodeNames.firstIndex(of: plus.lowercased()) else {
            throw InputError(.commandLine, "port node '\(plus)' is not a node of the netlist")
        }
        guard let m = circuit.nodeNames.firstIndex(of: minus.lowercased() == "gnd" ? "0" : minus.lowercased()) else {
            throw InputError(.commandLine, "port node '\(minus)' is not a node of the netlist")
        }
        guard p != m else { throw InputError(.commandLine, "the two port nodes are the same") }
        var c = circuit
        c.groups = circuit.groups.map { $0.copy() }
        for g in c.groups { g.removeACExcitation() }
        var spec = SourceSpecification()
        spec.hasExplicitDC = true
        spec.acMagnitude = 1
        c.groups.append(Devices<CurrentSource>([CurrentSource(name: "i.port", a: m, b: p, source: spec)]))
        c.saves = []
        let system = try BoundSystem(circuit: c, copyDevices: false)
        try system.operatingPoint(time: nil, forced: c.initialConditions, analysis: "port impedance", point: "operating point")
        let plot = try system.ac(frequencies: frequencies, progress: nil)
        let vp = plot.vector("v(\(c.nodeNames[p]))")
        let vm = m == 0 ? nil : plot.vector("v(\(c.nodeNames[m]))")
        guard let vp else { throw SimulationError(analysis: "port impedance", point: "", message: "no voltage at \(plus)") }
        var re = vp.real, im = vp.imaginary ?? []
        if let vm {
            for k in re.indices { re[k] -= vm.real[k]; im[k] -= vm.imaginary?[k] ?? 0 }
        }
        return (re, im)
    }
}
