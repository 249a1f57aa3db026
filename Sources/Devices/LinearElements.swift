import FoundationEssentials
import Glibc
import LithicCore

/// Stamps a conductance `g` between nodes a and b: four slots (aa, ab, ba, bb).
@usableFromInline
struct ConductanceSlots: Sendable {
    var aa = 0, ab = 0, ba = 0, bb = 0
    init() {}
    init(_ binder: inout MatrixBinder, _ a: Int, _ b: Int) {
        aa = binder.slot(a, a); ab = binder.slot(a, b); ba = binder.slot(b, a); bb = binder.slot(b, b)
    }
    @inline(__always)
    func add(_ m: UnsafeMutablePointer<Double>, _ g: Double) {
        m[aa] += g; m[ab] -= g; m[ba] -= g; m[bb] += g
    }
    /// A linear conductance g (S) between a and b (the nodes these slots were made for): its
    /// current into the residual and g into the Jacobian (series resistances of devices).
    @inline(__always)
    func loadConductance(_ c: inout LoadContext, _ a: Int, _ b: Int, _ g: Double) {
        let i = g * (c.x[a] - c.x[b])
        c.f[a] += i; c.f[b] -= i
        add(c.jf, g)
    }
}

/// Linear resistor `R<name> n+ n- value` (Ω). Current flows n+ → n-, i = (v+ − v−)/R.
/// `acResistance` (Ω, ngspice's `ac=`) replaces R in small-signal analyses only.
public struct Resistor: Device {
    public let name: String
    public let a: Int, b: Int
    public var resistance: Double
    public var acResistance: Double?
    /// Whether the resistor contributes noise to `.noise` (ngspice's instance `noisy=0` turns
    /// both its thermal and its flicker noise off).
    public var noisy = true
    /// Flicker noise, as ngspice's resnoise.c: a current PSD m·KF·|I/m|^AF / (A_eff·f^EF) with
    /// I the resistor's DC current, m the parallel multiplier and A_eff = (L − 2·SHORT)^LF ·
    /// (W − 2·NARROW)^WF when the instance gives L or W, else 1. nil when KF = 0.
    public var flicker: ResistorFlickerNoise?
    var slots = ConductanceSlots()
    public init(name: String, a: Int, b: Int, resistance: Double, acResistance: Double? = nil) {
        self.name = name; self.a = a; self.b = b; self.resistance = resistance; self.acResistance = acResistance
    }
    /// The AC conductance minus the DC one, added to G in `.ac` (and `.noise`) when `ac=` is given.
    public func addAdmittance(omega: Double, _ add: (Int, Double, Double) -> Void) {
        guard let acResistance else { return }
        let dg = 1 / acResistance - 1 / resistance
        add(slots.aa, dg, 0); add(slots.ab, -dg, 0); add(slots.ba, -dg, 0); add(slots.bb, dg, 0)
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws { slots = ConductanceSlots(&binder, a, b) }
    /// Johnson-Nyquist noise 4kT/R and, with a KF, flicker noise of the DC current; none when
    /// `noisy` is off.
    public func noiseSources(x: UnsafePointer<Double>, temperature: Double) -> [NoiseSource] {
        guard noisy else { return [] }
        var out: [NoiseSource] = [.thermal(a, b, conductance: 1 / resistance, temperature: temperature)]
        if let flicker {
            let i = (x[a] - x[b]) / resistance
            let m = flicker.multiplier
            let density = m * flicker.coefficient * pow(abs(i / m), flicker.exponent) / flicker.area
            out.append(NoiseSource(a, b, density, frequencyExponent: flicker.frequencyExponent))
        }
        return out
    }
    @inline(__always)
    public func load(_ c: inout LoadContext) {
        let g = 1 / resistance
        let i = g * (c.x[a] - c.x[b])
        c.f[a] += i; c.f[b] -= i
        slots.add(c.jf, g)
    }
    public mutating func setSweepValue(_ value: Double) -> Bool { resistance = value; return true }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { (x[a] - x[b]) / resistance }
}

/// The flicker noise of a resistor model (`.model NAME R kf= af= ef= lf= wf=`), see `Resistor.flicker`.
public struct ResistorFlickerNoise: Sendable {
    /// KF and AF (defaults 0 and 1), EF the exponent of 1/f (default 1).
    public var coefficient: Double, exponent: Double, frequencyExponent: Double
    /// The effective noise area A_eff (m^(LF+WF), 1 without instance geometry) and the parallel
    /// multiplier m (instance m= times enclosing subcircuit m=).
    public var area: Double, multiplier: Double
    public init(coefficient: Double, exponent: Double, frequencyExponent: Double, area: Double, multiplier: Double) {
        self.coefficient = coefficient; self.exponent = exponent; self.frequencyExponent = frequencyExponent
        self.area = area; self.multiplier = multiplier
    }
}

/// Linear capacitor `C<name> n+ n- value [IC=v]` (F): q = C·(v+ − v−).
public struct Capacitor: Device {
    public let name: String
    public let a: Int, b: Int
    public var capacitance: Double
    /// Initial voltage for `uic` runs, if given.
    public var initialVoltage: Double?
    var slots = ConductanceSlots()
    public init(name: String, a: Int, b: Int, capacitance: Double, initialVoltage: Double?) {
        self.name = name; self.a = a; self.b = b; self.capacitance = capacitance; self.initialVoltage = initialVoltage
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws { slots = ConductanceSlots(&binder, a, b) }
    @inline(__always)
    public func load(_ c: inout LoadContext) {
        let q = capacitance * (c.x[a] - c.x[b])
        c.q[a] += q; c.q[b] -= q
        slots.add(c.jq, capacitance)
    }
}

/// Linear inductor `L<name> n+ n- value [IC=i]` (H). Branch current i flows n+ → n-;
/// branch row: v+ − v− − d(L·i)/dt = 0, written as f = v+ − v−, q = −L·i.
public struct Inductor: Device {
    public let name: String
    public let a: Int, b: Int
    public var inductance: Double
    public var initialCurrent: Double?
    public private(set) var branch = 0
    var sAB = 0, sBB = 0, sBA = 0, sBb = 0, sbB = 0, sBranch = 0
    public init(name: String, a: Int, b: Int, inductance: Double, initialCurrent: Double?) {
        self.name = name; self.a = a; self.b = b; self.inductance = inductance; self.initialCurrent = initialCurrent
    }
    public mutating func allocate(_ allocator: inout UnknownAllocator) throws { branch = allocator.addBranch(device: name) }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        sAB = binder.slot(a, branch); sbB = binder.slot(b, branch)
        sBA = binder.slot(branch, a); sBb = binder.slot(branch, b)
        sBranch = binder.slot(branch, branch)
    }
    @inline(__always)
    public func load(_ c: inout LoadContext) {
        let i = c.x[branch]
        c.f[a] += i; c.f[b] -= i
        c.f[branch] += c.x[a] - c.x[b]
        c.q[branch] -= inductance * i
        c.jf[sAB] += 1; c.jf[sbB] -= 1; c.jf[sBA] += 1; c.jf[sBb] -= 1
        c.jq[sBranch] -= inductance
    }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}

/// Mutual inductance `K<name> L1 L2 k`: M = k·√(L1·L2) couples the two branch rows' fluxes.
public struct MutualInductance: Device {
    public let name: String
    public let first: String, second: String
    public let mutual: Double
    var b1 = 0, b2 = 0, s12 = 0, s21 = 0
    public init(name: String, first: String, second: String, mutual: Double) {
        self.name = name; self.first = first; self.second = second; self.mutual = mutual
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        guard let x = binder.branch(of: first), let y = binder.branch(of: second) else {
            throw SimulationError(analysis: "setup", point: "", message: "\(name): coupled inductors '\(first)', '\(second)' not found")
        }
        b1 = x; b2 = y
        s12 = binder.slot(b1, b2); s21 = binder.slot(b2, b1)
    }
    public func load(_ c: inout LoadContext) {
        c.q[b1] -= mutual * c.x[b2]
        c.q[b2] -= mutual * c.x[b1]
        c.jq[s12] -= mutual; c.jq[s21] -= mutual
    }
}

/// Independent voltage source `V<name> n+ n- [DC v] [AC mag phase] [waveform]`. Its branch current
/// flows from n+ through the source to n- (ngspice's `i(vname)` sign).
public struct VoltageSource: Device {
    public let name: String
    public let a: Int, b: Int
    public var source: SourceSpecification
    public private(set) var branch = 0
    var sAB = 0, sbB = 0, sBA = 0, sBb = 0
    public init(name: String, a: Int, b: Int, source: SourceSpecification) {
        self.name = name; self.a = a; self.b = b; self.source = source
    }
    public mutating func allocate(_ allocator: inout UnknownAllocator) throws { branch = allocator.addBranch(device: name) }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        sAB = binder.slot(a, branch); sbB = binder.slot(b, branch)
        sBA = binder.slot(branch, a); sBb = binder.slot(branch, b)
    }
    @inline(__always)
    public func load(_ c: inout LoadContext) {
        let i = c.x[branch]
        c.f[a] += i; c.f[b] -= i
        c.f[branch] += c.x[a] - c.x[b] - c.sourceFactor * source.value(at: c.time)
        c.jf[sAB] += 1; c.jf[sbB] -= 1; c.jf[sBA] += 1; c.jf[sBb] -= 1
    }
    public func loadAC(_ e: inout ACExcitation) {
        let ph = source.acPhaseDegrees * Double.pi / 180
        e.real[branch] += source.acMagnitude * cos(ph)
        e.imaginary[branch] += source.acMagnitude * sin(ph)
    }
    public func breakpoints(from: Double, to: Double, into list: inout [Double]) {
        source.waveform?.breakpoints(from: from, to: to, into: &list)
    }
    public mutating func setSweepValue(_ value: Double) -> Bool {
        source.dc = value; source.hasExplicitDC = true; return true
    }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
    public mutating func removeACExcitation() { source.acMagnitude = 0 }
}

/// Independent current source `I<name> n+ n- …`: current flows from n+ through the source to n-.
public struct CurrentSource: Device {
    public let name: String
    public let a: Int, b: Int
    public var source: SourceSpecification
    /// Parallel copies (`m=` on an enclosing subcircuit instance): the current is multiplied.
    public var multiplier: Double
    public init(name: String, a: Int, b: Int, source: SourceSpecification, multiplier: Double = 1) {
        self.name = name; self.a = a; self.b = b; self.source = source; self.multiplier = multiplier
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws {}
    @inline(__always)
    public func load(_ c: inout LoadContext) {
        let i = multiplier * c.sourceFactor * source.value(at: c.time)
        c.f[a] += i; c.f[b] -= i
    }
    public func loadAC(_ e: inout ACExcitation) {
        let ph = source.acPhaseDegrees * Double.pi / 180
        let magnitude = multiplier * source.acMagnitude
        e.real[a] -= magnitude * cos(ph); e.imaginary[a] -= magnitude * sin(ph)
        e.real[b] += magnitude * cos(ph); e.imaginary[b] += magnitude * sin(ph)
    }
    public func breakpoints(from: Double, to: Double, into list: inout [Double]) {
        source.waveform?.breakpoints(from: from, to: to, into: &list)
    }
    public mutating func setSweepValue(_ value: Double) -> Bool {
        source.dc = value; source.hasExplicitDC = true; return true
    }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { nil }
    public mutating func removeACExcitation() { source.acMagnitude = 0 }
}

/// Voltage-controlled voltage source `E<name> n+ n- nc+ nc- gain`: v+ − v− = gain·(vc+ − vc−).
public struct VCVS: Device {
    public let name: String
    public let a: Int, b: Int, ca: Int, cb: Int
    public let gain: Double
    public private(set) var branch = 0
    var s: [Int] = []
    public init(name: String, a: Int, b: Int, ca: Int, cb: Int, gain: Double) {
        self.name = name; self.a = a; self.b = b; self.ca = ca; self.cb = cb; self.gain = gain
    }
    public mutating func allocate(_ allocator: inout UnknownAllocator) throws { branch = allocator.addBranch(device: name) }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        s = [binder.slot(a, branch), binder.slot(b, branch), binder.slot(branch, a), binder.slot(branch, b),
             binder.slot(branch, ca), binder.slot(branch, cb)]
    }
    public func load(_ c: inout LoadContext) {
        let i = c.x[branch]
        c.f[a] += i; c.f[b] -= i
        c.f[branch] += c.x[a] - c.x[b] - gain * (c.x[ca] - c.x[cb])
        c.jf[s[0]] += 1; c.jf[s[1]] -= 1; c.jf[s[2]] += 1; c.jf[s[3]] -= 1
        c.jf[s[4]] -= gain; c.jf[s[5]] += gain
    }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}

/// Voltage-controlled current source `G<name> n+ n- nc+ nc- gm`: i(n+ → n-) = gm·(vc+ − vc−).
public struct VCCS: Device {
    public let name: String
    public let a: Int, b: Int, ca: Int, cb: Int
    public let transconductance: Double
    var s: (Int, Int, Int, Int) = (0, 0, 0, 0)
    public init(name: String, a: Int, b: Int, ca: Int, cb: Int, transconductance: Double) {
        self.name = name; self.a = a; self.b = b; self.ca = ca; self.cb = cb; self.transconductance = transconductance
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        s = (binder.slot(a, ca), binder.slot(a, cb), binder.slot(b, ca), binder.slot(b, cb))
    }
    public func load(_ c: inout LoadContext) {
        let g = transconductance
        let i = g * (c.x[ca] - c.x[cb])
        c.f[a] += i; c.f[b] -= i
        c.jf[s.0] += g; c.jf[s.1] -= g; c.jf[s.2] -= g; c.jf[s.3] += g
    }
}

/// Current-controlled current source `F<name> n+ n- vcontrol gain`: i(n+ → n-) = gain·i(vcontrol).
public struct CCCS: Device {
    public let name: String
    public let a: Int, b: Int
    public let control: String
    public let gain: Double
    var controlBranch = 0
    var s: (Int, Int) = (0, 0)
    public init(name: String, a: Int, b: Int, control: String, gain: Double) {
        self.name = name; self.a = a; self.b = b; self.control = control; self.gain = gain
    }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        guard let k = binder.branch(of: control) else {
            throw SimulationError(analysis: "setup", point: "", message: "\(name): controlling source '\(control)' not found")
        }
        controlBranch = k
        s = (binder.slot(a, k), binder.slot(b, k))
    }
    public func load(_ c: inout LoadContext) {
        let i = gain * c.x[controlBranch]
        c.f[a] += i; c.f[b] -= i
        c.jf[s.0] += gain; c.jf[s.1] -= gain
    }
}

/// Current-controlled voltage source `H<name> n+ n- vcontrol r`: v+ − v− = r·i(vcontrol).
public struct CCVS: Device {
    public let name: String
    public let a: Int, b: Int
    public let control: String
    public let transresistance: Double
    public private(set) var branch = 0
    var controlBranch = 0
    var s: [Int] = []
    public init(name: String, a: Int, b: Int, control: String, transresistance: Double) {
        self.name = name; self.a = a; self.b = b; self.control = control; self.transresistance = transresistance
    }
    public mutating func allocate(_ allocator: inout UnknownAllocator) throws { branch = allocator.addBranch(device: name) }
    public mutating func bind(_ binder: inout MatrixBinder) throws {
        guard let k = binder.branch(of: control) else {
            throw SimulationError(analysis: "setup", point: "", message: "\(name): controlling source '\(control)' not found")
        }
        controlBranch = k
        s = [binder.slot(a, branch), binder.slot(b, branch), binder.slot(branch, a), binder.slot(branch, b), binder.slot(branch, k)]
    }
    public func load(_ c: inout LoadContext) {
        let i = c.x[branch]
        c.f[a] += i; c.f[b] -= i
        c.f[branch] += c.x[a] - c.x[b] - transresistance * c.x[controlBranch]
        c.jf[s[0]] += 1; c.jf[s[1]] -= 1; c.jf[s[2]] += 1; c.jf[s[3]] -= 1; c.jf[s[4]] -= transresistance
    }
    public func terminalCurrent(x: UnsafePointer<Double>) -> Double? { x[branch] }
}

/// The temperature and scale settings shared by R, C and L (ngspice `restemp.c`, `captemp.c`,
/// `indtemp.c`): value·(1 + TC1·ΔT + TC2·ΔT²)·SCALE, ΔT = TEMP − TNOM.
private let thermalSettings: [CardParameter<ParameterValues>] = [
    ParameterValues.setting("tc1", aliases: ["tc"], unit: "1/K", default: 0, "first-order temperature coefficient"),
    ParameterValues.setting("tc2", unit: "1/K²", default: 0, "second-order temperature coefficient"),
    ParameterValues.setting("temp", unit: "°C", default: nil, defaultText: "circuit temperature", "instance temperature"),
    ParameterValues.setting("dtemp", unit: "K", default: 0, "instance temperature offset from the circuit's"),
    ParameterValues.setting("scale", unit: "-", default: 1, "value multiplier"),
    ParameterValues.setting("m", unit: "-", range: .positive, default: 1, "parallel devices"),
]

extension Resistor {
    /// `R<name> n+ n- [value] [model] [R=] [L= W=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=] [AC=] [NOISY=]`.
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "resistor", syntax: "R<name> n+ n- [value|{expr}] [model] [R=] [L= W=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=] [AC=] [NOISY=]",
        summary: "linear resistor, i = v/R; from a model R = RSH·(L − 2 SHORT)/(W − 2 NARROW); thermal noise 4kT/R, optional flicker (ngspice res)",
        prototype: ParameterValues(), parameters: [
            ParameterValues.setting("r", aliases: ["resistance"], unit: "Ω", default: nil, defaultText: "positional value or model", "resistance"),
            ParameterValues.setting("l", unit: "m", range: .positive, default: nil, defaultText: "model DEFL/L or 10 µm", "length (with a model's RSH)"),
            ParameterValues.setting("w", unit: "m", range: .positive, default: nil, defaultText: "model DEFW/W or 10 µm", "width (with a model's RSH)"),
            ParameterValues.setting("ac", unit: "Ω", default: nil, defaultText: "R", "resistance in small-signal analyses"),
            ParameterValues.setting("noisy", aliases: ["noise"], unit: "-", default: 1, "0: noiseless"),
            .notModelled("tce", unit: "%/K", neutral: 0, scope: .instance, "exponential temperature coefficient"),
            .notModelled("bv_max", unit: "V", scope: .instance, "maximum voltage (not checked)"),
        ] + thermalSettings)

    /// `.model NAME R (…)` (ngspice `res` model parameters).
    public static let modelCard = DeviceCard<ParameterValues>(
        title: "resistor model", syntax: ".model NAME R (R= RSH= NARROW= SHORT= TC1= TC2= DEFW= DEFL= KF= AF= LF= WF= EF= TNOM=)",
        summary: "sheet resistance and geometry corrections, temperature coefficients, flicker noise of R instances",
        prototype: ParameterValues(), parameters: [
            ParameterValues.setting("r", aliases: ["res"], unit: "Ω", scope: .model, default: nil, "resistance when L·W·RSH = 0"),
            ParameterValues.setting("rsh", unit: "Ω/□", range: .nonNegative, scope: .model, default: 0, "sheet resistance"),
            ParameterValues.setting("narrow", aliases: ["dw"], unit: "m", scope: .model, default: 0, "narrowing at each edge"),
            ParameterValues.setting("short", aliases: ["dlr"], unit: "m", scope: .model, default: 0, "shortening at each end"),
            ParameterValues.setting("tc1", aliases: ["tc1r"], unit: "1/K", scope: .model, default: 0, "first-order temperature coefficient"),
            ParameterValues.setting("tc2", aliases: ["tc2r"], unit: "1/K²", scope: .model, default: 0, "second-order temperature coefficient"),
            ParameterValues.setting("defw", aliases: ["w"], unit: "m", scope: .model, default: 10e-6, "default width"),
            ParameterValues.setting("defl", aliases: ["l"], unit: "m", scope: .model, default: 10e-6, "default length"),
            ParameterValues.setting("kf", unit: "-", range: .nonNegative, scope: .model, default: 0, "flicker-noise coefficient"),
            ParameterValues.setting("af", unit: "-", range: .positive, scope: .model, default: 1, "flicker-noise current exponent"),
            ParameterValues.setting("ef", unit: "-", scope: .model, default: 1, "flicker-noise frequency exponent"),
            ParameterValues.setting("lf", unit: "-", scope: .model, default: 1, "length exponent of the flicker-noise area"),
            ParameterValues.setting("wf", unit: "-", scope: .model, default: 1, "width exponent of the flicker-noise area"),
            ParameterValues.setting("tnom", unit: "°C", scope: .model, default: nil, defaultText: ".options tnom (27)", "nominal temperature"),
            .notModelled("tce", unit: "%/K", neutral: 0, "exponential temperature coefficient"),
            .notModelled("bv_max", unit: "V", "maximum voltage (not checked)"),
        ])
}

extension Capacitor {
    /// `C<name> n+ n- value [C=] [IC=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=]`.
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "capacitor", syntax: "C<name> n+ n- value [C=] [IC=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=]",
        summary: "linear capacitor, q = C v (ngspice cap)", prototype: ParameterValues(), parameters: [
            ParameterValues.setting("c", aliases: ["cap", "capacitance"], unit: "F", default: nil, defaultText: "positional value", "capacitance"),
            ParameterValues.setting("ic", unit: "V", default: nil, defaultText: "none", "initial voltage (with UIC)"),
            CardParameter("w", unit: "m", range: .unbounded, scope: .instance, status: .label, default: "—", "width: sizes only a model capacitor, which Lithic has not; ignored as ngspice does with a value", assign: { _, _ in }, current: { _ in nil }),
            CardParameter("l", unit: "m", range: .unbounded, scope: .instance, status: .label, default: "—", "length: as W", assign: { _, _ in }, current: { _ in nil }),
            .notModelled("bv_max", unit: "V", scope: .instance, "maximum voltage (not checked)"),
        ] + thermalSettings)
}

extension Inductor {
    /// `L<name> n+ n- value [L=] [IC=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=]`.
    public static let instanceCard = DeviceCard<ParameterValues>(
        title: "inductor", syntax: "L<name> n+ n- value [L=] [IC=] [TC1= TC2=] [TEMP=|DTEMP=] [SCALE=] [M=]",
        summary: "linear inductor, φ = L i, branch current unknown (ngspice ind)", prototype: ParameterValues(), parameters: [
            ParameterValues.setting("l", aliases: ["inductance"], unit: "H", default: nil, defaultText: "positional value", "inductance"),
            ParameterValues.setting("ic", unit: "A", default: nil, defaultText: "none", "initial current (with UIC)"),
            .notModelled("nt", unit: "-", scope: .instance, "number of turns (model inductors)"),
        ] + thermalSettings)
}
