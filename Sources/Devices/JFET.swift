import Glibc
import LithicCore

/// Parameters of the SPICE level-1 junction FET (`.model name NJF|PJF (…)`), ngspice defaults.
public struct JFETModel: Sendable {
    /// +1 for an n-channel, −1 for a p-channel device.
    public var polarity = 1.0
    /// Threshold (pinch-off) voltage VTO (V), transconductance BETA (A/V²), channel-length
    /// modulation LAMBDA (1/V), doping-tail parameter B (1 = Shichman-Hodges).
    public var threshold = -2.0
    public var beta = 1e-4
    public var channelModulation = 0.0
    public var dopingTail = 1.0
    /// Drain and source resistances RD, RS (Ω).
    public var drainResistance = 0.0
    public var sourceResistance = 0.0
    /// Zero-bias gate-source and gate-drain capacitances CGS, CGD (F), junction potential PB (V),
    /// grading M, forward-bias coefficient FC; gate saturation current IS (A), emission N.
    public var gateSourceCapacitance = 0.0
    public var gateDrainCapacitance = 0.0
    public var junctionPotential = 1.0
    public var grading = 0.5
    public var depletionCoefficient = 0.5
    public var saturationCurrent = 1e-14
    public var emission = 1.0
    /// Flicker noise KF, AF (`.noise`).
    public var flicker = FlickerNoise()
    public init() {}
}

/// SPICE level-1 JFET `J<name> drain gate source model [area] [OFF]`: Shichman-Hodges channel
/// current (with the doping-tail parameter B as ngspice), symmetric in drain and source, two gate
/// junction diodes with depletion charge, series resistances and SPICE's junction and FET
/// limiting. After ngspice `jfetload.c` (Shichman & Hodges 1968; Parker & Skellern for B), in
/// residual form.
public struct JFET: Device {
    public let name: String
    public let drain: Int, gate: Int, source: Int
    public let model: JFETModel
    public let area: Double
    public let startOff: Bool
    let thermal: Double
    let critical: Double
    var dPrime = 0, sPrime = 0
    var limitSlot = 0
    var sRd = ConductanceSlots(), sRs = ConductanceSlots()
    // Rows d', g, s' against columns d', g, s'.
    var slots = [Int](repeating: 0, count: 9)

    public init(name: String, drain: Int, gate: Int, source: Int, model: JFETModel, area: Double = 1, off: Bool = false,
                temperature: Double = 300.15) {
        self.name = name; self.drain = drain; self.gate = gate; self.source = source
        self.model = model; self.area = area; self.startOff = off
        let vt = model.emission * PhysicalConstant.boltzmann * temperature / PhysicalConstant.elementaryCharge
        thermal = vt
        critical = vt * log(vt / (2.0.squareRoot() * model.saturationCurrent * area))
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        dPrime = model.drainResistance > 0 ? allocator.addUnknown(name + "#drain", kind: .voltage) : drain
        sPrime = model.sourceResistance > 0 ? allocator.addUnknown(name + "#source", kind: .voltage) : source
        limitSlot = allocator.addLimitState(2)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        if dPrime != drain { sRd = ConductanceSlots(&binder, drain, dPrime) }
        if sPrime != source { sRs = ConductanceSlots(&binder, source, sPrime) }
        let nodes = [dPrime, gate, sPrime]
        for r in 0..<3 { for c in 0..<3 { slots[3 * r + c] = binder.slot(nodes[r], nodes[c]) } }
    }

    /// Adds ∂(row)/∂v_gs and ∂(row)/∂v_gd to the 3×3 block (v_gs = g − s', v_gd = g − d').
    @inline(__always) private func stamp(_ m: UnsafeMutablePointer<Double>, row: Int, dVgs: Double, dVgd: Double) {
        m[slots[3 * row + 0]] -= dVgd
        m[slots[3 * row + 1]] += dVgs + dVgd
        m[slots[3 * row + 2]] -= dVgs
    }

    /// Channel current in normal mode (vds ≥ 0) and its derivatives w.r.t. vgs and vds.
    private func channel(vgs: Double, vds: Double) -> (Double, Double, Double) {
        let vgst = vgs - model.threshold
        guard vgst > 0 else { return (0, 0, 0) }
        let beta = model.beta * area, lambda = model.channelModulation, b = model.dopingTail
        let betap = beta * (1 + lambda * vds)
        let bfac = (1 - b) / (model.junctionPotential - model.threshold)
        if vgst >= vds {
            let apart = 2 * b + 3 * bfac * (vgst - vds)
            let cpart = vds * (vds * (bfac * vds - b) + vgst * apart)
            return (betap * cpart, betap * vds * (apart + 3 * bfac * vgst), betap * (vgst - vds) * apart + beta * lambda * cpart)
        }
        let bf = vgst * bfac
        let cpart = vgst * vgst * (b + bf)
        return (betap * cpart, betap * vgst * (2 * b + 3 * bf), lambda * beta * cpart)
    }

    public func load(_ c: inout LoadContext) {
        let p = model.polarity
        let x = c.x
        let vt = thermal
        let vgsX = p * (x[gate] - x[sPrime]), vgdX = p * (x[gate] - x[dPrime])
        var vgs = vgsX, vgd = vgdX
        let ls = c.limitState + limitSlot
        if c.initializeJunctions {
            if startOff { vgs = 0; vgd = 0 } else { vgs = -1; vgd = -1 }
            c.limitedCount += 1
        } else {
            let (a, l1) = limitJunctionVoltage(new: vgs, old: ls[0], thermalVoltage: vt, critical: critical)
            let (b, l2) = limitJunctionVoltage(new: vgd, old: ls[1], thermalVoltage: vt, critical: critical)
            let a2 = limitFET(a, ls[0], model.threshold), b2 = limitFET(b, ls[1], model.threshold)
            vgs = a2; vgd = b2
            if l1 || l2 || a2 != a || b2 != b { c.limitedCount += 1 }
        }
        ls[0] = vgs; ls[1] = vgd
        let gmin = c.gmin
        let isat = model.saturationCurrent * area
        func diode(_ v: Double) -> (Double, Double) {
            if v < -3 * vt {
                var arg = 3 * vt / (v * M_E)
                arg = arg * arg * arg
                return (-isat * (1 + arg) + gmin * v, isat * 3 * arg / v + gmin)
            }
            let e = exp(min(v / vt, 700))
            return (isat * (e - 1) + gmin * v, isat * e / vt + gmin)
        }
        let (igs, ggs) = diode(vgs)
        let (igd, ggd) = diode(vgd)
        // Channel current d' → s' and its derivatives with respect to vgs and vgd.
        let vds = vgs - vgd
        let ids: Double, dIdVgs: Double, dIdVgd: Double
        if vds >= 0 {
            let (i, gm, gds) = channel(vgs: vgs, vds: vds)
            ids = i; dIdVgs = gm + gds; dIdVgd = -gds
        } else {
            // Source and drain exchange roles: I(d'→s') = −I_normal(vgd, −vds).
            let (i, gm, gds) = channel(vgs: vgd, vds: -vds)
            // With u = vgd, w = −vds = vgd − vgs: ∂I/∂vgs = gds, ∂I/∂vgd = −(gm + gds).
            ids = -i; dIdVgs = gds; dIdVgd = -(gm + gds)
        }
        let dvgs = vgsX - vgs, dvgd = vgdX - vgd
        let iX = ids + dIdVgs * dvgs + dIdVgd * dvgd
        let igsX = igs + ggs * dvgs, igdX = igd + ggd * dvgd
        c.f[dPrime] += p * (iX - igdX)
        c.f[gate] += p * (igsX + igdX)
        c.f[sPrime] += p * (-iX - igsX)
        let jf = c.jf
        stamp(jf, row: 0, dVgs: dIdVgs, dVgd: dIdVgd - ggd)
        stamp(jf, row: 1, dVgs: ggs, dVgd: ggd)
        stamp(jf, row: 2, dVgs: -dIdVgs - ggs, dVgd: -dIdVgd)
        if dPrime != drain { sRd.loadConductance(&c, drain, dPrime, area / model.drainResistance) }
        if sPrime != source { sRs.loadConductance(&c, source, sPrime, area / model.sourceResistance) }
        // Gate depletion charges.
        func depletion(_ v: Double, _ c0: Double) -> (Double, Double) {
            let r = depletionCharge(v, c0: c0, pb: model.junctionPotential, m: model.grading, fc: model.depletionCoefficient)
            return (r.charge, r.capacitance)
        }
        let cgs = model.gateSourceCapacitance * area, cgd = model.gateDrainCapacitance * area
        if cgs > 0 || cgd > 0 {
            let (qgs, capgs) = depletion(vgs, cgs)
            let (qgd, capgd) = depletion(vgd, cgd)
            let qgsX = qgs + capgs * dvgs, qgdX = qgd + capgd * dvgd
            c.q[gate] += p * (qgsX + qgdX)
            c.q[sPrime] -= p * qgsX
            c.q[dPrime] -= p * qgdX
            let jq = c.jq
            stamp(jq, row: 1, dVgs: capgs, dVgd: capgd)
            stamp(jq, row: 2, dVgs: -capgs, dVgd: 0)
            stamp(jq, row: 0, dVgs: 0, dVgd: -capgd)
        }
    }

    /// Channel thermal noise 4kT·(2/3)|gm|, flicker noise KF·|Id|^AF/f and the series
    /// resistances' thermal noise (ngspice `jfetnoi.c`).
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        let p = model.polarity
        let vgs = p * (x[gate] - x[sPrime]), vgd = p * (x[gate] - x[dPrime])
        let ch = vgs - vgd >= 0 ? channel(vgs: vgs, vds: vgs - vgd) : channel(vgs: vgd, vds: vgd - vgs)
        var out: [NoiseSource] = [.thermal(dPrime, sPrime, conductance: 2.0 / 3.0 * abs(ch.1), temperature: temperature)]
        if let flicker = model.flicker.source(dPrime, sPrime, current: ch.0) { out.append(flicker) }
        if dPrime != drain { out.append(.thermal(drain, dPrime, conductance: area / model.drainResistance, temperature: temperature)) }
        if sPrime != source { out.append(.thermal(source, sPrime, conductance: area / model.sourceResistance, temperature: temperature)) }
        return out
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
}

extension JFETModel {
    /// The `.model NAME NJF|PJF (…)` card (ngspice's level-1 JFET, Shichman-Hodges with the
    /// Sydney University doping tail B). Temperature parameters are accepted; the temperature
    /// dependence itself is not modelled (the elaborator warns when TEMP ≠ TNOM).
    public static let card = DeviceCard<JFETModel>(
        title: "JFET model", syntax: ".model NAME NJF|PJF (VTO= BETA= LAMBDA= B= RD= RS= CGS= CGD= PB= M= FC= IS= N= KF= AF=)",
        summary: "level-1 JFET (Shichman-Hodges, ngspice jfetload.c with Parker-Skellern doping tail B), gate junctions, charges",
        prototype: JFETModel(), parameters: [
            .field("vto", aliases: ["vt0"], \.threshold, unit: "V", "threshold voltage"),
            .field("beta", \.beta, unit: "A/V²", range: .positive, "transconductance parameter"),
            .field("lambda", \.channelModulation, unit: "1/V", "channel-length modulation"),
            .field("b", \.dopingTail, unit: "1/V", "doping-tail parameter"),
            .field("rd", \.drainResistance, unit: "Ω", range: .nonNegative, "drain ohmic resistance"),
            .field("rs", \.sourceResistance, unit: "Ω", range: .nonNegative, "source ohmic resistance"),
            .field("cgs", \.gateSourceCapacitance, unit: "F", range: .nonNegative, "zero-bias gate-source capacitance"),
            .field("cgd", \.gateDrainCapacitance, unit: "F", range: .nonNegative, "zero-bias gate-drain capacitance"),
            .field("pb", \.junctionPotential, unit: "V", range: .positive, "gate junction potential"),
            .field("m", \.grading, unit: "-", range: .interval(0, 1, lowerOpen: true, upperOpen: true), "gate junction grading coefficient"),
            .field("fc", \.depletionCoefficient, unit: "-", range: .interval(0, 1, lowerOpen: false, upperOpen: true), "forward-bias depletion coefficient"),
            .field("is", \.saturationCurrent, unit: "A", range: .positive, "gate junction saturation current"),
            .field("n", \.emission, unit: "-", range: .positive, "gate junction emission coefficient"),
            .field("kf", \.flicker.coefficient, unit: "A^(2−AF)", range: .nonNegative, "flicker-noise coefficient"),
            .field("af", \.flicker.exponent, unit: "-", range: .positive, "flicker-noise exponent"),
            CardParameter("level", unit: "-", range: .unbounded, status: .label, default: "1", "model level (only 1 is built in)", assign: { _, _ in }, current: { _ in 1 }),
        ] + junctionTemperatureLabels(["tnom", "vtotc", "betatce", "xti", "eg"]))

    /// The cross-parameter condition of the card (PB ≠ VTO, or the pinch-off term divides by zero).
    public var inconsistency: String? { junctionPotential == threshold ? "PB must differ from VTO" : nil }
}

/// Temperature parameters of a junction device's card that Lithic reads only to warn when the
/// circuit is away from TNOM (the temperature scaling itself is not modelled).
public func junctionTemperatureLabels<T>(_ names: [String]) -> [CardParameter<T>] {
    names.map { name in
        CardParameter(name, unit: name == "tnom" ? "°C" : "-", range: .unbounded, status: .label, default: name == "tnom" ? ".options tnom (27)" : "—",
                      "temperature parameter: taken as at TNOM; a run away from TNOM is warned about", assign: { _, _ in }, current: { _ in nil })
    }
}

extension JFET {
    /// The element line's settings after the model name (also the BJT's).
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "JFET", syntax: "J<name> drain gate source model [area] [OFF] [AREA=a] [M=m]",
        summary: "area factor and parallel multiplier of a JFET instance", prototype: ParameterValues(), parameters: areaSettings)

    static let areaSettings: [CardParameter<ParameterValues>] = [
        ParameterValues.setting("area", unit: "-", range: .positive, default: 1, "area factor"),
        ParameterValues.setting("m", unit: "-", range: .positive, default: 1, "parallel devices (multiplies the area)"),
        .notModelled("temp", unit: "°C", scope: .instance, "instance temperature (the circuit's is used)"),
        .notModelled("dtemp", unit: "K", neutral: 0, scope: .instance, "instance temperature offset"),
        .notModelled("ic", unit: "V", scope: .instance, "initial junction voltages"),
    ]
}
