import Glibc
import LithicCore

/// Parameters of the SPICE level-1 MOSFET (Shichman-Hodges; `.model name NMOS|PMOS (level=1 …)`),
/// ngspice defaults and units. Process parameters (TOX, NSUB, UO) fill in KP, GAMMA and PHI when
/// those are not given, as ngspice's `mos1temp.c` does.
public struct MOSFETModel: Sendable {
    /// +1 for NMOS, −1 for PMOS.
    public var polarity = 1.0
    /// Zero-bias threshold voltage (V; negative for an enhancement PMOS).
    public var thresholdVoltage = 0.0
    /// Transconductance parameter KP (A/V²).
    public var transconductance = 2e-5
    /// Body-effect coefficient GAMMA (√V) and surface potential PHI (V).
    public var bodyEffect = 0.0
    public var surfacePotential = 0.6
    /// Channel-length modulation LAMBDA (1/V).
    public var channelModulation = 0.0
    /// Drain and source ohmic resistances (Ω), or sheet resistance (Ω/□) times NRD/NRS.
    public var drainResistance = 0.0
    public var sourceResistance = 0.0
    public var sheetResistance = 0.0
    /// Bulk junctions: zero-bias capacitances CBD/CBS (F) or per area CJ (F/m²) and per perimeter
    /// CJSW (F/m), grading MJ/MJSW, potential PB (V), forward-bias coefficient FC, saturation
    /// current IS (A) or density JS (A/m²).
    public var bulkDrainCapacitance: Double?
    public var bulkSourceCapacitance: Double?
    public var junctionCapacitancePerArea = 0.0
    public var junctionCapacitancePerPerimeter = 0.0
    public var bottomGrading = 0.5
    public var sidewallGrading = 0.5
    public var junctionPotential = 0.8
    public var depletionCoefficient = 0.5
    public var junctionSaturationCurrent = 1e-14
    public var junctionSaturationDensity = 0.0
    /// Gate overlap capacitances per width CGSO, CGDO (F/m) and per length CGBO (F/m).
    public var gateSourceOverlap = 0.0
    public var gateDrainOverlap = 0.0
    public var gateBulkOverlap = 0.0
    /// Oxide thickness TOX (m): when given, the intrinsic (Meyer) gate capacitances are on.
    public var oxideThickness: Double?
    /// Lateral diffusion LD (m).
    public var lateralDiffusion = 0.0
    /// Flicker noise KF, AF (`.noise`).
    public var flicker = FlickerNoise()
    /// Process parameters from which KP, PHI, GAMMA and VTO are derived when the card omits them
    /// (ngspice `mos1temp.c`): surface mobility UO (cm²/(V s), default 600), substrate doping
    /// NSUB (cm⁻³), surface-state density NSS (cm⁻²), gate type TPG (+1 opposite to substrate).
    public var mobility = 600.0
    public var substrateDoping: Double?
    public var surfaceStateDensity = 0.0
    public var gateType = 1.0
    public init() {}
}

/// SPICE level-1 MOSFET `M<name> drain gate source bulk model [L=] [W=] [AD=] [AS=] [PD=] [PS=]
/// [NRD=] [NRS=] [M=] [OFF]`: Shichman-Hodges drain current with body effect and channel-length
/// modulation, symmetric in drain and source, bulk junction diodes with depletion charge, overlap
/// capacitances and Meyer's intrinsic gate capacitances (integrated incrementally, as ngspice
/// does), series resistances, and SPICE's FET and junction voltage limiting. Equations after
/// ngspice `mos1load.c` and `DEVqmeyer` (Shichman & Hodges 1968; Meyer 1971), in residual form.
public struct MOSFET: Device {
    public let name: String
    public let drain: Int, gate: Int, source: Int, bulk: Int
    public let model: MOSFETModel
    public let startOff: Bool
    /// Effective channel width and length (m) and the parallel multiplier folded into them.
    let width: Double, length: Double
    /// The number M of identical devices in parallel.
    let multiplier: Double
    let beta: Double
    let oxideCapacitance: Double       // Cox' · W · Leff (F), 0 without TOX
    let overlapGS: Double, overlapGD: Double, overlapGB: Double
    let drainSaturation: Double, sourceSaturation: Double
    let drainBottom: Double, drainSidewall: Double, sourceBottom: Double, sourceSidewall: Double
    let drainConductance: Double, sourceConductance: Double
    let thermal: Double
    let sourceCritical: Double, drainCritical: Double

    var dPrime = 0, sPrime = 0
    var limitSlot = 0, meyerSlot = 0
    var sRd = ConductanceSlots(), sRs = ConductanceSlots()
    // Jacobian slots: rows d', s', b, g against columns d', g, s', b.
    var slots = [Int](repeating: 0, count: 16)

    /// - Parameters: geometry in metres (L, W, AD/AS in m², PD/PS in m), NRD/NRS in squares,
    ///   multiplier M (parallel devices), temperature in kelvin.
    public init(name: String, drain: Int, gate: Int, source: Int, bulk: Int, model: MOSFETModel,
                length: Double = 100e-6, width: Double = 100e-6, drainArea: Double = 0, sourceArea: Double = 0,
                drainPerimeter: Double = 0, sourcePerimeter: Double = 0, drainSquares: Double = 1, sourceSquares: Double = 1,
                multiplier: Double = 1, off: Bool = false, temperature: Double = 300.15) {
        self.name = name; self.drain = drain; self.gate = gate; self.source = source; self.bulk = bulk
        self.model = model; self.startOff = off
        let leff = length - 2 * model.lateralDiffusion
        self.width = width * multiplier
        self.length = leff
        self.multiplier = multiplier
        beta = model.transconductance * self.width / leff
        let cox = model.oxideThickness.map { 3.9 * PhysicalConstant.vacuumPermittivity / $0 } ?? 0
        oxideCapacitance = cox * self.width * leff
        overlapGS = model.gateSourceOverlap * self.width
        overlapGD = model.gateDrainOverlap * self.width
        overlapGB = model.gateBulkOverlap * leff * multiplier
        let js = model.junctionSaturationDensity
        drainSaturation = (js > 0 && drainArea > 0 ? js * drainArea : model.junctionSaturationCurrent) * multiplier
        sourceSaturation = (js > 0 && sourceArea > 0 ? js * sourceArea : model.junctionSaturationCurrent) * multiplier
        drainBottom = (model.bulkDrainCapacitance ?? model.junctionCapacitancePerArea * drainArea) * multiplier
        sourceBottom = (model.bulkSourceCapacitance ?? model.junctionCapacitancePerArea * sourceArea) * multiplier
        drainSidewall = model.junctionCapacitancePerPerimeter * drainPerimeter * multiplier
        sourceSidewall = model.junctionCapacitancePerPerimeter * sourcePerimeter * multiplier
        let rd = model.drainResistance > 0 ? model.drainResistance : model.sheetResistance * drainSquares
        let rs = model.sourceResistance > 0 ? model.sourceResistance : model.sheetResistance * sourceSquares
        drainConductance = rd > 0 ? multiplier / rd : 0
        sourceConductance = rs > 0 ? multiplier / rs : 0
        let vt = PhysicalConstant.boltzmann * temperature / PhysicalConstant.elementaryCharge
        thermal = vt
        drainCritical = vt * log(vt / (2.0.squareRoot() * max(drainSaturation, 1e-300)))
        sourceCritical = vt * log(vt / (2.0.squareRoot() * max(sourceSaturation, 1e-300)))
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        dPrime = drainConductance > 0 ? allocator.addUnknown(name + "#drain", kind: .voltage) : drain
        sPrime = sourceConductance > 0 ? allocator.addUnknown(name + "#source", kind: .voltage) : source
        // vgs, vds, vbs and von of the last iteration (for limiting).
        limitSlot = allocator.addLimitState(4)
        // Meyer charges: (vgs, vgd, vgb, half-capacitance gs, gd, gb, qgs, qgd, qgb) per time point.
        meyerSlot = allocator.addDiscreteState(9)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        if dPrime != drain { sRd = ConductanceSlots(&binder, drain, dPrime) }
        if sPrime != source { sRs = ConductanceSlots(&binder, source, sPrime) }
        let rows = [dPrime, sPrime, bulk, gate], columns = [dPrime, gate, sPrime, bulk]
        for r in 0..<4 { for c in 0..<4 { slots[4 * r + c] = binder.slot(rows[r], columns[c]) } }
    }

    @inline(__always) private func add(_ m: UnsafeMutablePointer<Double>, _ row: Int, _ column: Int, _ v: Double) {
        m[slots[4 * row + column]] += v
    }

    public func load(_ c: inout LoadContext) {
        let p = model.polarity
        let x = c.x
        let vt = thermal
        // Branch voltages in the n-channel frame.
        var vbs = p * (x[bulk] - x[sPrime])
        var vgs = p * (x[gate] - x[sPrime])
        var vds = p * (x[dPrime] - x[sPrime])
        let vbsX = vbs, vgsX = vgs, vdsX = vds
        let ls = c.limitState + limitSlot
        if c.initializeJunctions {
            if startOff { vbs = 0; vgs = 0; vds = 0 } else { vbs = -1; vgs = p * model.thresholdVoltage; vds = 0 }
            c.limitedCount += 1
        } else {
            let vgsOld = ls[0], vdsOld = ls[1], vbsOld = ls[2], von = ls[3]
            var vgd = vgs - vds
            let vgdOld = vgsOld - vdsOld
            var limited = false
            if vdsOld >= 0 {
                let g = limitFET(vgs, vgsOld, von)
                limited = limited || g != vgs
                vgs = g
                vds = vgs - vgd
                let d = limitDrainSource(vds, vdsOld)
                limited = limited || d != vds
                vds = d
                vgd = vgs - vds
            } else {
                let g = limitFET(vgd, vgdOld, von)
                limited = limited || g != vgd
                vgd = g
                vds = vgs - vgd
                let d = -limitDrainSource(-vds, -vdsOld)
                limited = limited || d != vds
                vds = d
                vgs = vgd + vds
            }
            if vds >= 0 {
                let (v, l) = limitJunctionVoltage(new: vbs, old: vbsOld, thermalVoltage: vt, critical: sourceCritical)
                vbs = v; limited = limited || l
            } else {
                let vbdOld = vbsOld - vdsOld
                let (v, l) = limitJunctionVoltage(new: vbs - vds, old: vbdOld, thermalVoltage: vt, critical: drainCritical)
                vbs = v + vds; limited = limited || l
            }
            if limited { c.limitedCount += 1 }
        }
        let vbd = vbs - vds, vgd = vgs - vds
        let gmin = c.gmin

        // Bulk junctions (reverse-biased in normal operation): linear below zero as ngspice.
        func junction(_ v: Double, _ isat: Double) -> (Double, Double) {
            if v <= 0 { let g = isat / vt; return (g * v + gmin * v, g + gmin) }
            let e = exp(min(v / vt, 700))
            return (isat * (e - 1) + gmin * v, isat * e / vt + gmin)
        }
        let (cbs, gbs) = junction(vbs, sourceSaturation)
        let (cbd, gbd) = junction(vbd, drainSaturation)

        // Drain current in the frame where the effective drain is the higher terminal.
        let normal = vds >= 0
        let phi = model.surfacePotential
        let (cdrain, gm, gds, gmbs, von, vdsat) = channel(vgs: vgs, vds: vds, vbs: vbs)
        ls[0] = vgs; ls[1] = vds; ls[2] = vbs; ls[3] = von

        // Channel current from d' to s' (n frame) and its derivatives w.r.t. vgs, vds, vbs.
        let ids: Double, dIdVgs: Double, dIdVds: Double, dIdVbs: Double
        if normal {
            ids = cdrain; dIdVgs = gm; dIdVds = gds; dIdVbs = gmbs
        } else {
            // Roles swapped: I(d'→s') = −cdrain(vgd, vbd, −vds).
            ids = -cdrain
            dIdVgs = -gm
            dIdVbs = -gmbs
            dIdVds = gm + gds + gmbs
        }
        // Linearised about the limited point, evaluated at the actual iterate.
        let dvgs = vgsX - vgs, dvds = vdsX - vds, dvbs = vbsX - vbs
        let i = ids + dIdVgs * dvgs + dIdVds * dvds + dIdVbs * dvbs
        let ibs = cbs + gbs * (vbsX - vbs)
        let ibd = cbd + gbd * ((vbsX - vdsX) - vbd)
        // Residual currents leaving each node (actual frame: multiply by polarity).
        c.f[dPrime] += p * (i - ibd)
        c.f[sPrime] += p * (-i - ibs)
        c.f[bulk] += p * (ibs + ibd)
        // Jacobian: v_gs = g − s', v_ds = d' − s', v_bs = b − s' (polarity cancels: p² = 1).
        let jf = c.jf
        // Columns: 0 d', 1 g, 2 s', 3 b. Row 0 d': i − ibd.
        let gsum = dIdVgs + dIdVds + dIdVbs
        add(jf, 0, 0, dIdVds + gbd); add(jf, 0, 1, dIdVgs); add(jf, 0, 2, -gsum); add(jf, 0, 3, dIdVbs - gbd)
        // Row 1 s': −i − ibs.
        add(jf, 1, 0, -dIdVds); add(jf, 1, 1, -dIdVgs); add(jf, 1, 2, gsum + gbs); add(jf, 1, 3, -dIdVbs - gbs)
        // Row 2 b: ibs + ibd.
        add(jf, 2, 0, -gbd); add(jf, 2, 2, -gbs); add(jf, 2, 3, gbs + gbd)
        if dPrime != drain { sRd.loadConductance(&c, drain, dPrime, drainConductance) }
        if sPrime != source { sRs.loadConductance(&c, source, sPrime, sourceConductance) }

        // Charges. Bulk junction depletion charge (functions of the junction voltages).
        let jq = c.jq
        func depletion(_ v: Double, _ bottom: Double, _ sidewall: Double) -> (Double, Double) {
            let pb = model.junctionPotential, fc = model.depletionCoefficient
            let b = depletionCharge(v, c0: bottom, pb: pb, m: model.bottomGrading, fc: fc)
            let s = depletionCharge(v, c0: sidewall, pb: pb, m: model.sidewallGrading, fc: fc)
            return (b.charge + s.charge, b.capacitance + s.capacitance)
        }
        if drainBottom > 0 || drainSidewall > 0 {
            let (q, cap) = depletion(vbd, drainBottom, drainSidewall)
            let qx = q + cap * ((vbsX - vdsX) - vbd)
            c.q[bulk] += p * qx; c.q[dPrime] -= p * qx
            add(jq, 2, 3, cap); add(jq, 2, 0, -cap); add(jq, 0, 3, -cap); add(jq, 0, 0, cap)
        }
        if sourceBottom > 0 || sourceSidewall > 0 {
            let (q, cap) = depletion(vbs, sourceBottom, sourceSidewall)
            let qx = q + cap * (vbsX - vbs)
            c.q[bulk] += p * qx; c.q[sPrime] -= p * qx
            add(jq, 2, 3, cap); add(jq, 2, 2, -cap); add(jq, 1, 3, -cap); add(jq, 1, 2, cap)
        }

        // Gate charges: overlap plus Meyer, integrated incrementally between accepted time points
        // (q = q_prev + (C_now/2 + C_prev/2 + C_overlap)·(v − v_prev)); at DC q = C·v.
        var half = (gs: 0.0, gd: 0.0, gb: 0.0)
        if oxideCapacitance > 0 {
            let cox = oxideCapacitance
            // In the swapped frame drain and source exchange their capacitances.
            let (a, b, g) = meyer(vgs: normal ? vgs : vgd, vgd: normal ? vgd : vgs, von: von, vdsat: vdsat, phi: phi, cox: cox)
            half = normal ? (a, b, g) : (b, a, g)
        }
        let vgb = vgs - vbs
        let vgbX = vgsX - vbsX, vgdX = vgsX - vdsX
        let ms = c.discreteState + meyerSlot
        let prev = c.acceptedDiscreteState + meyerSlot
        let capGS: Double, capGD: Double, capGB: Double
        var qgs: Double, qgd: Double, qgb: Double
        if c.time == nil || c.smallSignal {
            capGS = 2 * half.gs + overlapGS; capGD = 2 * half.gd + overlapGD; capGB = 2 * half.gb + overlapGB
            qgs = capGS * vgs; qgd = capGD * vgd; qgb = capGB * vgb
        } else {
            capGS = half.gs + prev[3] + overlapGS; capGD = half.gd + prev[4] + overlapGD; capGB = half.gb + prev[5] + overlapGB
            qgs = prev[6] + capGS * (vgs - prev[0])
            qgd = prev[7] + capGD * (vgd - prev[1])
            qgb = prev[8] + capGB * (vgb - prev[2])
        }
        ms[0] = vgs; ms[1] = vgd; ms[2] = vgb; ms[3] = half.gs; ms[4] = half.gd; ms[5] = half.gb
        ms[6] = qgs; ms[7] = qgd; ms[8] = qgb
        if capGS != 0 || capGD != 0 || capGB != 0 {
            qgs += capGS * (vgsX - vgs); qgd += capGD * (vgdX - vgd); qgb += capGB * (vgbX - vgb)
            c.q[gate] += p * (qgs + qgd + qgb)
            c.q[sPrime] -= p * qgs
            c.q[dPrime] -= p * qgd
            c.q[bulk] -= p * qgb
            // Rows 3 g, 1 s', 0 d', 2 b; columns 0 d', 1 g, 2 s', 3 b.
            add(jq, 3, 1, capGS + capGD + capGB); add(jq, 3, 2, -capGS); add(jq, 3, 0, -capGD); add(jq, 3, 3, -capGB)
            add(jq, 1, 1, -capGS); add(jq, 1, 2, capGS)
            add(jq, 0, 1, -capGD); add(jq, 0, 0, capGD)
            add(jq, 2, 1, -capGB); add(jq, 2, 3, capGB)
        }
    }

    /// Shichman-Hodges drain current in the frame where the effective drain is the higher terminal
    /// (n-channel voltages): current, gm, gds, gmbs, threshold von and vdsat.
    func channel(vgs: Double, vds: Double, vbs: Double) -> (Double, Double, Double, Double, Double, Double) {
        let normal = vds >= 0
        let vgsM = normal ? vgs : vgs - vds, vbsM = normal ? vbs : vbs - vds, vdsM = normal ? vds : -vds
        let phi = model.surfacePotential, gamma = model.bodyEffect
        var sarg: Double
        if vbsM <= 0 { sarg = (phi - vbsM).squareRoot() }
        else { sarg = phi.squareRoot(); sarg = max(0, sarg - vbsM / (sarg + sarg)) }
        let von = model.polarity * model.thresholdVoltage + gamma * (sarg - phi.squareRoot())
        let vgst = vgsM - von
        let vdsat = max(vgst, 0)
        let arg = sarg > 0 ? gamma / (sarg + sarg) : 0
        var cdrain = 0.0, gm = 0.0, gds = 0.0, gmbs = 0.0
        if vgst > 0 {
            let lambda = model.channelModulation
            let betap = beta * (1 + lambda * vdsM)
            if vgst <= vdsM {
                cdrain = betap * vgst * vgst * 0.5
                gm = betap * vgst
                gds = lambda * beta * vgst * vgst * 0.5
            } else {
                cdrain = betap * vdsM * (vgst - 0.5 * vdsM)
                gm = betap * vdsM
                gds = betap * (vgst - vdsM) + lambda * beta * vdsM * (vgst - 0.5 * vdsM)
            }
            gmbs = gm * arg
        }
        return (cdrain, gm, gds, gmbs, von, vdsat)
    }

    /// Channel thermal noise 4kT·(2/3)|gm|, flicker noise KF·|Id|^AF/(f·W·L_eff·C_ox'²) (C_ox'
    /// from TOX, or from 100 nm when TOX is not given, as ngspice-39 `mos1noi.c`; M devices in
    /// parallel each carry Id/M) and the series resistances' thermal noise.
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        let p = model.polarity
        let vgs = p * (x[gate] - x[sPrime]), vds = p * (x[dPrime] - x[sPrime]), vbs = p * (x[bulk] - x[sPrime])
        let ch = channel(vgs: vgs, vds: vds, vbs: vbs)
        var out: [NoiseSource] = [.thermal(dPrime, sPrime, conductance: 2.0 / 3.0 * abs(ch.1), temperature: temperature)]
        let coxPerArea = 3.9 * PhysicalConstant.vacuumPermittivity / (model.oxideThickness ?? 1e-7)
        // M devices, each of width W/M carrying Id/M: M · KF·(Id/M)^AF/(f·(W/M)·L_eff·C_ox'²).
        let singleWidth = width / multiplier
        if let flicker = model.flicker.source(dPrime, sPrime, current: ch.0 / multiplier,
                                              scale: singleWidth * length * coxPerArea * coxPerArea / multiplier) { out.append(flicker) }
        if dPrime != drain { out.append(.thermal(drain, dPrime, conductance: drainConductance, temperature: temperature)) }
        if sPrime != source { out.append(.thermal(source, sPrime, conductance: sourceConductance, temperature: temperature)) }
        return out
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
}

/// Meyer's intrinsic gate capacitances, each halved (ngspice `DEVqmeyer` convention: the
/// transient sums this and the previous point's value).
func meyer(vgs: Double, vgd: Double, von: Double, vdsat: Double, phi: Double, cox: Double) -> (Double, Double, Double) {
    let vgst = vgs - von
    let vdsat = max(vdsat, 1e-12)
    if vgst <= -phi { return (0, 0, cox / 2) }
    if vgst <= -phi / 2 { return (0, 0, -vgst * cox / (2 * phi)) }
    if vgst <= 0 { return (vgst * cox / (1.5 * phi) + cox / 3, 0, -vgst * cox / (2 * phi)) }
    let vds = vgs - vgd
    if vdsat <= vds { return (cox / 3, 0, 0) }
    let vddif = 2 * vdsat - vds
    let vddif1 = vdsat - vds
    let vddif2 = vddif * vddif
    return (cox * (1 - vddif1 * vddif1 / vddif2) / 3, cox * (1 - vdsat * vdsat / vddif2) / 3, 0)
}

/// SPICE's gate-voltage limiting for FETs (after ngspice `DEVfetlim`): keeps Newton from
/// crossing the threshold region in one leap.
func limitFET(_ vnew: Double, _ vold: Double, _ vto: Double) -> Double {
    let vtsthi = abs(2 * (vold - vto)) + 2
    let vtstlo = abs(vold - vto) + 1
    let vtox = vto + 3.5
    let delv = vnew - vold
    var v = vnew
    if vold >= vto {
        if vold >= vtox {
            if delv <= 0 {
                if vnew >= vtox { if -delv > vtstlo { v = vold - vtstlo } } else { v = max(vnew, vto + 2) }
            } else if delv >= vtsthi { v = vold + vtsthi }
        } else {
            v = delv <= 0 ? max(vnew, vto - 0.5) : min(vnew, vto + 4)
        }
    } else {
        if delv <= 0 {
            if -delv > vtsthi { v = vold - vtsthi }
        } else {
            let vtemp = vto + 0.5
            if vnew <= vtemp { if delv > vtstlo { v = vold + vtstlo } } else { v = vtemp }
        }
    }
    return v
}

/// SPICE's drain-source voltage limiting (after ngspice `DEVlimvds`).
func limitDrainSource(_ vnew: Double, _ vold: Double) -> Double {
    if vold >= 3.5 {
        if vnew > vold { return min(vnew, 3 * vold + 2) }
        if vnew < 3.5 { return max(vnew, 2) }
        return vnew
    }
    return vnew > vold ? min(vnew, 4) : max(vnew, -0.5)
}

extension MOSFETModel {
    /// The level-1 `.model NAME NMOS|PMOS (…)` card (Shichman-Hodges, ngspice `mos1` defaults).
    /// L= and W= on the card are instance defaults (read by the elaborator); other levels go
    /// through OSDI.
    public static let card: DeviceCard<MOSFETModel> = {
        let grading = ParameterRange.interval(0, 1, lowerOpen: true, upperOpen: true)
        return DeviceCard<MOSFETModel>(
            title: "MOSFET model", syntax: ".model NAME NMOS|PMOS (LEVEL=1 VTO= KP= GAMMA= PHI= LAMBDA= RD= RS= CBD= CBS= IS= PB= CGSO= CGDO= CGBO= RSH= CJ= MJ= CJSW= MJSW= JS= TOX= LD= UO= NSUB= NSS= TPG= FC= KF= AF=)",
            summary: "level-1 MOSFET (Shichman & Hodges 1968; ngspice mos1load.c): square law with body effect and channel-length modulation, bulk junctions, Meyer gate charges, overlaps",
            prototype: MOSFETModel(), parameters: [
                .field("vto", aliases: ["vt0"], \.thresholdVoltage, unit: "V", default: "0 (or from NSUB, TPG, NSS)", "zero-bias threshold voltage"),
                .field("kp", \.transconductance, unit: "A/V²", range: .positive, default: "2e-5 (or UO·εox/TOX)", "transconductance parameter"),
                .field("gamma", \.bodyEffect, unit: "√V", range: .nonNegative, default: "0 (or from NSUB)", "body-effect parameter"),
                .field("phi", \.surfacePotential, unit: "V", range: .positive, default: "0.6 (or from NSUB)", "surface potential"),
                .field("lambda", \.channelModulation, unit: "1/V", "channel-length modulation"),
                .field("rd", \.drainResistance, unit: "Ω", range: .nonNegative, "drain ohmic resistance"),
                .field("rs", \.sourceResistance, unit: "Ω", range: .nonNegative, "source ohmic resistance"),
                .optionalField("cbd", \.bulkDrainCapacitance, unit: "F", range: .nonNegative, default: "CJ·AD", "zero-bias bulk-drain capacitance"),
                .optionalField("cbs", \.bulkSourceCapacitance, unit: "F", range: .nonNegative, default: "CJ·AS", "zero-bias bulk-source capacitance"),
                .field("is", \.junctionSaturationCurrent, unit: "A", range: .positive, "bulk junction saturation current"),
                .field("pb", \.junctionPotential, unit: "V", range: .positive, "bulk junction potential"),
                .field("cgso", \.gateSourceOverlap, unit: "F/m", range: .nonNegative, "gate-source overlap capacitance per width"),
                .field("cgdo", \.gateDrainOverlap, unit: "F/m", range: .nonNegative, "gate-drain overlap capacitance per width"),
                .field("cgbo", \.gateBulkOverlap, unit: "F/m", range: .nonNegative, "gate-bulk overlap capacitance per length"),
                .field("rsh", \.sheetResistance, unit: "Ω/□", range: .nonNegative, "drain and source diffusion sheet resistance"),
                .field("cj", \.junctionCapacitancePerArea, unit: "F/m²", range: .nonNegative, "bottom junction capacitance per area"),
                .field("mj", \.bottomGrading, unit: "-", range: grading, "bottom junction grading coefficient"),
                .field("cjsw", \.junctionCapacitancePerPerimeter, unit: "F/m", range: .nonNegative, "sidewall junction capacitance per perimeter"),
                .field("mjsw", \.sidewallGrading, unit: "-", range: grading, "sidewall grading coefficient"),
                .field("js", \.junctionSaturationDensity, unit: "A/m²", range: .nonNegative, "bulk junction saturation current density"),
                CardParameter("tox", unit: "m", range: .unbounded, default: "none", "oxide thickness (≤ 0: none)",
                              assign: { $0.oxideThickness = $1 > 0 ? $1 : nil }, current: { $0.oxideThickness }),
                .field("ld", \.lateralDiffusion, unit: "m", range: .nonNegative, "lateral diffusion"),
                .field("uo", aliases: ["u0"], \.mobility, unit: "cm²/(V s)", range: .positive, "surface mobility (for KP)"),
                .optionalField("nsub", \.substrateDoping, unit: "cm⁻³", range: .nonNegative, "substrate doping (for PHI, GAMMA, VTO)"),
                .field("nss", \.surfaceStateDensity, unit: "cm⁻²", "surface-state density (for VTO)"),
                .field("tpg", \.gateType, unit: "-", range: .interval(-1, 1, lowerOpen: false, upperOpen: false), "gate type: +1 opposite to substrate, −1 same, 0 Al"),
                .field("fc", \.depletionCoefficient, unit: "-", range: .interval(0, 1, lowerOpen: false, upperOpen: true), "forward-bias depletion coefficient"),
                .field("kf", \.flicker.coefficient, unit: "-", range: .nonNegative, "flicker-noise coefficient"),
                .field("af", \.flicker.exponent, unit: "-", range: .positive, "flicker-noise exponent"),
                CardParameter("level", unit: "-", range: .unbounded, status: .label, default: "1", "model level (1 built in; 2, 3, 6, 9, BSIM3/4 through OSDI)", assign: { _, _ in }, current: { _ in 1 }),
                CardParameter("l", unit: "m", range: .unbounded, status: .label, default: ".options defl", "length of instances that give none", assign: { _, _ in }, current: { _ in nil }),
                CardParameter("w", unit: "m", range: .unbounded, status: .label, default: ".options defw", "width of instances that give none", assign: { _, _ in }, current: { _ in nil }),
            ] + junctionTemperatureLabels(["tnom"]))
    }()

    /// KP, PHI, GAMMA and VTO from the process parameters where the card did not give them, as
    /// ngspice's `mos1temp.c` (silicon: εox = 3.9 ε0, εsi = 11.7 ε0, nᵢ = 1.45e10 cm⁻³; the
    /// thermal voltage at 300.15 K; the bandgap at TNOM, `nominalTemperature` in K).
    public mutating func deriveProcessParameters(given: Set<String>, nominalTemperature: Double) {
        guard let tox = oxideThickness else { return }
        let cox = 3.9 * PhysicalConstant.vacuumPermittivity / tox
        if !given.contains("kp") { transconductance = mobility * 1e-4 * cox }
        guard let nsub = substrateDoping, nsub > 0 else { return }
        let vt = PhysicalConstant.boltzmann * 300.15 / PhysicalConstant.elementaryCharge
        let ni = 1.45e16, nsubSI = nsub * 1e6
        if !given.contains("phi") { surfacePotential = max(0.1, 2 * vt * log(nsubSI / ni)) }
        if !given.contains("gamma") {
            bodyEffect = (2 * 11.7 * PhysicalConstant.vacuumPermittivity * PhysicalConstant.elementaryCharge * nsubSI).squareRoot() / cox
        }
        guard !given.contains("vto"), nsubSI > ni else { return }
        let tnom = nominalTemperature
        let bandgap = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108)
        let fermiSubstrate = polarity * 0.5 * surfacePotential
        var gateWorkFunction = 3.2
        if gateType != 0 { gateWorkFunction = 3.25 + 0.5 * bandgap - polarity * gateType * 0.5 * bandgap }
        let difference = gateWorkFunction - (3.25 + 0.5 * bandgap + fermiSubstrate)
        let flatBand = difference - surfaceStateDensity * 1e4 * PhysicalConstant.elementaryCharge / cox
        thresholdVoltage = flatBand + polarity * (bodyEffect * surfacePotential.squareRoot() + surfacePotential)
    }
}

extension MOSFET {
    /// The element line's settings (geometry in m and m², before `.options scale`).
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "MOSFET", syntax: "M<name> drain gate source bulk model [OFF] [L=] [W=] [AD=] [AS=] [PD=] [PS=] [NRD=] [NRS=] [M=]",
        summary: "geometry and multiplier of a MOSFET instance", prototype: ParameterValues(), parameters: [
            ParameterValues.setting("l", unit: "m", range: .positive, default: nil, defaultText: "model L or .options defl (100 µm)", "channel length"),
            ParameterValues.setting("w", unit: "m", range: .positive, default: nil, defaultText: "model W or .options defw (100 µm)", "channel width"),
            ParameterValues.setting("ad", unit: "m²", range: .nonNegative, default: 0, "drain diffusion area"),
            ParameterValues.setting("as", unit: "m²", range: .nonNegative, default: 0, "source diffusion area"),
            ParameterValues.setting("pd", unit: "m", range: .nonNegative, default: 0, "drain diffusion perimeter"),
            ParameterValues.setting("ps", unit: "m", range: .nonNegative, default: 0, "source diffusion perimeter"),
            ParameterValues.setting("nrd", unit: "squares", range: .nonNegative, default: 1, "drain diffusion squares (× RSH)"),
            ParameterValues.setting("nrs", unit: "squares", range: .nonNegative, default: 1, "source diffusion squares (× RSH)"),
            ParameterValues.setting("m", unit: "-", range: .positive, default: 1, "parallel devices"),
            .notModelled("temp", unit: "°C", scope: .instance, "instance temperature (the circuit's is used)"),
            .notModelled("dtemp", unit: "K", neutral: 0, scope: .instance, "instance temperature offset"),
            .notModelled("ic", unit: "V", scope: .instance, "initial terminal voltages"),
        ])
}
