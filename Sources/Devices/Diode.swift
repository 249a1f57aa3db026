import FoundationEssentials
import Glibc
import LithicCore

/// Parameters of the SPICE level-1 diode model (`.model name D (…)`), ngspice defaults.
public struct DiodeModel: Sendable {
    /// Saturation current (A).
    public var saturationCurrent = 1e-14
    /// Emission coefficient.
    public var emission = 1.0
    /// Ohmic series resistance (Ω).
    public var seriesResistance = 0.0
    /// Zero-bias junction capacitance (F).
    public var junctionCapacitance = 0.0
    /// Junction potential (V).
    public var junctionPotential = 1.0
    /// Grading coefficient.
    public var grading = 0.5
    /// Forward-bias depletion capacitance coefficient.
    public var depletionCoefficient = 0.5
    /// Reverse breakdown voltage (V, positive); infinite when not given.
    public var breakdownVoltage = Double.infinity
    /// Current at breakdown voltage (A).
    public var breakdownCurrent = 1e-3
    /// Transit time (s).
    public var transitTime = 0.0
    /// Activation energy (eV) and saturation-current temperature exponent.
    public var bandgap = 1.11
    public var saturationTemperatureExponent = 3.0
    /// Nominal temperature (K).
    public var nominalTemperature = 300.15
    /// Flicker noise KF, AF (`.noise`).
    public var flicker = FlickerNoise()
    public init() {}
}

/// SPICE level-1 junction diode `D<name> anode cathode model [area]` with series resistance,
/// depletion and diffusion charge, reverse breakdown and pn-junction limiting. Equations as in
/// the SPICE2/3 diode (Nagel 1975; ngspice `dioload.c`), rewritten in residual form.
public struct Diode: Device {
    public let name: String
    public let anode: Int, cathode: Int
    public let model: DiodeModel
    public let area: Double
    public let startOff: Bool
    var junction = 0  // internal anode when Rs > 0, else the anode
    var limitSlot = 0
    var sRs = ConductanceSlots()
    var sJ = ConductanceSlots()

    /// Temperature-adjusted constants, computed once: saturation current (A), thermal voltage
    /// times N (V), critical voltage (V) and the breakdown knee (V) at which the reverse current
    /// equals IBV (ngspice `DIOtemp`).
    let saturation: Double
    let thermal: Double
    let critical: Double
    let breakdownKnee: Double

    public init(name: String, anode: Int, cathode: Int, model: DiodeModel, area: Double = 1, off: Bool = false, temperature: Double = 300.15) {
        self.name = name; self.anode = anode; self.cathode = cathode; self.model = model; self.area = area; self.startOff = off
        let vt = PhysicalConstant.boltzmann * temperature / PhysicalConstant.elementaryCharge
        let vte = model.emission * vt
        let ratio = temperature / model.nominalTemperature
        var isat = model.saturationCurrent * area
        if ratio != 1 {
            let vtNominal = PhysicalConstant.boltzmann * model.nominalTemperature / PhysicalConstant.elementaryCharge
            isat *= pow(ratio, model.saturationTemperatureExponent / model.emission) *
                exp(model.bandgap / (model.emission * vtNominal) * (1 - 1 / ratio))
        }
        saturation = isat
        thermal = vte
        critical = vte * log(vte / (isat * 2.0.squareRoot()))
        var knee = model.breakdownVoltage
        if knee.isFinite {
            let cbv = model.breakdownCurrent * area
            if cbv >= isat * knee / vt {
                let tol = 1e-3 * cbv
                var xbv = knee - vte * log(1 + cbv / isat)
                for _ in 0..<25 {
                    xbv = knee - vte * log(cbv / isat + 1 - xbv / vt)
                    let xcbv = isat * (exp((knee - xbv) / vte) - 1 + xbv / vt)
                    if abs(xcbv - cbv) <= tol { break }
                }
                knee = xbv
            }
        }
        breakdownKnee = knee
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        junction = model.seriesResistance > 0 ? allocator.addUnknown(name + "#internal", kind: .voltage) : anode
        limitSlot = allocator.addLimitState(1)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        if junction != anode { sRs = ConductanceSlots(&binder, anode, junction) }
        sJ = ConductanceSlots(&binder, junction, cathode)
    }

    public func load(_ c: inout LoadContext) {
        let vte = thermal
        let vcrit = critical
        let vx = c.x[junction] - c.x[cathode]
        var vd = vx
        if c.initializeJunctions {
            vd = startOff ? 0 : vcrit
            c.limitedCount += 1
        } else {
            let old = c.limitState[limitSlot]
            let bv = breakdownKnee
            if bv.isFinite, vd < min(0, -bv + 10 * vte) {
                var vdtemp = -(vd + bv)
                let r = limitJunctionVoltage(new: vdtemp, old: -(old + bv), thermalVoltage: vte, critical: vcrit)
                vdtemp = r.0
                vd = -(vdtemp + bv)
                if r.1 { c.limitedCount += 1 }
            } else {
                let r = limitJunctionVoltage(new: vd, old: old, thermalVoltage: vte, critical: vcrit)
                vd = r.0
                if r.1 { c.limitedCount += 1 }
            }
        }
        c.limitState[limitSlot] = vd
        let (cd, gd) = junctionCurrent(vd, gmin: c.gmin)
        // Linearised about the limited point, evaluated at the real iterate.
        let i = cd + gd * (vx - vd)
        c.f[junction] += i; c.f[cathode] -= i
        sJ.add(c.jf, gd)
        if junction != anode { sRs.loadConductance(&c, anode, junction, area / model.seriesResistance) }
        // Charge: depletion plus diffusion (TT·Id).
        let cj0 = model.junctionCapacitance * area
        if cj0 > 0 || model.transitTime > 0 {
            let vj = model.junctionPotential, m = model.grading, fc = model.depletionCoefficient
            var q = model.transitTime * cd
            var cap = model.transitTime * gd
            let depletion = depletionCharge(vd, c0: cj0, pb: vj, m: m, fc: fc)
            q += depletion.charge
            cap += depletion.capacitance
            let qx = q + cap * (vx - vd)
            c.q[junction] += qx; c.q[cathode] -= qx
            sJ.add(c.jq, cap)
        }
    }

    /// Junction current (A) and conductance (S) at junction voltage vd: forward exponential, SPICE's
    /// cubic reverse region and the breakdown exponential, each with gmin in parallel.
    func junctionCurrent(_ vd: Double, gmin: Double) -> (Double, Double) {
        let vte = thermal, isat = saturation
        if vd >= -3 * vte {
            let e = exp(min(vd / vte, 700))
            return (isat * (e - 1) + gmin * vd, isat * e / vte + gmin)
        }
        if !breakdownKnee.isFinite || vd >= -breakdownKnee {
            var arg = 3 * vte / (vd * M_E)
            arg = arg * arg * arg
            return (-isat * (1 + arg) + gmin * vd, isat * 3 * arg / vd + gmin)
        }
        let e = exp(min(-(breakdownKnee + vd) / vte, 700))
        return (-isat * e + gmin * vd, isat * e / vte + gmin)
    }

    /// Shot noise 2q|Id| and flicker noise KF·|Id|^AF/f of the junction and thermal noise of RS
    /// (ngspice `dionoi.c`); the gmin term is left out of the junction current.
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        let current = junctionCurrent(x[junction] - x[cathode], gmin: 0).0
        var out: [NoiseSource] = [.shot(junction, cathode, current: current)]
        if let flicker = model.flicker.source(junction, cathode, current: current) { out.append(flicker) }
        if junction != anode { out.append(.thermal(anode, junction, conductance: area / model.seriesResistance, temperature: temperature)) }
        return out
    }

    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
}

extension DiodeModel {
    /// The `.model NAME D (…)` card (ngspice's level-1 diode, `diosetup.c` defaults).
    /// `TNOM` is the nominal temperature in °C; the elaborator starts from `.options tnom`.
    public static let card = DeviceCard<DiodeModel>(
        title: "diode model", syntax: ".model NAME D (IS= N= RS= CJO= VJ= M= FC= BV= IBV= TT= EG= XTI= TNOM= KF= AF=)",
        summary: "SPICE level-1 junction diode: exponential current, series resistance, depletion and diffusion charge, reverse breakdown (Nagel 1975; ngspice dioload.c)",
        prototype: DiodeModel(), parameters: [
            .field("is", \.saturationCurrent, unit: "A", range: .positive, "saturation current", source: "SPICE2/ngspice default"),
            .field("n", \.emission, unit: "-", range: .positive, "emission coefficient"),
            .field("rs", \.seriesResistance, unit: "Ω", range: .nonNegative, "ohmic series resistance"),
            .field("cjo", aliases: ["cj0", "cj"], \.junctionCapacitance, unit: "F", range: .nonNegative, "zero-bias junction capacitance"),
            .field("vj", aliases: ["pb"], \.junctionPotential, unit: "V", range: .positive, "junction potential"),
            .field("m", aliases: ["mj"], \.grading, unit: "-", range: .interval(0, 1, lowerOpen: true, upperOpen: true), "grading coefficient"),
            .field("fc", \.depletionCoefficient, unit: "-", range: .interval(0, 1, lowerOpen: false, upperOpen: true), "forward-bias depletion capacitance coefficient"),
            CardParameter("bv", unit: "V", range: .unbounded, "reverse breakdown voltage (its magnitude; ∞ = none)",
                          assign: { $0.breakdownVoltage = abs($1) }, current: { $0.breakdownVoltage }),
            .field("ibv", \.breakdownCurrent, unit: "A", range: .nonNegative, "current at the breakdown voltage"),
            .field("tt", \.transitTime, unit: "s", range: .nonNegative, "transit time (diffusion charge)"),
            .field("eg", \.bandgap, unit: "eV", range: .positive, "activation energy of IS"),
            .field("xti", \.saturationTemperatureExponent, unit: "-", "temperature exponent of IS"),
            temperatureParameter(\.nominalTemperature),
            .field("kf", \.flicker.coefficient, unit: "A^(2−AF)", range: .nonNegative, "flicker-noise coefficient"),
            .field("af", \.flicker.exponent, unit: "-", range: .positive, "flicker-noise current exponent"),
            CardParameter("level", unit: "-", range: .unbounded, status: .label, default: "1", "model level (ngspice's level-1 diode; the card is read as level 1)",
                          assign: { _, _ in }, current: { _ in 1 }),
        ])
}

/// `TNOM` on a card in °C, stored in kelvin; the default is `.options tnom` (27 °C).
public func temperatureParameter<T>(_ keyPath: WritableKeyPath<T, Double>, name: String = "tnom") -> CardParameter<T> {
    CardParameter(name, unit: "°C", range: .interval(-273.15, 1e4, lowerOpen: true, upperOpen: false), default: ".options tnom (27)",
                  "nominal temperature of the parameters", assign: { $0[keyPath: keyPath] = $1 + PhysicalConstant.zeroCelsius },
                  current: { $0[keyPath: keyPath] - PhysicalConstant.zeroCelsius })
}

extension Diode {
    /// The element line's settings after the model name.
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "diode", syntax: "D<name> anode cathode model [area] [OFF] [AREA=a] [M=m]",
        summary: "area factor and parallel multiplier of a diode instance", prototype: ParameterValues(), parameters: [
            ParameterValues.setting("area", unit: "-", range: .positive, default: 1, "area factor (scales IS, CJO, IBV; divides RS)"),
            ParameterValues.setting("m", unit: "-", range: .positive, default: 1, "parallel devices (multiplies the area)"),
            .notModelled("pj", unit: "-", neutral: 0, scope: .instance, "perimeter factor"),
            .notModelled("temp", unit: "°C", scope: .instance, "instance temperature (the circuit's is used)"),
            .notModelled("dtemp", unit: "K", neutral: 0, scope: .instance, "instance temperature offset"),
            .notModelled("ic", unit: "V", scope: .instance, "initial junction voltage"),
        ])
}
