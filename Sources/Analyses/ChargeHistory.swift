/// The reactive quantities q of the last four accepted time points and dq/dt at the last one,
/// stored in buffers allocated once, with the per-step loops of the integrator written over raw
/// pointers (they run over every reactive row at every time step).
final class ChargeHistory {
    let count: Int
    /// q at t_n, t_{n-1}, t_{n-2}, t_{n-3} (rotated by pointer swaps, never copied).
    private(set) var q: [UnsafeMutablePointer<Double>]
    let qdot: UnsafeMutablePointer<Double>
    let history: UnsafeMutablePointer<Double>
    var rows: [Int32] = []
    private var isReactive: [Bool]

    init(count: Int) {
        self.count = count
        q = (0..<4).map { _ in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        qdot = .allocate(capacity: count); qdot.initialize(repeating: 0, count: count)
        history = .allocate(capacity: count); history.initialize(repeating: 0, count: count)
        isReactive = [Bool](repeating: false, count: count)
    }

    deinit {
        for p in q { p.deallocate() }
        qdot.deallocate()
        history.deallocate()
    }

    /// Sets every stored point to `values`.
    func fill(_ values: [Double]) {
        values.withUnsafeBufferPointer { v in
            for p in q { p.update(from: v.baseAddress!, count: count) }
        }
    }

    /// Marks rows with reactive content (a ∂q/∂x entry or a non-zero q) as taking part in
    /// integration and error control.
    func markReactive(jq: [Double], slotRows: [Int32]) {
        for s in 1..<jq.count where jq[s] != 0 {
            let r = Int(slotRows[s - 1])
            if !isReactive[r] { isReactive[r] = true; rows.append(Int32(r)) }
        }
        for k in 1..<count where q[0][k] != 0 && !isReactive[k] { isReactive[k] = true; rows.append(Int32(k)) }
    }

    /// history = dq/dt − a0·q for backward Euler, trapezoidal or variable-step Gear-2.
    func prepare(order: Int, gear: Bool, h: Double, hPrevious: Double) -> Double {
        let q0 = q[0], q1 = q[1]
        if order == 1 || hPrevious == 0 {
            for r in rows { let k = Int(r); history[k] = -q0[k] / h }
            return 1 / h
        }
        if gear {
            let h1 = hPrevious
            let a0 = (2 * h + h1) / (h * (h + h1))
            let a1 = -(h + h1) / (h * h1)
            let a2 = h / (h1 * (h + h1))
            for r in rows { let k = Int(r); history[k] = a1 * q0[k] + a2 * q1[k] }
            return a0
        }
        let a0 = 2 / h
        for r in rows { let k = Int(r); history[k] = -a0 * q0[k] - qdot[k] }
        return a0
    }

    /// The largest step the local truncation error allows (ngspice `CKTterr`), over all rows.
    /// `stateTolerances[k]` is the absolute tolerance of unknown k when it is a device state and
    /// negative otherwise (empty when the circuit has no states).
    func truncationStep(qNew: UnsafePointer<Double>, a0: Double, order: Int, gear: Bool, h: Double, hHistory: [Double],
                        stateTolerances: [Double], options: (reltol: Double, abstol: Double, chgtol: Double, trtol: Double)) -> Double {
        let factor: Double = order == 1 ? 0.5 : (gear ? 0.2222222222 : 0.0833333333)
        let hs0 = h, hs1 = hHistory[0], hs2 = hHistory[1]
        // Reciprocals of the divided-difference spacings, computed once per step.
        let i0 = 1 / hs0, i1 = 1 / hs1, i2 = 1 / hs2
        let i01 = 1 / (hs1 + hs0), i12 = 1 / (hs2 + hs1), i012 = 1 / (hs2 + hs1 + hs0)
        let invH = 1 / h
        let q0 = q[0], q1 = q[1], q2 = q[2]
        let reltol = options.reltol, abstol = options.abstol, chgtol = options.chgtol
        // Minimum over rows of del = trtol·tol / max(abstol, factor·|DD|); the order-th root is
        // taken once at the end.
        var minRatio = Double.infinity
        let hasStates = !stateTolerances.isEmpty
        for r in rows {
            let k = Int(r)
            let qn = qNew[k]
            let qd = a0 * qn + history[k]
            let currentTol = reltol * max(abs(qd), abs(qdot[k]))
            let chargeTol = reltol * max(max(abs(qn), abs(q0[k])), chgtol) * invH
            var tol = max(abstol + currentTol, chargeTol)
            if hasStates, case let stateTol = stateTolerances[k], stateTol >= 0 {
                // A device state: its error is judged on the state itself (RELTOL·|x| + its
                // absolute tolerance per step), not against RELTOL·|dx/dt|, which for a fast
                // switching memristor is large enough to let the state overshoot its window.
                tol = (reltol * max(abs(qn), abs(q0[k])) + stateTol) * invH
            }
            let dd: Double
            if order == 1 {
                let a = (qn - q0[k]) * i0, b = (q0[k] - q1[k]) * i1
                dd = (a - b) * i01
            } else {
                let a = (qn - q0[k]) * i0, b = (q0[k] - q1[k]) * i1, c = (q1[k] - q2[k]) * i2
                let ab = (a - b) * i01, bc = (b - c) * i12
                dd = (ab - bc) * i012
            }
            let ratio = tol / max(abstol, factor * abs(dd))
            if ratio < minRatio { minRatio = ratio }
        }
        var hNew = options.trtol * minRatio
        if order == 2 { hNew = hNew.squareRoot() }
        return hNew
    }

    /// Accepts the step: dq/dt at the new point, then the new q becomes q[0].
    func accept(qNew: UnsafePointer<Double>, a0: Double) {
        for r in rows { let k = Int(r); qdot[k] = a0 * qNew[k] + history[k] }
        let oldest = q[3]
        q[3] = q[2]; q[2] = q[1]; q[1] = q[0]; q[0] = oldest
        oldest.update(from: qNew, count: count)
    }
}
