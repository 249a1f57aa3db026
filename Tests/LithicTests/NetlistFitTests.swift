import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// Fitting physical netlist parameters (`lithic fit --netlist`), and the port impedance it uses.
@Suite("netlist fitting")
struct NetlistFitTests {
    static let cell = Repository.examples.appendingPathComponent("netlist-fit/cell.cir").path

    /// The same cell as an equivalent circuit: R‖C per layer in series.
    static func closedForm(_ f: Double, _ p: [Double]) -> Complex<Double> {
        let w = 2 * Double.pi * f
        func rc(_ r: Double, _ c: Double) -> Complex<Double> { Complex(r, 0) / (Complex<Double>.one + Complex(0, w * r * c)) }
        return rc(p[0], p[1]) + rc(p[2], p[3]) + rc(p[4], p[5])
    }

    @Test("AC port impedance equals the closed form")
    func portImpedance() throws {
        let tree = try NetlistParser.parse(path: Self.cell)
        let circuit = try Elaborator.elaborate(tree)
        let f = (0..<41).map { pow(10, 7 - Double($0) * 7 / 40) }
        let z = try PortImpedance.compute(circuit: circuit, plus: "a", minus: "0", frequencies: f)
        let p = [120, 10e-12, 80, 2e-9, 300, 2e-6]
        for k in f.indices {
            let exact = Self.closedForm(f[k], p)
            #expect((Complex(z.real[k], z.imaginary[k]) - exact).length <= 1e-9 * exact.length)
        }
    }

    @Test("a noisy spectrum of the cell gives back its parameters within the stated intervals")
    func recover() throws {
        let truth = [120.0, 10e-12, 80, 2e-9, 300, 2e-6]
        let f = (0..<50).map { pow(10, 7 - Double($0) * 7 / 49) }
        var rng = SplitMix64(seed: 5)
        let z = f.map { fr -> Complex<Double> in
            let v = Self.closedForm(fr, truth)
            return Complex(v.real + 0.01 * v.length * rng.nextGaussian(), v.imaginary + 0.01 * v.length * rng.nextGaussian())
        }
        let spectrum = Spectrum(frequencies: f, impedances: z, source: "synthetic")
        let r = try NetlistFit.fit(spectrum: spectrum, netlist: Self.cell, plus: "a", minus: "0", vary: ["rbulk", "rgb", "rint", "cdl"],
                                   initial: [60, 200, 100, 1e-5], weighting: .boukamp)
        let expected = [120.0, 80, 300, 2e-6]
        for k in expected.indices {
            #expect(abs(r.values[k] - expected[k]) <= 3 * r.standardErrors[k] + 0.02 * expected[k],
                    "\(r.names[k]) = \(r.values[k]) ± \(r.standardErrors[k]), truth \(expected[k])")
        }
        #expect(r.rmsRelative < 0.02)
    }

    @Test("unknown parameters and nodes are input errors")
    func errors() {
        let spectrum = Spectrum(frequencies: [1, 10, 100], impedances: [Complex(1, -1), Complex(1, -1), Complex(1, -1)])
        #expect(throws: InputError.self) {
            try NetlistFit.fit(spectrum: spectrum, netlist: Self.cell, plus: "a", minus: "0", vary: ["nosuch"], initial: nil, weighting: .unit)
        }
        #expect(throws: InputError.self) {
            try NetlistFit.fit(spectrum: spectrum, netlist: Self.cell, plus: "zz", minus: "0", vary: ["rbulk"], initial: nil, weighting: .unit)
        }
    }
}
