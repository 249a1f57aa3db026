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
        c.register(ButlerVolmer.self)
        c.register(LiSEInterface.self)
        c.register(LiSEInterface.self, as: "dai", card: LiSEInterface.card.withPrototype(.dai, title: "DAI interface", syntax: "YDAI name li electrolyte model [param=value …]",
            summary: "DAI interface: the Li interface plus field-driven mobile-ion void healing (PHYSICS.md §8b); KDAI sets both polarities"))
        c.register(OCVSource.self)
        let fractional: [(String, ElementKind, [String])] = [
            ("cpe", .CPE, ["q", "alpha"]), ("warburg", .W, ["aw"]), ("wo", .Wo, ["z0", "tau"]), ("ws", .Ws, ["z0", "tau"]),
            ("gerischer", .G, ["rg", "tg"]),
        ]
        for (type, kind, names) in fractional {
            c.entries[type] = Entry(terminals: 2, summary: "\(kind.rawValue) fractional element: exact in AC, RC ladder over [FMIN, FMAX] in transient (impedance.py formula)",
                                    parameters: zip(names, kind.units).map { CardDocumentation.Parameter($0, $1, "required", "impedance.py element \(kind.rawValue)") } + [
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
