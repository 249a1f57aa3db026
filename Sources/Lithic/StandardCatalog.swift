import Devices
import Elaboration
import LithicCore
import Memristors
import Electrochem
import Impedance

extension DeviceCatalog {
    /// Every extension device `lithic` knows, written `Y<TYPE> name nodes… model [p=v…]`.
    public static var standard: DeviceCatalog {
        var c = DeviceCatalog()
        c.entries["memristor"] = Entry(terminals: 2, summary: "memristor compact models (LEVEL 1 linear drift, 2 TEAM, 3 Yakopcic, 5 VTEAM, 6 Stanford/ASU RRAM, 10 LLZO Li filament); state x(device)", parameters: [
            .init("level", "-", "1", "1 HP linear drift, 2 TEAM (Xyce), 3 Yakopcic (Xyce), 5 VTEAM, 6 Stanford/ASU RRAM, 10 LLZO filament"),
            .init("x0 (instance)", "state unit", "model default", "initial state, held during the operating point"),
            .init("ron, roff", "Ω", "L1: 100, 16k; L2/L5: 50, 1000", "Strukov 2008; Kvatinsky 2013/2015; Xyce defaults"),
            .init("d, uv, p, j, wt", "m, m²/(V s), -, -, -", "10n, 1e-14, 2, 1, 2 (Biolek)", "level 1 (Joglekar 2009, Biolek 2009, Prodromakis 2011 windows)"),
            .init("kon, koff, alphaon, alphaoff, ion, ioff", "m/s, -, A", "Xyce: -8e-13, 8e-13, 3, 3, -8.9e-6, 1.15e-4", "level 2 TEAM (Xyce names)"),
            .init("xon, xoff, aon, aoff, wc, xscaling", "m", "0, 3n, xon+5wc, xoff-5wc, 1.07e-12, 1", "levels 2/5; Lithic keeps the Kvatinsky window inside the range"),
            .init("a1, a2, b, vp, vn, ap, an, xp, xn, alphap, alphan, eta", "A, 1/V, V, 1/s", "Xyce defaults (1, 0.01 V …)", "level 3 Yakopcic 2011/2013"),
            .init("von, voff", "V", "-0.2, 0.02", "level 5 VTEAM (MemTorch defaults)"),
            .init("i0, g0, v0 (level 6)", "A, m, V", "1m, 0.25n, 0.25", "Stanford/ASU RRAM v1.0 (Jiang et al. 2014, nanoHUB doi:10.4231/D37H1DN48)"),
            .init("vel0, ea, a0, gamma0, beta, alpha", "m/s, eV, m, -, -, -", "10, 0.6, 0.25n, 16, 0.8, 3", "Stanford v1.0 defaults"),
            .init("tox, fmin, rth, t0, gmin, gmax", "m, V/m, K/W, K, m, m", "12n, 1.4e9, 2.1e3, 298, 0.2n, 1.7n", "Stanford v1.0 defaults; state = gap in nm, x0 default GMAX"),
            .init("fwidth, gsmooth, tstep", "V/m, m, s", "1e7, 0.01n, 0 (none)", "Lithic: smoothing of the F_min threshold and gap clamp; $bound_step"),
            .init("gap, a, sigma, rf, rho, rc, lambda", "m, m, S/m, m, Ω m, Ω, m", "1µ, 50n, 0.046, 6n, 9.5e-8, 50, 20n", "level 10, PHYSICS.md §5/§8d ([E] gap, rc, lambda)"),
            .init("i0, alphac, alphaa, keta, vm, delta, temp", "A/m², -, -, -, m³/mol, m, K", "100, 0.5, 0.5, 1, 1.3e-5, 10n, 298.15", "level 10 tip kinetics ([E] i0, keta)"),
            .init("kp, xi, rhoint, lint0", "m²/s, -, Ω m, m", "0, 0 (off), 1e-3, 0.1n", "level 10 endurance drift: filament interphase dL/dt = kp/2L + ξ|j_tip|Vm/F adds ρ_int L/(πr²) to R_on (PHYSICS §8d; LLZO kp ≤ 3.6e-21, Aktekin 2023; [E] xi, rhoint); state y(device) in nm"),
        ]) { request, groups in
            let model = try MemristorModel.from(request.modelParameters, at: request.location)
            var x0 = request.modelParameters["xo"] ?? request.modelParameters["x0"] ?? model.defaultInitialState
            for (k, v) in request.instanceParameters {
                switch k {
                case "x0", "xo": x0 = v
                default: throw InputError(request.location, "unknown memristor instance parameter '\(k.uppercased())' (X0)")
                }
            }
            guard x0.isFinite else { throw InputError(request.location, "memristor initial state must be finite") }
            groups.append(Memristor(name: request.name, plus: request.nodes[0], minus: request.nodes[1], model: model, initialState: x0))
        }
        c.entries["butlervolmer"] = Entry(terminals: 2, summary: "Butler-Volmer charge transfer, I = A i0(T) [exp(αa F η/RT) − exp(−αc F η/RT)]", parameters: [
            .init("i0", "A/m²", "10 (1 mA/cm²)", "PHYSICS.md §2.3 Li|LLZO range"),
            .init("area", "m²", "1e-4 (1 cm²)", "geometry"),
            .init("alphaa, alphac (or alpha)", "-", "0.5, 0.5", "symmetric transfer"),
            .init("temp, tref", "K", "298.15, 298.15", ""),
            .init("ea", "J/mol", "0", "Arrhenius activation of i0"),
        ]) { request, groups in
            var m = ButlerVolmer.Model()
            var params = request.modelParameters
            for (k, v) in request.instanceParameters { params[k] = v }
            for (k, v) in params {
                switch k {
                case "i0": m.exchangeCurrentDensity = v
                case "area": m.area = v
                case "alphaa": m.alphaAnodic = v
                case "alphac": m.alphaCathodic = v
                case "alpha": m.alphaAnodic = v; m.alphaCathodic = v
                case "temp": m.temperature = v
                case "tref": m.referenceTemperature = v
                case "ea": m.activationEnergy = v
                default: throw InputError(request.location, "unknown Butler-Volmer parameter '\(k.uppercased())' (I0, AREA, ALPHA, ALPHAA, ALPHAC, TEMP, TREF, EA)")
                }
            }
            for (n, v) in [("i0", m.exchangeCurrentDensity), ("area", m.area), ("alphaa", m.alphaAnodic), ("alphac", m.alphaCathodic), ("temp", m.temperature)] where !(v > 0) {
                throw InputError(request.location, "Butler-Volmer parameter \(n.uppercased()) must be positive, got \(v)")
            }
            groups.append(ButlerVolmer(name: request.name, plus: request.nodes[0], minus: request.nodes[1], model: m))
        }
        for (type, summary, defaults) in [
            ("liinterface", "Li / solid-electrolyte interface: breathing contact, ratchet, interphase memory, dendrite filament, Li inventory (PHYSICS.md §8a)", LiSEInterface.Model()),
            ("dai", "DAI interface: the Li interface plus field-driven mobile-ion void healing (PHYSICS.md §8b); KDAI sets both polarities", LiSEInterface.Model.dai),
        ] {
            c.entries[type] = Entry(terminals: 2, summary: summary,
                                    parameters: LiSEInterface.parameterTable.map { DeviceCatalog.Parameter($0.0, $0.2, $0.3, $0.4) }
                                        + [DeviceCatalog.Parameter("kdai", "1/s", "—", "sets KDAISTRIP and KDAIPLATE")]) { request, groups in
                var m = defaults
                var params = request.modelParameters
                for (k, v) in request.instanceParameters { params[k] = v }
                if let k = params.removeValue(forKey: "kdai") {
                    guard k.isFinite, k >= 0 else { throw InputError(request.location, "\(type) parameter KDAI must be ≥ 0, got \(k)") }
                    m.daiStrip = k; m.daiPlate = k
                }
                for (k, v) in params {
                    guard let entry = LiSEInterface.parameterTable.first(where: { $0.0 == k }) else {
                        throw InputError(request.location, "unknown \(type) parameter '\(k.uppercased())' (see lithic devices \(type))")
                    }
                    guard v.isFinite, v >= 0 else { throw InputError(request.location, "\(type) parameter \(k.uppercased()) must be ≥ 0, got \(v)") }
                    m[keyPath: entry.1] = v
                }
                for (n, v) in [("area", m.area), ("temp", m.temperature), ("lse", m.electrolyteThickness), ("hli", m.lithiumThickness), ("hv", m.voidDepth), ("tcr", m.creepTime), ("jref", m.daiReference)] where !(v > 0) {
                    throw InputError(request.location, "\(type) parameter \(n.uppercased()) must be positive")
                }
                guard m.pressure <= 1e9 else { throw InputError(request.location, "\(type) PRESSURE \(m.pressure) Pa is out of range (≤ 1 GPa)") }
                guard m.wettedFraction <= 1 else { throw InputError(request.location, "\(type) PHIW must be in [0, 1]") }
                groups.append(LiSEInterface(name: request.name, li: request.nodes[0], electrolyte: request.nodes[1], model: m))
            }
        }
        c.entries["ocv"] = Entry(terminals: 2, summary: "open-circuit-voltage source U(SOC) with SOC tracked by charge (dSOC/dt = I/Q); state soc(device), current i(device)", parameters: [
            .init("curve", "-", "1", "1 NMC811 Chen2020 (PHYSICS.md §6.6), 2 LCO Dualfoil1998 (valid 0.5 < x < 0.99), 0 table (implied by SOC1…)"),
            .init("capacity", "Ah", "required", "cell capacity (stored in coulombs)"),
            .init("soc0", "-", "1", "initial state of charge, held during the operating point"),
            .init("y0, y100", "-", "NMC811: 0.8540, 0.2638; LCO: 0.99, 0.5", "stoichiometry at 0 % and 100 % SOC (Chen2020 window; LCO validity range)"),
            .init("soc1…socN, u1…uN", "-, V", "none", "OCV table, SOC increasing; monotone cubic (Fritsch–Carlson)"),
            .init("rcei0", "Ω", "0", "initial CEI resistance R₀ in series (PHYSICS.md §8c CEI memory; state rcei(device))"),
            .init("kcei", "Ω²/s", "0 (off)", "[E] parabolic CEI growth dR/dt = k/(2R); needs RCEI0 > 0; calibrate"),
            .init("kceiv", "Ω/s", "0 (off)", "[E] voltage-activated CEI growth k_V·exp((U − VCEI)/VACEI)"),
            .init("vcei, vacei", "V", "4.2, 0.05", "[E] onset and scale of the voltage-activated CEI term"),
            .init("rc", "-", "0 (off)", "[E] cathode contact ratchet per unit SOC throughput (§8c; state ac(device))"),
            .init("aw", "-", "0.9", "[E] active fraction held at zero pressure, a_c,eq(P) = 1 − (1 − aw)·exp(−P/PC)"),
            .init("pc", "Pa", "45e6", "[E] pressure scale of a_c,eq (the anode's contact value)"),
            .init("krec, prec", "1/s, Pa", "0, 50e6", "[E] recovery k_rec·max(0, P − PREC)/PREC (only under high pressure, Shi [V])"),
            .init("pressure", "Pa", "0", "stack pressure seen by the cathode ratchet"),
        ]) { request, groups in
            var params = request.modelParameters
            for (k, v) in request.instanceParameters { params[k] = v }
            var socPoints: [Int: Double] = [:], voltagePoints: [Int: Double] = [:]
            var curveCode: Double?, capacity: Double?, soc0 = 1.0, yEmpty: Double?, yFull: Double?
            var degradation = OCVSource.Degradation()
            for (k, v) in params {
                guard v.isFinite else { throw InputError(request.location, "OCV parameter \(k.uppercased()) must be finite") }
                func nonNegative() throws -> Double {
                    guard v >= 0 else { throw InputError(request.location, "OCV parameter \(k.uppercased()) must be ≥ 0, got \(v)") }
                    return v
                }
                func positive() throws -> Double {
                    guard v > 0 else { throw InputError(request.location, "OCV parameter \(k.uppercased()) must be > 0, got \(v)") }
                    return v
                }
                switch k {
                case "rcei0": degradation.ceiInitial = try nonNegative()
                case "kcei": degradation.ceiParabolic = try nonNegative()
                case "kceiv": degradation.ceiVoltageRate = try nonNegative()
                case "vcei": degradation.ceiVoltage = v
                case "vacei": degradation.ceiVoltageScale = try positive()
                case "rc": degradation.ratchet = try nonNegative()
                case "aw":
                    guard v >= 0, v <= 1 else { throw InputError(request.location, "OCV parameter AW must lie in [0, 1], got \(v)") }
                    degradation.wetFraction = v
                case "pc": degradation.contactPressure = try positive()
                case "krec": degradation.recovery = try nonNegative()
                case "prec": degradation.recoveryPressure = try positive()
                case "pressure": degradation.pressure = try nonNegative()
                case "curve": curveCode = v
                case "capacity": capacity = v
                case "soc0": soc0 = v
                case "y0": yEmpty = v
                case "y100": yFull = v
                default:
                    if k.hasPrefix("soc"), let n = Int(k.dropFirst(3)), n >= 1 { socPoints[n] = v; continue }
                    if k.hasPrefix("u"), let n = Int(k.dropFirst(1)), n >= 1 { voltagePoints[n] = v; continue }
                    throw InputError(request.location, "unknown OCV parameter '\(k.uppercased())' (CURVE, CAPACITY, SOC0, Y0, Y100, SOC1…, U1…, RCEI0, KCEI, KCEIV, VCEI, VACEI, RC, AW, PC, KREC, PREC, PRESSURE)")
                }
            }
            guard let q = capacity, q > 0 else { throw InputError(request.location, "OCV source needs CAPACITY > 0 (Ah)") }
            let curve: OCVCurve
            switch curveCode ?? (socPoints.isEmpty ? 1 : 0) {
            case 0:
                let indices = socPoints.keys.sorted()
                guard indices.count >= 2, indices == voltagePoints.keys.sorted(), indices == Array(1...indices.count) else {
                    throw InputError(request.location, "OCV table needs matching SOC1…SOCN and U1…UN (N ≥ 2, no gaps)")
                }
                guard let t = OCVCurve.makeTable(soc: indices.map { socPoints[$0] ?? 0 }, voltage: indices.map { voltagePoints[$0] ?? 0 }) else {
                    throw InputError(request.location, "OCV table SOC points must increase strictly")
                }
                curve = t
            case 1: curve = .nmc811(yEmpty: yEmpty ?? 0.8540, yFull: yFull ?? 0.2638)
            case 2:
                let x0 = xEmptyDefault(yEmpty), x100 = yFull ?? 0.5
                guard x0 > 0.5 - 1e-12, x0 < 0.99 + 1e-12, x100 > 0.5 - 1e-12, x100 < 0.99 + 1e-12 else {
                    throw InputError(request.location, "LCO curve is valid only for 0.5 < x < 0.99 (Dualfoil 1998); Y0=\(x0), Y100=\(x100)")
                }
                curve = .lco(xEmpty: x0, xFull: x100)
            default: throw InputError(request.location, "OCV CURVE must be 0 (table), 1 (NMC811) or 2 (LCO), got \(curveCode ?? -1)")
            }
            if !socPoints.isEmpty, case .table = curve {} else if !socPoints.isEmpty || !voltagePoints.isEmpty {
                throw InputError(request.location, "OCV table points given with CURVE=\(Int(curveCode ?? 1)); use CURVE=0 or drop them")
            }
            if degradation.ceiParabolic > 0 && degradation.ceiInitial <= 0 {
                throw InputError(request.location, "OCV parameter KCEI needs RCEI0 > 0 (parabolic growth dR/dt = k/(2R) starts from R₀)")
            }
            groups.append(OCVSource(name: request.name, plus: request.nodes[0], minus: request.nodes[1], curve: curve, capacity: q * 3600,
                                    initialSOC: soc0, degradation: degradation))
        }
        let fractional: [(String, ElementKind, [String])] = [
            ("cpe", .CPE, ["q", "alpha"]), ("warburg", .W, ["aw"]), ("wo", .Wo, ["z0", "tau"]), ("ws", .Ws, ["z0", "tau"]),
            ("gerischer", .G, ["rg", "tg"]),
        ]
        for (type, kind, names) in fractional {
            c.entries[type] = Entry(terminals: 2, summary: "\(kind.rawValue) fractional element: exact in AC, RC ladder over [FMIN, FMAX] in transient (impedance.py formula)",
                                    parameters: zip(names, kind.units).map { DeviceCatalog.Parameter($0, $1, "required", "impedance.py element \(kind.rawValue)") } + [
                .init("fmin, fmax", "Hz", "1m, 1meg", "ladder band"),
                .init("order", "sections/decade", "3", "ladder density (error table in README)"),
            ]) { request, groups in
                var params = request.modelParameters
                for (k, v) in request.instanceParameters { params[k] = v }
                let fmin = params.removeValue(forKey: "fmin") ?? 1e-3
                let fmax = params.removeValue(forKey: "fmax") ?? 1e6
                let perDecade = params.removeValue(forKey: "order") ?? 3
                var values: [Double] = []
                for n in names {
                    guard let v = params.removeValue(forKey: n) else {
                        throw InputError(request.location, "\(type) element needs \(names.map { $0.uppercased() }.joined(separator: ", ")); \(n.uppercased()) is missing")
                    }
                    guard v > 0, v.isFinite else { throw InputError(request.location, "\(type) parameter \(n.uppercased()) must be positive, got \(v)") }
                    values.append(v)
                }
                if let extra = params.keys.sorted().first {
                    throw InputError(request.location, "unknown \(type) parameter '\(extra.uppercased())' (\((names + ["fmin", "fmax", "order"]).map { $0.uppercased() }.joined(separator: ", ")))")
                }
                if kind == .CPE, values[1] > 1 { throw InputError(request.location, "CPE ALPHA must be in (0, 1], got \(values[1])") }
                guard fmin > 0, fmax > fmin, fmax.isFinite, fmax / fmin <= 1e30 else {
                    throw InputError(request.location, "\(type): need 0 < FMIN < FMAX < ∞, at most 30 decades apart")
                }
                guard perDecade >= 1, perDecade <= 20 else { throw InputError(request.location, "\(type): ORDER (sections per decade) must be in [1, 20]") }
                let ladder = RCLadder.fit({ kind.impedance(omega: $0, values).value }, minimumFrequency: fmin, maximumFrequency: fmax,
                                          sectionsPerDecade: perDecade)
                groups.append(FractionalElement(name: request.name, plus: request.nodes[0], minus: request.nodes[1], kind: kind,
                                                parameters: values, ladder: ladder))
            }
        }
        return c
    }
}

/// Default empty-cell stoichiometry of the LCO curve (upper end of its validity range).
private func xEmptyDefault(_ given: Double?) -> Double { given ?? 0.99 }
