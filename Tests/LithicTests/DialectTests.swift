import Foundation
import Testing
@testable import Lithic

/// Issue 16: no silent wrong numbers on netlists written for ngspice, and more of its everyday
/// dialect. Each test fails on the code before the change it covers.
@Suite("ngspice dialect and silent numbers")
struct DialectTests {
    /// The operating-point value of `v(name)`.
    func op(_ text: String, _ name: String) throws -> Double {
        let run = try simulate(text)
        if let f = run.outcome.failure { Issue.record("simulation failed: \(f)") }
        let plot = try #require(run.outcome.plots.first { $0.kind == "op" })
        return try #require(plot.vector(name)?.real.first)
    }

    func warnings(_ text: String) throws -> [String] {
        let (_, circuit) = try NetlistRun.prepare(text: text)
        return circuit.warnings.map(\.description)
    }

    func resistors(_ text: String) throws -> [String: Resistor] {
        let (_, circuit) = try NetlistRun.prepare(text: text)
        var out: [String: Resistor] = [:]
        for g in circuit.groups { if let r = g as? Devices<Resistor> { for d in r.devices { out[d.name] = d } } }
        return out
    }

    // MARK: singular functions at the zero initial guess

    static let root: Double = 2.7.squareRoot()
    static let singularCases: [(String, Double)] = [
        ("ln(v(1))", log(2.7)), ("log(v(1))", log(2.7)), ("log10(v(1))", log10(2.7)), ("sqrt(v(1))", root),
        ("v(1)**0.5", root), ("pow(v(1), 0.3)", pow(2.7, 0.3)), ("pwr(v(1), -1.5)", pow(2.7, -1.5)),
        ("1/v(1)", 1 / 2.7), ("v(1)**(-0.5)", 1 / root), ("1/sqrt(v(1))", 1 / root),
        ("ln(v(1)) * log10(v(1))", log(2.7) * log10(2.7)),
    ]

    @Test("B-source functions singular at 0 converge from the zero initial guess to the analytic value", arguments: DialectTests.singularCases)
    func singularAtZero(_ expression: String, _ expected: Double) throws {
        let v = try op("t\nV1 1 0 2.7\nB1 b 0 V=\(expression)\n.op\n", "v(b)")
        #expect(v.isApproximatelyEqual(to: expected, relativeTolerance: 1e-9), "\(expression) = \(v), expected \(expected)")
    }

    @Test("a logarithm inside a feedback loop finds ngspice's operating point")
    func logarithmInLoop() throws {
        let text = "t\nV2 in 0 5\nR1 in x 1k\nR2 x 0 1k\nB8 y 0 V=ln(v(x))\nR3 y x 10k\n.op\n"
        let x = try op(text, "v(x)")
        // KCL at x: (5 − x)/1k − x/1k + (ln x − x)/10k = 0, its root in [1, 5] (ngspice 39: 2.423097).
        var lo = 1.0, hi = 5.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            let g = (5 - mid) / 1e3 - mid / 1e3 + (log(mid) - mid) / 1e4
            if g > 0 { lo = mid } else { hi = mid }
        }
        #expect(x.isApproximatelyEqual(to: lo, relativeTolerance: 1e-9), "v(x) = \(x), expected \(lo)")
    }

    @Test("a square-root conductance does not stop on the update test near its singular point")
    func squareRootConductance() throws {
        // 1 mA = 1m·sqrt(v) + v/1k: sqrt(v) = (√5 − 1)/2. Without the behavioural sources'
        // convergence test Newton stopped at v = 2e-16 (as ngspice 39 does).
        let v = try op("t\nI1 0 z 1m\nG1 z 0 cur={1m*sqrt(v(z))}\nR4 z 0 1k\n.op\n", "v(z)")
        let root = (5.0.squareRoot() - 1) / 2
        #expect(v.isApproximatelyEqual(to: root * root, relativeTolerance: 1e-9), "v(z) = \(v)")
    }

    @Test("exp in a B-source is capped at 1e99 as ngspice's, not infinite")
    func cappedExponential() throws {
        #expect(try op("t\nV1 1 0 2.7\nB1 b 0 V=exp(300*v(1))\n.op\n", "v(b)") == 1e99)
    }

    @Test("parameters keep their domain errors: ln(0) and 0**-1 in .param are input errors", arguments: ["ln(0)", "0**(-1)", "log10(0)"])
    func parameterDomain(_ expression: String) {
        #expect(throws: InputError.self) { try NetlistRun.prepare(text: "t\n.param a = {\(expression)}\nR1 1 0 {a}\nV1 1 0 1\n.op\n") }
    }

    // MARK: ddt()

    @Test("ddt() in a B-source: I = 1u·ddt(v(a)) charges like a 1 µF capacitor, and differentiates a sine exactly")
    func derivative() throws {
        let text = """
        t
        V1 in 0 PULSE(0 1 0.1m 10u 10u 1m 2m)
        R1 in a 1k
        B1 a 0 I=1u*ddt(v(a))
        R2 in c 1k
        C2 c 0 1u
        V4 s 0 SIN(0 1 1k)
        B4 ds 0 V=1e-4*ddt(v(s))
        R4 ds 0 1k
        .tran 2u 3m
        """
        let run = try simulate(text)
        if let f = run.outcome.failure { Issue.record("simulation failed: \(f)"); return }
        let plot = try #require(run.outcome.plots.first { $0.kind == "tran" })
        let t = try #require(plot.vectors.first).real
        let a = try #require(plot.vector("v(a)")).real, c = try #require(plot.vector("v(c)")).real
        let ds = try #require(plot.vector("v(ds)")).real
        var worstRC = 0.0, worstSine = 0.0
        for k in t.indices {
            worstRC = max(worstRC, abs(a[k] - c[k]))
            // 1e-4·d/dt sin(2π·1k·t), away from t = 0 where the trapezoidal start rings.
            if t[k] > 0.1e-3 { worstSine = max(worstSine, abs(ds[k] - 1e-4 * 2 * Double.pi * 1e3 * cos(2 * Double.pi * 1e3 * t[k]))) }
        }
        #expect(worstRC < 1e-3, "B-source capacitor against C: \(worstRC) V")
        #expect(worstSine < 5e-3, "differentiated sine: \(worstSine) V of 0.628")
        // In AC, ddt is jω (ngspice 39 takes it as 0): the B-source capacitor's pole at 1/(2π·1k·1µ).
        let ac = try simulate("t\nV1 in 0 DC 0 AC 1\nR1 in a 1k\nB1 a 0 I=1u*ddt(v(a))\n.ac lin 1 159.154943 159.154943\n")
        let acPlot = try #require(ac.outcome.plots.first { $0.kind == "ac" })
        let re = try #require(acPlot.vector("v(a)")?.real.first), im = try #require(acPlot.vector("v(a)")?.imaginary?.first)
        #expect(re.isApproximatelyEqual(to: 0.5, absoluteTolerance: 1e-6) && im.isApproximatelyEqual(to: -0.5, absoluteTolerance: 1e-6), "\(re) \(im)")
        // An operating point takes ddt as 0.
        #expect(try op("t\nV1 1 0 2\nB1 b 0 V=3+ddt(v(1))\n.op\n", "v(b)") == 3)
    }

    // MARK: resistor noise

    /// The output noise density (V/√Hz) at the first frequency of a `.noise` run.
    func outputNoise(_ text: String) throws -> [Double] {
        let run = try simulate(text)
        if let f = run.outcome.failure { Issue.record("simulation failed: \(f)") }
        let plot = try #require(run.outcome.plots.first { $0.kind == "noise" })
        return try #require(plot.vector("onoise_spectrum")).real
    }

    @Test("noisy=0 silences a resistor's thermal noise in .noise")
    func quietResistor() throws {
        let kT4 = 4 * 1.380649e-23 * 300.15
        let base = "t\nV1 in 0 DC 0 AC 1\nR1 in out 1k\nR2 out 0 1k%@\n.noise v(out) V1 lin 2 1k 2k\n"
        let quiet = try outputNoise(base.replacingOccurrences(of: "%@", with: " noisy=0"))
        let both = try outputNoise(base.replacingOccurrences(of: "%@", with: ""))
        // Only R1: 4kT/R1 through |Z|² = (R1 ∥ R2)²; both: 4kT/(R1 ∥ R2)·(R1 ∥ R2)².
        #expect(quiet[0].isApproximatelyEqual(to: (kT4 / 1e3 * 500 * 500).squareRoot(), relativeTolerance: 1e-9), "\(quiet[0])")
        #expect(both[0].isApproximatelyEqual(to: (kT4 / 500 * 500 * 500).squareRoot(), relativeTolerance: 1e-9), "\(both[0])")
    }

    @Test("resistor flicker noise: m·KF·|I/m|^AF/(A·f^EF) with the noise area from L and W")
    func resistorFlicker() throws {
        let kT4 = 4 * 1.380649e-23 * 300.15
        // 1 mA through R2 (2 kΩ of the 3 kΩ divider from 3 V); the output sees R1 ∥ R2 = 666.7 Ω.
        let text = """
        t
        .model rf R rsh=200 kf=1e-9 af=2 ef=1.5
        V1 in 0 DC 3 AC 1
        R1 in out 1k
        R2 out 0 rf l=20u w=2u
        .noise v(out) V1 lin 2 10 20
        """
        let density = try outputNoise(text)
        let z = 1e3 * 2e3 / 3e3
        let area = 20e-6 * 2e-6
        for (k, f) in [10.0, 20.0].enumerated() {
            let current = 1e-9 * 1e-3 * 1e-3 / (area * pow(f, 1.5))
            let expected = ((kT4 / 1e3 + kT4 / 2e3 + current) * z * z).squareRoot()
            #expect(density[k].isApproximatelyEqual(to: expected, relativeTolerance: 1e-9), "at \(f) Hz: \(density[k]), expected \(expected)")
        }
        let r = try #require(try resistors(text)["r2"])
        #expect(r.resistance.isApproximatelyEqual(to: 2e3, relativeTolerance: 1e-12))
    }

    // MARK: parameters accepted and dropped

    @Test("parameters Lithic does not model are named in a warning at their card", arguments: [
        ("t\nR1 1 0 1k tce=0.01\nV1 1 0 1\n.op\n", "parameter tce of resistor 'r1' is not modelled"),
        ("t\n.model rm R r=1k foo=3\nR1 1 0 rm\nV1 1 0 1\n.op\n", "parameter foo of resistor model 'rm' is not recognised"),
        ("t\nC1 1 0 1p foo=2\nV1 1 0 1\n.op\n", "parameter foo of capacitor 'c1'"),
        ("t\nL1 1 0 1u nt=2\nV1 1 0 1\n.op\n", "parameter nt of inductor 'l1' is not modelled"),
        ("t\nV1 1 0 1\nR1 1 0 1k\nB1 2 0 V=v(1) tc1=0.01\nR2 2 0 1k\n.op\n", "parameter tc1 of B-source 'b1' is not modelled"),
        ("t\n.model sm sw vt=1 gon=1\nV1 1 0 1\nS1 1 0 1 0 sm\n.op\n", "parameter gon of switch model 'sm' is not modelled"),
        ("t\n.model dm D is=1e-14 mfg=OnSemi\nV1 1 0 0.6\nD1 1 0 dm\n.op\n", "MFG=onsemi of model 'dm' is text"),
        ("t\n.model qm npn is=1e-15 vendor=Acme\nV1 1 0 0.6\nQ1 1 1 0 qm\n.op\n", "VENDOR=acme of model 'qm' is text"),
        ("t\n.temp 50\n.model qm npn is=1e-15\nV1 1 0 0.6\nQ1 1 1 0 qm\n.op\n", "temperature dependence of bipolar model 'qm' is not modelled"),
    ])
    func namedWarnings(_ text: String, _ expected: String) throws {
        let w = try warnings(text)
        #expect(w.contains { $0.contains(expected) && $0.contains("results ignore") }, "\(w)")
    }

    @Test("a model shared by many instances warns once")
    func warnOnce() throws {
        let w = try warnings("t\n.model rm R r=1k foo=3\nR1 1 0 rm\nR2 1 0 rm\nR3 1 0 rm\nV1 1 0 1\n.op\n")
        #expect(w.filter { $0.contains("foo") }.count == 1, "\(w)")
    }

    @Test("capacitor and inductor TC1, TC2, TEMP and SCALE scale the value as ngspice")
    func capacitorTemperature() throws {
        let (_, circuit) = try NetlistRun.prepare(text: "t\nC1 1 0 1p tc1=0.01 tc2=1e-4 temp=77\nL1 1 0 1u scale=3\nV1 1 0 1\n.op\n")
        var c = 0.0, l = 0.0
        for g in circuit.groups {
            if let cs = g as? Devices<Capacitor> { c = cs.devices.first?.capacitance ?? 0 }
            if let ls = g as? Devices<Inductor> { l = ls.devices.first?.inductance ?? 0 }
        }
        let factor: Double = 1 + 0.01 * 50 + 1e-4 * 2500
        #expect(c.isApproximatelyEqual(to: 1e-12 * factor, relativeTolerance: 1e-12))
        #expect(l.isApproximatelyEqual(to: 3e-6, relativeTolerance: 1e-12))
    }

    // MARK: MOSFET model defaults

    @Test("a level-1 .model's L= and W= are the defaults of instances that give none")
    func mosfetModelGeometry() throws {
        let text = """
        t
        .model nm nmos level=1 vto=0.7 kp=50u L=10u W=40u
        .options defl=100u defw=100u
        V1 d 0 5
        V2 g 0 2
        M1 d g 0 0 nm
        M2 d2 g 0 0 nm L=20u
        V3 d2 0 5
        .op
        """
        let run = try simulate(text)
        let plot = try #require(run.outcome.plots.first { $0.kind == "op" })
        let i1 = try #require(plot.vector("i(v1)")?.real.first)
        let i2 = try #require(plot.vector("i(v3)")?.real.first)
        // Saturation: Id = KP/2·W/L·(Vgs − VTO)² (λ = 0); ngspice 39 gives 169 µA and 84.5 µA.
        #expect((-i1).isApproximatelyEqual(to: 25e-6 * 4 * 1.3 * 1.3, relativeTolerance: 1e-6), "\(i1)")
        #expect((-i2).isApproximatelyEqual(to: 25e-6 * 2 * 1.3 * 1.3, relativeTolerance: 1e-6), "\(i2)")
        #expect(!(try warnings(text)).contains { $0.contains("parameter l ") || $0.contains("parameter w ") })
    }

    // MARK: numbers

    static let rkmCases: [(String, Double)] = [
        ("R1 1 0 4k7", 4.7e3), ("R1 1 0 1r5", 1.5), ("R1 1 0 2m5", 2.5e-3), ("R1 1 0 1meg2", 1.2e6), ("R1 1 0 4K7", 4.7e3),
    ]

    @Test("RKM notation for R, C and L values", arguments: DialectTests.rkmCases)
    func rkm(_ card: String, _ expected: Double) throws {
        let r = try #require(try resistors("t\n\(card)\nV1 1 0 1\n.op\n")["r1"])
        #expect(r.resistance.isApproximatelyEqual(to: expected, relativeTolerance: 1e-12))
    }

    @Test("RKM parsing accepts only the unambiguous form")
    func rkmParsing() {
        #expect(SINumber.parseRKM("4u7", resistor: false) == 4.7e-6)
        #expect(SINumber.parseRKM("1r5", resistor: false) == nil)
        for text in ["4.7k5", "4k", "k7", "1e3k5", "1mil5", "47", "4k7x9"] { #expect(SINumber.parseRKM(text, resistor: true) == nil, "\(text)") }
    }

    @Test("UTF-8 µ is micro", arguments: [("1µ", 1e-6), ("3µF", 3e-6), ("2.5μ", 2.5e-6)])
    func micro(_ text: String, _ expected: Double) throws {
        let v = try #require(SINumber.parse(text))
        #expect(v.isApproximatelyEqual(to: expected, relativeTolerance: 1e-14))
    }

    // MARK: input errors that name the cause

    static let unsupportedCases: [(String, String)] = [
        ("", "the netlist is empty"),
        ("\n\n", "the netlist is empty"),
        ("t\nV1 1 0 1\nR1 1 0 1k\n.dc temp 0 100 10\n", "'.dc temp'"),
        ("t\nV1 1 0 trnoise(1m 1n 0 0)\nR1 1 0 1k\n.tran 1n 10n\n", "unsupported: TRNOISE"),
        ("t\nI1 1 0 trrandom(2 10m 0 1 0)\nR1 1 0 1k\n.tran 1n 10n\n", "unsupported: TRRANDOM"),
        ("t\nV1 1 0 1\nR1 1 0 1k\nY1 1 0 2 0 ymod\nR2 2 0 50\n.model ymod txl R=12 L=1n G=0 C=1p length=1\n.op\n", "of type 'txl'"),
        ("t\nV1 1 0 1\nR1 1 0 1k\nO1 1 0 2 0 lmod\nR2 2 0 50\n.model lmod ltra R=12 L=1n C=1p len=1\n.op\n", "lossy transmission line (LTRA)"),
        ("t\nV1 1 0 1\n.if (1)\nR1 1 0 1k\n.op\n", ".if block is not closed by .endif"),
        ("t\nV1 1 0 1\nR1 1 0 1k\n.endif\n.op\n", ".endif without a matching .if"),
    ]

    @Test("unsupported features and malformed netlists are input errors that name the cause", arguments: DialectTests.unsupportedCases)
    func namedInputErrors(_ text: String, _ expected: String) {
        do {
            _ = try NetlistRun.prepare(text: text)
            Issue.record("no error for \(expected)")
        } catch let e as InputError {
            #expect("\(e)".contains(expected), "\(e)")
        } catch {
            Issue.record("not an input error: \(error)")
        }
    }

    @Test(".if/.elseif/.else/.endif keep the first branch whose condition holds, on .param values and in subcircuits")
    func conditionals() throws {
        let text = """
        t
        .param corner=2
        V1 in 0 10
        R1 in out 1k
        .if (corner == 1)
        R2 out 0 1k
        .elseif (corner == 2)
        R2 out 0 3k
        .else
        R2 out 0 9k
        .endif
        X1 out sub p=0
        .subckt sub a p=1
        .if (p)
        R9 a 0 1
        .else
        R9 a 0 1meg
        .endif
        .ends
        .op
        """
        // R2 = 3k ∥ 1 MΩ from x1 (p = 0): v(out) = 10·R/(1k + R).
        let r = 3e3 * 1e6 / (3e3 + 1e6)
        let v = try op(text, "v(out)")
        #expect(v.isApproximatelyEqual(to: 10 * r / (1e3 + r), relativeTolerance: 1e-9), "\(v)")
        // As ngspice 39: a .param in a branch not taken is still defined (the last wins), with a warning.
        let hoisted = "t\n.param a=1\n.if (a==1)\n.param b=5\n.else\n.param b=7\n.endif\nI1 0 1 1\nR1 1 0 {b}\n.op\n"
        #expect(try op(hoisted, "v(1)") == 7)
        #expect(try warnings(hoisted).contains { $0.contains("'.param b' inside a .if branch that is not taken") })
    }

    @Test("a netlist with .if blocks prints and parses back to the same tree")
    func conditionalRoundTrip() throws {
        let text = "t\n.param a=1\n.if (a == 1)\nR1 1 0 1k\n.elseif (a > 1)\nR1 1 0 2k\n.else\nR1 1 0 3k\n.endif\nV1 1 0 1\n.op\n"
        let tree = try NetlistParser.parse(text: text)
        let again = try NetlistParser.parse(text: NetlistPrinter.print(tree))
        #expect(NetlistPrinter.print(again) == NetlistPrinter.print(tree))
        guard case .conditional(let branches)? = tree.statements.dropFirst().first else { Issue.record("no conditional"); return }
        #expect(branches.count == 3 && branches[2].condition == nil)
    }

    @Test(".meas with an abbreviated analysis is an input error that suggests the name")
    func abbreviatedMeasure() {
        let text = "t\nV1 a 0 SIN(0 1 1k)\nR1 a 0 1k\n.tran 1u 1m\n.meas tra vmax MAX v(a)\n"
        do {
            _ = try NetlistRun.run(text: text)
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("did you mean 'tran'"), "\(error)")
        }
    }
}
