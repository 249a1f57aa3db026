import LithicCore
import Netlist

/// Parameters and functions visible at one level of the hierarchy, resolved lazily with cycle
/// detection (`.param a = b`, `.param b = a` is an input error, not a hang).
final class ParameterScope: ExpressionScope {
    let parent: ParameterScope?
    private var definitions: [String: Assignment] = [:]
    private var values: [String: Double] = [:]
    private var inProgress: Set<String> = []
    private var functions: [String: UserFunction] = [:]
    let temperature: Double

    init(parent: ParameterScope?, temperature: Double) {
        self.parent = parent
        self.temperature = temperature
    }

    func define(_ a: Assignment) {
        definitions[a.name] = a
        values[a.name] = nil
    }

    func set(_ name: String, _ value: Double) {
        values[name] = value
        definitions[name] = nil
    }

    func defineFunction(_ name: String, _ f: UserFunction) { functions[name] = f }

    func parameterValue(_ name: String) throws -> Double? {
        if let v = values[name] { return v }
        if let def = definitions[name] {
            guard !inProgress.contains(name) else {
                throw InputError(def.location, "parameter '\(name)' depends on itself")
            }
            guard let expr = def.value else { throw InputError(def.location, "parameter '\(name)' has no value") }
            inProgress.insert(name)
            defer { inProgress.remove(name) }
            let v = try ExpressionCompiler.evaluate(expr, scope: self, at: def.location, temperatureCelsius: temperature)
            values[name] = v
            return v
        }
        return try parent?.parameterValue(name)
    }

    func userFunction(_ name: String) -> UserFunction? {
        functions[name] ?? parent?.userFunction(name)
    }

    func evaluate(_ e: ArithmeticExpression, at location: SourceLocation) throws -> Double {
        try ExpressionCompiler.evaluate(e, scope: self, at: location, temperatureCelsius: temperature)
    }

    /// Evaluates every definition (so that errors in unused parameters are still reported).
    func evaluateAll() throws {
        for name in definitions.keys.sorted() { _ = try parameterValue(name) }
    }
}
