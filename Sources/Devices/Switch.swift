import LithicCore

/// Parameters of ngspice's switch models `SW` (voltage) and `CSW` (current).
public struct SwitchModel: Sendable {
    /// Threshold (V for SW, A for CSW) and hysteresis half-width.
    public var threshold = 0.0
    public var hysteresis = 0.0
    /// On and off resistance (Ω).
    public var onResistance = 1.0
    public var offResistance = 1e12
    public init() {}
}

/// Controlled switch `S<name> n+ n- nc+ nc- model [on|off]` or `W<name> n+ n- vcontrol model`.
/// ngspice semantics: on above threshold + hysteresis, off below threshold − hysteresis, else
/// the state of the last accepted time point. The resistance is piecewise constant.
public struct ControlledSwitch: Device {
    public enum Control: Sendable { case voltage(Int, Int), current(String) }
    public let name: String
    public let a: Int, b: Int
    public let control: Control
    public let model: SwitchModel
    public let initiallyOn: Bool
    var controlBranch = 0
    var stateSlot = 0
    var iterationSlot = 0
    var slots = ConductanceSlots()

    public init(name: String, a: Int, b: Int, control: Control, model: SwitchModel, initiallyOn: Bool) {
        self.name = name; self.a = a; self.b = b; self.control = control; self.model = model; self.initiallyOn = initiallyOn
    }

    public var isLinear: Bool { false }

    public mutating func allocate(_ allocator: inout UnknownAllocator) throws {
        stateSlot = allocator.addDiscreteState(1)
        iterationSlot = allocator.addLimitState(1)
    }

    public mutating func bind(_ binder: inout MatrixBinder) throws {
        if case .current(let v) = control {
            guard let k = binder.branch(of: v) else {
                throw SimulationError(analysis: "setup", point: "", message: "\(name): controlling source '\(v)' not found")
            }
            controlBranch = k
        }
        slots = ConductanceSlots(&binder, a, b)
    }

    public func load(_ c: inout LoadContext) {
        let vc: Double
        switch control {
        case .voltage(let p, let m): vc = c.x[p] - c.x[m]
        case .current: vc = c.x[controlBranch]
        }
        // Accepted state: 0 unknown (start), 1 off, 2 on.
        let previous = c.acceptedDiscreteState[stateSlot]
        var on: Bool
        if vc > model.threshold + model.hysteresis { on = true }
        else if vc < model.threshold - model.hysteresis { on = false }
        else if previous == 0 { on = initiallyOn || (model.hysteresis == 0 && vc > model.threshold) }
        else { on = previous == 2 }
        let code: Double = on ? 2 : 1
        if c.limitState[iterationSlot] != 0, c.limitState[iterationSlot] != code { c.limitedCount += 1 }
        c.limitState[iterationSlot] = code
        c.discreteState[stateSlot] = code
        let g = 1 / (on ? model.onResistance : model.offResistance)
        let i = g * (c.x[a] - c.x[b])
        c.f[a] += i; c.f[b] -= i
        slots.add(c.jf, g)
    }
}

extension SwitchModel {
    /// The `.model NAME SW (VT= VH= RON= ROFF=)` and `.model NAME CSW (IT= IH= RON= ROFF=)` cards
    /// (ngspice's switch models; ROFF defaults to 1/GMIN, set by the elaborator).
    public static func card(current: Bool) -> DeviceCard<SwitchModel> {
        let (t, h, unit) = current ? ("it", "ih", "A") : ("vt", "vh", "V")
        return DeviceCard(title: current ? "current-controlled switch model" : "voltage-controlled switch model",
                    syntax: current ? ".model NAME CSW (IT= IH= RON= ROFF=)" : ".model NAME SW (VT= VH= RON= ROFF=)",
                    summary: "ideal switch with hysteresis: on above threshold + hysteresis, off below threshold − hysteresis (ngspice switch)",
                    prototype: SwitchModel(), parameters: [
                        .field(t, \.threshold, unit: unit, "threshold"),
                        CardParameter(h, unit: unit, "hysteresis half-width (its magnitude)", assign: { $0.hysteresis = abs($1) }, current: { $0.hysteresis }),
                        .field("ron", \.onResistance, unit: "Ω", range: .positive, "on resistance"),
                        .field("roff", \.offResistance, unit: "Ω", range: .positive, default: "1/GMIN", "off resistance"),
                        .notModelled("gon", unit: "S", "on conductance (ngspice alternative to RON)"),
                        .notModelled("goff", unit: "S", "off conductance (ngspice alternative to ROFF)"),
                    ])
    }
}
