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
        c.entries["memristor"] = Entry(terminals: 2, documentation: CardDocumentation(
            title: "memristor", syntax: "YMEMRISTOR name n+ n- model [X0=]",
            summary: "memristor compact models (LEVEL 1 linear drift, 2 TEAM, 3 Yakopcic, 5 VTEAM, 6 Stanford/ASU RRAM, 10 LLZO Li filament); state x(device); the levels' cards follow",
            parameters: [.init(name: "x0", aliases: ["xo"], unit: "state unit", defaultValue: "level default", summary: "initial state, held during the operating point", scope: .either)])
        ) { request, groups in
            let model = try MemristorModel.from(request.modelParameters, at: request.location, warn: request.warnings.append)
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
        c.entries["memristor"]?.moreCards = MemristorModel.cards
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
