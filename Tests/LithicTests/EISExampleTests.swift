import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// The impedance-spectroscopy examples (`examples/eis-llzo/`, `examples/eis-cell/`): FFT spectra
/// of the Li-interface and cell models, checked against AC analysis, against the closed-form
/// arcs of the models, and for the trends the examples are about.
@Suite("EIS examples")
struct EISExampleTests {
    /// FFT spectrum of examples/eis-llzo/llzo.cir at stack pressure `pressure` (Pa).
    static func llzo(pressure: Double) throws -> FFTImpedance.Result {
        let path = Repository.examples.appendingPathComponent("eis-llzo/llzo.cir").path
        let (_, circuit) = try NetlistRun.prepare(path: path, parameters: ["p": pressure])
        let run = try NetlistRun.simulate(circuit: circuit)
        if let f = run.outcome.failure { throw f }
        return try #require(run.impedanceSpectra.first)
    }

    /// Fits p(R1,C1)-p(R2,C2)-p(R3,C3) and returns [R, C] of bulk, grain boundary and the two
    /// interfaces in series.
    static func arcs(_ r: FFTImpedance.Result) throws -> [Double] {
        let circuit = try EquivalentCircuit(parsing: "p(R1,C1)-p(R2,C2)-p(R3,C3)")
        let spectrum = Spectrum(frequencies: r.lines.map(\.frequency), impedances: r.lines.map(\.impedance))
        let fit = try CNLSFitter(circuit: circuit).fit(spectrum, initial: [200, 1e-10, 20, 1e-7, 100, 1e-5])
        // Series RC blocks commute: order them by time constant (bulk, grain boundary, interface).
        var blocks: [(r: Double, c: Double)] = []
        for k in [0, 2, 4] { blocks.append((r: fit.values[k], c: fit.values[k + 1])) }
        blocks.sort { (a: (r: Double, c: Double), b: (r: Double, c: Double)) -> Bool in a.r * a.c < b.r * b.c }
        var out: [Double] = []
        for b in blocks { out.append(b.r); out.append(b.c) }
        return out
    }

    @Test("Li|LLZO|Li: bulk and grain-boundary arcs stay, the interface arc shrinks and speeds up with pressure")
    func llzoPressure() throws {
        var interface: [(r: Double, f: Double)] = []
        for pressure in [3e6, 10e6, 41e6] {
            let r = try Self.llzo(pressure: pressure)
            #expect(r.lines.count >= 70)
            // FFT against AC analysis at every line: 0.5 % in |Z|, 0.5° in phase.
            for l in r.lines {
                let ac = try #require(l.ac)
                #expect(abs(l.impedance.length / ac.length - 1) < 0.005, "P = \(pressure): |Z| at \(l.frequency) Hz off by \(l.impedance.length / ac.length - 1)")
                let dphi = abs(atan2(l.impedance.imaginary, l.impedance.real) - atan2(ac.imaginary, ac.real)) * 180 / .pi
                #expect(dphi < 0.5, "P = \(pressure): phase at \(l.frequency) Hz off by \(dphi)°")
            }
            #expect(r.warnings.isEmpty, "\(r.warnings)")
            let p = try Self.arcs(r)
            // Bulk and grain boundary are the netlist's own elements (PHYSICS §2.2): the fit
            // returns them within 1 % and their apex frequencies at 5.6 MHz and 72 kHz.
            #expect(abs(p[0] / 217 - 1) < 0.01 && abs(p[1] / 0.13e-9 - 1) < 0.01, "bulk \(p[0]) Ω, \(p[1]) F")
            #expect(abs(p[2] / 17 - 1) < 0.01 && abs(p[3] / 0.13e-6 - 1) < 0.01, "GB \(p[2]) Ω, \(p[3]) F")
            // The interfaces: two in series, each R_if(φ)/A with φ = 1 − (1 − φ_w)e^{−P/P_c}
            // (φ_w 0.3, P_c 45 MPa), R_if = R_ct/φ + R_c0(1 − φ)/φ + L/(σ_int φ), and Q_dl·A·φ.
            let phi = 1 - 0.7 * exp(-pressure / 45e6)
            let rif = 5e-5 / phi + 7.5e-3 * (1 - phi) / phi + 1e-9 / (1e-4 * phi)
            let expectedR = 2 * rif / 1e-4, expectedC = 0.05 * 1e-4 * phi / 2
            #expect(abs(p[4] / expectedR - 1) < 0.01, "interface R \(p[4]) Ω, model \(expectedR) Ω at \(pressure) Pa")
            #expect(abs(p[5] / expectedC - 1) < 0.01, "interface C \(p[5]) F, model \(expectedC) F at \(pressure) Pa")
            interface.append((p[4], 1 / (2 * Double.pi * p[4] * p[5])))
        }
        for k in 1..<interface.count {
            #expect(interface[k].r < interface[k - 1].r, "interface arc did not shrink: \(interface)")
            #expect(interface[k].f > interface[k - 1].f, "interface apex did not move up: \(interface)")
        }
    }
}
