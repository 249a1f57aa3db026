import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration
import Analyses
import Memristors

/// A crossbar bound once to the solver with every line driven, so that successive operations
/// (write pulses, verify reads) only change source values, gate voltages and held memristor
/// states: one sparse symbolic analysis for the whole programming run, a numeric refactor per
/// operating point. Not thread-safe (owns the solver).
public final class CrossbarSession {
    public let array: CrossbarArray
    let system: BoundSystem
    let sources: Devices<VoltageSource>
    let memristors: Devices<Memristor>?
    let access: Devices<AccessElement>?
    /// Row-major cell index → index in `memristors` (nil for stuck cells).
    let memristorIndex: [Int?]
    /// Present state of every cell (row-major; stuck cells keep 0).
    public private(set) var states: [Double]
    /// Operating points solved so far.
    public private(set) var operatingPoints = 0

    public init(array: CrossbarArray) throws {
        self.array = array
        let zeroBias = CrossbarArray.Bias(rows: [SourceSpecification?](repeating: .constant(0), count: array.rows),
                                          columns: [Double?](repeating: 0, count: array.columns),
                                          gates: [Double](repeating: array.gateOn, count: array.rows))
        let circuit = try array.circuit(bias: zeroBias)
        system = try BoundSystem(circuit: circuit, copyDevices: false)
        // Between operating points only a few cells' states change: chord Newton on the previous
        // factorisation converges in a few solves instead of a refactor per iteration.
        system.reuseFactorisationInOperatingPoint = true
        system.chordAgeLimit = 1000
        guard let s = circuit.groups.compactMap({ $0 as? Devices<VoltageSource> }).first else {
            throw SimulationError(analysis: "crossbar", point: "", message: "no line drivers")
        }
        sources = s
        memristors = circuit.groups.compactMap { $0 as? Devices<Memristor> }.first
        access = circuit.groups.compactMap { $0 as? Devices<AccessElement> }.first
        var index = [Int?](repeating: nil, count: array.rows * array.columns)
        var next = 0
        var initial = [Double](repeating: 0, count: array.rows * array.columns)
        switch array.cells {
        case .conductances: break
        case .memristors(_, let st), .memristorArray(_, let st):
            for k in 0..<(array.rows * array.columns) where array.faults[k] == nil { index[k] = next; next += 1; initial[k] = st[k] }
        }
        memristorIndex = index
        states = initial
    }

    /// Sets row driver voltages (sources 0..<rows), column sense voltages (rows..<rows+columns)
    /// and gates, holds the present states, and solves the operating point.
    func solve(rows rowVoltages: [Double], columns columnVoltages: [Double], gates: [Double]) throws -> [Double] {
        for i in 0..<array.rows { sources.devices[i].source.dc = rowVoltages[i] }
        for j in 0..<array.columns { sources.devices[array.rows + j].source.dc = columnVoltages[j] }
        if let access { for k in access.devices.indices { access.devices[k].gate = gates[k / array.columns] } }
        if let memristors {
            for (k, m) in memristorIndex.enumerated() {
                guard let m else { continue }
                memristors.devices[m].hold(state: states[k])
                // Start Newton at the held state: a large state jump taken as a Newton step would
                // be linearised through the stale Jacobian and force a refactor.
                system.setUnknown(memristors.devices[m].stateIndex, states[k])
            }
        }
        try system.solveOperatingPoint()
        operatingPoints += 1
        return system.solution
    }

    /// Voltage across the memristor (or resistor) of cell k in solution x.
    func cellVoltage(_ x: [Double], _ k: Int) -> Double {
        let i = k / array.columns, j = k % array.columns
        let top = array.hasAccess ? array.middleNode(i, j) : array.bitNode(i, j)
        return x[array.wordNode(i, j)] - x[top]
    }

    /// Power delivered by every driver (W) in solution x.
    func power(_ x: [Double], rows rowVoltages: [Double], columns columnVoltages: [Double]) -> Double {
        var p = 0.0
        for i in 0..<array.rows { p += rowVoltages[i] * (rowVoltages[i] - x[array.wordNode(i, 0)]) / max(array.driverResistance, 1e-9) }
        for j in 0..<array.columns { p += columnVoltages[j] * (columnVoltages[j] - x[array.bitNode(array.rows - 1, j)]) / array.senseResistance }
        return p
    }

    /// Column current (A) into sense amplifier j in solution x.
    func columnCurrent(_ x: [Double], _ j: Int) -> Double {
        (x[array.bitNode(array.rows - 1, j)] - x[array.senseNode(j)]) / array.senseResistance
    }

    /// Moves every cell's state on by `duration` at the cell voltages of solution x (write pulse,
    /// quasi-static). `c2c` multiplies each cell's change by a cycle-to-cycle factor.
    func advance(_ x: [Double], duration: Double, c2c: (Int) -> Double) {
        guard let memristors else { return }
        for (k, m) in memristorIndex.enumerated() {
            guard let m else { continue }
            let model = memristors.devices[m].model
            let v = cellVoltage(x, k)
            let next = model.advance(state: states[k], voltage: v, duration: duration)
            states[k] += (next - states[k]) * c2c(k)
        }
    }
}

extension CrossbarArray {
    /// How unselected lines are biased while one cell is written (Chen, IEEE TED 2013): V/2 puts
    /// V_w/2 on every unselected row and column (half-selected cells see V_w/2, the rest 0);
    /// V/3 puts V_w/3 on unselected rows and 2V_w/3 on unselected columns (half-selected cells see
    /// V_w/3, every unselected cell −V_w/3).
    public enum WriteScheme: String, Sendable, CaseIterable {
        case halfBias = "v/2"
        case thirdBias = "v/3"
    }

    /// Write-verify settings. Voltages in V, times in s, conductances in S.
    public struct ProgrammingSettings: Sendable {
        public var scheme = WriteScheme.halfBias
        /// Defaults suit the LLZO filament: its Butler–Volmer tip kinetics are so non-linear that
        /// a short pulse at 0.8 V disturbs half-selected cells far less than a long one at 0.5 V.
        public var setVoltage = 0.8
        public var resetVoltage = -0.8
        /// Verify read: selected row at `readVoltage`, every other line grounded (no sneak bias).
        public var readVoltage = 0.1
        public var readTime = 100e-9
        public var minimumPulse = 1e-9
        public var maximumPulse = 1e-3
        /// Accept when |G − G*| ≤ tolerance·G*.
        public var tolerance = 0.05
        public var maximumPulses = 20
        /// When a pulse of the minimum length overshoots the target (the cell switches faster than
        /// the shortest pulse allowed at this amplitude, so write-verify would only ping-pong), the
        /// amplitude of that polarity is multiplied by this factor for the cell's later pulses, down
        /// to `minimumAmplitudeFraction` of the nominal voltage (step-down, as ISPP steps up).
        public var amplitudeStep = 0.8
        public var minimumAmplitudeFraction = 0.25
        /// Passes over the array: the second and later re-verify every cell and re-program the
        /// ones that later writes disturbed out of tolerance.
        public var passes = 1
        /// Cycle-to-cycle variability: each pulse's state change is scaled by a lognormal factor.
        public var cycleToCycleSigma = 0.0
        public var seed: UInt64 = 1
        public init() {}
    }

    /// The outcome of programming a target conductance matrix (row-major, S).
    public struct ProgrammingResult: Sendable {
        public var targets: [Double]
        /// Conductance read by the last verify of each cell, and at the end of the whole run.
        public var verified: [Double]
        public var final: [Double]
        public var pulses: [Int]
        public var converged: [Bool]
        /// Relative conductance change of each cell between its own last verify and the end of
        /// the run: the half-select disturb from programming the cells after it.
        public var disturb: [Double]
        /// Energy drawn from all drivers (J) per cell, and time spent (s) per cell, pulses and reads.
        public var energy: [Double]
        public var latency: [Double]
        public var finalStates: [Double]
        public var operatingPoints: Int
        /// Final write amplitudes of each cell as fractions of the nominal SET and RESET voltages
        /// (below 1 where minimum-length pulses overshot).
        public var setAmplitude: [Double]
        public var resetAmplitude: [Double]
    }

    /// Programs every cell towards `targets` with write-verify pulses, cell by cell in row-major
    /// order, under the chosen half-select scheme. Each pulse: an operating point under the write
    /// bias gives every cell's voltage; every cell's state then moves for the pulse length at that
    /// voltage (so half-selected cells are disturbed as they would be); a verify read follows. The
    /// first pulse length comes from the selected cell's own state equation at its voltage, later
    /// ones are halved when the direction flips.
    public func program(targets: [Double], settings s: ProgrammingSettings = ProgrammingSettings(),
                        progress: ((Double) -> Void)? = nil) throws -> ProgrammingResult {
        let n = rows * columns
        guard targets.count == n else { throw InputError(.commandLine, "\(targets.count) targets for a \(rows)×\(columns) array") }
        guard targets.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw InputError(.commandLine, "target conductances must be positive") }
        guard s.setVoltage > 0, s.resetVoltage < 0, s.readVoltage > 0 else {
            throw InputError(.commandLine, "programming needs SET > 0 V, RESET < 0 V and a positive read voltage")
        }
        guard s.tolerance > 0, s.cycleToCycleSigma >= 0, s.minimumPulse > 0, s.maximumPulse >= s.minimumPulse, s.readTime >= 0 else {
            throw InputError(.commandLine, "programming needs a positive tolerance and minimum pulse, maximum ≥ minimum pulse, σ_c2c ≥ 0")
        }
        guard s.amplitudeStep > 0, s.amplitudeStep <= 1, s.minimumAmplitudeFraction > 0, s.minimumAmplitudeFraction <= 1 else {
            throw InputError(.commandLine, "the write-amplitude step and its floor must lie in (0, 1]")
        }
        let session = try CrossbarSession(array: self)
        var rng = SplitMix64(seed: s.seed)
        var verified = [Double](repeating: 0, count: n), pulses = [Int](repeating: 0, count: n)
        var converged = [Bool](repeating: false, count: n)
        var energy = [Double](repeating: 0, count: n), latency = [Double](repeating: 0, count: n)
        var afterOwn = [Double](repeating: 0, count: n)
        var setAmplitude = [Double](repeating: 1, count: n), resetAmplitude = [Double](repeating: 1, count: n)
        let gates = { (row: Int) -> [Double] in
            (0..<self.rows).map { $0 == row ? self.gateOn : (self.access.transistorGateOff ?? self.gateOn) }
        }

        func verify(_ k: Int) throws -> Double {
            let i = k / columns, j = k % columns
            var r = [Double](repeating: 0, count: rows); r[i] = s.readVoltage
            let c = [Double](repeating: 0, count: columns)
            let x = try session.solve(rows: r, columns: c, gates: gates(i))
            energy[k] += session.power(x, rows: r, columns: c) * s.readTime
            latency[k] += s.readTime
            return session.columnCurrent(x, j) / s.readVoltage
        }

        func writeBias(_ k: Int, _ v: Double) -> ([Double], [Double]) {
            let i = k / columns, j = k % columns
            var r: [Double], c: [Double]
            switch s.scheme {
            case .halfBias:
                r = [Double](repeating: v / 2, count: rows); c = [Double](repeating: v / 2, count: columns)
            case .thirdBias:
                r = [Double](repeating: v / 3, count: rows); c = [Double](repeating: 2 * v / 3, count: columns)
            }
            r[i] = v; c[j] = 0
            return (r, c)
        }

        for pass in 0..<max(1, s.passes) {
        for k in 0..<n {
            progress?((Double(pass) + Double(k) / Double(n)) / Double(max(1, s.passes)))
            if Interruption.isRequested { throw SimulationError(analysis: "crossbar", point: "cell \(k)", message: "interrupted") }
            guard session.memristorIndex[k] != nil, let model = self.model(at: k) else {
                verified[k] = try verify(k)   // a stuck cell: read, never converges
                continue
            }
            let target = targets[k]
            var g = try verify(k)
            var lastDirection = 0
            var width = 0.0
            var lastWasShortest = false
            var pulsesThisPass = 0
            while abs(g - target) > s.tolerance * target && pulsesThisPass < s.maximumPulses {
                pulsesThisPass += 1
                let direction = g < target ? 1 : -1
                // A flip right after a shortest pulse: that pulse overshot however short it was,
                // so its polarity's amplitude steps down; halving the width would change nothing.
                let overshotAtShortest = lastDirection != 0 && direction != lastDirection && lastWasShortest
                if overshotAtShortest {
                    if lastDirection > 0 { setAmplitude[k] = max(setAmplitude[k] * s.amplitudeStep, s.minimumAmplitudeFraction) }
                    else { resetAmplitude[k] = max(resetAmplitude[k] * s.amplitudeStep, s.minimumAmplitudeFraction) }
                }
                let v = direction > 0 ? s.setVoltage * setAmplitude[k] : s.resetVoltage * resetAmplitude[k]
                let (r, c) = writeBias(k, v)
                let x = try session.solve(rows: r, columns: c, gates: gates(k / columns))
                let vCell = session.cellVoltage(x, k)
                if lastDirection == 0 || direction == lastDirection || overshotAtShortest {
                    // The verify read sees the cell through the lines (IR drop, the access
                    // device), so ask the device for the ratio the read asks for.
                    let device = model.conductance(state: session.states[k], readVoltage: s.readVoltage)
                    let estimate = model.timeToReach(conductance: device * target / g, from: session.states[k], voltage: vCell,
                                                     readVoltage: s.readVoltage, maximum: s.maximumPulse)
                    width = estimate ?? s.maximumPulse
                    if lastDirection != 0 { width = max(width, s.minimumPulse) }
                } else {
                    width /= 2
                }
                width = min(max(width, s.minimumPulse), s.maximumPulse)
                lastWasShortest = width <= s.minimumPulse
                let sigma = s.cycleToCycleSigma
                let factors = sigma > 0 ? (0..<n).map { _ in exp(sigma * rng.nextGaussian()) } : []
                session.advance(x, duration: width, c2c: { sigma > 0 ? factors[$0] : 1 })
                energy[k] += session.power(x, rows: r, columns: c) * width
                latency[k] += width
                pulses[k] += 1
                lastDirection = direction
                g = try verify(k)
            }
            verified[k] = g
            converged[k] = abs(g - target) <= s.tolerance * target
            afterOwn[k] = model.conductance(state: session.states[k], readVoltage: s.readVoltage)
        }
        }
        progress?(1)
        let finalG = cellConductances(states: session.states).enumerated().map { k, g -> Double in
            // The small-signal value at the read voltage, as the verify reads measure it.
            if faults[k] == nil, let m = model(at: k) { return m.conductance(state: session.states[k], readVoltage: s.readVoltage) }
            return g
        }
        // Disturb: the device's conductance at the end against right after its own programming.
        let disturb = (0..<n).map { k in afterOwn[k] > 0 ? finalG[k] / afterOwn[k] - 1 : 0 }
        return ProgrammingResult(targets: targets, verified: verified, final: finalG, pulses: pulses, converged: converged,
                                 disturb: disturb, energy: energy, latency: latency, finalStates: session.states,
                                 operatingPoints: session.operatingPoints, setAmplitude: setAmplitude, resetAmplitude: resetAmplitude)
    }
}

extension AccessDevice {
    /// Gate voltage of unselected rows for a 1T1R array; nil otherwise.
    var transistorGateOff: Double? { if case .transistor(let t) = self { return t.gateOff } else { return nil } }
}

extension CrossbarArray {
    /// The same array (wires, access devices, faults, per-cell models) with memristor states
    /// `states`, e.g. the `finalStates` of a programming run, ready for a read or VMM.
    public func withStates(_ states: [Double]) -> CrossbarArray {
        var a = self
        switch cells {
        case .conductances: break
        case .memristors(let m, _): a.cells = .memristors(m, initialStates: states)
        case .memristorArray(let ms, _): a.cells = .memristorArray(ms, initialStates: states)
        }
        return a
    }

    /// Vector-matrix multiply error of the array against the ideal product with `weights`
    /// (conductances, S): column currents at row voltages `inputs`, relative to the largest ideal
    /// column current (rms and max).
    public func vmmError(weights: [Double], inputs: [Double]) throws -> (rms: Double, max: Double, read: Read) {
        guard weights.count == rows * columns, inputs.count == rows else {
            throw InputError(.commandLine, "\(weights.count) weights and \(inputs.count) inputs for a \(rows)×\(columns) array")
        }
        let r = try read(inputs: inputs)
        var ideal = [Double](repeating: 0, count: columns)
        for k in 0..<(rows * columns) { ideal[k % columns] += weights[k] * inputs[k / columns] }
        let scale = max(ideal.map(abs).max() ?? 0, 1e-300)
        let e = zip(r.currents, ideal).map { ($0 - $1) / scale }
        return ((e.map { $0 * $0 }.reduce(0, +) / Double(max(columns, 1))).squareRoot(), e.map(abs).max() ?? 0, r)
    }
}
