import FoundationEssentials
import Glibc
import Devices
import LithicCore

/// A Li-metal / solid-electrolyte interface as a circuit device (PHYSICS.md §8a), written
/// `YLIINTERFACE name li electrolyte model`: positive current flows from the Li electrode into the
/// electrolyte (stripping); negative current plates Li.
///
/// States (solver unknowns, held at their initial values during an operating point):
/// contact fraction φ, its recoverable ceiling φ_cap, interphase thickness L (nm), filament
/// length ℓ (µm), local Li thickness h (µm) and stranded Li q_dead (C/m²).
/// - Li supply j_sup = [j_D(T) + k_cr(T)·P/P_ref]·h/(h + h_½); void opening
///   r_o = (j_s V_m/(F h_v))·x^m/(1 + x^m), x = j_s/j_sup;
/// - dφ/dt = −r_o + k_cl(φ_eq − φ) + η_fill (j_p V_m/(F h_v))(φ_eq − φ)/(1 − φ + ε),
///   k_cl = (P/P_ref)^{n_c}/τ_cr·h/(h + h_½) + k_adh, φ_eq = φ_cap[1 − (1 − φ_w)e^{−P/P_c}];
/// - dφ_cap/dt = −r_irr r_o + k_rec(1 − φ_cap); dq_dead/dt = χ_iso (F h_v/V_m) softplus(−dφ/dt);
/// - memory: dL/dt = k_p(T)/(2L) + ξ|j|V_int/F (pressure does not enter);
/// - filament: dℓ/dt = (V_m/F) g_f softplus(κ j_p/φ − j_th)(1 + P/P_prop) − (V_m/F) g_h j_s logistic(ℓ/ℓ₀);
/// - dh/dt = (V_m/F)(j_p − j_s).
/// Electrically: I = V·A/R_if + G_sh(ℓ)·V + d(Q_dl A φ V)/dt with
/// R_if = R_ct(T)/φ + R_c0((1 − φ)/φ)^β + L/(σ_int φ) + R_IL (Ω m²) and
/// G_sh = N_f π r_f²/(ρ_Li L_SE)·exp(−softplus(L_SE − ℓ)/λ_s). j_s, j_p are smooth positive and
/// negative parts of the ionic current density (width 0.1 A/m²). Defaults and sources: PHYSICS.md
/// §8a table ([E] = estimate to calibrate). The healing factor logistic(ℓ/ℓ₀) is multiplied by
/// tanh(ℓ/0.1 µm) so that a vanished filament does not keep dissolving below ℓ = 0.
public struct LiSEInterface: Device {
    public struct Model: Sendable {
        public var area = 1e-4                  // m²
        public var pressure = 3e6               // Pa
        public var temperature = 298.15         // K
        public var molarVolume = 1.30e-5        // m³/mol [V]
        public var diffusionSupply = 0.5        // A/m² at 25 °C [E]; Ea 53 kJ/mol
        public var creepSupply = 0.5            // A/m² per MPa [E]; Ea 37 kJ/mol
        public var referencePressure = 1e6      // Pa
        public var creepHindrance = 10e-6       // h_½, m [E]
        public var voidDepth = 5e-6             // h_v, m [E]
        public var sharpness = 4.0              // m [E]
        public var creepTime = 600.0            // τ_cr at P_ref, s [E]
        public var creepExponent = 1.0          // n_c [E]
        public var contactPressure = 45e6       // P_c, Pa [D]
        public var wettedFraction = 0.3         // φ_w: bare LLZO 0.1–0.3, interlayer 0.9–0.95 [E]
        public var adhesionRate = 0.0           // k_adh, 1/s (2e-3 conformal interlayer) [E]
        public var fillEfficiency = 0.5         // η_fill [E]
        public var chargeTransfer = 5e-5        // R_ct, Ω m² (0.5 Ω cm²) [V]; Ea 0.43 eV
        public var constriction = 7.5e-3        // R_c0, Ω m² (75 Ω cm²) [D]
        public var constrictionExponent = 1.0   // β [D]
        public var interlayer = 0.0             // R_IL, Ω m² (14 Ω cm² PPC) [V]
        public var interphaseConductivity = 1e-4 // σ_int, S/m [E]
        public var parabolicRate = 1e-21        // k_p, m²/s (LLZO-like) [D]; Ea 62 kJ/mol
        public var interphaseMolarVolume = 2.4e-5 // V_int, m³/mol [D]
        public var interphaseChargeFraction = 0.0 // ξ [E]
        public var doubleLayer = 0.05           // Q_dl, F/m² (5 µF/cm²) [E]
        public var threshold = 16.0             // j_th, A/m² (1.6 mA/cm²) [D]
        public var focusing = 3.0               // κ: bare 3, homogenised 1 [E]
        public var growthGain = 1000.0          // g_f [E]
        public var healingGain = 300.0          // g_h [E]
        public var propagationPressure = 10e6   // P_prop, Pa [E]
        public var electrolyteThickness = 500e-6 // L_SE, m (CCD calibration)
        public var filamentRadius = 1e-6        // r_f, m [E]
        public var filaments = 1.0              // N_f [E]
        public var shortLength = 2e-6           // λ_s, m [E]
        public var lithiumResistivity = 9.28e-8 // Ω m [L]
        public var ratchet = 0.02               // r_irr [E]
        public var recovery = 0.0               // k_rec, 1/s [E]
        public var isolation = 0.05             // χ_iso [E]
        public var healingLength = 10e-6        // ℓ₀, m [E]
        public var lithiumThickness = 50e-6     // initial h, m
        /// Li thickness below which stripping runs out of metal: the stripping conductance is
        /// scaled by h/(h + h_min), so an exhausted electrode blocks stripping (plating onto the
        /// bare collector is unaffected).
        public var exhaustionThickness = 0.1e-6 // h_min, m [E]
        public var initialInterphase = 1e-9     // initial L, m [E]
        /// DAI (PHYSICS.md §8b): field-driven mobile-ion void filling, per s at |j| = j_ref,
        /// while stripping / while plating, and recovery of the contact ceiling. 0 = bare interface.
        public var daiStrip = 0.0               // k_DAI,strip, 1/s [E]
        public var daiPlate = 0.0               // k_DAI,plate, 1/s [E]
        public var daiCap = 0.0                 // k_DAI,cap, 1/s [E]
        public var daiReference = 10.0          // j_ref, A/m² (1 mA/cm²)
        public init() {}
        /// The DAI interface's defaults (§8b): φ_w = 0.9, k_DAI = 1e-3 1/s both polarities, k_DAI,cap = 1e-4 1/s.
        public static var dai: Model {
            var m = Model()
            m.wettedFraction = 0.9; m.daiStrip = 1e-3; m.daiPlate = 1e-3; m.daiCap = 1e-4
            return m
        }
    }

    public let name: String
    public let li: Int, electrolyte: Int
    public let model: Model
    var states: [Int] = []   // φ, φcap, L(nm), ℓ(µm), h(µm), qdead
    var slots: [Int] = []    // 8×8 over (li, electrolyte, states…)
    var initial: [Double] = []  // initialStates, kept from allocation (load runs per Newton iteration)

    public init(name: String, li: Int, electrolyte: Int, model: Model) {
        self.name = name; self.li = li; self.electrolyte = electrolyte; self.model = model
    }
    public var isLinear: Bool { false }

    static let faraday = PhysicalConstant.faraday, gasConstant = PhysicalConstant.gas

    func arrhenius(_ energy: Double) -> Double {
        exp(-energy / Self.gasConstant * (1 / model.temperature - 1 / 298.15))
    }

    public var initialStates: [Double] {
        let m = model
        let phiEq = 1 - (1 - m.wettedFraction) * exp(-m.pressure / m.contactPressure)
        return [phiEq, 1, m.initialInterphase * 1e9, 0, m.lithiumThickness * 1e6, 0]
    }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        let names = ["phi", "phicap", "interphase", "filament", "li", "dead"]
        let tolerances = [1e-6, 1e-6, 1e-6, 1e-6, 1e-4, 1e-6]
        states = zip(zip(names, tolerances), initialStates).map { pair, x0 in
            allocator.addState("\(name)#\(pair.0)", absoluteTolerance: pair.1, initialValue: x0)
        }
        initial = states.map { allocator.initialValue(of: $0) }
    }

    public mutating func bind(_ b: inout MatrixBinder) throws {
        let all = [li, electrolyte] + states
        slots = []
        for r in all { for c in all { slots.append(b.slot(r, c)) } }
    }

    /// The device equations over DualState variables (V, φ, φcap, L, ℓ, h, qdead → lanes 0…6):
    /// total current (A), charge (C), and the six state rates.
    public func evaluate(_ v: DualState, _ s: [DualState]) -> (current: DualState, charge: DualState, rates: [DualState]) {
        let r = evaluateWithResistance(v, s)
        return (r.current, r.charge, r.rates)
    }

    /// `evaluate` plus the area-specific interface resistance R_if (Ω m²) at the present contact.
    public func evaluateWithResistance(_ v: DualState, _ s: [DualState]) -> (current: DualState, charge: DualState, rates: [DualState], resistance: DualState) {
        let m = model
        let F = Self.faraday
        let phi = s[0], phiCap = s[1], lNm = s[2], ellUm = s[3], hUm = s[4]
        let phiSafe = DualState.softplus(phi - 1e-4, scale: 1e-4) + 1e-4
        let L = lNm * 1e-9, ell = ellUm * 1e-6, h = DualState.softplus(hUm, scale: 0.01) * 1e-6
        let rct = m.chargeTransfer * arrhenius(0.43 * F)  // 0.43 eV per charge → J/mol
        let rif = rct / phiSafe + m.constriction * DualState.pow((1 - phiSafe) / phiSafe, m.constrictionExponent)
            + L / (m.interphaseConductivity * phiSafe) + m.interlayer
        // Stripping needs Li: gate the anodic direction by h/(h + h_min) (smooth in V over 1 mV).
        let availability = h / (h + m.exhaustionThickness)
        let stripGate = 1 - (1 - availability) * DualState.logistic(v / 1e-3)
        let ionic = v * m.area / rif * stripGate
        let gHard = m.filaments * Double.pi * m.filamentRadius * m.filamentRadius / (m.lithiumResistivity * m.electrolyteThickness)
        let gShort = gHard * DualState.exp(-DualState.softplus(m.electrolyteThickness - ell, scale: m.shortLength) / m.shortLength)
        let current = ionic + gShort * v
        let charge = m.doubleLayer * m.area * phiSafe * v
        let j = ionic / m.area
        let js = DualState.softplus(j, scale: 0.1), jp = DualState.softplus(-j, scale: 0.1)
        let creep = h / (h + m.creepHindrance)
        let supply = (m.diffusionSupply * arrhenius(53e3) + m.creepSupply * arrhenius(37e3) * m.pressure / m.referencePressure) * creep
        // x^m/(1 + x^m) with x = j_s/j_sup, written as a logistic in ln x so that an exhausted
        // Li supply (h → 0, x → ∞) saturates instead of overflowing.
        let saturation = DualState.logistic(m.sharpness * (DualState.log(js) - DualState.log(supply + 1e-12)))
        // tanh(φ/0.02): voids cannot open where no contact is left, so φ stays ≥ 0 (the factor is
        // 1 to 1e-13 for φ > 0.3 and changes nothing elsewhere).
        let opening = js * (m.molarVolume / (F * m.voidDepth)) * saturation * DualState.tanh(phi / 0.02)
        let phiEq = phiCap * (1 - (1 - m.wettedFraction) * exp(-m.pressure / m.contactPressure))
        let kcl = pow(m.pressure / m.referencePressure, m.creepExponent) / m.creepTime * creep + m.adhesionRate
        let dPhi = -opening + kcl * (phiEq - phi) + m.fillEfficiency * jp * (m.molarVolume / (F * m.voidDepth)) * (phiEq - phi) / (1 - phi + 1e-3)
        // DAI healing (§8b): proportional to the ion flux (the field j/σ) and to the open fraction.
        let daiFill = (m.daiStrip * js + m.daiPlate * jp) / m.daiReference * (phiCap - phi)
        let dPhiTotal = dPhi + daiFill
        let dCap = -m.ratchet * opening + m.recovery * (1 - phiCap) + m.daiCap * (js + jp) / m.daiReference * (1 - phiCap)
        let dDead = m.isolation * (F * m.voidDepth / m.molarVolume) * DualState.softplus(-dPhiTotal, scale: 1e-7)
        let jAbs = DualState.softplus(j, scale: 0.1) + DualState.softplus(-j, scale: 0.1)
        let Lsafe = DualState.softplus(L - 1e-10, scale: 1e-11) + 1e-10
        let dL = (m.parabolicRate * arrhenius(62e3) / (2 * Lsafe) + m.interphaseChargeFraction * jAbs * m.interphaseMolarVolume / F) * 1e9
        // A filament stops at the far electrode: growth fades over λ_s once ℓ reaches L_SE.
        let growth = DualState.softplus(m.focusing * jp / phiSafe - m.threshold, scale: 0.1) * (m.growthGain * (1 + m.pressure / m.propagationPressure))
            * DualState.logistic((m.electrolyteThickness - ell) / m.shortLength)
        // logistic(ℓ/ℓ₀) as PHYSICS.md §8a, times tanh(ℓ/0.1 µm) so dissolution stops at ℓ = 0.
        let logistic = 1 / (1 + DualState.exp(-(ell / m.healingLength)))
        let healing = m.healingGain * js * logistic * DualState.tanh(ell / 1e-7)
        let dEll = (growth - healing) * (m.molarVolume / F) * 1e6
        // Li inventory: plated minus stripped, minus the Li stranded as dead Li.
        let dH = (jp - js - dDead) * (m.molarVolume / F) * 1e6
        return (current, charge, [dPhiTotal, dCap, dL, dEll, dH, dDead], rif)
    }

    public func load(_ c: inout LoadContext) {
        let v = DualState.variable(c.x[li] - c.x[electrolyte], 0)
        var s: [DualState] = []
        for (k, node) in states.enumerated() { s.append(DualState.variable(c.x[node], k + 1)) }
        let (i, q, rates) = evaluate(v, s)
        let all = [li, electrolyte] + states
        let n = all.count
        func addJ(_ row: Int, _ lanes: SIMD8<Double>, sign: Double, into m: UnsafeMutablePointer<Double>) {
            // lane 0 is V = x[li] − x[electrolyte]; lanes 1…6 the states.
            m[slots[row * n + 0]] += sign * lanes[0]
            m[slots[row * n + 1]] -= sign * lanes[0]
            for k in 0..<states.count { m[slots[row * n + 2 + k]] += sign * lanes[k + 1] }
        }
        c.f[li] += i.value; c.f[electrolyte] -= i.value
        addJ(0, i.d, sign: 1, into: c.jf); addJ(1, i.d, sign: -1, into: c.jf)
        c.q[li] += q.value; c.q[electrolyte] -= q.value
        addJ(0, q.d, sign: 1, into: c.jq); addJ(1, q.d, sign: -1, into: c.jq)
        for (k, node) in states.enumerated() {
            c.q[node] += c.x[node]
            c.jq[slots[(2 + k) * n + 2 + k]] += 1
            if c.statesFrozen {
                c.f[node] += c.x[node] - initial[k]
                c.jf[slots[(2 + k) * n + 2 + k]] += 1
            } else {
                c.f[node] -= rates[k].value
                addJ(2 + k, rates[k].d, sign: -1, into: c.jf)
            }
        }
    }

    /// R_if (Ω m², area-specific, at the present contact and interphase) as `rif(name)`.
    public func reportedQuantities(x: UnsafePointer<Double>) -> [(String, Double)] {
        let s = states.map { DualState(x[$0]) }
        guard s.count == 6 else { return [] }
        return [("rif(\(name))", evaluateWithResistance(DualState(x[li] - x[electrolyte]), s).resistance.value)]
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? {
        let s = states.enumerated().map { DualState.variable(x[$0.element], $0.offset + 1) }
        return evaluate(DualState(x[li] - x[electrolyte]), s).current.value
    }
}

extension LiSEInterface {
    /// Netlist names of the model parameters: (name, key path, unit, default, source).
    public static let parameterTable: [(String, WritableKeyPath<Model, Double>, String, String, String)] = [
        ("area", \.area, "m²", "1e-4", "geometry"),
        ("pressure", \.pressure, "Pa", "3e6", "stack pressure"),
        ("temp", \.temperature, "K", "298.15", ""),
        ("vm", \.molarVolume, "m³/mol", "1.30e-5", "[V] Li"),
        ("jd", \.diffusionSupply, "A/m²", "0.5", "[E] Krauskopf 2019; Ea 53 kJ/mol"),
        ("kcr", \.creepSupply, "A/m²/MPa", "0.5", "[E] Kasemchainan CSC; Ea 37 kJ/mol"),
        ("hhalf", \.creepHindrance, "m", "10e-6", "[E] Darnbrough 2024"),
        ("hv", \.voidDepth, "m", "5e-6", "[E]"),
        ("msharp", \.sharpness, "-", "4", "[E]"),
        ("tcr", \.creepTime, "s", "600", "[E]"),
        ("nc", \.creepExponent, "-", "1", "[E]"),
        ("pc", \.contactPressure, "Pa", "45e6", "[D] Krauskopf/Zhang contact data"),
        ("phiw", \.wettedFraction, "-", "0.3 (bare); 0.9–0.95 interlayer", "[E]"),
        ("kadh", \.adhesionRate, "1/s", "0 (2e-3 interlayer)", "[E]"),
        ("etafill", \.fillEfficiency, "-", "0.5", "[E]"),
        ("rct", \.chargeTransfer, "Ω m²", "5e-5 (0.5 Ω cm²)", "[V]; Ea 0.43 eV"),
        ("rc0", \.constriction, "Ω m²", "7.5e-3 (75 Ω cm²)", "[D]"),
        ("beta", \.constrictionExponent, "-", "1", "[D]"),
        ("ril", \.interlayer, "Ω m²", "0 (1.4e-3 PPC)", "[V] Lu"),
        ("sigmaint", \.interphaseConductivity, "S/m", "1e-4", "[E]"),
        ("kp", \.parabolicRate, "m²/s", "1e-21 (LLZO) / 2e-19 (LPSCl)", "[D] Aktekin 2023; Ea 62 kJ/mol"),
        ("vint", \.interphaseMolarVolume, "m³/mol", "2.4e-5", "[D] Aktekin"),
        ("xi", \.interphaseChargeFraction, "-", "0", "[E]"),
        ("qdl", \.doubleLayer, "F/m²", "0.05 (5 µF/cm²)", "[E]"),
        ("jth", \.threshold, "A/m²", "16 (1.6 mA/cm²)", "[D] CCD calibration"),
        ("kappa", \.focusing, "-", "3 (bare), 1 (homogenised)", "[E]"),
        ("gf", \.growthGain, "-", "1000", "[E]"),
        ("gh", \.healingGain, "-", "300", "[E]"),
        ("pprop", \.propagationPressure, "Pa", "10e6", "[E]"),
        ("lse", \.electrolyteThickness, "m", "500e-6", "geometry"),
        ("rf", \.filamentRadius, "m", "1e-6", "[E]"),
        ("nf", \.filaments, "-", "1", "[E]"),
        ("lambdas", \.shortLength, "m", "2e-6", "[E]"),
        ("rholi", \.lithiumResistivity, "Ω m", "9.28e-8", "[L]"),
        ("rirr", \.ratchet, "-", "0.02", "[E]"),
        ("krec", \.recovery, "1/s", "0", "[E]"),
        ("chiiso", \.isolation, "-", "0.05", "[E]"),
        ("l0", \.healingLength, "m", "10e-6", "[E]"),
        ("hli", \.lithiumThickness, "m", "50e-6", "geometry"),
        ("lint0", \.initialInterphase, "m", "1e-9", "[E]"),
        ("hmin", \.exhaustionThickness, "m", "0.1e-6", "[E] Li left when stripping stops"),
        ("kdaistrip", \.daiStrip, "1/s", "0 (dai: 1e-3)", "[E] PHYSICS.md §8b, at j_ref"),
        ("kdaiplate", \.daiPlate, "1/s", "0 (dai: 1e-3)", "[E] §8b"),
        ("kdaicap", \.daiCap, "1/s", "0 (dai: 1e-4)", "[E] §8b"),
        ("jref", \.daiReference, "A/m²", "10 (1 mA/cm²)", "§8b"),
    ]
}

extension LiSEInterface: CatalogDevice {
    public static let typeName = "liinterface"
    public static let terminals = 2
    /// The card, from `parameterTable` (every parameter ≥ 0) plus KDAI, which sets both DAI
    /// polarities; `dai` registers the same card with `Model.dai` as defaults.
    public static let card = DeviceCard<Model>(
        title: "Li / solid-electrolyte interface", syntax: "YLIINTERFACE name li electrolyte model [param=value …]",
        summary: "Li / solid-electrolyte interface: breathing contact, ratchet, interphase memory, dendrite filament, Li inventory (PHYSICS.md §8a)",
        prototype: Model(),
        parameters: parameterTable.map { name, keyPath, unit, defaultText, source in
            CardParameter<Model>.field(name, keyPath, unit: unit, range: .nonNegative, scope: .either, default: defaultText, source.isEmpty ? name : source, source: source)
        } + [CardParameter<Model>("kdai", unit: "1/s", range: .nonNegative, scope: .either, default: "—", "sets KDAISTRIP and KDAIPLATE",
                                  assign: { $0.daiStrip = $1; $0.daiPlate = $1 }, current: { _ in nil })])

    public init(name: String, nodes: [Int], parameters m: Model, at location: SourceLocation) throws {
        for (n, v) in [("area", m.area), ("temp", m.temperature), ("lse", m.electrolyteThickness), ("hli", m.lithiumThickness), ("hv", m.voidDepth),
                       ("tcr", m.creepTime), ("jref", m.daiReference)] where !(v > 0) {
            throw InputError(location, "'\(name)': parameter \(n.uppercased()) must be positive")
        }
        guard m.pressure <= 1e9 else { throw InputError(location, "'\(name)': PRESSURE \(m.pressure) Pa is out of range (≤ 1 GPa)") }
        guard m.wettedFraction <= 1 else { throw InputError(location, "'\(name)': PHIW must be in [0, 1]") }
        self.init(name: name, li: nodes[0], electrolyte: nodes[1], model: m)
    }
}
