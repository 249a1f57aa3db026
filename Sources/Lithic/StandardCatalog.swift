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
        c.entries["memristor"] = Entry(terminals: 2) { request, groups in
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
        c.entries["butlervolmer"] = Entry(terminals: 2) { request, groups in
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
        let fractional: [(String, ElementKind, [String])] = [
            ("cpe", .CPE, ["q", "alpha"]), ("warburg", .W, ["aw"]), ("wo", .Wo, ["z0", "tau"]), ("ws", .Ws, ["z0", "tau"]),
            ("gerischer", .G, ["rg", "tg"]),
        ]
        for (type, kind, names) in fractional {
            c.entries[type] = Entry(terminals: 2) { request, groups in
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
                guard fmin > 0, fmax > fmin else { throw InputError(request.location, "\(type): need 0 < FMIN < FMAX") }
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
