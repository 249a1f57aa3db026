import Devices
import Elaboration
import LithicCore
import Memristors

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
        return c
    }
}
