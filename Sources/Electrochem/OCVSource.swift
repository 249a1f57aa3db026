import FoundationEssentials
import Glibc
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
    /// Cathode degradation of the SSB macro-model (PHYSICS.md §8c), all off by default:
    ///
    /// - **CEI memory**: a series resistance R_CEI (Ω) with dR/dt = k_CEI/(2R) (parabolic, k_CEI in
    ///   Ω²/s) + k_V·e^{(U − U_CEI)/V_a} (voltage-activated, k_V in Ω/s at U = U_CEI), so the terminal
    ///   voltage is U(SOC) + R_CEI·I. State `rcei(name)` (Ω) when R₀ > 0 or a rate is set.
    /// - **Cathode contact ratchet**: active fraction a_c with
    ///   da_c/dt = −r_c·|dSOC/dt|·(1 − a_c,eq(P)) + k_rec(P)·(1 − a_c),
    ///   a_c,eq(P) = 1 − (1 − a_w)·e^{−P/P_c}, k_rec(P) = k_rec·max(0, P − P_rec)/P_rec (recovery only
    ///   under high pressure), and SOC counted on the active capacity: dSOC/dt = I/(Q·a_c), so the
    ///   deliverable capacity is Q·a_c. State `ac(name)` when r_c or k_rec is set.
    public struct Degradation: Sendable, Equatable {
        public var ceiInitial = 0.0            // R₀, Ω
        public var ceiParabolic = 0.0          // k_CEI, Ω²/s [E]
        public var ceiVoltageRate = 0.0        // k_V, Ω/s [E]
        public var ceiVoltage = 4.2            // U_CEI, V [E]
        public var ceiVoltageScale = 0.05      // V_a, V [E]
        public var ratchet = 0.0               // r_c, per unit SOC throughput [E]
        public var wetFraction = 0.9           // a_w, active fraction held at P = 0 [E]
        public var contactPressure = 45e6      // P_c, Pa [E] (the anode's value)
        public var recovery = 0.0              // k_rec, 1/s [E]
        public var recoveryPressure = 50e6     // P_rec, Pa [E: recovery above ~50 MPa, Shi]
        public var pressure = 0.0              // P, Pa
        public init() {}
        var hasCEI: Bool { ceiInitial > 0 || ceiParabolic > 0 || ceiVoltageRate > 0 }
        var hasRatchet: Bool { ratchet > 0 || recovery > 0 }
    }

    public let name: String
    public let plus: Int, minus: Int
    public let curve: OCVCurve
    /// Capacity, C.
    public let capacity: Double
    /// Initial state of charge (fraction).
    public let initialSOC: Double
    public let degradation: Degradation
    /// SOC held during an operating point: initialSOC, or the value carried over from an earlier run.
    var heldSOC = 0.0, heldCEI = 0.0, heldActive = 1.0
    public private(set) var branch = 0
    var soc = 0, cei = -1, active = -1
    var s: [Int] = []

    public init(name: String, plus: Int, minus: Int, curve: OCVCurve, capacity: Double, initialSOC: Double,
                degradation: Degradation = Degradation()) {
        self.name = name; self.plus = plus; self.minus = minus; self.curve = curve
        self.capacity = capacity; self.initialSOC = initialSOC; self.degradation = degradation
    }
    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        branch = allocator.addBranch(device: name)
        soc = allocator.addState("\(name)#soc", absoluteTolerance: 1e-9, initialValue: initialSOC)
        heldSOC = allocator.initialValue(of: soc)
        if degradation.hasCEI {
            cei = allocator.addState("\(name)#rcei", absoluteTolerance: 1e-6, initialValue: degradation.ceiInitial)
            heldCEI = allocator.initialValue(of: cei)
        }
        if degradation.hasRatchet {
            active = allocator.addState("\(name)#ac", absoluteTolerance: 1e-7, initialValue: 1)
            heldActive = allocator.initialValue(of: active)
        }
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        s = [b.slot(plus, branch), b.slot(minus, branch), b.slot(branch, plus), b.slot(branch, minus),
             b.slot(branch, soc), b.slot(soc, branch), b.slot(soc, soc)]
        if cei >= 0 {   // 7: branch←cei, 8: cei←cei, 9: cei←soc, 10: branch←branch
            s += [b.slot(branch, cei), b.slot(cei, cei), b.slot(cei, soc), b.slot(branch, branch)]
        }
        if active >= 0 {   // 11: soc←ac, 12: ac←ac, 13: ac←branch
            while s.count < 11 { s.append(0) }
            s += [b.slot(soc, active), b.slot(active, active), b.slot(active, branch)]
        }
    }

    public func load(_ c: inout LoadContext) {
        let d = degradation
        let i = c.x[branch]
        c.f[plus] += i; c.f[minus] -= i
        c.jf[s[0]] += 1; c.jf[s[1]] -= 1
        let (u, du) = curve.voltage(soc: c.x[soc])
        c.f[branch] += c.x[plus] - c.x[minus] - u
        c.jf[s[2]] += 1; c.jf[s[3]] -= 1; c.jf[s[4]] -= du
        // SOC counts charge on the active capacity Q·a_c.
        let ac = active >= 0 ? max(c.x[active], 1e-3) : 1
        let q = capacity * ac
        c.q[soc] += c.x[soc]; c.jq[s[6]] += 1
        if c.statesFrozen {
            c.f[soc] += c.x[soc] - heldSOC; c.jf[s[6]] += 1
        } else {
            c.f[soc] -= i / q; c.jf[s[5]] -= 1 / q
            if active >= 0 { c.jf[s[11]] += i / (q * ac) }
        }
        if cei >= 0 {
            let r = c.x[cei]
            c.f[branch] -= r * i
            c.jf[s[7]] -= i; c.jf[s[10]] -= r
            c.q[cei] += r; c.jq[s[8]] += 1
            if c.statesFrozen {
                c.f[cei] += r - heldCEI; c.jf[s[8]] += 1
            } else {
                let rs = max(r, 1e-9)
                let z = min((u - d.ceiVoltage) / d.ceiVoltageScale, 50)
                let activated = d.ceiVoltageRate * exp(z)
                c.f[cei] -= d.ceiParabolic / (2 * rs) + activated
                if r > 1e-9 { c.jf[s[8]] += d.ceiParabolic / (2 * rs * rs) }
                if z < 50 { c.jf[s[9]] -= activated / d.ceiVoltageScale * du }
            }
        }
        if active >= 0 {
            let a = c.x[active]
            c.q[active] += a; c.jq[s[12]] += 1
            if c.statesFrozen {
                c.f[active] += a - heldActive; c.jf[s[12]] += 1
            } else {
                // |dSOC/dt| smoothed over 1e-9 /s (a C/10⁵ current), so the Jacobian is continuous.
                let rate = i / q, eps = 1e-9
                let magnitude = (rate * rate + eps * eps).squareRoot()
                let dMagnitude = rate / magnitude
                let equilibrium = 1 - (1 - d.wetFraction) * exp(-d.pressure / d.contactPressure)
                let recovery = d.recovery * max(0, d.pressure - d.recoveryPressure) / d.recoveryPressure
                let loss = d.ratchet * (1 - equilibrium)
                // f = −da/dt = loss·|I/(Q a)| − k_rec·(1 − a)
                c.f[active] += loss * magnitude - recovery * (1 - a)
                c.jf[s[13]] += loss * dMagnitude / q
                c.jf[s[12]] += -loss * dMagnitude * rate / max(a, 1e-3) + recovery
            }
        }
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}

extension OCVSource: CatalogDevice {
    /// What the `ocv` card sets: the curve and its window, capacity, initial SOC, a table, and
    /// the degradation terms.
    public struct CardValues {
        public var curve: Double?
        public var capacityAh: Double?
        public var initialSOC = 1.0
        public var emptyStoichiometry: Double?
        public var fullStoichiometry: Double?
        public var tableSOC: [Int: Double] = [:]
        public var tableVoltage: [Int: Double] = [:]
        public var degradation = Degradation()
        public init() {}
    }
    public static let typeName = "ocv"
    public static let terminals = 2
    public static let card: DeviceCard<CardValues> = {
        typealias P = CardParameter<CardValues>
        return DeviceCard<CardValues>(
            title: "open-circuit-voltage source", syntax: "YOCV name + − model [param=value …]",
            summary: "open-circuit-voltage source U(SOC) with SOC tracked by charge (dSOC/dt = I/Q); state soc(device), current i(device)",
            prototype: CardValues(), parameters: [
                P("curve", unit: "-", range: .any, scope: .either, default: "1 (0 when SOC1… are given)",
                  "1 NMC811 Chen2020 (PHYSICS.md §6.6), 2 LCO Dualfoil1998 (valid 0.5 < x < 0.99), 0 table", assign: { $0.curve = $1 }, current: { $0.curve }),
                P("capacity", unit: "Ah", range: .positive, scope: .either, default: "required", "cell capacity (stored in coulombs)",
                  assign: { $0.capacityAh = $1 }, current: { $0.capacityAh }),
                .field("soc0", \.initialSOC, unit: "-", scope: .either, "initial state of charge, held during the operating point"),
                P("y0", unit: "-", scope: .either, default: "NMC811: 0.8540; LCO: 0.99", "stoichiometry at 0 % SOC (Chen2020 window; LCO validity range)",
                  assign: { $0.emptyStoichiometry = $1 }, current: { $0.emptyStoichiometry }),
                P("y100", unit: "-", scope: .either, default: "NMC811: 0.2638; LCO: 0.5", "stoichiometry at 100 % SOC",
                  assign: { $0.fullStoichiometry = $1 }, current: { $0.fullStoichiometry }),
                P(indexed: "soc", unit: "-", scope: .either, "OCV table SOC points SOC1…SOCN, increasing; monotone cubic (Fritsch–Carlson)",
                  assign: { $0.tableSOC[$1] = $2 }),
                P(indexed: "u", unit: "V", scope: .either, "OCV table voltages U1…UN", assign: { $0.tableVoltage[$1] = $2 }),
                .field("rcei0", \.degradation.ceiInitial, unit: "Ω", range: .nonNegative, scope: .either, "initial CEI resistance R₀ in series (PHYSICS.md §8c; state rcei(device))"),
                .field("kcei", \.degradation.ceiParabolic, unit: "Ω²/s", range: .nonNegative, scope: .either, "parabolic CEI growth dR/dt = k/(2R); needs RCEI0 > 0", source: "[E] calibrate"),
                .field("kceiv", \.degradation.ceiVoltageRate, unit: "Ω/s", range: .nonNegative, scope: .either, "voltage-activated CEI growth k_V·exp((U − VCEI)/VACEI)", source: "[E]"),
                .field("vcei", \.degradation.ceiVoltage, unit: "V", scope: .either, "onset of the voltage-activated CEI term", source: "[E]"),
                .field("vacei", \.degradation.ceiVoltageScale, unit: "V", range: .positive, scope: .either, "scale of the voltage-activated CEI term", source: "[E]"),
                .field("rc", \.degradation.ratchet, unit: "-", range: .nonNegative, scope: .either, "cathode contact ratchet per unit SOC throughput (§8c; state ac(device))", source: "[E]"),
                .field("aw", \.degradation.wetFraction, unit: "-", range: .interval(0, 1, lowerOpen: false, upperOpen: false), scope: .either,
                       "active fraction held at zero pressure, a_c,eq(P) = 1 − (1 − aw)·exp(−P/PC)", source: "[E]"),
                .field("pc", \.degradation.contactPressure, unit: "Pa", range: .positive, scope: .either, "pressure scale of a_c,eq (the anode's contact value)", source: "[E]"),
                .field("krec", \.degradation.recovery, unit: "1/s", range: .nonNegative, scope: .either, "recovery k_rec·max(0, P − PREC)/PREC", source: "[E] Shi [V]"),
                .field("prec", \.degradation.recoveryPressure, unit: "Pa", range: .positive, scope: .either, "pressure above which contact recovers", source: "[E]"),
                .field("pressure", \.degradation.pressure, unit: "Pa", range: .nonNegative, scope: .either, "stack pressure seen by the cathode ratchet"),
            ])
    }()

    public init(name: String, nodes: [Int], parameters p: CardValues, at location: SourceLocation) throws {
        guard let q = p.capacityAh else { throw InputError(location, "OCV source '\(name)' needs CAPACITY > 0 (Ah)") }
        let curve: OCVCurve
        switch p.curve ?? (p.tableSOC.isEmpty ? 1 : 0) {
        case 0:
            let indices = p.tableSOC.keys.sorted()
            guard indices.count >= 2, indices == p.tableVoltage.keys.sorted(), indices == Array(1...indices.count) else {
                throw InputError(location, "OCV table needs matching SOC1…SOCN and U1…UN (N ≥ 2, no gaps)")
            }
            guard let t = OCVCurve.makeTable(soc: indices.map { p.tableSOC[$0] ?? 0 }, voltage: indices.map { p.tableVoltage[$0] ?? 0 }) else {
                throw InputError(location, "OCV table SOC points must increase strictly")
            }
            curve = t
        case 1: curve = .nmc811(yEmpty: p.emptyStoichiometry ?? 0.8540, yFull: p.fullStoichiometry ?? 0.2638)
        case 2:
            let x0 = p.emptyStoichiometry ?? 0.99, x100 = p.fullStoichiometry ?? 0.5
            guard x0 > 0.5 - 1e-12, x0 < 0.99 + 1e-12, x100 > 0.5 - 1e-12, x100 < 0.99 + 1e-12 else {
                throw InputError(location, "LCO curve is valid only for 0.5 < x < 0.99 (Dualfoil 1998); Y0=\(x0), Y100=\(x100)")
            }
            curve = .lco(xEmpty: x0, xFull: x100)
        default: throw InputError(location, "OCV CURVE must be 0 (table), 1 (NMC811) or 2 (LCO), got \(p.curve ?? -1)")
        }
        if case .table = curve {} else if !p.tableSOC.isEmpty || !p.tableVoltage.isEmpty {
            throw InputError(location, "OCV table points given with CURVE=\(Int(p.curve ?? 1)); use CURVE=0 or drop them")
        }
        if p.degradation.ceiParabolic > 0 && p.degradation.ceiInitial <= 0 {
            throw InputError(location, "OCV parameter KCEI needs RCEI0 > 0 (parabolic growth dR/dt = k/(2R) starts from R₀)")
        }
        self.init(name: name, plus: nodes[0], minus: nodes[1], curve: curve, capacity: q * 3600, initialSOC: p.initialSOC, degradation: p.degradation)
    }
}
