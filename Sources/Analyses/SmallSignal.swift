import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration
import SparseLinear

extension BoundSystem {
    /// AC small-signal analysis about the present operating point: (G + jωC)·X = B with
    /// G = ∂f/∂x and C = ∂q/∂x from one device evaluation, solved with complex KLU per frequency.
    func ac(frequencies: [Double], progress: ProgressHandler?) throws -> Plot {
        let outputs = outputVectors()
        var plot = Plot(name: "AC Analysis", kind: "ac",
                        vectors: [OutputVector(name: "frequency", type: "frequency", imaginary: [])] +
                            outputs.map { OutputVector(name: $0.name, type: $0.type, imaginary: []) },
                        isComplex: true)
        let n = dimension
        guard n > 0 else { return plot }
        var linearisation = LoadSettings(time: nil, gmin: circuit.options.gmin, temperature: loadTemperature)
        linearisation.statesFrozen = false  // states respond to the small signal through dx/dt
        linearisation.smallSignal = true
        load(linearisation)
        let solver = try KLUSolver(pattern: pattern, complex: true)
        var excitationRe = [Double](repeating: 0, count: x.count)
        var excitationIm = excitationRe
        excitationRe.withUnsafeMutableBufferPointer { re in
            excitationIm.withUnsafeMutableBufferPointer { im in
                var e = ACExcitation(real: re.baseAddress!, imaginary: im.baseAddress!)
                for g in groups { g.loadAC(&e) }
            }
        }
        var values = [Double](repeating: 0, count: 2 * pattern.nonzeros)
        var b = [Double](repeating: 0, count: 2 * n)
        let position = pattern.position
        for (index, freq) in frequencies.enumerated() {
            let omega = 2 * Double.pi * freq
            for p in 0..<values.count { values[p] = 0 }
            for s in 1..<jf.count {
                let p = position[s]
                values[2 * p] += jf[s]
                values[2 * p + 1] += omega * jq[s]
            }
            for g in groups {
                g.addAdmittance(omega: omega) { slot, re, im in
                    guard slot > 0 else { return }
                    let p = position[slot]
                    values[2 * p] += re
                    values[2 * p + 1] += im
                }
            }
            for k in 1...n { b[2 * (k - 1)] = excitationRe[k]; b[2 * (k - 1) + 1] = excitationIm[k] }
            do {
                try solver.factor(&values)
                try solver.solve(&b)
            } catch LinearSolverFailure.singular(let column) {
                throw SimulationError(analysis: "ac", point: "f = \(freq) Hz",
                                      message: "singular matrix at \(describeUnknown((column ?? -1) + 1))")
            }
            plot.vectors[0].real.append(freq)
            plot.vectors[0].imaginary?.append(0)
            for (j, o) in outputs.enumerated() {
                plot.vectors[j + 1].real.append(b[2 * (o.index - 1)])
                plot.vectors[j + 1].imaginary?.append(b[2 * (o.index - 1) + 1])
            }
            progress?(Double(index + 1) / Double(frequencies.count))
        }
        statistics.fullFactorizations += solver.fullFactorizations
        statistics.refactorizations += solver.refactorizations
        return plot
    }

    /// DC sweep (nested: `sweeps[0]` is the inner loop). Each point starts Newton from the
    /// previous solution and falls back to the full operating-point search.
    func dcSweep(_ sweeps: [(source: String, values: [Double])], progress: ProgressHandler?) throws -> Plot {
        let outputs = outputVectors()
        let scaleName: String
        switch sweeps.first?.source.first {
        case "v": scaleName = "v-sweep"
        case "i": scaleName = "i-sweep"
        case "r": scaleName = "res-sweep"
        default: scaleName = "sweep"
        }
        var plot = Plot(name: "DC transfer characteristic", kind: "dc",
                        vectors: [OutputVector(name: scaleName, type: scaleName.hasPrefix("i") ? "current" : "voltage")] +
                            outputs.map { OutputVector(name: $0.name, type: $0.type) }, isComplex: false)
        func set(_ name: String, _ value: Double) throws {
            linearFactorKey = nil  // the matrix may change with the swept value
            guard groups.contains(where: { $0.setSweepValue(value, device: name) }) else {
                throw SimulationError(analysis: "dc", point: "", message: "cannot sweep '\(name)': no such voltage source, current source or resistor")
            }
        }
        let inner = sweeps[0]
        let outer = sweeps.count > 1 ? sweeps[1] : nil
        let outerValues = outer?.values ?? [0]
        var first = true
        let total = Double(inner.values.count * outerValues.count)
        var done = 0.0
        for ov in outerValues {
            if let o = outer { try set(o.source, ov) }
            for v in inner.values {
                try set(inner.source, v)
                let point = "\(inner.source) = \(v)" + (outer.map { ", \($0.source) = \(ov)" } ?? "")
                if first {
                    try operatingPoint(time: nil, forced: circuit.initialConditions, analysis: "dc", point: point)
                    first = false
                } else {
                    let saved = x
                    do {
                        _ = try newton(settings: LoadSettings(time: nil, gmin: circuit.options.gmin, temperature: loadTemperature),
                                       integration: Integration(), maximumIterations: circuit.options.itl2)
                    } catch is NewtonFailure {
                        x = saved
                        try operatingPoint(time: nil, forced: [:], analysis: "dc", point: point)
                    }
                }
                plot.vectors[0].real.append(v)
                for (j, o) in outputs.enumerated() { plot.vectors[j + 1].real.append(x[o.index]) }
                done += 1
                progress?(done / total)
            }
        }
        return plot
    }
}

extension BoundSystem {
    /// `.tf output input` (SPICE's small-signal DC transfer function) about the present operating
    /// point: with G = ∂f/∂x and b = ∂(−f)/∂u for the input source's value u, the sensitivity
    /// dx/du = G⁻¹b gives the transfer function and the input resistance (−1/(di/du) for a
    /// voltage source, dv/du across a current source); the output resistance is the voltage a unit
    /// current injected at the output makes there. Vector names as ngspice's raw file.
    func transferFunction(output: String, input: String) throws -> Plot {
        let n = dimension
        var plot = Plot(name: "Transfer Function", kind: "tf", vectors: [], isComplex: false)
        guard n > 0 else { return plot }
        load(LoadSettings(time: nil, gmin: circuit.options.gmin, temperature: loadTemperature))
        var values = [Double](repeating: 0, count: pattern.nonzeros)
        for s in 1..<jf.count { values[pattern.position[s]] += jf[s] }
        let solver = try KLUSolver(pattern: pattern)
        do { try solver.factor(&values) } catch {
            throw SimulationError(analysis: "tf", point: "", message: "singular matrix at the operating point")
        }
        // b: how the residual moves with the input source's value (it is linear in it).
        func residual(atSourceValue u: Double) throws -> [Double] {
            guard groups.contains(where: { $0.setSweepValue(u, device: input) }) else {
                throw SimulationError(analysis: "tf", point: "", message: ".tf input '\(input)' is not an independent source")
            }
            load(LoadSettings(time: nil, gmin: circuit.options.gmin, temperature: loadTemperature))
            return f
        }
        let f0 = try residual(atSourceValue: 0), f1 = try residual(atSourceValue: 1)
        var sensitivity = [Double](repeating: 0, count: n)
        for k in 1...n { sensitivity[k - 1] = -(f1[k] - f0[k]) }
        let excitation = sensitivity
        try solver.solve(&sensitivity)
        func unknown(_ name: String) throws -> Int {
            if name == "0" || name == "gnd" { return 0 }
            guard let k = unknownNames.firstIndex(of: name), k > 0 else {
                throw SimulationError(analysis: "tf", point: "", message: ".tf output names unknown node or source '\(name)'")
            }
            return k
        }
        func d(_ k: Int, _ v: [Double]) -> Double { k == 0 ? 0 : v[k - 1] }
        // Output: v(a[,b]) or i(source).
        let inner = String(output.dropFirst(2).dropLast())
        let isCurrent = output.hasPrefix("i(")
        let plusIndex: Int, minusIndex: Int
        if isCurrent {
            guard let b = branches[inner] else {
                throw SimulationError(analysis: "tf", point: "", message: ".tf output i(\(inner)) names no voltage source or inductor")
            }
            plusIndex = b; minusIndex = 0
        } else {
            let parts = inner.split(separator: ",").map(String.init)
            plusIndex = try unknown(parts[0])
            minusIndex = parts.count > 1 ? try unknown(parts[1]) : 0
        }
        let transfer = d(plusIndex, sensitivity) - d(minusIndex, sensitivity)
        // Input resistance.
        let inputResistance: Double
        if let branch = branches[input] {
            inputResistance = -1 / d(branch, sensitivity)
        } else {
            // A current source injects its value at n− and draws it from n+: the excitation is
            // e(n−) − e(n+), so v(n−) − v(n+) per unit current is excitation · dx/du.
            inputResistance = zip(excitation, sensitivity).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // Output resistance: a unit current into the output node (out of the reference).
        let outputResistance: Double
        if isCurrent {
            outputResistance = 1e20  // as ngspice reports for a current output
        } else {
            var injection = [Double](repeating: 0, count: n)
            if plusIndex > 0 { injection[plusIndex - 1] += 1 }
            if minusIndex > 0 { injection[minusIndex - 1] -= 1 }
            try solver.solve(&injection)
            outputResistance = d(plusIndex, injection) - d(minusIndex, injection)
        }
        plot.vectors = [
            OutputVector(name: "transfer_function", type: "voltage", real: [transfer]),
            OutputVector(name: "\(input)#input_impedance", type: "voltage", real: [inputResistance]),
            OutputVector(name: isCurrent ? "\(inner)#output_impedance" : "output_impedance_at_\(output)", type: "voltage", real: [outputResistance]),
        ]
        return plot
    }
}
