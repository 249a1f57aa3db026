import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration
import SparseLinear

extension BoundSystem {
    /// G + jωC in the pattern's complex (interleaved) value array: the Jacobians of one device
    /// evaluation plus each device's exact frequency-dependent admittance.
    func assembleSmallSignal(omega: Double, jf: [Double], jq: [Double], into values: inout [Double]) {
        let position = pattern.position
        for p in 0..<values.count { values[p] = 0 }
        for s in 1..<jf.count {
            let p = position[s]
            values[2 * p] += jf[s]
            values[2 * p + 1] += omega * jq[s]
        }
        for g in groups {
            g.addAdmittance(omega: omega) { slot, re, im in
                guard slot > 0 else { return }
                values[2 * position[slot]] += re
                values[2 * position[slot] + 1] += im
            }
        }
    }

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
        for (index, freq) in frequencies.enumerated() {
            let omega = 2 * Double.pi * freq
            assembleSmallSignal(omega: omega, jf: jf, jq: jq, into: &values)
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
        let currents = deviceCurrentOutputs()
        var plot = Plot(name: "DC transfer characteristic", kind: "dc",
                        vectors: [OutputVector(name: scaleName, type: scaleName.hasPrefix("i") ? "current" : "voltage")] +
                            outputs.map { OutputVector(name: $0.name, type: $0.type) } + currents.map { OutputVector(name: $0.name, type: "current") },
                        isComplex: false)
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
                for (j, value) in deviceCurrents(currents).enumerated() { plot.vectors[outputs.count + 1 + j].real.append(value) }
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

extension BoundSystem {
    /// `.noise v(out[,ref]) source …` about the present operating point: at each frequency the
    /// adjoint system (G + jωC)ᵀ y = e_out gives the transfer of every device noise current to the
    /// output; the output noise density is √(Σ S_k |y_a − y_b|²) (V/√Hz) and the input-referred one
    /// divides it by the gain from the input source. Totals integrate the densities between points
    /// as power laws (ngspice's integration). Returns ngspice's two plots.
    func noise(output: String, input: String, frequencies: [Double]) throws -> [Plot] {
        let n = dimension
        var spectrum = Plot(name: "Noise Spectral Density Curves", kind: "noise", vectors: [
            OutputVector(name: "frequency", type: "frequency"), OutputVector(name: "onoise_spectrum", type: "voltage-density"),
            OutputVector(name: "inoise_spectrum", type: input.first == "i" ? "current-density" : "voltage-density")], isComplex: false)
        var totals = Plot(name: "Integrated Noise", kind: "noiseint", vectors: [], isComplex: false)
        guard n > 0 else { return [spectrum, totals] }
        let settings = LoadSettings(time: nil, gmin: circuit.options.gmin, temperature: loadTemperature)
        let temperature = circuit.options.temperature + PhysicalConstant.zeroCelsius
        // Unit excitation of the input source (the residual is linear in its value).
        func residual(atSourceValue u: Double) throws -> [Double] {
            guard groups.contains(where: { $0.setSweepValue(u, device: input) }) else {
                throw SimulationError(analysis: "noise", point: "", message: ".noise input '\(input)' is not an independent source")
            }
            load(settings)
            return f
        }
        let operating = x
        var linearisation = settings
        linearisation.smallSignal = true
        load(linearisation)
        let jfAtOperatingPoint = jf, jqAtOperatingPoint = jq
        let sources = x.withUnsafeBufferPointer { xp in groups.flatMap { $0.noiseSources(x: xp.baseAddress!, temperature: temperature) } }
        let f0 = try residual(atSourceValue: 0), f1 = try residual(atSourceValue: 1)
        x = operating
        // Output nodes.
        let inner = String(output.dropFirst(2).dropLast())
        let parts = inner.split(separator: ",").map(String.init)
        func unknown(_ name: String) throws -> Int {
            if name == "0" || name == "gnd" { return 0 }
            guard let k = unknownNames.firstIndex(of: name), k > 0 else {
                throw SimulationError(analysis: "noise", point: "", message: ".noise output names unknown node '\(name)'")
            }
            return k
        }
        let plus = try unknown(parts[0]), minus = parts.count > 1 ? try unknown(parts[1]) : 0
        let solver = try KLUSolver(pattern: pattern, complex: true)
        var values = [Double](repeating: 0, count: 2 * pattern.nonzeros)
        // Each source's density at the output, per frequency (ngspice integrates source by source).
        var perSource = [[Double]](repeating: [], count: sources.count)
        var inverseGainSquared: [Double] = []
        for freq in frequencies {
            assembleSmallSignal(omega: 2 * Double.pi * freq, jf: jfAtOperatingPoint, jq: jqAtOperatingPoint, into: &values)
            do { try solver.factor(&values) } catch LinearSolverFailure.singular(let column) {
                throw SimulationError(analysis: "noise", point: "f = \(freq) Hz", message: "singular matrix at \(describeUnknown((column ?? -1) + 1))")
            }
            // Gain from the input source.
            var gain = [Double](repeating: 0, count: 2 * n)
            for k in 1...n { gain[2 * (k - 1)] = -(f1[k] - f0[k]) }
            try solver.solve(&gain)
            func component(_ v: [Double], _ k: Int) -> (Double, Double) { k == 0 ? (0, 0) : (v[2 * (k - 1)], v[2 * (k - 1) + 1]) }
            let (gp, gpi) = component(gain, plus), (gm, gmi) = component(gain, minus)
            let gainMagnitude = hypot(gp - gm, gpi - gmi)
            // Adjoint: transfer impedance from a current injected at node k to the output.
            var adjoint = [Double](repeating: 0, count: 2 * n)
            if plus > 0 { adjoint[2 * (plus - 1)] += 1 }
            if minus > 0 { adjoint[2 * (minus - 1)] -= 1 }
            try solver.solveTransposed(&adjoint)
            var power = 0.0
            for (k, s) in sources.enumerated() {
                let (ar, ai) = component(adjoint, s.a), (br, bi) = component(adjoint, s.b)
                let dr = ar - br, di = ai - bi
                let density = s.density(at: freq) * (dr * dr + di * di)
                perSource[k].append(density)
                power += density
            }
            let inverseGain = gainMagnitude > 0 ? 1 / (gainMagnitude * gainMagnitude) : .infinity
            inverseGainSquared.append(inverseGain)
            spectrum.vectors[0].real.append(freq)
            spectrum.vectors[1].real.append(power.squareRoot())
            spectrum.vectors[2].real.append((power * inverseGain).squareRoot())
        }
        statistics.fullFactorizations += solver.fullFactorizations
        statistics.refactorizations += solver.refactorizations
        // Totals: for each source and interval the density is integrated as a power law through
        // its end points; the input-referred total scales each interval by 1/|gain|² at its upper
        // frequency (ngspice's `Nintegrate`).
        var outputTotal = 0.0, inputTotal = 0.0
        for density in perSource {
            for k in 1..<max(frequencies.count, 1) {
                let fa = frequencies[k - 1], fb = frequencies[k], na = density[k - 1], nb = density[k]
                guard fb > fa else { continue }
                var piece: Double
                if na <= 0 || nb <= 0 || !na.isFinite || !nb.isFinite {
                    piece = 0.5 * (na + nb) * (fb - fa)
                } else {
                    let a = log(nb / na) / log(fb / fa)
                    if abs(a) < 1e-30 { piece = nb * (fb - fa) }
                    else if abs(a + 1) < 1e-10 { piece = nb * fb * log(fb / fa) }
                    else { piece = nb * fb / (a + 1) * (1 - pow(fa / fb, a + 1)) }
                }
                outputTotal += piece
                inputTotal += piece * inverseGainSquared[k]
            }
        }
        totals.vectors = [OutputVector(name: "onoise_total", type: "voltage", real: [outputTotal.squareRoot()]),
                          OutputVector(name: "inoise_total", type: input.first == "i" ? "current" : "voltage", real: [inputTotal.squareRoot()])]
        return [spectrum, totals]
    }
}
