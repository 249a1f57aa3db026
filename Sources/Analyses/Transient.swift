import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration

/// Progress of a long analysis, reported as a fraction in [0, 1].
public typealias ProgressHandler = (Double) -> Void

/// How a transient segment of a longer protocol (the cycler) starts and ends.
struct SegmentControl {
    /// Start from the present solution (states and all) instead of an operating point.
    var resume = true
    /// Added to every recorded time.
    var timeOffset = 0.0
    /// The segment ends at the first accepted point where g(x) ≥ −tolerance; a step that
    /// overshoots g > tolerance is rejected and retried to land on the crossing.
    var event: ((UnsafePointer<Double>) -> Double)?
    var eventTolerance = 1e-6
    /// Record every `recordEvery`-th accepted point (the segment's last point is always kept).
    var recordEvery = 1
}

extension BoundSystem {
    /// Transient analysis: trapezoidal or Gear-2 with order-1 starts, local-truncation-error step
    /// control (ngspice's `CKTterr` formula with TRTOL), breakpoints at source corners, Newton
    /// failure → step ÷ 8 and order 1, "timestep too small" below DELMIN = 1e-11·TMAX.
    /// Returns the plot; on failure the plot holds the points accepted so far (`isComplete` false)
    /// and the error is returned beside it.
    func transient(step tstep: Double, stop tstop: Double, start tstart: Double, maximumStep: Double?,
                   useInitialConditions uic: Bool, progress: ProgressHandler?, sampling: Double? = nil,
                   segment: SegmentControl? = nil) -> (Plot, Error?) {
        let options = circuit.options
        let n = dimension
        let outputs = outputVectors()
        let currents = deviceCurrentOutputs()
        var plot = Plot(name: "Transient Analysis", kind: "tran",
                        vectors: [OutputVector(name: "time", type: "time")] + outputs.map { OutputVector(name: $0.name, type: $0.type) }
                            + currents.map { OutputVector(name: $0.name, type: "current") },
                        isComplex: false)
        // Points are recorded into one flat buffer and split into vectors at the end.
        let outputIndices = outputs.map(\.index)
        var recorded: [Double] = []
        let timeOffset = segment?.timeOffset ?? 0
        func record(_ t: Double) {
            recorded.append(t + timeOffset)
            for k in outputIndices { recorded.append(x[k]) }
            if !currents.isEmpty { recorded.append(contentsOf: deviceCurrents(currents)) }
        }
        func finish() -> Plot {
            let width = outputIndices.count + currents.count + 1
            let count = recorded.count / width
            for j in 0..<width {
                var column = [Double](repeating: 0, count: count)
                for p in 0..<count { column[p] = recorded[p * width + j] }
                plot.vectors[j].real = column
            }
            return plot
        }
        /// The points so far on the user's output grid (tstart, tstart + TSTEP, …, and the last
        /// accepted time), linearly interpolated between accepted steps: what an interrupted run
        /// writes, instead of every internal step (a 10 ns run stepping through corners keeps
        /// millions of them).
        func finishOnGrid() -> Plot {
            let width = outputIndices.count + currents.count + 1
            let count = recorded.count / width
            guard count > 1, tstep > 0, segment == nil, sampling == nil else { return finish() }
            let last = recorded[(count - 1) * width]
            var rows: [Double] = []
            var k = 0
            var g = tstart
            var index = 0
            while g <= last + 1e-12 * max(abs(last), tstep) {
                while k + 1 < count - 1 && recorded[(k + 1) * width] < g { k += 1 }
                let t0 = recorded[k * width], t1 = recorded[(k + 1) * width]
                let w = t1 > t0 ? min(max((g - t0) / (t1 - t0), 0), 1) : 1
                rows.append(g)
                for j in 1..<width { rows.append(recorded[k * width + j] * (1 - w) + recorded[(k + 1) * width + j] * w) }
                index += 1
                g = tstart + Double(index) * tstep
            }
            if let lastGrid = rows.count >= width ? rows[rows.count - width] : nil, last - lastGrid > 1e-9 * tstep {
                rows.append(contentsOf: recorded[((count - 1) * width)..<(count * width)])
            }
            recorded = rows
            return finish()
        }

        let span = tstop - tstart
        // TMAX as ngspice, further bounded by any device's own step bound ($bound_step).
        let deviceBound = groups.compactMap(\.maximumTimeStep).min()
        let tmax = min(maximumStep ?? min(tstep, span / 50), deviceBound ?? .infinity)
        let delmin = 1e-11 * tmax
        var settings = LoadSettings(time: 0, gmin: options.gmin, temperature: loadTemperature)

        // Initial point.
        let resume = segment?.resume ?? false
        if !resume {
            for k in 0..<x.count { x[k] = 0 }
            for (k, v) in initialValues { x[k] = v }
            for (k, v) in circuit.nodesets { x[k] = v }
        }
        do {
            if resume {
                // The protocol's previous segment left a converged solution; the instrument's
                // new setpoint is met by the first Newton solve of the first step.
                settings.statesFrozen = false
                load(settings)
            } else if uic {
                for (k, v) in circuit.initialConditions { x[k] = v }
                for (name, i) in circuit.inductorInitialConditions { if let b = branches[name] { x[b] = i } }
                settings.initializeJunctions = false
                load(settings)
            } else {
                try operatingPoint(time: 0, forced: circuit.initialConditions, analysis: "transient", point: "t = 0 (initial operating point)")
            }
        } catch {
            plot.isComplete = false
            return (finish(), error)
        }
        acceptedDiscrete = discrete
        let charges = ChargeHistory(count: x.count)
        charges.fill(q)
        if uic {
            // Element IC= on capacitors sets their initial charge whatever the node voltages are.
            var q0 = q
            for (a, b, c, v) in circuit.capacitorInitialConditions {
                let dq = c * (v - (x[a] - x[b]))
                q0[a] += dq; q0[b] -= dq
            }
            q0[0] = 0
            charges.fill(q0)
        }
        var stateTolerances = [Double](repeating: -1, count: unknownKinds.count)
        for (k, kind) in unknownKinds.enumerated() { if case .state(let t) = kind { stateTolerances[k] = t } }
        if !stateTolerances.contains(where: { $0 >= 0 }) { stateTolerances = [] }
        var hHistory = [Double](repeating: 0, count: 4)            // h_n, h_{n-1}, …
        var xPrevious = x, xPrevious2 = x                             // x_{n-1}, x_{n-2}
        var sinceCorner = 0  // accepted steps since the last breakpoint (the predictor's history is smooth)
        var t = 0.0
        if tstart == 0 && (!uic || resume) { record(0) }  // ngspice writes no t = 0 point for uic runs
        var eventPrevious = -Double.infinity
        if let g = segment?.event {
            eventPrevious = x.withUnsafeBufferPointer { g($0.baseAddress!) }
            if eventPrevious >= -(segment?.eventTolerance ?? 0) { return (finish(), nil) }
        }
        var eventRetries = 0, sinceRecord = 0

        // Breakpoints, fetched window by window, kept in descending order so that the next one is
        // `last` and passing it is O(1) (a fast PULSE over a long run has millions of corners).
        var breakpoints: [Double] = []
        var fetchedUntil = 0.0
        let windowLimit = max(options.breakpointWindow, 2)
        // Fetching starts at t = 0 (not at tstart). The window starts tiny and grows fourfold
        // while it holds few corners (at most tstop/20), and shrinks when it overflows: a device
        // lists every corner in the window it is asked for, so a 100 ns PULSE over a 1,000 s run
        // must never be asked for tstop/20 at once (found by the fuzzer: 3 GB).
        var window = tstop * 1e-9
        func refill() {
            // Fetch the next window of breakpoints until one lies ahead (tstop is always one).
            while breakpoints.isEmpty, fetchedUntil < tstop {
                let to = min(tstop, fetchedUntil + window)
                var list: [Double] = []
                for g in groups { g.breakpoints(from: fetchedUntil, to: to, into: &list) }
                if to >= tstop { list.append(tstop) }
                var ahead = list.filter { $0 > t + delmin && $0 <= tstop }
                ahead.sort()
                var unique: [Double] = []
                unique.reserveCapacity(min(ahead.count, windowLimit))
                for b in ahead where unique.last != b {
                    unique.append(b)
                    if unique.count == windowLimit { break }
                }
                fetchedUntil = to
                if unique.count == windowLimit, let last = unique.last, last < to {
                    // Keep a bounded window (the rest is fetched again from its last corner on)
                    // and fetch narrower windows from now on.
                    fetchedUntil = last
                    window = max(window * Double(windowLimit) / Double(2 * ahead.count), tstop * 1e-15)
                } else if ahead.count < windowLimit / 4 {
                    window = min(window * 4, tstop / 20)
                }
                breakpoints = unique.reversed()
            }
        }
        refill()

        var h = min(tstop / 100, tstep) / 10
        h = min(h, tmax)
        var order = 1
        var accepted = 0
        var tooSmallCount = 0
        var lastProgress = 0.0
        charges.markReactive(jq: jq, slotRows: slotRows)
        var firstAfterBreakpoint = true

        while t < tstop * (1 - 1e-12) && tstop - t > delmin {
            // Checked before every attempt, accepted or not: a run stuck in rejected steps still
            // answers Ctrl-C at once.
            if Interruption.isRequested {
                plot.isComplete = false
                return (finishOnGrid(), SimulationError(analysis: "transient", point: "t = \(t + timeOffset)", message: "interrupted (results so far are kept)"))
            }
            // Drop passed breakpoints; clip the step to land on the next one.
            while let b = breakpoints.last, b <= t + delmin { breakpoints.removeLast(); if breakpoints.isEmpty { refill() } }
            if breakpoints.isEmpty { refill() }
            let nextBreak = breakpoints.last ?? tstop
            if firstAfterBreakpoint {
                order = 1
                // ngspice (dctran.c): the first step after a breakpoint is a tenth of the smaller
                // of the present step and the gap to the next breakpoint.
                h = 0.1 * min(h, max(nextBreak - t, delmin * 10))
            }
            h = min(h, tmax)
            var landsOnBreak = false
            if t + h >= nextBreak - delmin { h = nextBreak - t; landsOnBreak = true }
            else if t + 2 * h > nextBreak { h = (nextBreak - t) / 2 }  // avoid a sliver before the breakpoint
            // A sampling grid (FFT impedance spectroscopy): steps end exactly on every grid point,
            // without the order-1 restart of a breakpoint, so no interpolation touches the samples.
            var landsOnSample = false
            if let dt = sampling {
                let nextSample = ((t / dt + 1e-6).rounded(.down) + 1) * dt
                if t + h >= nextSample - delmin { h = nextSample - t; landsOnSample = true; landsOnBreak = landsOnBreak && abs(nextBreak - nextSample) <= delmin }
            }

            // Integration coefficients: dq/dt ≈ a0·q + history.
            let hPrev = hHistory[0]
            let useGear = options.method == .gear
            let a0 = charges.prepare(order: order, gear: useGear, h: h, hPrevious: hPrev)
            let history = charges.history
            // Predictor: quadratic extrapolation through the last three points where they lie on one
            // smooth stretch of the waveform (no breakpoint between them), linear through two after a
            // corner. A prediction inside Newton's tolerance converges in one iteration.
            let xStart = x
            if accepted > 0, hPrev > 0 {
                let r = h / hPrev
                let h2 = hHistory[1]
                if sinceCorner >= 2, h2 > 0 {
                    let cn = (h + hPrev) * (h + hPrev + h2) / (hPrev * (hPrev + h2))
                    let c1 = -h * (h + hPrev + h2) / (hPrev * h2)
                    let c2 = h * (h + hPrev) / ((hPrev + h2) * h2)
                    x.withUnsafeMutableBufferPointer { xp in
                        xStart.withUnsafeBufferPointer { s in
                            xPrevious.withUnsafeBufferPointer { p in
                                xPrevious2.withUnsafeBufferPointer { p2 in
                                    for k in 1..<xp.count { xp[k] = cn * s[k] + c1 * p[k] + c2 * p2[k] }
                                }
                            }
                        }
                    }
                } else {
                    x.withUnsafeMutableBufferPointer { xp in
                        xStart.withUnsafeBufferPointer { s in
                            xPrevious.withUnsafeBufferPointer { p in
                                for k in 1..<xp.count { xp[k] = s[k] + r * (s[k] - p[k]) }
                            }
                        }
                    }
                }
            }
            settings.time = t + h
            settings.initializeJunctions = false
            settings.statesFrozen = false
            do {
                _ = try newton(settings: settings, integration: Integration(a0: a0, history: history), maximumIterations: options.itl4, allowChord: true)
            } catch let failure as NewtonFailure {
                x = xStart
                discrete = acceptedDiscrete
                h /= 8
                order = 1
                statistics.rejectedSteps += 1
                if h < delmin {
                    tooSmallCount += 1
                    if tooSmallCount >= 2 {
                        plot.isComplete = false
                        return (finish(), SimulationError(analysis: "transient", point: "t = \(t)",
                                                      message: "timestep too small (\(h) s): \(failure.reason); trouble at \(describeUnknown(failure.worstUnknown))"))
                    }
                    h = delmin
                }
                firstAfterBreakpoint = false
                continue
            } catch {
                plot.isComplete = false
                return (finish(), error)
            }
            tooSmallCount = 0
            if !isLinear { charges.markReactive(jq: jq, slotRows: slotRows) }

            // Local truncation error (ngspice CKTterr), per reactive row.
            var hNew = 2 * h
            let haveHistory = accepted >= order  // need order+2 points
            if haveHistory {
                let limit = q.withUnsafeBufferPointer { qp in
                    charges.truncationStep(qNew: qp.baseAddress!, a0: a0, order: order, gear: useGear, h: h, hHistory: hHistory,
                                           stateTolerances: stateTolerances, options: (options.reltol, options.abstol, options.chgtol, options.trtol))
                }
                hNew = min(hNew, limit)
            }
            if haveHistory && hNew < 0.9 * h && h > delmin * 2 {
                // Reject: redo from t with the step the error estimate allows.
                x = xStart
                discrete = acceptedDiscrete
                statistics.rejectedSteps += 1
                h = max(hNew, delmin)
                if order == 2 { order = 2 }
                continue
            }

            // Event location: a step that overshoots the protocol's limit is redone shorter,
            // aiming at the crossing by linear interpolation of g.
            var eventReached = false
            if let control = segment, let g = control.event {
                let value = x.withUnsafeBufferPointer { g($0.baseAddress!) }
                if value > control.eventTolerance && eventPrevious < 0 && eventRetries < 30 && h > 4 * delmin {
                    x = xStart
                    discrete = acceptedDiscrete
                    eventRetries += 1
                    let fraction = -eventPrevious / (value - eventPrevious)
                    h = max(delmin * 2, h * min(0.999, max(0.05, fraction * (eventRetries > 3 ? 1.0 : 1.02))))
                    firstAfterBreakpoint = false
                    if eventRetries > 8 { h = max(delmin * 2, h * 0.5) }
                    continue
                }
                eventReached = value >= -control.eventTolerance
                eventPrevious = value
                eventRetries = 0
            }

            // Accept.
            accepted += 1
            statistics.acceptedSteps += 1
            q.withUnsafeBufferPointer { qp in charges.accept(qNew: qp.baseAddress!, a0: a0) }
            hHistory[3] = hHistory[2]; hHistory[2] = hHistory[1]; hHistory[1] = hHistory[0]; hHistory[0] = h
            swap(&xPrevious, &xPrevious2)
            xPrevious = xStart
            sinceCorner = landsOnBreak ? 0 : sinceCorner + 1
            acceptedDiscrete = discrete
            t = landsOnBreak ? nextBreak : t + h
            if let dt = sampling {
                if landsOnSample { t = ((t / dt).rounded()) * dt; record(t) }
            } else if t >= tstart - delmin * 0.5 {
                sinceRecord += 1
                if sinceRecord >= (segment?.recordEvery ?? 1) || eventReached || t >= tstop * (1 - 1e-12) { record(t); sinceRecord = 0 }
            }
            if eventReached { break }
            if let p = progress, t / tstop - lastProgress > 0.005 { lastProgress = t / tstop; p(lastProgress) }
            firstAfterBreakpoint = landsOnBreak
            if landsOnBreak { breakpoints.removeLast(); if breakpoints.isEmpty { refill() } }
            if !landsOnBreak && options.maxord >= 2 { order = 2 }
            h = min(hNew, 2 * h, tmax)
            if !haveHistory { h = min(2 * hHistory[0], tmax) }
        }
        progress?(1)
        _ = n
        return (finish(), nil)
    }
}
