import FoundationEssentials
import Glibc
import LithicCore
import Devices
import Elaboration
import SparseLinear

/// How the reactive part q(x) enters the residual: not at all (DC), or through an integration
/// formula dq/dt ≈ a0·q + history (transient).
struct Integration {
    var a0 = 0.0
    /// history[i] is added to a0·q[i] to form dq/dt for row i.
    var history: UnsafeMutablePointer<Double>? = nil
}

/// Outcome of a Newton solve that did not converge.
struct NewtonFailure: Error {
    var reason: String
    var worstUnknown: Int
}

extension BoundSystem {
    /// Newton-Raphson on F(x) = f(x) + dq/dt(x) (+ shunts) = 0, starting from `x`.
    ///
    /// Converged when every update satisfies |Δx| ≤ RELTOL·max(|x|,|x+Δx|) + tol(kind), with
    /// tol = VNTOL for node voltages, ABSTOL for branch currents and the device's own tolerance for
    /// state unknowns, and no device limited its step in the last evaluation (a limited step is
    /// never "converged"). The final iterate is loaded once more so f and q match it exactly.
    /// One more way to converge: once the updates stop shrinking (from the fourth iteration on),
    /// an iterate whose residual is within rounding of its own terms in every row is accepted
    /// (`residualIsRoundoff`); further steps would only move it by rounding noise.
    func newton(settings: LoadSettings, integration: Integration, maximumIterations: Int,
                diagonalShunt: Double = 0, shuntReference: [Double]? = nil, forcedNodes: [Int: Double] = [:],
                allowChord: Bool = false) throws -> Int {
        let options = circuit.options
        let n = dimension
        var s = settings
        var lastWorst = 1
        var previousWorst = Double.infinity
        var contracting = true
        for iteration in 0..<maximumIterations {
            statistics.newtonIterations += 1
            s.initializeJunctions = settings.initializeJunctions && iteration == 0
            let limited = (isLinear && iteration > 0) ? 0 : load(s)
            // Chord iterations: in transient, keep the last factorisation while it was made with
            // the same integration coefficient, is young, and the updates keep shrinking fast.
            let chord = allowChord && !isLinear && contracting && factorAge < chordAgeLimit && factoredA0 == integration.a0
                && diagonalShunt == 0 && forcedNodes.isEmpty && limited == 0
            // Where refactoring is expensive, a step the chord may not take is first tried by GMRES
            // on the stale factorisation (a full Newton step without refactoring).
            let useKrylov = allowChord && !chord && !isLinear && diagonalShunt == 0 && forcedNodes.isEmpty
                && solver.hasFactorization && solver.refactorToSolveCost >= options.krylovCostRatio
                && krylovDebt < solver.refactorToSolveCost
            // Stalled above the update tolerance: when the residual at this iterate is at the level
            // of the rounding in its own terms, no Newton step can improve it (the updates are then
            // rounding noise: a period-2 dance of ±2e-12 A was seen on a 500 F ladder at 3 µs
            // steps with RELTOL 1e-5); the iterate is accepted as converged.
            if !contracting, iteration >= 3, limited == 0, !s.initializeJunctions, diagonalShunt == 0, forcedNodes.isEmpty,
               residualIsRoundoff(integration: integration) {
                statistics.roundoffConvergences += 1
                return iteration
            }
            try assembleAndSolve(integration: integration, diagonalShunt: diagonalShunt, shuntReference: shuntReference,
                                 forcedNodes: forcedNodes, chord: chord, krylov: useKrylov)
            // rhs now holds Δx (matrix index k−1 ↔ unknown k).
            var converged = limited == 0 && !s.initializeJunctions
            var worst = 0.0
            var badUnknown = 0
            let reltol = options.reltol, vntol = options.vntol, abstol = options.abstol
            x.withUnsafeMutableBufferPointer { xp in
                rhs.withUnsafeBufferPointer { dxp in
                    unknownKinds.withUnsafeBufferPointer { kinds in
                        for k in 1..<(n + 1) {
                            let dx = dxp[k - 1]
                            let old = xp[k]
                            let new = old + dx
                            if !dx.isFinite { badUnknown = k; converged = false; break }
                            let tol: Double
                            switch kinds[k] {
                            case .voltage: tol = vntol
                            case .current: tol = abstol
                            case .state(let t): tol = t
                            }
                            let bound = reltol * max(abs(old), abs(new)) + tol
                            if abs(dx) > bound {
                                converged = false
                                let ratio = abs(dx) / bound
                                if ratio > worst { worst = ratio; lastWorst = k }
                            }
                            xp[k] = new
                        }
                    }
                }
            }
            if badUnknown != 0 {
                throw NewtonFailure(reason: "the solution became NaN or infinite", worstUnknown: badUnknown)
            }
            contracting = worst < 0.25 * previousWorst || worst <= 1
            previousWorst = worst
            if isLinear {
                // A linear system is solved exactly by one step; f and q at the new point follow
                // from the Jacobians without evaluating the devices again.
                updateLinear()
                return iteration + 1
            }
            if converged {
                if allowChord {
                    // Transient: f and q at the accepted iterate from the Jacobians of the last
                    // evaluation (error O(Δx²) with Δx inside tolerance; SPICE keeps the charges of
                    // the previous iterate, an O(Δx) error) instead of evaluating every device again.
                    updateLinear()
                } else {
                    s.initializeJunctions = false
                    load(s)
                }
                return iteration + 1
            }
        }
        throw NewtonFailure(reason: "no convergence in \(maximumIterations) Newton iterations", worstUnknown: lastWorst)
    }

    /// Whether the residual F(x) = f + a0·q + history at the loaded iterate is within rounding of
    /// its own terms in every row: |F_i| ≤ κ·ε·(Σ_j |J_ij·x_j| + |a0·q_i| + |history_i| + |f_i|), κ = 64
    /// (a backward-error test: x solves equations perturbed by a few dozen ulps of their terms).
    func residualIsRoundoff(integration: Integration) -> Bool {
        let n = dimension
        guard n > 0 else { return false }
        let a0 = integration.a0
        var scale = [Double](repeating: 0, count: n + 1)
        for s in 1..<jf.count {
            let row = Int(slotRows[s - 1]), column = Int(slotColumns[s - 1])
            guard row > 0, row <= n, column > 0, column <= n else { continue }
            scale[row] += (abs(jf[s]) + abs(a0 * jq[s])) * abs(x[column])
        }
        let kappa = 64 * Double.ulpOfOne
        for k in 1...n {
            var residual = f[k]
            var magnitude = scale[k] + abs(f[k])
            if let h = integration.history {
                residual += a0 * q[k] + h[k]
                magnitude += abs(a0 * q[k]) + abs(h[k])
            }
            guard residual.isFinite, abs(residual) <= kappa * magnitude else { return false }
        }
        return true
    }

    /// Forms J = ∂f/∂x + a0·∂q/∂x and −F, factors, and solves; Δx is left in `rhs`.
    func assembleAndSolve(integration: Integration, diagonalShunt: Double, shuntReference: [Double]?, forcedNodes: [Int: Double], chord: Bool = false, krylov: Bool = false) throws {
        let n = dimension
        guard n > 0 else { return }
        let a0 = integration.a0
        let position = pattern.position
        let slots = jf.count
        let reuse = chord || (isLinear && forcedNodes.isEmpty && linearFactorKey.map { $0.a0 == a0 && $0.shunt == diagonalShunt } == true)
        if !reuse {
            matrixValues.withUnsafeMutableBufferPointer { m in
                m.update(repeating: 0)
                jf.withUnsafeBufferPointer { jfp in
                    jq.withUnsafeBufferPointer { jqp in
                        position.withUnsafeBufferPointer { pos in
                            if a0 != 0 {
                                for s in 1..<slots { m[pos[s]] += jfp[s] + a0 * jqp[s] }
                            } else {
                                for s in 1..<slots { m[pos[s]] += jfp[s] }
                            }
                        }
                    }
                }
            }
        }
        rhs.withUnsafeMutableBufferPointer { r in
            f.withUnsafeBufferPointer { fp in
                for k in 1...n { r[k - 1] = -fp[k] }
                if let h = integration.history {
                    q.withUnsafeBufferPointer { qp in
                        for k in 1...n { r[k - 1] -= a0 * qp[k] + h[k] }
                    }
                }
            }
        }
        if diagonalShunt > 0, !reuse {
            for k in 1...n {
                if case .voltage = unknownKinds[k] {
                    matrixValues[position[diagonalSlot[k]]] += diagonalShunt
                }
            }
        }
        if diagonalShunt > 0 {
            for k in 1...n {
                if case .voltage = unknownKinds[k] {
                    rhs[k - 1] -= diagonalShunt * (x[k] - (shuntReference?[k] ?? 0))
                }
            }
        }
        for (k, v) in forcedNodes {
            let g = 1e10
            matrixValues[position[diagonalSlot[k]]] += g
            rhs[k - 1] -= g * (x[k] - v)
        }
        do {
            if krylov && !reuse, try solveByKrylov() {
                factorAge += 1
                return
            }
            if !reuse {
                linearFactorKey = nil
                try solver.factor(&matrixValues)
                factoredA0 = a0
                factorAge = 0
                krylovDebt = 0
                if isLinear && forcedNodes.isEmpty { linearFactorKey = (a0, diagonalShunt) }
            }
            if reuse { factorAge += 1 }
            try solver.solve(&rhs)
        } catch LinearSolverFailure.singular(let column) {
            let k = (column ?? -1) + 1
            throw NewtonFailure(reason: "singular matrix at \(describeUnknown(k)) (a floating node, a loop of voltage sources or inductors, or a cut-set of current sources)", worstUnknown: k)
        }
        statistics.fullFactorizations = solver.fullFactorizations
        statistics.refactorizations = solver.refactorizations
    }
}

extension BoundSystem {
    /// Solves J·Δx = rhs (J assembled in `matrixValues`) by GMRES right-preconditioned with the
    /// present, older factorisation. The residual is weighted per row so that it reads as update
    /// errors in units of each unknown's Newton tolerance and must fall below a tenth of one (or
    /// by 10⁻⁴ relative while far from convergence), so a converged Newton test on the result
    /// means the same as with a direct solve. Returns false (rhs
    /// untouched) when GMRES does not get there within its budget, which is half the measured
    /// cost of a refactorisation in solves (3…20 iterations).
    func solveByKrylov() throws -> Bool {
        let n = dimension
        guard n > 0, matrixValues.count > 0 else { return false }
        if krylov == nil {
            let budget = min(20, max(3, Int(solver.refactorToSolveCost / 2)))
            krylov = PreconditionedGMRES(dimension: n, maximumIterations: budget)
            krylovWeights = [Double](repeating: 1, count: n)
            krylovProduct = [Double](repeating: 0, count: n)
        }
        guard let gmres = krylov else { return false }
        let options = circuit.options
        // Row weights: a residual r_k means an update error of about r_k / max_j |J_kj| in the
        // row's own unknown (KCL rows: a node voltage; state rows: the state); a branch row is a
        // voltage equation (V or L·di/dt), judged against VNTOL. Dividing by the tolerance makes
        // ‖D·r‖ ≤ 0.1 mean "every update is right to a tenth of its tolerance".
        krylovProduct.withUnsafeMutableBufferPointer { rowMax in
            rowMax.update(repeating: 0)
            matrixValues.withUnsafeBufferPointer { values in
                pattern.rowIndices.withUnsafeBufferPointer { rows in
                    for p in 0..<values.count {
                        let r = Int(rows[p]), a = abs(values[p])
                        if a > rowMax[r] { rowMax[r] = a }
                    }
                }
            }
        }
        for k in 1...n {
            let tol: Double
            switch unknownKinds[k] {
            case .voltage: tol = options.reltol * abs(x[k]) + options.vntol
            case .current: tol = options.vntol
            case .state(let t): tol = options.reltol * abs(x[k]) + t
            }
            let scale = krylovProduct[k - 1]
            let w = 1 / (tol * (scale > 0 ? scale : 1))
            krylovWeights[k - 1] = w.isFinite && w > 0 ? w : 1
        }
        let solver = self.solver
        let result = try matrixValues.withUnsafeBufferPointer { values in
            try krylovWeights.withUnsafeBufferPointer { weights in
                try rhs.withUnsafeMutableBufferPointer { b in
                    try gmres.solve(b.baseAddress!, rowWeights: weights.baseAddress!, target: 0.1, relativeTarget: 1e-4,
                                    multiply: { solver.multiply(values.baseAddress!, $0, into: $1) },
                                    precondition: { try solver.solve(inPlace: $0) })
                }
            }
        }
        statistics.krylovIterations += result.iterations
        krylovDebt += Double(result.iterations)
        if result.converged { statistics.krylovSolves += 1 } else { statistics.krylovFailures += 1 }
        return result.converged
    }

    /// After the Newton step of a linear system (Δx in `rhs`, applied to x): f and q change by
    /// ∂f/∂x·Δx and ∂q/∂x·Δx exactly.
    func updateLinear() {
        let slots = jf.count
        f.withUnsafeMutableBufferPointer { fp in
            q.withUnsafeMutableBufferPointer { qp in
                jf.withUnsafeBufferPointer { jfp in
                    jq.withUnsafeBufferPointer { jqp in
                        rhs.withUnsafeBufferPointer { dx in
                            slotRows.withUnsafeBufferPointer { rows in
                                slotColumns.withUnsafeBufferPointer { cols in
                                    for s in 1..<slots {
                                        let r = Int(rows[s - 1]), c = Int(cols[s - 1])
                                        let d = dx[c - 1]
                                        fp[r] += jfp[s] * d
                                        qp[r] += jqp[s] * d
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
