import Foundation
import Devices
import LithicCore

/// An open-circuit-voltage curve U(SOC) in volts, SOC a fraction (1 = charged).
public enum OCVCurve: Sendable, Equatable {
    /// NMC811 versus Li, Chen et al., JES 167, 080534 (2020) (PyBaMM `nmc_LGM50_ocp_Chen2020`),
    /// on the stoichiometry window y(SOC) = y₀ − SOC·(y₀ − y₁₀₀).
    case nmc811(yEmpty: Double, yFull: Double)
    /// LiCoO₂ versus Li, Doyle/Dualfoil 1998 (PyBaMM `lico2_ocp_Dualfoil1998`, stretch 1.062);
    /// valid for 0.5 < x < 0.99 only, on x(SOC) = x₀ − SOC·(x₀ − x₁₀₀).
    case lco(xEmpty: Double, xFull: Double)
    /// A measured table, interpolated by monotone piecewise-cubic Hermite (Fritsch–Carlson) so
    /// that a monotone table gives a monotone curve; continued linearly with the end slopes.
    case table(soc: [Double], voltage: [Double], slopes: [Double])

    /// Chen2020 NMC811 U(y), V.
    public static func nmc811Potential(_ y: Double) -> (Double, Double) {
        let t1 = tanh(18.5138 * (y - 0.5542)), t2 = tanh(15.7890 * (y - 0.3117)), t3 = tanh(15.9308 * (y - 0.3120))
        let u = -0.8090 * y + 4.4875 - 0.0428 * t1 - 17.7326 * t2 + 17.5842 * t3
        let du = -0.8090 - 0.0428 * 18.5138 * (1 - t1 * t1) - 17.7326 * 15.7890 * (1 - t2 * t2) + 17.5842 * 15.9308 * (1 - t3 * t3)
        return (u, du)
    }

    /// Dualfoil 1998 LCO U(x), V, with dU/dx.
    public static func lcoPotential(_ x0: Double) -> (Double, Double) {
        let s = 1.062, x = s * x0
        let terms: [(Double, Double, Double)] = [   // (weight, offset, slope) of weight·tanh(offset + slope·x)
            (0.07645, 30.834, -54.4806), (2.1581, 52.294, -50.294), (-0.14169, 11.0923, -19.8543),
            (0.2051, 1.4684, -5.4888), (0.2531, 0.56478 / 0.1316, -1 / 0.1316), (-0.02167, -0.525 / 0.006, 1 / 0.006),
        ]
        var u = 2.16216, du = 0.0
        for (w, a, b) in terms {
            let t = tanh(a + b * x)
            u += w * t; du += w * b * (1 - t * t) * s
        }
        return (u, du)
    }

    /// Builds a table curve; SOC points must increase strictly and all values be finite.
    public static func makeTable(soc: [Double], voltage: [Double]) -> OCVCurve? {
        let n = soc.count
        guard n >= 2, voltage.count == n, soc.allSatisfy(\.isFinite), voltage.allSatisfy(\.isFinite) else { return nil }
        for k in 1..<n where !(soc[k] > soc[k - 1]) { return nil }
        var secant: [Double] = []
        for k in 0..<(n - 1) { secant.append((voltage[k + 1] - voltage[k]) / (soc[k + 1] - soc[k])) }
        var m = [Double](repeating: 0, count: n)
        m[0] = secant[0]; m[n - 1] = secant[n - 2]
        for k in 1..<(n - 1) {
            if secant[k - 1] * secant[k] <= 0 { m[k] = 0; continue }
            let h0 = soc[k] - soc[k - 1], h1 = soc[k + 1] - soc[k]
            let w1 = 2 * h1 + h0, w2 = h1 + 2 * h0
            m[k] = (w1 + w2) / (w1 / secant[k - 1] + w2 / secant[k])   // Fritsch–Butland weighted harmonic mean
        }
        return .table(soc: soc, voltage: voltage, slopes: m)
    }

    /// The end of an electrode's stoichiometry window as a steep C¹ wall, volts and slope:
    /// w(x) = 50 mV·(e^{x/0.01} − 1 − x/0.01) for x SOC units beyond the window (0.8 V at 3 %),
    /// so that a cut-off voltage is met within a few per cent of the window, as a real electrode
    /// that cannot take or give more Li. Zero inside the window.
    static func wall(_ x: Double) -> (Double, Double) {
        guard x > 0 else { return (0, 0) }
        let z = min(x / 0.01, 50)
        return (0.05 * (exp(z) - 1 - z), 5 * (exp(z) - 1))
    }

    /// U(SOC) in volts and dU/dSOC. The analytic curves get `wall` beyond SOC 0 and 1.
    public func voltage(soc: Double) -> (Double, Double) {
        let (under, dUnder) = Self.wall(-soc), (over, dOver) = Self.wall(soc - 1)
        switch self {
        case let .nmc811(y0, y100):
            let (u, du) = Self.nmc811Potential(y0 - soc * (y0 - y100))
            return (u - under + over, -du * (y0 - y100) + dUnder + dOver)
        case let .lco(x0, x100):
            let (u, du) = Self.lcoPotential(x0 - soc * (x0 - x100))
            return (u - under + over, -du * (x0 - x100) + dUnder + dOver)
        case let .table(s, v, m):
            let n = s.count
            if soc <= s[0] { return (v[0] + m[0] * (soc - s[0]), m[0]) }
            if soc >= s[n - 1] { return (v[n - 1] + m[n - 1] * (soc - s[n - 1]), m[n - 1]) }
            var lo = 0, hi = n - 1
            while hi - lo > 1 { let mid = (lo + hi) / 2; if s[mid] <= soc { lo = mid } else { hi = mid } }
            let h = s[hi] - s[lo], t = (soc - s[lo]) / h
            let t2 = t * t, t3 = t2 * t
            let h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2
            let u = h00 * v[lo] + h10 * h * m[lo] + h01 * v[hi] + h11 * h * m[hi]
            let du = ((6 * t2 - 6 * t) * v[lo] + (3 * t2 - 4 * t + 1) * h * m[lo] + (-6 * t2 + 6 * t) * v[hi] + (3 * t2 - 2 * t) * h * m[hi]) / h
            return (u, du)
        }
    }
}

/// An open-circuit-voltage source with state of charge tracked by charge,
/// `YOCV name n+ n- model`: V(n+) − V(n−) = U(SOC) and dSOC/dt = I/Q, where I (A) is the current
/// entering n+ through the source (charging) and Q the capacity (C; given in Ah on the card).
/// SOC is a solver unknown (`soc(name)` in outputs), held at SOC₀ during the operating point;
/// the branch current is `i(name)`. Beyond SOC 0 and 1 the analytic curves fall or rise steeply
/// (`OCVCurve.wall`), so a cycler cut-off ends the step a few per cent past the window; tables
/// continue linearly with their end slopes.
public struct OCVSource: Device {
    public let name: String
    public let plus: Int, minus: Int
    public let curve: OCVCurve
    /// Capacity, C.
    public let capacity: Double
    /// Initial state of charge (fraction).
    public let initialSOC: Double
    /// SOC held during an operating point: initialSOC, or the value carried over from an earlier run.
    var heldSOC = 0.0
    public private(set) var branch = 0
    var soc = 0
    var s: [Int] = []

    public init(name: String, plus: Int, minus: Int, curve: OCVCurve, capacity: Double, initialSOC: Double) {
        self.name = name; self.plus = plus; self.minus = minus; self.curve = curve
        self.capacity = capacity; self.initialSOC = initialSOC
    }
    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        branch = allocator.addBranch(device: name)
        soc = allocator.addState("\(name)#soc", absoluteTolerance: 1e-9, initialValue: initialSOC)
        heldSOC = allocator.initialValue(of: soc)
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = [b.slot(plus, branch), b.slot(minus, branch), b.slot(branch, plus), b.slot(branch, minus),
             b.slot(branch, soc), b.slot(soc, branch), b.slot(soc, soc)]
    }

    public func load(_ c: inout LoadContext) {
        let i = c.x[branch]
        c.f[plus] += i; c.f[minus] -= i
        c.jf[s[0]] += 1; c.jf[s[1]] -= 1
        let (u, du) = curve.voltage(soc: c.x[soc])
        c.f[branch] += c.x[plus] - c.x[minus] - u
        c.jf[s[2]] += 1; c.jf[s[3]] -= 1; c.jf[s[4]] -= du
        c.q[soc] += c.x[soc]; c.jq[s[6]] += 1
        if c.statesFrozen {
            c.f[soc] += c.x[soc] - heldSOC; c.jf[s[6]] += 1
        } else {
            c.f[soc] -= i / capacity; c.jf[s[5]] -= 1 / capacity
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}
