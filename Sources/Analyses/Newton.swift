import Foundation
import LithicCore
import Devices
import Elaboration
import SparseLinear

/// How the reactive part q(x) enters the residual: not at all (DC), or through an integration
/// formula dq/dt ≈ a0·q + history (transient).
struct Integration {
    var a0 = 0.0
    /// history[i] is added to a0·q[i] to form dq/dt for row i.
    var history: [Double]? = nil
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
    func newton(settings: LoadSettings, integration: Integration, maximumIterations: Int,
                diagonalShunt: Double = 0, shuntReference: [Double]? = nil, forcedNodes: [Int: Double] = [:]) throws -> Int {
        let options = circuit.options
        let n = dimension
        var s = settings
        var lastWorst = 1
        for iteration in 0..<maximumIterations {
            statistics.newtonIterations += 1
            s.initializeJunctions = settings.initializeJunctions && iteration == 0
            let limited = load(s)
            try assembleAndSolve(integration: integration, diagonalShunt: diagonalShunt, shuntReference: shuntReference, forcedNodes: forcedNodes)
            // rhs now holds Δx (matrix index k−1 ↔ unknown k).
            var converged = limited == 0 && !s.initializeJunctions
            var worst = 0.0
            for k in 1...max(n, 1) where n > 0 {
                let dx = rhs[k - 1]
                let old = x[k]
                let new = old + dx
                guard dx.isFinite else {
                    throw NewtonFailure(reason: "the solution became NaN or infinite", worstUnknown: k)
                }
                let tol: Double
                switch unknownKinds[k] {
                case .voltage: tol = options.vntol
                case .current: tol = options.abstol
                case .state(let t): tol = t
                }
                let bound = options.reltol * max(abs(old), abs(new)) + tol
                if abs(dx) > bound {
                    converged = false
                    let ratio = abs(dx) / bound
                    if ratio > worst { worst = ratio; lastWorst = k }
                }
                x[k] = new
            }
            if isLinear {
                // A linear system is solved exactly by one step.
                converged = true
            }
            if converged {
                s.initializeJunctions = false
                load(s)
                return iteration + 1
            }
        }
        throw NewtonFailure(reason: "no convergence in \(maximumIterations) Newton iterations", worstUnknown: lastWorst)
    }

    /// Forms J = ∂f/∂x + a0·∂q/∂x and −F, factors, and solves; Δx is left in `rhs`.
    func assembleAndSolve(integration: Integration, diagonalShunt: Double, shuntReference: [Double]?, forcedNodes: [Int: Double]) throws {
        let n = dimension
        guard n > 0 else { return }
        let a0 = integration.a0
        for p in 0..<matrixValues.count { matrixValues[p] = 0 }
        let position = pattern.position
        let slots = jf.count
        if a0 != 0 {
            for s in 1..<slots { matrixValues[position[s]] += jf[s] + a0 * jq[s] }
        } else {
            for s in 1..<slots { matrixValues[position[s]] += jf[s] }
        }
        for k in 1...n { rhs[k - 1] = -f[k] }
        if let h = integration.history {
            for k in 1...n { rhs[k - 1] -= a0 * q[k] + h[k] }
        }
        if diagonalShunt > 0 {
            for k in 1...n {
                if case .voltage = unknownKinds[k] {
                    matrixValues[position[diagonalSlot[k]]] += diagonalShunt
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
            try solver.factor(&matrixValues)
            try solver.solve(&rhs)
        } catch LinearSolverFailure.singular(let column) {
            let k = (column ?? -1) + 1
            throw NewtonFailure(reason: "singular matrix at \(describeUnknown(k)) (a floating node, a loop of voltage sources or inductors, or a cut-set of current sources)", worstUnknown: k)
        }
        statistics.fullFactorizations = solver.fullFactorizations
        statistics.refactorizations = solver.refactorizations
    }
}
