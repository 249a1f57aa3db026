import LithicCore

/// `lithic crossbar`'s options by their command-line names (`rows`, `rwire`, `sigma-on`, …), for
/// callers that hold them as text: the C ABI and through it the Python package's
/// `lithic.Crossbar(rows=…, rwire=…)`. Numbers take SPICE suffixes (`2.5`, `10k`, `1e-5`), as on
/// the command line. The command-line tool declares the same names with ArgumentParser;
/// CLITests checks that every name it accepts is in this table, so the two cannot drift.
extension CrossbarWorkflow.Options {
    /// Every option name this table sets, sorted.
    public static var optionNames: [String] { setters.keys.sorted() }

    /// Sets the option `name` (a command-line name without the dashes; `_` and `-` are the same)
    /// from its text. An unknown name, or a value that does not parse, is an input error naming both.
    public mutating func set(_ name: String, to text: String) throws {
        let key = name.lowercased().replacing("_", with: "-")
        guard let setter = Self.setters[key] else {
            throw InputError(.commandLine, "crossbar option '\(name)' is not one of \(Self.optionNames.joined(separator: ", "))")
        }
        try setter(&self, text, key)
    }

    typealias Setter = @Sendable (inout CrossbarWorkflow.Options, String, String) throws -> Void

    static func number(_ text: String, _ key: String) throws -> Double {
        guard let v = SINumber.parse(text.trimmingSpaces()), v.isFinite else {
            throw InputError(.commandLine, "crossbar option '\(key)': '\(text)' is not a finite number")
        }
        return v
    }
    static func integer(_ text: String, _ key: String) throws -> Int {
        let v = try number(text, key)
        guard v == v.rounded(), abs(v) < 1e15 else { throw InputError(.commandLine, "crossbar option '\(key)': '\(text)' is not a whole number") }
        return Int(v)
    }
    static func choice<T: RawRepresentable>(_ text: String, _ key: String, _: T.Type) throws -> T where T.RawValue == String, T: CaseIterable {
        guard let v = T(rawValue: text.lowercased()) else {
            throw InputError(.commandLine, "crossbar option '\(key)': '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
    static func real(_ path: WritableKeyPath<CrossbarWorkflow.Options, Double>) -> Setter {
        { o, text, key in o[keyPath: path] = try number(text, key) }
    }
    static func whole(_ path: WritableKeyPath<CrossbarWorkflow.Options, Int>) -> Setter {
        { o, text, key in o[keyPath: path] = try integer(text, key) }
    }
    static func text(_ path: WritableKeyPath<CrossbarWorkflow.Options, String>) -> Setter {
        { o, text, _ in o[keyPath: path] = text }
    }
    static func optionalText(_ path: WritableKeyPath<CrossbarWorkflow.Options, String?>) -> Setter {
        { o, text, _ in o[keyPath: path] = text }
    }

    /// Command-line name → how to set it. Output-only options of the tool (`output`, `plot`,
    /// `quiet`, `emit`) are not settings of the run and are not here.
    static let setters: [String: Setter] = [
        "rows": whole(\.rows), "columns": whole(\.columns),
        "rwire": real(\.wireResistance), "rdriver": real(\.driverResistance), "rsense": real(\.senseResistance),
        "operation": { o, t, k in o.operation = try choice(t, k, CrossbarWorkflow.Operation.self) },
        "model": optionalText(\.model),
        "x0": { o, t, k in o.initialState = try number(t, k) },
        "weights": optionalText(\.weightsPath), "targets": optionalText(\.targetsPath), "inputs": optionalText(\.inputsPath),
        "gmin": real(\.gmin), "gmax": real(\.gmax), "vread": real(\.readVoltage),
        "access": { o, t, k in o.access = try choice(t, k, CrossbarWorkflow.Access.self) },
        "vth": real(\.selectorThreshold), "gsel": real(\.selectorConductance), "vgate": real(\.gateVoltage),
        "sigma-on": real(\.sigmaOn), "sigma-off": real(\.sigmaOff), "sigma-vth": real(\.sigmaThreshold), "sigma-c2c": real(\.sigmaCycleToCycle),
        "stuck-on": real(\.stuckOn), "stuck-off": real(\.stuckOff),
        "scheme": text(\.scheme), "vset": real(\.setVoltage), "vreset": real(\.resetVoltage),
        "tolerance": real(\.tolerance), "max-pulses": whole(\.maximumPulses), "passes": whole(\.passes),
        "unselected": text(\.unselected),
        "cell": { o, t, k in
            let parts = t.split(separator: ",").map { String($0).trimmingSpaces() }
            guard parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]) else {
                throw InputError(.commandLine, "crossbar option '\(k)' must be ROW,COLUMN (0-based), got '\(t)'")
            }
            o.cell = (r, c)
        },
        "seed": { o, t, k in
            guard let s = UInt64(t.trimmingSpaces()) else { throw InputError(.commandLine, "crossbar option '\(k)': '\(t)' is not a non-negative whole number") }
            o.seed = s
        },
        "tstop": real(\.stopTime), "tstep": real(\.timeStep),
    ]
}
