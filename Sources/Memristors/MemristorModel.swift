import FoundationEssentials
import Glibc
import LithicCore
import Devices

/// The memristor compact models Lithic knows, selected by `level` on `.model name memristor`:
///
/// | level | model | state | source |
/// |---|---|---|---|
/// | 1 | linear ion drift (HP) with a window | x = w/D ∈ [0, 1] | Strukov et al., Nature 453:80 (2008) |
/// | 2 | TEAM (Xyce-compatible parameters) | x in m × XSCALING | Kvatinsky et al., IEEE TCAS-I 60(1):211 (2013) |
/// | 3 | Yakopcic (Xyce-compatible parameters) | x ∈ [0, 1] | Yakopcic et al., IEEE EDL 32(10) (2011), TCAD 32(8) (2013) |
/// | 5 | VTEAM | x in m × XSCALING | Kvatinsky et al., IEEE TCAS-II 62(8):786 (2015) |
/// | 6 | Stanford/ASU RRAM filament gap | gap g in nm | Guan, Yu, Wong, IEEE EDL 33(10) (2012); Jiang et al., SISPAD 2014 (nanoHUB doi:10.4231/D37H1DN48) |
/// | 10 | LLZO Li-filament (ECM structure) | filament length ℓ in µm | PHYSICS.md §5, §8d; Menzel & Waser ECM compact models |
///
/// Levels 2 and 3 use Xyce's parameter names and defaults, so Xyce netlists with
/// `YMEMRISTOR name n+ n- model` run unchanged. The current I(V, x) and the rate dx/dt are
/// written over `Dual2`, so the device Jacobian is exact.
public enum MemristorModel: Sendable {
    case linearDrift(LinearDrift)
    case team(TEAM)
    case yakopcic(Yakopcic)
    case vteam(VTEAM)
    case llzo(LLZOFilament)
    case stanford(StanfordRRAM)

    /// Linear ion drift: R(x) = Ron·x + Roff·(1 − x), dx/dt = μv·Ron/D²·i·f(x).
    public struct LinearDrift: Sendable {
        public var ron = 100.0, roff = 16e3, d = 10e-9, uv = 1e-14, p = 2.0, j = 1.0
        public var window = MemristorWindow.biolek
    }
    /// TEAM (current-controlled). Xyce names; ION is taken as −|ION|.
    public struct TEAM: Sendable {
        public var ron = 50.0, roff = 1000.0, xon = 0.0, xoff = 3e-9, kon = -8e-13, koff = 8e-13
        public var alphaOn = 3.0, alphaOff = 3.0, ion = -8.9e-6, ioff = 1.15e-4, aon = 0.0, aoff = 3e-9, wc = 1.07e-12
        public var d = 3e-9, p = 1.0, j = 1.0, window = MemristorWindow.none, xscaling = 1.0
        /// 0: linear R(x); 1: exponential R(x) = Ron·e^{λ(x−xon)/(xoff−xon)}, λ = ln(Roff/Ron).
        public var ivRelation = 0
    }
    /// Yakopcic (voltage-controlled, sinh conduction). Xyce names.
    public struct Yakopcic: Sendable {
        public var a1 = 1.0, a2 = 1.0, b = 1.0, vp = 0.01, vn = 0.01, ap = 1.0, an = 1.0
        public var xp = 1.0, xn = 1.0, alphaP = 1.0, alphaN = 1.0, eta = 1.0
    }
    /// VTEAM (voltage-controlled thresholds). MemTorch's published defaults.
    public struct VTEAM: Sendable {
        public var ron = 50.0, roff = 1000.0, xon = 0.0, xoff = 3e-9, kon = -10.0, koff = 5e-4
        /// The Kvatinsky window's edges: by default five widths inside the state range, so the
        /// window has closed before the state reaches XON or XOFF (with a_on = x_on, as in
        /// MemTorch's defaults, the window is still 0.37 at the boundary and the state runs past
        /// it into negative resistance; MemTorch hides this by clipping).
        public var alphaOn = 3.0, alphaOff = 1.0, von = -0.2, voff = 0.02, aon = 0.5e-9, aoff = 2.5e-9, wc = 1e-10
        public var p = 1.0, j = 1.0, window = MemristorWindow.kvatinsky, xscaling = 1e9
    }

    /// A Li filament growing through a garnet (LLZO) gap from a nano-electrode: electrochemical
    /// metallisation (ECM) structure with the filament length ℓ as state (PHYSICS.md §5, §8d).
    ///
    /// Current: I = V/R_ion + V·e^{−g/λ}/R_fil(ℓ), gap g = L − ℓ; R_ion = 1/(4σa) is the spreading
    /// resistance under the contact (the OFF state, ≈ 1.1e8 Ω for a = 50 nm on 0.046 S/m LLZO),
    /// R_fil = ρ_Li·ℓ/(πr²) + R_contact the metallic filament (the ON state, ≈ 1.2 kΩ for
    /// r = 5–6 nm, ℓ = 1 µm; 0.89 kΩ with the defaults, so on/off ≈ 1.2e5). Growth at the tip by Butler–Volmer kinetics with the tip overpotential
    /// taken as η = k_η·V: dℓ/dt = (V_m/F)·i₀·[e^{α_c F η/RT} − e^{−α_a F η/RT}]·w(ℓ); positive V
    /// plates Li at the tip (SET), negative V strips it (RESET, the "healing" of Lu et al.).
    /// w closes smoothly within δ of ℓ = 0 and ℓ = L. [E]-marked values need calibration.
    public struct LLZOFilament: Sendable {
        /// Gap between nano-electrode and counter electrode, L (m) [E].
        public var gap = 1e-6
        /// Contact radius a (m) and LLZO conductivity σ (S/m) [PHYSICS §2.1: 0.46 mS/cm].
        public var contactRadius = 50e-9
        public var conductivity = 0.046
        /// Filament radius r (m) [D: 5–6 nm gives R_on ≈ 1 kΩ] and Li resistivity ρ (Ω m, 9.5e-8 at 298 K).
        public var filamentRadius = 6e-9
        public var lithiumResistivity = 9.5e-8
        /// Series contact resistance of the ON path (Ω) [E].
        public var contactResistance = 50.0
        /// Decay length of the gap conduction λ (m) [E: tunnelling 0.1–0.3 nm, soft short µm].
        public var decayLength = 20e-9
        /// Exchange current density at the tip i₀ (A/m², 10 mA/cm² [E, §2.3 range]).
        public var exchangeCurrent = 100.0
        public var alphaCathodic = 0.5, alphaAnodic = 0.5
        /// Share of the applied voltage that drives the tip reaction [E].
        public var overpotentialShare = 1.0
        /// Molar volume of Li (m³/mol).
        public var molarVolume = 1.3e-5
        /// Window smoothing length δ (m).
        public var smoothing = 10e-9
        /// Temperature (K).
        public var temperature = 298.15
        /// Optional endurance drift (PHYSICS §8d "optional memory"): an interphase of thickness
        /// L_int grows on the filament surface, dL_int/dt = k_p/(2 L_int) + ξ·|j_tip|·V_m/F, and
        /// adds ρ_int·L_int/(πr²) to the ON path, so R_on creeps up cycle by cycle. Off when
        /// k_p = ξ = 0 (the default); then the device has no second state.
        /// Parabolic constant k_p (m²/s; LLZO-like ≤ 3.6e-21, Aktekin 2023 via PHYSICS §6.7).
        public var interphaseParabolic = 0.0
        /// Fraction ξ of the tip's Faradaic charge that builds interphase instead of Li (-) [E].
        public var interphaseFraction = 0.0
        /// Interphase resistivity ρ_int (Ω m) [E] and initial thickness (m).
        public var interphaseResistivity = 1e-3
        public var interphaseInitial = 0.1e-9

        var ionResistance: Double { 1 / (4 * conductivity * contactRadius) }
        var hasInterphase: Bool { interphaseParabolic > 0 || interphaseFraction > 0 }
        /// Smooth window on the tip reaction: closes within δ of the empty and of the bridged
        /// end, depending on the direction of v. `length` in m.
        func tipWindow(_ v: Dual2, _ length: Dual2) -> Dual2 {
            v.value >= 0 ? 1 - Dual2.exp((length - gap) / smoothing) : 1 - Dual2.exp(-length / smoothing)
        }
        /// The tip's Butler–Volmer current density (A/m²) at voltage v.
        func tipCurrentDensity(_ v: Dual2) -> Dual2 {
            let fRT = PhysicalConstant.faraday / (PhysicalConstant.gas * temperature)
            let eta = overpotentialShare * v
            return exchangeCurrent * (Dual2.exp(alphaCathodic * fRT * eta) - Dual2.exp(-alphaAnodic * fRT * eta))
        }
    }

    /// The Stanford/ASU filament-gap RRAM model (version 1.0, "standard" deterministic mode): a
    /// conductive filament whose tip is separated from the far electrode by a gap g.
    ///
    /// I = I₀·e^{−g/g₀}·sinh(V/V₀) (tunnelling through the gap);
    /// dg/dt = −v₀·e^{−q·Eₐ/(k·T)}·sinh(γ·a₀·q·V/(t_ox·k·T)) (field-enhanced, Arrhenius-activated
    /// hopping of oxygen ions/vacancies), γ = γ₀ − β·(g/1 nm)^α, local temperature
    /// T = T₀ + |V·I|·R_th (Joule heating). Positive V shrinks the gap (SET), negative V opens it.
    ///
    /// Two switches of the published Verilog-A are made smooth so Newton sees a differentiable
    /// device: the field threshold "γ = 0 when γ|V|/t_ox < F_min" becomes a logistic of width
    /// FWIDTH (V/m), and the hard clamp of g to [g_min, g_max] becomes a window
    /// 1 − e^{(g − g_max)/δ} (opening) or 1 − e^{(g_min − g)/δ} (closing) with δ = GSMOOTH.
    /// The random gap fluctuation of the "dynamic" mode (δg₀, T_crit, T_smth) is not modelled.
    /// The Verilog-A bounds the time step with `$bound_step(time_step)`; TSTEP does the same here
    /// (0 = no bound, the default, since Lithic's truncation-error control watches the gap).
    public struct StanfordRRAM: Sendable {
        /// Current scale I₀ (A), gap decay length g₀ (m), voltage scale V₀ (V).
        public var i0 = 1e-3, g0 = 0.25e-9, v0 = 0.25
        /// Attempt velocity v₀ (m/s), activation energy Eₐ (eV), hopping distance a₀ (m).
        public var velocity = 10.0, activationEnergy = 0.6, hopDistance = 0.25e-9
        /// Field-enhancement γ = γ₀ − β·(g/1 nm)^α.
        public var gamma0 = 16.0, beta = 0.8, alpha = 3.0
        /// Oxide thickness t_ox (m) and minimum field F_min (V/m) for gap change.
        public var oxideThickness = 12e-9, minimumField = 1.4e9
        /// Thermal resistance R_th (K/W) and ambient temperature T₀ (K).
        public var thermalResistance = 2.1e3, ambient = 298.0
        /// Gap range (m).
        public var gapMinimum = 0.2e-9, gapMaximum = 1.7e-9
        /// Lithic's smoothing: width of the field threshold (V/m) and of the gap limits (m).
        public var fieldWidth = 1e7, gapSmoothing = 0.01e-9
        /// The per-device step bound (s); 0 for none.
        public var stepBound = 0.0
    }

    /// Absolute tolerance of the state unknown (its unit).
    public var stateTolerance: Double {
        switch self {
        case .linearDrift, .yakopcic: return 1e-6
        case .team(let m): return 1e-6 * (m.xoff - m.xon) * m.xscaling
        case .vteam(let m): return 1e-6 * (m.xoff - m.xon) * m.xscaling
        case .llzo(let m): return 1e-6 * m.gap * 1e6
        case .stanford(let m): return 1e-6 * (m.gapMaximum - m.gapMinimum) * 1e9
        }
    }

    /// The model's own bound on the transient step (s), if any.
    public var maximumTimeStep: Double? {
        if case .stanford(let m) = self, m.stepBound > 0 { return m.stepBound }
        return nil
    }

    /// True when the model carries a second state (the LLZO filament's interphase, nm).
    public var hasSecondState: Bool {
        if case .llzo(let m) = self { return m.hasInterphase }
        return false
    }

    /// Initial value of the second state (nm), when there is one.
    public var secondStateInitial: Double {
        if case .llzo(let m) = self { return m.interphaseInitial * 1e9 }
        return 0
    }

    /// The model's physics, for evaluation without copying its parameters.
    public var physics: any MemristorPhysics {
        switch self {
        case .linearDrift(let m): return m
        case .team(let m): return m
        case .yakopcic(let m): return m
        case .vteam(let m): return m
        case .llzo(let m): return m
        case .stanford(let m): return m
        }
    }

    /// Device current (A) from n+ to n- at voltage v, state x and second state y (if any).
    public func current(v: Dual2, x: Dual2, y: Dual2 = Dual2(0)) -> Dual2 { physics.current(v: v, x: x, y: y) }

    static func teamResistance(_ ron: Double, _ roff: Double, _ xon: Double, _ xoff: Double, _ relation: Int, _ x: Dual2) -> Dual2 {
        let s = (x - xon) / (xoff - xon)
        if relation == 1 { return ron * Dual2.exp(log(roff / ron) * s) }
        return ron + (roff - ron) * s
    }

    /// dx/dt in the state's unit per second.
    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 { physics.rate(v: v, x: x, i: i) }

    /// dy/dt of the second state (nm/s): the LLZO interphase growth (zero for other models).
    public func secondRate(v: Dual2, x: Dual2, y: Dual2) -> Dual2 { physics.secondRate(v: v, x: x, y: y) }

    /// TEAM windows on the physical state x (m): Joglekar/Biolek/Prodromakis on x/D, Kvatinsky on x.
    static func teamWindow(_ w: MemristorWindow, _ x: Dual2, increasing: Bool, _ p: Double, _ j: Double, _ d: Double,
                    _ aon: Double, _ aoff: Double, _ wc: Double) -> Dual2 {
        switch w {
        case .kvatinsky: return w.value(x, increasing: increasing, p: p, j: j, aOn: aon, aOff: aoff, wc: wc)
        default: return w.value(x / d, increasing: increasing, p: p, j: j)
        }
    }
}

/// The physics of one compact model: its current and state rates over `Dual2` (exact
/// derivatives). Each parameter struct of `MemristorModel` conforms; a device keeps its model as
/// `any MemristorPhysics` so the hot path calls the model through one witness-table call and never
/// copies its parameters (switching over the enum copied them out on every evaluation: 10 % of a
/// 64×64 crossbar transient).
public protocol MemristorPhysics: Sendable {
    /// Device current (A) from n+ to n- at voltage v, state x and second state y (if any).
    func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2
    /// dx/dt in the state's unit per second.
    func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2
    /// dy/dt of the second state (nm/s); zero for models without one.
    func secondRate(v: Dual2, x: Dual2, y: Dual2) -> Dual2
}

extension MemristorPhysics {
    public func secondRate(v: Dual2, x: Dual2, y: Dual2) -> Dual2 { Dual2(0) }
}


extension MemristorModel.LinearDrift: MemristorPhysics {
    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        return v / (m.ron * x + m.roff * (1 - x))
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let f = m.window.value(x, increasing: i.value >= 0, p: m.p, j: m.j)
        return (m.uv * m.ron / (m.d * m.d)) * i * f
    }
}


extension MemristorModel.TEAM: MemristorPhysics {
    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        return v / MemristorModel.teamResistance(m.ron, m.roff, m.xon, m.xoff, m.ivRelation, x / m.xscaling)
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let xm = x / m.xscaling
        if i.value > m.ioff {
            let f = MemristorModel.teamWindow(m.window, xm, increasing: true, m.p, m.j, m.d, m.aon, m.aoff, m.wc)
            return m.xscaling * m.koff * Dual2.pow(i / m.ioff - 1, m.alphaOff) * f
        }
        if i.value < m.ion {
            let f = MemristorModel.teamWindow(m.window, xm, increasing: false, m.p, m.j, m.d, m.aon, m.aoff, m.wc)
            return m.xscaling * m.kon * Dual2.pow(i / m.ion - 1, m.alphaOn) * f
        }
        return Dual2(0)
    }
}


extension MemristorModel.Yakopcic: MemristorPhysics {
    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        return (v.value >= 0 ? m.a1 : m.a2) * x * Dual2.sinh(m.b * v)
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let vn = abs(m.vn)
        var g = Dual2(0)
        if v.value > m.vp { g = m.ap * (Dual2.exp(v) - exp(m.vp)) }
        else if v.value < -vn { g = -m.an * (Dual2.exp(-v) - exp(vn)) }
        if g.value == 0 { return Dual2(0) }
        var f = Dual2(1)
        if m.eta * v.value > 0 {
            if x.value >= m.xp { f = Dual2.exp(-m.alphaP * (x - m.xp)) * ((m.xp - x) / (1 - m.xp) + 1) }
        } else {
            if x.value <= 1 - m.xn { f = Dual2.exp(m.alphaN * (x + m.xn - 1)) * (x / (1 - m.xn)) }
        }
        return m.eta * g * f
    }
}


extension MemristorModel.VTEAM: MemristorPhysics {
    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        return v / MemristorModel.teamResistance(m.ron, m.roff, m.xon, m.xoff, 0, x / m.xscaling)
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let xm = x / m.xscaling
        let d = m.xoff - m.xon
        if v.value > m.voff {
            let f = MemristorModel.teamWindow(m.window, xm, increasing: true, m.p, m.j, d, m.aon, m.aoff, m.wc)
            return m.xscaling * m.koff * Dual2.pow(v / m.voff - 1, m.alphaOff) * f
        }
        if v.value < m.von {
            let f = MemristorModel.teamWindow(m.window, xm, increasing: false, m.p, m.j, d, m.aon, m.aoff, m.wc)
            return m.xscaling * m.kon * Dual2.pow(v / m.von - 1, m.alphaOn) * f
        }
        return Dual2(0)
    }
}


extension MemristorModel.LLZOFilament: MemristorPhysics {
    /// dy/dt of the second state (nm/s): the LLZO interphase growth, parabolic plus a share of
    /// the tip's Faradaic current (as windowed for the filament) in either direction, |j|
    /// smoothed over 1e-3 A/m².
    public func secondRate(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        guard m.hasInterphase else { return Dual2(0) }
        let thickness = y * 1e-9
        let j = m.tipCurrentDensity(v) * m.tipWindow(v, x * 1e-6)
        let magnitude = Dual2.sqrt(j * j + 1e-6) - 1e-3
        return 1e9 * (m.interphaseParabolic / 2 / thickness + (m.interphaseFraction * m.molarVolume / PhysicalConstant.faraday) * magnitude)
    }


    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        let length = x * 1e-6  // state in µm
        let section = Double.pi * m.filamentRadius * m.filamentRadius
        var filament = m.lithiumResistivity * length / section + m.contactResistance
        if m.hasInterphase { filament = filament + (m.interphaseResistivity * 1e-9 / section) * y }
        let bridge = Dual2.exp((length - m.gap) / m.decayLength)
        return v / m.ionResistance + v * bridge / filament
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let length = x * 1e-6
        return (1e6 * m.molarVolume / PhysicalConstant.faraday) * m.tipCurrentDensity(v) * m.tipWindow(v, length)
    }
}


extension MemristorModel.StanfordRRAM: MemristorPhysics {
    public func current(v: Dual2, x: Dual2, y: Dual2) -> Dual2 {
        let m = self
        return m.i0 * Dual2.exp(-(x * 1e-9) / m.g0) * Dual2.sinh(v / m.v0)
    }

    public func rate(v: Dual2, x: Dual2, i: Dual2) -> Dual2 {
        let m = self
        let kB = PhysicalConstant.boltzmann, q = PhysicalConstant.elementaryCharge
        let gap = x * 1e-9
        // V·I ≥ 0 always (I has the sign of V), so |V·I| = V·I.
        let temperature = m.ambient + v * i * m.thermalResistance
        let gamma = m.gamma0 - m.beta * Dual2.pow(gap / 1e-9, m.alpha)
        let field = gamma * (v.value >= 0 ? v : -v) / m.oxideThickness
        let gate = 1 / (1 + Dual2.exp((m.minimumField - field) / m.fieldWidth))
        let arrhenius = Dual2.exp(-(q * m.activationEnergy / kB) / temperature)
        let drive = Dual2.sinh(gamma * gate * (m.hopDistance * q / (m.oxideThickness * kB)) * v / temperature)
        let w = v.value >= 0
            ? 1 - Dual2.exp((m.gapMinimum - gap) / m.gapSmoothing)
            : 1 - Dual2.exp((gap - m.gapMaximum) / m.gapSmoothing)
        return (-1e9 * m.velocity) * arrhenius * drive * w
    }
}

extension MemristorModel {
    /// Builds a model from a `.model … memristor (level=…)` card's parameters through the
    /// level's card (`MemristorCards.swift`): unknown names and out-of-range values are input
    /// errors naming the parameter; conditions across parameters are checked here.
    public static func from(_ p: [String: Double], at location: SourceLocation,
                            warn: (SourceLocation, String) -> Void = { _, _ in }) throws -> MemristorModel {
        guard let level = (p["level"] ?? 1).exactInteger else {
            throw InputError(location, "memristor LEVEL must be a whole number, got \(p["level"] ?? 1)")
        }
        let given = p.keys.sorted().map { GivenParameter($0, p[$0] ?? 0, at: location) }
        func apply<T>(_ card: DeviceCard<T>) throws -> (T, Set<String>) {
            var m = card.prototype
            let seen = try card.apply(given, to: &m, scope: .model, owner: "\(card.title) model", unknown: .reject, warn: warn)
            return (m, seen)
        }
        func window(_ fallback: MemristorWindow) throws -> MemristorWindow {
            guard let v = p["wt"] ?? p["window"] else { return fallback }
            guard let code = v.exactInteger, let w = MemristorWindow(rawValue: code) else {
                throw InputError(location, "memristor window WT=\(v) is not one of 0 (none), 1 (Joglekar), 2 (Biolek), 3 (Prodromakis), 4 (Kvatinsky)")
            }
            return w
        }
        func positive(_ name: String, _ v: Double) throws {
            guard v > 0, v.isFinite else { throw InputError(location, "memristor parameter \(name.uppercased()) must be positive, got \(v)") }
        }
        /// Lithic's Kvatinsky window edges when not given: five window widths inside the range.
        func windowEdges<T: ThresholdMemristorParameters>(_ m: inout T, _ seen: Set<String>) {
            if !seen.contains("aon") { m.aon = m.xon + 5 * m.wc }
            if !seen.contains("aoff") { m.aoff = m.xoff - 5 * m.wc }
        }
        switch level {
        case 1:
            var (m, _) = try apply(LinearDrift.card)
            m.window = try window(.biolek)
            return .linearDrift(m)
        case 2:
            var (m, seen) = try apply(TEAM.card)
            windowEdges(&m, seen)
            m.window = try window(.none)
            let relation = p["ivrelation"] ?? 0
            guard let code = relation.exactInteger, code == 0 || code == 1 else {
                throw InputError(location, "memristor TEAM IVRELATION must be 0 (linear) or 1 (exponential), got \(relation)")
            }
            m.ivRelation = code
            try positive("ioff", m.ioff)
            guard m.xoff > m.xon else { throw InputError(location, "memristor TEAM needs XOFF > XON") }
            return .team(m)
        case 3:
            let (m, _) = try apply(Yakopcic.card)
            guard m.xp <= 1, m.xn <= 1 else { throw InputError(location, "memristor Yakopcic needs XP ≤ 1 and XN ≤ 1") }
            return .yakopcic(m)
        case 5:
            var (m, seen) = try apply(VTEAM.card)
            windowEdges(&m, seen)
            m.window = try window(.kvatinsky)
            try positive("voff", m.voff)
            guard m.xoff > m.xon else { throw InputError(location, "memristor VTEAM needs XOFF > XON") }
            return .vteam(m)
        case 10:
            let (m, _) = try apply(LLZOFilament.card)
            return .llzo(m)
        case 6:
            let (m, _) = try apply(StanfordRRAM.card)
            guard m.gapMaximum > m.gapMinimum else { throw InputError(location, "memristor Stanford model needs GMAX > GMIN") }
            guard m.gamma0 - m.beta * pow(m.gapMaximum / 1e-9, m.alpha) > 0 else {
                throw InputError(location, "memristor Stanford model: γ = GAMMA0 − BETA·(GMAX/1nm)^ALPHA must stay positive over the gap range")
            }
            return .stanford(m)
        default:
            throw InputError(location, "memristor level \(level) is not available (1 linear drift, 2 TEAM, 3 Yakopcic, 5 VTEAM, 6 Stanford/ASU RRAM, 10 LLZO filament)")
        }
    }

    /// The default initial state.
    public var defaultInitialState: Double {
        switch self {
        case .linearDrift: return 0.1
        case .yakopcic: return 0.11
        case .team(let m): return m.xon * m.xscaling
        case .vteam(let m): return m.xon * m.xscaling
        case .llzo(let m): return 0.02 * m.gap * 1e6
        case .stanford(let m): return m.gapMaximum * 1e9
        }
    }
}
