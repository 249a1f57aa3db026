import Devices
import LithicCore

// The `.model NAME memristor (LEVEL=…)` card, one declaration per level: names, units, ranges,
// meanings and sources; `MemristorModel.from` applies them and `lithic devices memristor`
// prints them. TEAM and VTEAM (Kvatinsky 2013, 2015) share their threshold-model parameters,
// declared once in `thresholdParameters`.

/// The parameters TEAM (level 2) and VTEAM (level 5) have in common.
protocol ThresholdMemristorParameters {
    var ron: Double { get set }
    var roff: Double { get set }
    var xon: Double { get set }
    var xoff: Double { get set }
    var kon: Double { get set }
    var koff: Double { get set }
    var alphaOn: Double { get set }
    var alphaOff: Double { get set }
    var wc: Double { get set }
    var aon: Double { get set }
    var aoff: Double { get set }
    var p: Double { get set }
    var j: Double { get set }
    var xscaling: Double { get set }
}

extension MemristorModel.TEAM: ThresholdMemristorParameters {}
extension MemristorModel.VTEAM: ThresholdMemristorParameters {}

/// Selector and state parameters every level accepts: LEVEL, the window code WT (read by
/// `from`), the initial state X0.
private func commonParameters<T>(window: Bool) -> [CardParameter<T>] {
    var out: [CardParameter<T>] = [
        CardParameter("level", unit: "-", range: .unbounded, status: .label, default: "1",
                      "1 HP linear drift, 2 TEAM (Xyce), 3 Yakopcic (Xyce), 5 VTEAM, 6 Stanford/ASU RRAM, 10 LLZO filament",
                      assign: { _, _ in }, current: { _ in nil }),
        CardParameter("x0", aliases: ["xo"], unit: "state unit", range: .unbounded, scope: .either, status: .label, default: "level default",
                      "initial state, held during the operating point (also on the instance line)", assign: { _, _ in }, current: { _ in nil }),
    ]
    if window {
        out.append(CardParameter("wt", aliases: ["window"], unit: "-", range: .unbounded, status: .label, default: "level default",
                                 "window: 0 none, 1 Joglekar, 2 Biolek, 3 Prodromakis, 4 Kvatinsky",
                                 source: "Joglekar 2009, Biolek 2009, Prodromakis 2011, Kvatinsky 2013", assign: { _, _ in }, current: { _ in nil }))
    }
    return out
}

/// A rate constant stored with the sign its polarity needs (−|v| for the ON direction).
private func signed<T>(_ name: String, _ keyPath: WritableKeyPath<T, Double>, negative: Bool, unit: String, _ summary: String,
                       source: String) -> CardParameter<T> {
    CardParameter(name, unit: unit, range: .any, negative ? "\(summary) (taken as −|value|)" : "\(summary) (taken as |value|)", source: source,
                  assign: { $0[keyPath: keyPath] = negative ? -abs($1) : abs($1) }, current: { $0[keyPath: keyPath] })
}

func thresholdParameters<T: ThresholdMemristorParameters>(source: String) -> [CardParameter<T>] {
    [
        .field("ron", \.ron, unit: "Ω", range: .positive, "ON resistance", source: source),
        .field("roff", \.roff, unit: "Ω", range: .positive, "OFF resistance", source: source),
        .field("xon", \.xon, unit: "m", "state at R = RON", source: source),
        .field("xoff", \.xoff, unit: "m", "state at R = ROFF (> XON)", source: source),
        signed("kon", \.kon, negative: true, unit: "m/s", "ON rate constant", source: source),
        signed("koff", \.koff, negative: false, unit: "m/s", "OFF rate constant", source: source),
        .field("alphaon", \.alphaOn, unit: "-", "ON nonlinearity exponent", source: source),
        .field("alphaoff", \.alphaOff, unit: "-", "OFF nonlinearity exponent", source: source),
        .field("wc", \.wc, unit: "m", range: .positive, "Kvatinsky window width", source: source),
        CardParameter("aon", unit: "m", default: "XON + 5·WC", "Kvatinsky window ON edge (Lithic's default keeps the window inside the range)",
                      source: source, assign: { $0.aon = $1 }, current: { $0.aon }),
        CardParameter("aoff", unit: "m", default: "XOFF − 5·WC", "Kvatinsky window OFF edge", source: source,
                      assign: { $0.aoff = $1 }, current: { $0.aoff }),
        .field("p", \.p, unit: "-", range: .interval(0, 1000, lowerOpen: true, upperOpen: false), "window exponent", source: source),
        .field("j", \.j, unit: "-", "window scale", source: source),
        .field("xscaling", \.xscaling, unit: "-", range: .positive, "state scaling of the netlist's state unit", source: source),
    ]
}

extension MemristorModel.LinearDrift {
    static let card = DeviceCard<Self>(
        title: "memristor level 1 (HP linear drift)", syntax: ".model NAME memristor (LEVEL=1 RON= ROFF= D= UV= P= J= WT=)",
        summary: "HP TiO2 linear ion drift (Strukov 2008) with Joglekar/Biolek/Prodromakis windows; state x ∈ [0, 1]",
        prototype: Self(), parameters: commonParameters(window: true) + [
            .field("ron", \.ron, unit: "Ω", range: .positive, "ON resistance", source: "Strukov 2008"),
            .field("roff", \.roff, unit: "Ω", range: .positive, "OFF resistance", source: "Strukov 2008"),
            .field("d", \.d, unit: "m", range: .positive, "film thickness", source: "Strukov 2008"),
            .field("uv", \.uv, unit: "m²/(V s)", range: .positive, "dopant mobility", source: "Strukov 2008"),
            .field("p", \.p, unit: "-", range: .interval(0, 1000, lowerOpen: true, upperOpen: false), "window exponent", source: "Joglekar 2009"),
            .field("j", \.j, unit: "-", "window scale", source: "Prodromakis 2011"),
        ])
}

extension MemristorModel.TEAM {
    static let card = DeviceCard<Self>(
        title: "memristor level 2 (TEAM)", syntax: ".model NAME memristor (LEVEL=2 RON= ROFF= XON= XOFF= KON= KOFF= ALPHAON= ALPHAOFF= ION= IOFF= …)",
        summary: "TEAM current-threshold model (Kvatinsky 2013), Xyce's names and defaults; IVRELATION 0 linear, 1 exponential",
        prototype: Self(), parameters: commonParameters(window: true) + thresholdParameters(source: "Kvatinsky 2013; Xyce defaults") + [
            signed("ion", \.ion, negative: true, unit: "A", "ON current threshold", source: "Kvatinsky 2013"),
            signed("ioff", \.ioff, negative: false, unit: "A", "OFF current threshold", source: "Kvatinsky 2013"),
            .field("d", \.d, unit: "m", "film thickness (Joglekar/Biolek windows)", source: "Xyce"),
            CardParameter("ivrelation", unit: "-", range: .unbounded, status: .label, default: "0", "0 linear, 1 exponential I–V relation",
                          source: "Kvatinsky 2013", assign: { _, _ in }, current: { _ in nil }),
        ])
}

extension MemristorModel.VTEAM {
    static let card = DeviceCard<Self>(
        title: "memristor level 5 (VTEAM)", syntax: ".model NAME memristor (LEVEL=5 RON= ROFF= XON= XOFF= KON= KOFF= ALPHAON= ALPHAOFF= VON= VOFF= …)",
        summary: "VTEAM voltage-threshold model (Kvatinsky 2015), MemTorch defaults; Kvatinsky window kept inside the state range",
        prototype: Self(), parameters: commonParameters(window: true) + thresholdParameters(source: "Kvatinsky 2015; MemTorch defaults") + [
            signed("von", \.von, negative: true, unit: "V", "ON voltage threshold", source: "MemTorch"),
            signed("voff", \.voff, negative: false, unit: "V", "OFF voltage threshold", source: "MemTorch"),
        ])
}

extension MemristorModel.Yakopcic {
    static let card = DeviceCard<Self>(
        title: "memristor level 3 (Yakopcic)", syntax: ".model NAME memristor (LEVEL=3 A1= A2= B= VP= VN= AP= AN= XP= XN= ALPHAP= ALPHAN= ETA=)",
        summary: "Yakopcic generalised memristor model (Yakopcic 2011/2013), Xyce's names and defaults; state x ∈ [0, 1]",
        prototype: Self(), parameters: commonParameters(window: false) + [
            .field("a1", \.a1, unit: "A", "positive-bias current scale", source: "Yakopcic 2011"),
            .field("a2", \.a2, unit: "A", "negative-bias current scale", source: "Yakopcic 2011"),
            .field("b", \.b, unit: "1/V", "sinh steepness", source: "Yakopcic 2011"),
            .field("vp", \.vp, unit: "V", "positive switching threshold", source: "Yakopcic 2011"),
            .field("vn", \.vn, unit: "V", "negative switching threshold", source: "Yakopcic 2011"),
            .field("ap", \.ap, unit: "1/s", "positive rate", source: "Yakopcic 2011"),
            .field("an", \.an, unit: "1/s", "negative rate", source: "Yakopcic 2011"),
            .field("xp", \.xp, unit: "-", "positive window onset (≤ 1)", source: "Yakopcic 2011"),
            .field("xn", \.xn, unit: "-", "negative window onset (≤ 1)", source: "Yakopcic 2011"),
            .field("alphap", \.alphaP, unit: "-", "positive window decay", source: "Yakopcic 2011"),
            .field("alphan", \.alphaN, unit: "-", "negative window decay", source: "Yakopcic 2011"),
            .field("eta", \.eta, unit: "-", "direction of state change (±1)", source: "Yakopcic 2013"),
            .notModelled("xscaling", unit: "-", neutral: 1, "state scaling (Xyce; the state is dimensionless here)"),
        ])
}

extension MemristorModel.LLZOFilament {
    static let card = DeviceCard<Self>(
        title: "memristor level 10 (LLZO Li filament)", syntax: ".model NAME memristor (LEVEL=10 GAP= A= SIGMA= RF= RHO= RC= LAMBDA= I0= …)",
        summary: "Li filament through an LLZO gap (ECM): ionic spreading + metallic filament conduction, Butler–Volmer tip growth, optional filament interphase (PHYSICS.md §5, §8d); state y(device) in nm",
        prototype: Self(), parameters: commonParameters(window: false) + [
            .field("gap", \.gap, unit: "m", range: .positive, "electrode gap L", source: "PHYSICS.md §5 [E]"),
            .field("a", \.contactRadius, unit: "m", range: .positive, "nano-electrode contact radius", source: "PHYSICS.md §5"),
            .field("sigma", \.conductivity, unit: "S/m", range: .positive, "LLZO ionic conductivity", source: "PHYSICS.md §2.1 (0.46 mS/cm)"),
            .field("rf", \.filamentRadius, unit: "m", range: .positive, "filament radius", source: "PHYSICS.md §5"),
            .field("rho", \.lithiumResistivity, unit: "Ω m", range: .positive, "Li resistivity", source: "[L]"),
            .field("rc", \.contactResistance, unit: "Ω", range: .nonNegative, "filament contact resistance", source: "[E]"),
            .field("lambda", \.decayLength, unit: "m", range: .positive, "tunnelling/gap decay length", source: "[E]"),
            .field("i0", \.exchangeCurrent, unit: "A/m²", range: .positive, "tip exchange current density", source: "[E]"),
            .field("alphac", \.alphaCathodic, unit: "-", "cathodic transfer coefficient", source: "symmetric transfer"),
            .field("alphaa", \.alphaAnodic, unit: "-", "anodic transfer coefficient", source: "symmetric transfer"),
            .field("keta", \.overpotentialShare, unit: "-", range: .positive, "share of the applied voltage at the tip", source: "[E]"),
            .field("vm", \.molarVolume, unit: "m³/mol", range: .positive, "Li molar volume", source: "[V] Li"),
            .field("delta", \.smoothing, unit: "m", range: .positive, "window smoothing at ℓ = 0 and ℓ = L", source: "Lithic"),
            .field("temp", \.temperature, unit: "K", range: .positive, "temperature"),
            .field("kp", \.interphaseParabolic, unit: "m²/s", range: .nonNegative, "filament interphase parabolic rate (0 = off)", source: "Aktekin 2023 (LLZO ≤ 3.6e-21)"),
            .field("xi", \.interphaseFraction, unit: "-", range: .interval(0, 1, lowerOpen: false, upperOpen: false), "share of the tip charge consumed by the interphase", source: "[E]"),
            .field("rhoint", \.interphaseResistivity, unit: "Ω m", range: .nonNegative, "interphase resistivity", source: "[E]"),
            .field("lint0", \.interphaseInitial, unit: "m", range: .positive, "initial interphase thickness", source: "[E]"),
        ])
}

extension MemristorModel.StanfordRRAM {
    static let card = DeviceCard<Self>(
        title: "memristor level 6 (Stanford/ASU RRAM)", syntax: ".model NAME memristor (LEVEL=6 I0= G0= V0= VEL0= EA= A0= GAMMA0= BETA= ALPHA= TOX= FMIN= RTH= T0= GMIN= GMAX= …)",
        summary: "Stanford/ASU RRAM v1.0 (Jiang et al. 2014, nanoHUB doi:10.4231/D37H1DN48): gap-controlled tunnelling with field and Joule heating; state = gap in nm",
        prototype: Self(), parameters: commonParameters(window: false) + [
            .field("i0", \.i0, unit: "A", range: .positive, "current scale", source: "Stanford v1.0"),
            .field("g0", \.g0, unit: "m", range: .positive, "gap decay length", source: "Stanford v1.0"),
            .field("v0", \.v0, unit: "V", range: .positive, "voltage scale", source: "Stanford v1.0"),
            .field("vel0", \.velocity, unit: "m/s", range: .positive, "attempt velocity", source: "Stanford v1.0"),
            .field("ea", \.activationEnergy, unit: "eV", range: .nonNegative, "activation energy", source: "Stanford v1.0"),
            .field("a0", \.hopDistance, unit: "m", range: .positive, "hopping distance", source: "Stanford v1.0"),
            .field("gamma0", \.gamma0, unit: "-", "field enhancement at zero gap", source: "Stanford v1.0"),
            .field("beta", \.beta, unit: "-", range: .nonNegative, "field enhancement slope", source: "Stanford v1.0"),
            .field("alpha", \.alpha, unit: "-", "field enhancement exponent", source: "Stanford v1.0"),
            .field("tox", \.oxideThickness, unit: "m", range: .positive, "oxide thickness", source: "Stanford v1.0"),
            .field("fmin", \.minimumField, unit: "V/m", range: .nonNegative, "minimum field for gap change", source: "Stanford v1.0"),
            .field("rth", \.thermalResistance, unit: "K/W", range: .nonNegative, "thermal resistance", source: "Stanford v1.0"),
            .field("t0", \.ambient, unit: "K", range: .positive, "ambient temperature", source: "Stanford v1.0"),
            .field("gmin", \.gapMinimum, unit: "m", range: .positive, "minimum gap", source: "Stanford v1.0"),
            .field("gmax", \.gapMaximum, unit: "m", "maximum gap (> GMIN)", source: "Stanford v1.0"),
            .field("fwidth", \.fieldWidth, unit: "V/m", range: .positive, "smoothing of the F_min threshold", source: "Lithic"),
            .field("gsmooth", \.gapSmoothing, unit: "m", range: .positive, "smoothing of the gap limits", source: "Lithic"),
            .field("tstep", \.stepBound, unit: "s", range: .nonNegative, "per-device step bound ($bound_step; 0 none)", source: "Stanford v1.0"),
        ])
}

extension MemristorModel {
    /// Every level's card, for `lithic devices memristor`.
    public static var cards: [CardDocumentation] {
        [LinearDrift.card.documentation, TEAM.card.documentation, Yakopcic.card.documentation, VTEAM.card.documentation,
         StanfordRRAM.card.documentation, LLZOFilament.card.documentation]
    }
}
