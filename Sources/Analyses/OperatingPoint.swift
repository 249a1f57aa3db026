import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration

extension BoundSystem {
    var loadTemperature: Double { circuit.options.temperature + PhysicalConstant.zeroCelsius }

    /// Finds the DC operating point, trying in turn: plain Newton; gmin stepping (a shunt on
    /// every node diagonal, from 1e-3 S down by 10× per step); source stepping (all independent
    /// sources ramped from 0); pseudo-transient continuation (a capacitor on every node, stepped
    /// to steady state). `time` is nil for `.op`/`.dc`, 0 for the transient's initial point.
    func operatingPoint(time: Double?, forced: [Int: Double], analysis: String, point: String) throws {
        let options = circuit.options
        var base = LoadSettings(time: time, gmin: options.gmin, temperature: loadTemperature)
        let start = x
        base.initializeJunctions = true
        do {
            _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced,
                           allowChord: reuseFactorisationInOperatingPoint)
            return
        } catch is NewtonFailure {}

        // gmin stepping.
        x = start
        var ok = true
        var shunt = 1e-3
        base.initializeJunctions = true
        while shunt > options.gmin * 0.99 {
            do {
                _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, diagonalShunt: shunt, forcedNodes: forced)
                base.initializeJunctions = false
            } catch is NewtonFailure { ok = false; break }
            shunt /= 10
        }
        if ok {
            do {
                _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced)
                return
            } catch is NewtonFailure {}
        }

        // Source stepping with an adaptive step.
        x = [Double](repeating: 0, count: x.count)
        for (k, v) in initialValues { x[k] = v }
        var factor = 0.0
        var step = 0.1
        base.initializeJunctions = true
        var sourceOK = true
        do {
            base.sourceFactor = 0
            _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced)
        } catch is NewtonFailure { sourceOK = false }
        base.initializeJunctions = false
        // At most 1,000 source steps: a step that keeps failing and regrowing can otherwise creep
        // towards full sources for hundreds of thousands of Newton iterations (found by the
        // fuzzer: 766,000 iterations, 6 s, on a 44-unknown op-amp); pseudo-transient follows.
        var sourceSteps = 0
        while sourceOK, factor < 1 {
            sourceSteps += 1
            if sourceSteps > 1_000 { sourceOK = false; break }
            let saved = x
            let next = min(1, factor + step)
            base.sourceFactor = next
            do {
                _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced)
                factor = next
                step = min(step * 1.5, 0.5)
            } catch is NewtonFailure {
                x = saved
                step /= 4
                if step < 1e-6 { sourceOK = false }
            }
        }
        if sourceOK, factor >= 1 { return }

        // Pseudo-transient: a 1 µF... scaled capacitance on each node, backward Euler to steady state.
        x = start
        base.sourceFactor = 1
        base.initializeJunctions = true
        var h = 1e-9
        let nodeCapacitance = 1e-6
        for _ in 0..<2000 {
            let saved = x
            do {
                let iterations = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1,
                                            diagonalShunt: nodeCapacitance / h, shuntReference: saved, forcedNodes: forced)
                base.initializeJunctions = false
                var change = 0.0
                for k in 1..<x.count { change = max(change, abs(x[k] - saved[k])) }
                if change < options.vntol && h > 1 {
                    _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced)
                    return
                }
                h *= iterations < 10 ? 4 : 1.5
            } catch is NewtonFailure {
                x = saved
                h /= 8
                if h < 1e-18 { break }
            }
        }
        // Report the failure of the plain attempt, naming the worst unknown.
        x = start
        do {
            base.initializeJunctions = true
            base.sourceFactor = 1
            _ = try newton(settings: base, integration: Integration(), maximumIterations: options.itl1, forcedNodes: forced)
        } catch let failure as NewtonFailure {
            throw SimulationError(analysis: analysis, point: point,
                                  message: "operating point not found after gmin stepping, source stepping and pseudo-transient: \(failure.reason); worst at \(describeUnknown(failure.worstUnknown))")
        }
    }

    /// Currents of devices that are not solution unknowns, asked for by name in `.save`/`.print`:
    /// `i(r1)` or ngspice's `@r1[i]` (resistors, memristors, B-sources, …: every device whose
    /// contract gives a terminal current from the solution alone; not capacitors). Each entry
    /// is the vector's name, the device group and the device's name.
    func deviceCurrentOutputs() -> [(name: String, group: Int, device: String)] {
        let branches = Set(unknownNames.filter { $0.hasSuffix("#branch") }.map { String($0.dropLast(7)) })
        var out: [(String, Int, String)] = []
        for saved in circuit.saves {
            let device: String
            if saved.hasPrefix("i("), saved.hasSuffix(")") {
                device = String(saved.dropFirst(2).dropLast())
            } else if saved.hasPrefix("@"), saved.hasSuffix("[i]") {
                device = String(saved.dropFirst().dropLast(3))
            } else {
                continue
            }
            guard !device.isEmpty, !branches.contains(device), !out.contains(where: { $0.0 == saved }) else { continue }
            let group = x.withUnsafeBufferPointer { xp -> Int? in
                guard let base = xp.baseAddress else { return nil }
                return groups.firstIndex { $0.terminalCurrent(device: device, x: base) != nil }
            }
            if let group { out.append((saved, group, device)) }
        }
        return out
    }

    /// The present values of `deviceCurrentOutputs()`.
    func deviceCurrents(_ outputs: [(name: String, group: Int, device: String)]) -> [Double] {
        x.withUnsafeBufferPointer { xp in
            guard let base = xp.baseAddress else { return outputs.map { _ in .nan } }
            return outputs.map { groups[$0.group].terminalCurrent(device: $0.device, x: base) ?? .nan }
        }
    }

    /// The present solution as output values: node voltages then branch currents.
    func outputVectors() -> [(name: String, type: String, index: Int)] {
        // `.save`/`.print` restrict what is stored (ngspice semantics), which is what keeps a
        // 100 000-node transient small.
        let saved = circuit.savedVectorNames
        let all = saved.isEmpty || saved.contains("v(all)")
        var out: [(String, String, Int)] = []
        defer { _ = 0 }
        func keep(_ name: String) -> Bool { all || saved.contains(name) }
        for k in 1..<unknownNames.count {
            let name = unknownNames[k]
            if k < circuit.nodeNames.count {
                if keep("v(\(name))") { out.append(("v(\(name))", "voltage", k)) }
            } else if name.hasSuffix("#branch") {
                let n = "i(\(name.dropLast(7)))"
                if keep(n) { out.append((n, "current", k)) }
            } else if let hash = name.firstIndex(of: "#"), case .state = unknownKinds[k] {
                // Device states: `x(device)` for the first, `name(device)` for others.
                let n = "\(name[name.index(after: hash)...])(\(name[..<hash]))"
                if keep(n) { out.append((n, "voltage", k)) }
            }
        }
        return out
    }
}
