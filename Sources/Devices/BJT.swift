import Glibc
import LithicCore

/// Parameters of the SPICE Gummel-Poon bipolar transistor (`.model name NPN|PNP (…)`), ngspice
/// defaults and units.
public struct BJTModel: Sendable {
    /// +1 for NPN, −1 for PNP.
    public var polarity = 1.0
    /// Transport saturation current IS (A).
    public var saturationCurrent = 1e-16
    /// Ideal forward and reverse beta BF, BR; emission coefficients NF, NR.
    public var forwardBeta = 100.0
    public var reverseBeta = 1.0
    public var forwardEmission = 1.0
    public var reverseEmission = 1.0
    /// Early voltages VAF, VAR (V; infinite = none) and high-injection knee currents IKF, IKR (A).
    public var forwardEarly = Double.infinity
    public var reverseEarly = Double.infinity
    public var forwardKnee = Double.infinity
    public var reverseKnee = Double.infinity
    /// B-E and B-C leakage saturation currents ISE, ISC (A) and their emission coefficients NE, NC.
    public var emitterLeakage = 0.0
    public var collectorLeakage = 0.0
    public var emitterLeakageEmission = 1.5
    public var collectorLeakageEmission = 2.0
    /// Base resistance at zero bias RB and at high current RBM (Ω); emitter and collector RE, RC (Ω).
    public var baseResistance = 0.0
    public var minimumBaseResistance: Double?
    public var emitterResistance = 0.0
    public var collectorResistance = 0.0
    /// Junction capacitances CJE, CJC, CJS (F), potentials VJE, VJC, VJS (V), gradings MJE, MJC, MJS,
    /// forward-bias coefficient FC.
    public var emitterCapacitance = 0.0
    public var emitterPotential = 0.75
    public var emitterGrading = 0.33
    public var collectorCapacitance = 0.0
    public var collectorPotential = 0.75
    public var collectorGrading = 0.33
    public var substrateCapacitance = 0.0
    public var substratePotential = 0.75
    public var substrateGrading = 0.0
    public var depletionCoefficient = 0.5
    /// Forward transit time TF (s) with its bias dependence XTF, VTF (V), ITF (A); reverse TR (s).
    public var forwardTransit = 0.0
    public var transitBiasCoefficient = 0.0
    public var transitBiasVoltage = Double.infinity
    public var transitBiasCurrent = 0.0
    public var reverseTransit = 0.0
    /// Flicker noise KF, AF (`.noise`).
    public var flicker = FlickerNoise()
    public init() {}
}

/// SPICE Gummel-Poon bipolar transistor `Q<name> collector base emitter [substrate] model [area]
/// [OFF]`: transport current with base charge (Early effect and high injection), B-E and B-C
/// leakage, series resistances (base resistance falling from RB to RBM with the base charge, as
/// SPICE without IRB), depletion charges of the three junctions, bias-dependent forward transit
/// charge and reverse transit charge, pn-junction limiting. Equations after ngspice `bjtload.c`
/// (Gummel & Poon 1970), in residual form; no excess phase (PTF) and no temperature scaling of
/// the parameters beyond the thermal voltage.
public struct BJT: Device {
    public let name: String
    public let collector: Int, base: Int, emitter: Int, substrate: Int
    public let model: BJTModel
    public let area: Double
    public let startOff: Bool
    let thermal: Double
    let critical: Double
    var cPrime = 0, bPrime = 0, ePrime = 0
    var limitSlot = 0
    var sRc = ConductanceSlots(), sRb = ConductanceSlots(), sRe = ConductanceSlots(), sCS = ConductanceSlots()
    // Rows c', b', e' against columns c', b', e'.
    var slots = [Int](repeating: 0, count: 9)

    public init(name: String, collector: Int, base: Int, emitter: Int, substrate: Int, model: BJTModel,
                area: Double = 1, off: Bool = false, temperature: Double = 300.15) {
        self.name = name; self.collector = collector; self.base = base; self.emitter = emitter; self.substrate = substrate
        self.model = model; self.area = area; self.startOff = off
        let vt = PhysicalConstant.boltzmann * temperature / PhysicalConstant.elementaryCharge
        thermal = vt
        critical = vt * log(vt / (2.0.squareRoot() * model.saturationCurrent * area))
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        cPrime = model.collectorResistance > 0 ? allocator.addUnknown(name + "#collector", kind: .voltage) : collector
        bPrime = model.baseResistance > 0 ? allocator.addUnknown(name + "#base", kind: .voltage) : base
        ePrime = model.emitterResistance > 0 ? allocator.addUnknown(name + "#emitter", kind: .voltage) : emitter
        limitSlot = allocator.addLimitState(2)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        if cPrime != collector { sRc = ConductanceSlots(&binder, collector, cPrime) }
        if bPrime != base { sRb = ConductanceSlots(&binder, base, bPrime) }
        if ePrime != emitter { sRe = ConductanceSlots(&binder, emitter, ePrime) }
        if model.substrateCapacitance > 0 { sCS = ConductanceSlots(&binder, substrate, cPrime) }
        let nodes = [cPrime, bPrime, ePrime]
        for r in 0..<3 { for c in 0..<3 { slots[3 * r + c] = binder.slot(nodes[r], nodes[c]) } }
    }

    /// Adds ∂(row current)/∂v_be and ∂/∂v_bc to the 3×3 block (v_be = b' − e', v_bc = b' − c').
    @inline(__always) private func stamp(_ m: UnsafeMutablePointer<Double>, row: Int, dVbe: Double, dVbc: Double) {
        m[slots[3 * row + 0]] -= dVbc
        m[slots[3 * row + 1]] += dVbe + dVbc
        m[slots[3 * row + 2]] -= dVbe
    }

    public func load(_ c: inout LoadContext) {
        let p = model.polarity
        let x = c.x
        let vt = thermal
        let vbeX = p * (x[bPrime] - x[ePrime]), vbcX = p * (x[bPrime] - x[cPrime])
        var vbe = vbeX, vbc = vbcX
        let ls = c.limitState + limitSlot
        if c.initializeJunctions {
            vbe = startOff ? 0 : critical; vbc = 0
            c.limitedCount += 1
        } else {
            let (e1, l1) = limitJunctionVoltage(new: vbe, old: ls[0], thermalVoltage: vt, critical: critical)
            let (e2, l2) = limitJunctionVoltage(new: vbc, old: ls[1], thermalVoltage: vt, critical: critical)
            vbe = e1; vbc = e2
            if l1 || l2 { c.limitedCount += 1 }
        }
        ls[0] = vbe; ls[1] = vbc
        let t = transport(vbe: vbe, vbc: vbc, gmin: c.gmin)
        let (cbe, gbe, cbc, gbc, qb, dqbdve, dqbdvc) = (t.cbe, t.gbe, t.cbc, t.gbc, t.qb, t.dqbdve, t.dqbdvc)
        let (ic, ib, dIcVbe, dIcVbc, dIbVbe, dIbVbc) = (t.ic, t.ib, t.dIcVbe, t.dIcVbc, t.dIbVbe, t.dIbVbc)
        let dvbe = vbeX - vbe, dvbc = vbcX - vbc
        let icX = ic + dIcVbe * dvbe + dIcVbc * dvbc
        let ibX = ib + dIbVbe * dvbe + dIbVbc * dvbc
        c.f[cPrime] += p * icX
        c.f[bPrime] += p * ibX
        c.f[ePrime] -= p * (icX + ibX)
        let jf = c.jf
        stamp(jf, row: 0, dVbe: dIcVbe, dVbc: dIcVbc)
        stamp(jf, row: 1, dVbe: dIbVbe, dVbc: dIbVbc)
        stamp(jf, row: 2, dVbe: -(dIcVbe + dIbVbe), dVbc: -(dIcVbc + dIbVbc))

        // Series resistances; the base resistance falls from RB towards RBM as the base charge grows.
        if cPrime != collector { sRc.loadConductance(&c, collector, cPrime, area / model.collectorResistance) }
        if ePrime != emitter { sRe.loadConductance(&c, emitter, ePrime, area / model.emitterResistance) }
        if bPrime != base {
            let rbm = model.minimumBaseResistance ?? model.baseResistance
            // The qb-dependence of RB is left out of the Jacobian, as in SPICE.
            sRb.loadConductance(&c, base, bPrime, area / (rbm + (model.baseResistance - rbm) / qb))
        }

        // Charges: depletion of B-E, B-C and C-S junctions, forward and reverse transit charge.
        func depletion(_ v: Double, _ c0: Double, _ pb: Double, _ m: Double) -> (Double, Double) {
            let r = depletionCharge(v, c0: c0, pb: pb, m: m, fc: model.depletionCoefficient)
            return (r.charge, r.capacitance)
        }
        let tf = model.forwardTransit, tr = model.reverseTransit
        let cje = model.emitterCapacitance * area, cjc = model.collectorCapacitance * area
        if tf > 0 || tr > 0 || cje > 0 || cjc > 0 {
            var (qbe, capbe) = depletion(vbe, cje, model.emitterPotential, model.emitterGrading)
            var capbeVbc = 0.0
            if tf > 0 {
                var ctf = cbe, gtf = gbe, cross = 0.0
                if vbe > 0 {
                    var argtf = 0.0, arg2 = 0.0, arg3 = 0.0
                    let xtf = model.transitBiasCoefficient
                    let ovtf = model.transitBiasVoltage.isFinite ? 1 / (1.44 * model.transitBiasVoltage) : 0
                    if xtf != 0 {
                        argtf = xtf
                        if ovtf != 0 { argtf *= exp(vbc * ovtf) }
                        arg2 = argtf
                        let xjtf = model.transitBiasCurrent * area
                        if xjtf != 0 {
                            let t = cbe / (cbe + xjtf)
                            argtf *= t * t
                            arg2 = argtf * (3 - t - t)
                        }
                        arg3 = cbe * argtf * ovtf
                    }
                    ctf = cbe * (1 + argtf) / qb
                    gtf = (gbe * (1 + arg2) - ctf * dqbdve) / qb
                    cross = (arg3 - ctf * dqbdvc) / qb
                }
                qbe += tf * ctf
                capbe += tf * gtf
                capbeVbc = tf * cross
            }
            var (qbc, capbc) = depletion(vbc, cjc, model.collectorPotential, model.collectorGrading)
            qbc += tr * cbc
            capbc += tr * gbc
            let qbeX = qbe + capbe * dvbe + capbeVbc * dvbc
            let qbcX = qbc + capbc * dvbc
            c.q[bPrime] += p * (qbeX + qbcX)
            c.q[ePrime] -= p * qbeX
            c.q[cPrime] -= p * qbcX
            let jq = c.jq
            // qbe into b' out of e'; qbc into b' out of c'.
            stamp(jq, row: 1, dVbe: capbe, dVbc: capbeVbc + capbc)
            stamp(jq, row: 2, dVbe: -capbe, dVbc: -capbeVbc)
            stamp(jq, row: 0, dVbe: 0, dVbc: -capbc)
        }
        if model.substrateCapacitance > 0 {
            // Substrate junction (vertical device: substrate to collector), reverse-biased normally.
            let vsc = p * (x[substrate] - x[cPrime])
            let (q, cap) = depletion(vsc, model.substrateCapacitance * area, model.substratePotential, model.substrateGrading)
            c.q[substrate] += p * q; c.q[cPrime] -= p * q
            sCS.add(c.jq, cap)
        }
    }

    /// The Gummel-Poon DC state at (vbe, vbc) in the n frame: diode currents, base charge and the
    /// terminal currents into c' and b' with their partial derivatives.
    struct Transport {
        var cbe = 0.0, gbe = 0.0, cbc = 0.0, gbc = 0.0, qb = 1.0, dqbdve = 0.0, dqbdvc = 0.0
        var ic = 0.0, ib = 0.0, dIcVbe = 0.0, dIcVbc = 0.0, dIbVbe = 0.0, dIbVbc = 0.0
    }

    func transport(vbe: Double, vbc: Double, gmin: Double) -> Transport {
        let vt = thermal
        let isat = model.saturationCurrent * area
        // Ideal diode and its conductance, SPICE's cubic below −3·n·vt.
        func diode(_ v: Double, _ i0: Double, _ n: Double) -> (Double, Double) {
            let vtn = n * vt
            if v >= -3 * vtn {
                let e = exp(min(v / vtn, 700))
                return (i0 * (e - 1), i0 * e / vtn)
            }
            var arg = 3 * vtn / (v * M_E)
            arg = arg * arg * arg
            return (-i0 * (1 + arg), i0 * 3 * arg / v)
        }
        var t = Transport()
        (t.cbe, t.gbe) = diode(vbe, isat, model.forwardEmission)
        var (cben, gben) = model.emitterLeakage > 0 ? diode(vbe, model.emitterLeakage * area, model.emitterLeakageEmission) : (0, 0)
        cben += gmin * vbe; gben += gmin
        (t.cbc, t.gbc) = diode(vbc, isat, model.reverseEmission)
        var (cbcn, gbcn) = model.collectorLeakage > 0 ? diode(vbc, model.collectorLeakage * area, model.collectorLeakageEmission) : (0, 0)
        cbcn += gmin * vbc; gbcn += gmin
        // Base charge qb: Early effect (q1) and high injection (q2).
        let ovaf = model.forwardEarly.isFinite ? 1 / model.forwardEarly : 0
        let ovar = model.reverseEarly.isFinite ? 1 / model.reverseEarly : 0
        let oik = model.forwardKnee.isFinite ? 1 / (model.forwardKnee * area) : 0
        let oikr = model.reverseKnee.isFinite ? 1 / (model.reverseKnee * area) : 0
        let q1 = 1 / (1 - ovaf * vbc - ovar * vbe)
        if oik == 0 && oikr == 0 {
            t.qb = q1; t.dqbdve = q1 * t.qb * ovar; t.dqbdvc = q1 * t.qb * ovaf
        } else {
            let q2 = oik * t.cbe + oikr * t.cbc
            let arg = max(0, 1 + 4 * q2)
            let sqarg = arg != 0 ? arg.squareRoot() : 1
            t.qb = q1 * (1 + sqarg) / 2
            t.dqbdve = q1 * (t.qb * ovar + oik * t.gbe / sqarg)
            t.dqbdvc = q1 * (t.qb * ovaf + oikr * t.gbc / sqarg)
        }
        let bf = model.forwardBeta, br = model.reverseBeta
        let (cbe, cbc, qb) = (t.cbe, t.cbc, t.qb)
        t.ic = (cbe - cbc) / qb - cbc / br - cbcn
        t.ib = cbe / bf + cben + cbc / br + cbcn
        let gmu = t.gbc / br + gbcn
        t.dIcVbe = (t.gbe - (cbe - cbc) * t.dqbdve / qb) / qb
        t.dIcVbc = -(t.gbc + (cbe - cbc) * t.dqbdvc / qb) / qb - gmu
        t.dIbVbe = t.gbe / bf + gben
        t.dIbVbc = gmu
        return t
    }

    /// Shot noise 2q|Ic| (c'–e') and 2q|Ib| (b'–e'), flicker noise KF·|Ib|^AF/f (b'–e') and
    /// thermal noise of RC, RB (at the bias's base charge) and RE (ngspice `bjtnoi.c`).
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        let p = model.polarity
        let t = transport(vbe: p * (x[bPrime] - x[ePrime]), vbc: p * (x[bPrime] - x[cPrime]), gmin: 0)
        var out: [NoiseSource] = [.shot(cPrime, ePrime, current: t.ic), .shot(bPrime, ePrime, current: t.ib)]
        if let flicker = model.flicker.source(bPrime, ePrime, current: t.ib) { out.append(flicker) }
        if cPrime != collector { out.append(.thermal(collector, cPrime, conductance: area / model.collectorResistance, temperature: temperature)) }
        if bPrime != base {
            let rbm = model.minimumBaseResistance ?? model.baseResistance
            out.append(.thermal(base, bPrime, conductance: area / (rbm + (model.baseResistance - rbm) / t.qb), temperature: temperature))
        }
        if ePrime != emitter { out.append(.thermal(emitter, ePrime, conductance: area / model.emitterResistance, temperature: temperature)) }
        return out
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
}

extension BJTModel {
    /// The `.model NAME NPN|PNP (…)` card: ngspice's Gummel-Poon model (level 1, `bjtload.c`
    /// defaults). VAF, VAR, IKF, IKR and VTF of 0 mean "infinite", as in SPICE.
    public static let card: DeviceCard<BJTModel> = {
        func infiniteIfZero(_ name: String, aliases: [String] = [], _ keyPath: WritableKeyPath<BJTModel, Double>, unit: String, _ summary: String) -> CardParameter<BJTModel> {
            CardParameter(name, aliases: aliases, unit: unit, range: .nonNegative, summary + " (0 = ∞)",
                          assign: { $0[keyPath: keyPath] = $1 == 0 ? .infinity : $1 }, current: { $0[keyPath: keyPath] })
        }
        let grading = ParameterRange.interval(0, 1, lowerOpen: true, upperOpen: true)
        let fraction = ParameterRange.interval(0, 1, lowerOpen: false, upperOpen: true)
        return DeviceCard<BJTModel>(
            title: "bipolar model", syntax: ".model NAME NPN|PNP (IS= BF= NF= VAF= IKF= ISE= NE= BR= NR= VAR= IKR= ISC= NC= RB= IRB= RBM= RE= RC= CJE= VJE= MJE= TF= XTF= VTF= ITF= PTF= CJC= VJC= MJC= XCJC= TR= CJS= VJS= MJS= FC= KF= AF=)",
            summary: "Gummel-Poon bipolar transistor (level 1; Gummel & Poon 1970, ngspice bjtload.c): Early effect, high injection, leakage, base-width modulation of RB, junction and transit-time charges",
            prototype: BJTModel(), parameters: [
                .field("is", \.saturationCurrent, unit: "A", range: .positive, "transport saturation current"),
                .field("bf", \.forwardBeta, unit: "-", range: .positive, "ideal forward beta"),
                .field("br", \.reverseBeta, unit: "-", range: .positive, "ideal reverse beta"),
                .field("nf", \.forwardEmission, unit: "-", range: .positive, "forward emission coefficient"),
                .field("nr", \.reverseEmission, unit: "-", range: .positive, "reverse emission coefficient"),
                infiniteIfZero("vaf", aliases: ["va"], \.forwardEarly, unit: "V", "forward Early voltage"),
                infiniteIfZero("var", aliases: ["vb"], \.reverseEarly, unit: "V", "reverse Early voltage"),
                infiniteIfZero("ikf", aliases: ["ik"], \.forwardKnee, unit: "A", "forward high-injection knee current"),
                infiniteIfZero("ikr", \.reverseKnee, unit: "A", "reverse high-injection knee current"),
                .field("ise", aliases: ["c2"], \.emitterLeakage, unit: "A", range: .nonNegative, "B-E leakage saturation current"),
                .field("isc", aliases: ["c4"], \.collectorLeakage, unit: "A", range: .nonNegative, "B-C leakage saturation current"),
                .field("ne", \.emitterLeakageEmission, unit: "-", range: .positive, "B-E leakage emission coefficient"),
                .field("nc", \.collectorLeakageEmission, unit: "-", range: .positive, "B-C leakage emission coefficient"),
                .field("rb", \.baseResistance, unit: "Ω", range: .nonNegative, "zero-bias base resistance"),
                .optionalField("rbm", \.minimumBaseResistance, unit: "Ω", range: .nonNegative, default: "RB", "minimum base resistance at high current"),
                .field("re", \.emitterResistance, unit: "Ω", range: .nonNegative, "emitter resistance"),
                .field("rc", \.collectorResistance, unit: "Ω", range: .nonNegative, "collector resistance"),
                .field("cje", \.emitterCapacitance, unit: "F", range: .nonNegative, "B-E zero-bias depletion capacitance"),
                .field("vje", aliases: ["pe"], \.emitterPotential, unit: "V", range: .positive, "B-E built-in potential"),
                .field("mje", aliases: ["me"], \.emitterGrading, unit: "-", range: grading, "B-E grading coefficient"),
                .field("cjc", \.collectorCapacitance, unit: "F", range: .nonNegative, "B-C zero-bias depletion capacitance"),
                .field("vjc", aliases: ["pc"], \.collectorPotential, unit: "V", range: .positive, "B-C built-in potential"),
                .field("mjc", aliases: ["mc"], \.collectorGrading, unit: "-", range: grading, "B-C grading coefficient"),
                .field("cjs", aliases: ["ccs"], \.substrateCapacitance, unit: "F", range: .nonNegative, "zero-bias substrate capacitance"),
                .field("vjs", aliases: ["ps"], \.substratePotential, unit: "V", range: .positive, "substrate junction potential"),
                .field("mjs", aliases: ["ms"], \.substrateGrading, unit: "-", range: fraction, "substrate grading coefficient"),
                .field("fc", \.depletionCoefficient, unit: "-", range: fraction, "forward-bias depletion coefficient"),
                .field("tf", \.forwardTransit, unit: "s", range: .nonNegative, "ideal forward transit time"),
                .field("xtf", \.transitBiasCoefficient, unit: "-", range: .nonNegative, "bias dependence of TF"),
                infiniteIfZero("vtf", \.transitBiasVoltage, unit: "V", "B-C voltage dependence of TF"),
                .field("itf", \.transitBiasCurrent, unit: "A", range: .nonNegative, "high-current dependence of TF"),
                .field("tr", \.reverseTransit, unit: "s", range: .nonNegative, "ideal reverse transit time"),
                .field("kf", \.flicker.coefficient, unit: "A^(2−AF)", range: .nonNegative, "flicker-noise coefficient"),
                .field("af", \.flicker.exponent, unit: "-", range: .positive, "flicker-noise exponent"),
                .notModelled("irb", unit: "A", neutral: 0, "current where RB falls halfway to RBM"),
                .notModelled("ptf", unit: "°", neutral: 0, "excess phase at 1/(2π TF)"),
                .notModelled("xcjc", unit: "-", neutral: 1, "fraction of CJC at the internal base (all of it is)"),
                CardParameter("level", unit: "-", range: .unbounded, status: .label, default: "1", "model level (only 1 is built in)", assign: { _, _ in }, current: { _ in 1 }),
            ] + junctionTemperatureLabels(["tnom", "eg", "xti", "xtb"]))
    }()
}

extension BJT {
    /// The element line's settings after the model name.
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "bipolar transistor", syntax: "Q<name> collector base emitter [substrate] model [area] [OFF] [AREA=a] [M=m]",
        summary: "area factor and parallel multiplier of a BJT instance", prototype: ParameterValues(), parameters: JFET.areaSettings)
}
