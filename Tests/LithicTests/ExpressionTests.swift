import Foundation
import Testing
@testable import Lithic

@Suite("numbers and expressions")
struct ExpressionTests {
    @Test("ngspice scale factors", arguments: [
        ("1M", 1e-3), ("1MEG", 1e6), ("1meg", 1e6), ("3mil", 76.2e-6), ("1KOhm", 1e3), ("1a", 1.0),
        ("1e3k", 1e6), ("10V", 10.0), ("2.5u", 2.5e-6), ("4n", 4e-9), ("7p", 7e-12), ("3f", 3e-15),
        ("1T", 1e12), ("2G", 2e9), ("-1.5k", -1500.0), (".5", 0.5), ("1e-3", 1e-3), ("5.", 5.0),
    ])
    func suffixes(_ text: String, _ expected: Double) throws {
        let v = try #require(SINumber.parse(text))
        #expect(v.isApproximatelyEqual(to: expected, relativeTolerance: 1e-14))
    }

    @Test("not numbers", arguments: ["", "k", "e3", "1.2.3", "1-2", "--1"])
    func notNumbers(_ text: String) {
        #expect(SINumber.parse(text) == nil)
    }

    func eval(_ s: String, runtime: Bool = false) throws -> Double {
        let e = try ExpressionParser.parse(s, at: SourceLocation(file: "t", line: 1, column: 1))
        return try ExpressionCompiler.evaluate(e, scope: EmptyScope(), at: SourceLocation(file: "t", line: 1, column: 1))
    }

    @Test("operators and precedence", arguments: [
        ("1+2*3", 7.0), ("(1+2)*3", 9.0), ("2**3**2", 512.0), ("2^3", 8.0), ("-2**2", -4.0), ("10/4", 2.5),
        ("7%3", 1.0), ("7\\2", 3.0), ("1 < 2 ? 10 : 20", 10.0), ("0 ? 1 : 0 ? 2 : 3", 3.0),
        ("!0 + !5", 1.0), ("1 && 0 || 1", 1.0), ("3 >= 3", 1.0), ("3 != 3", 0.0), ("2 <> 3", 1.0),
        ("pow(-2, 2)", 4.0), ("pwr(-2, 2)", 4.0), ("(-2)**3", 8.0), ("min(3, max(1, 2))", 2.0),
        ("abs(-3) + sqrt(16) + exp(0) + ln(1) + log10(1000)", 11.0), ("floor(-1.5) + ceil(1.2) + int(-2.7)", -2.0),
        ("nint(2.5) + nint(3.5)", 6.0), ("sgn(-4) + u(0) + u(2) + u2(0.3) + uramp(-1)", 0.8),
        ("limit(5, 0, 3) + ternary_fcn(1, 2, 3)", 5.0), ("pwl(1.5, 0, 0, 1, 10, 2, 30)", 20.0),
        ("atan2(1, 1) * 4 - pi", 0.0), ("hypot(3, 4)", 5.0), ("2k * 3m", 6.0),
    ])
    func arithmetic(_ text: String, _ expected: Double) throws {
        #expect(try eval(text).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-12))
    }

    @Test("B-source semantics: pwr keeps the sign at run time")
    func runtimePwr() throws {
        let e = try ExpressionParser.parse("pwr(v(a), 2) + pow(v(a), 2)", at: SourceLocation(file: "t", line: 1, column: 1))
        let c = try ExpressionCompiler.compile(e, scope: EmptyScope(), at: SourceLocation(file: "t", line: 1, column: 1), allowRuntime: true)
        #expect(c.inputs == [.voltage("a", nil)])
        #expect(c.value([-3], workspace: ExpressionWorkspace()) == 0)  // −9 + 9
    }

    @Test("reverse-mode gradients agree with central differences", arguments: [
        "v(a)*v(b) + sin(v(a))", "exp(v(a)/2) / (1 + v(b)**2)", "pwr(v(a), 3) - pow(v(b), 1.5)",
        "v(a) > 0 ? sqrt(v(a)) * v(b) : -v(b)", "tanh(v(a) - v(b)) + atan(v(a)*v(b))",
        "min(v(a), v(b)) + max(v(a), 2*v(b)) + abs(v(a) - 3)", "log(v(a)) + log10(v(b)) + hypot(v(a), v(b))",
        "pwl(v(a), 0, 0, 1, 2, 3, -1) * v(b)", "sinh(v(a)/3) * cosh(v(b)/4) + v(a) % 0.65",
    ])
    func gradients(_ text: String) throws {
        let e = try ExpressionParser.parse(text, at: SourceLocation(file: "t", line: 1, column: 1))
        let c = try ExpressionCompiler.compile(e, scope: EmptyScope(), at: SourceLocation(file: "t", line: 1, column: 1), allowRuntime: true)
        let ws = ExpressionWorkspace()
        for point in [[0.7, 1.3], [2.1, -0.4], [1.6, 0.9]] {
            var inputs = c.inputs.map { i -> Double in
                if case .voltage(let n, _) = i { return n == "a" ? point[0] : point[1] }
                return 0
            }
            var gradient = [Double](repeating: 0, count: inputs.count)
            let value = c.valueAndGradient(inputs, gradient: &gradient, workspace: ws)
            #expect(value.isApproximatelyEqual(to: c.value(inputs, workspace: ws), relativeTolerance: 1e-14))
            for k in 0..<inputs.count {
                let h = 1e-6
                let x0 = inputs[k]
                inputs[k] = x0 + h
                let up = c.value(inputs, workspace: ws)
                inputs[k] = x0 - h
                let down = c.value(inputs, workspace: ws)
                inputs[k] = x0
                let numeric = (up - down) / (2 * h)
                #expect(gradient[k].isApproximatelyEqual(to: numeric, absoluteTolerance: 1e-6, relativeTolerance: 1e-6), "\(text) d/d\(c.inputs[k]) at \(point)")
            }
        }
    }

    @Test("a tape evaluated for many input sets at once equals one evaluation per set", arguments: [
        "v(a)*v(b) + sin(v(a))", "v(a) > 0 ? sqrt(v(a)) * v(b) : 1/v(b)", "pwr(v(a), 3) - pow(v(b), 1.5)",
        "min(v(a), v(b)) + max(v(a), 2*v(b)) + limit(v(a), -1, 1)", "pwl(v(a), 0, 0, 1, 2, 3, -1) * v(b) + hypot(v(a), v(b))",
    ])
    func batched(_ text: String) throws {
        let e = try ExpressionParser.parse(text, at: SourceLocation(file: "t", line: 1, column: 1))
        let c = try ExpressionCompiler.compile(e, scope: EmptyScope(), at: SourceLocation(file: "t", line: 1, column: 1), allowRuntime: true)
        let m = c.inputs.count, count = 37
        var random = SplitMix64(seed: 7)
        // Sets include zeros so that untaken branches divide by zero: their NaNs must not leak.
        let sets = (0..<count).map { j in (0..<m).map { _ in j % 5 == 0 ? 0 : 4 * random.nextUniform() - 2 } }
        var inputs = [Double](repeating: 0, count: m * count)
        for j in 0..<count { for k in 0..<m { inputs[k * count + j] = sets[j][k] } }
        var values = [Double](repeating: 0, count: count), gradients = [Double](repeating: 0, count: m * count)
        inputs.withUnsafeBufferPointer { i in
            values.withUnsafeMutableBufferPointer { v in
                gradients.withUnsafeMutableBufferPointer { g in
                    c.evaluate(count: count, inputs: i.baseAddress!, values: v.baseAddress!, gradients: g.baseAddress!, workspace: BatchWorkspace())
                }
            }
        }
        let ws = ExpressionWorkspace()
        for j in 0..<count {
            var gradient = [Double](repeating: 0, count: m)
            let value = c.valueAndGradient(sets[j], gradient: &gradient, workspace: ws)
            #expect(values[j] == value || (values[j].isNaN && value.isNaN), "\(text) set \(j)")
            for k in 0..<m { #expect(gradients[k * count + j] == gradient[k] || (gradient[k].isNaN && gradients[k * count + j].isNaN)) }
        }
    }

    @Test("errors name the column", arguments: [
        ("1 + (2", 7), ("1 +", 4), ("foo(1)", 1), ("3 $ 4", 3), ("v(a", 1), ("1 ? 2", 6),
    ])
    func errors(_ text: String, _ column: Int) {
        do {
            let e = try ExpressionParser.parse(text, at: SourceLocation(file: "t", line: 4, column: 1))
            _ = try ExpressionCompiler.evaluate(e, scope: EmptyScope(), at: SourceLocation(file: "t", line: 4, column: 1))
            Issue.record("no error for \(text)")
        } catch let e as InputError {
            #expect(e.location.line == 4)
            #expect(e.location.column >= 1 && e.location.column <= text.count + 1, "\(e)")
            _ = column
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() {
        let deep = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        #expect(throws: InputError.self) { try ExpressionParser.parse(deep, at: SourceLocation(file: "t", line: 1, column: 1)) }
        let unary = String(repeating: "-", count: 100_000) + "1"
        #expect(throws: InputError.self) { try ExpressionParser.parse(unary, at: SourceLocation(file: "t", line: 1, column: 1)) }
    }

    @Test("division by zero in a parameter is an input error")
    func divisionByZero() {
        #expect(throws: InputError.self) { try eval("1/0") }
        #expect(throws: InputError.self) { try eval("0/0") }
    }

    @Test("printing and re-parsing gives the same tree")
    func roundTrip() throws {
        for text in ["1+2*3-4/5", "a ? b : c + d", "-x**2", "v(a,b)*i(v1)", "max(1, min(2, 3)) && !0 || 1 == 2"] {
            let e = try ExpressionParser.parse(text, at: SourceLocation(file: "t", line: 1, column: 1))
            let again = try ExpressionParser.parse(e.description, at: SourceLocation(file: "t", line: 1, column: 1))
            #expect(e == again, "\(text) → \(e)")
        }
    }
}

extension Double {
    func isApproximatelyEqual(to other: Double, absoluteTolerance: Double = 0, relativeTolerance: Double = 0) -> Bool {
        abs(self - other) <= max(absoluteTolerance, relativeTolerance * max(abs(self), abs(other)))
    }
}
