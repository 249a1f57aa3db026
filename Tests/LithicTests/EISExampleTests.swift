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

    static func run(_ file: String, _ parameters: [String: Double]) throws -> NetlistRun {
        let path = Repository.examples.appendingPathComponent("eis-cell/\(file)").path
        let (_, circuit) = try NetlistRun.prepare(path: path, parameters: parameters)
        let run = try NetlistRun.simulate(circuit: circuit)
        if let f = run.outcome.failure { throw f }
        return run
    }

    static func checkAgainstAC(_ r: FFTImpedance.Result, _ label: String) throws {
        for l in r.lines {
            let ac = try #require(l.ac)
            #expect(abs(l.impedance.length / ac.length - 1) < 0.005, "\(label): |Z| at \(l.frequency) Hz off by \(l.impedance.length / ac.length - 1)")
            let dphi = abs(atan2(l.impedance.imaginary, l.impedance.real) - atan2(ac.imaginary, ac.real)) * 180 / .pi
            #expect(dphi < 0.5, "\(label): phase at \(l.frequency) Hz off by \(dphi)°")
        }
    }

    @Test("full cell at several SOC: high-frequency limit is the series resistance, the low-frequency tail is the OCV's differential capacitance")
    func cellStateOfCharge() throws {
        for soc in [0.2, 0.5, 0.8] {
            let r = try #require(try Self.run("cell.cir", ["soc": soc, "amp": 2e-3]).impedanceSpectra.first)
            try Self.checkAgainstAC(r, "SOC \(soc)")
            let high = try #require(r.lines.first), low = try #require(r.lines.last)
            // R_other + R_se + R_gb of the library cell on 1 cm²: 20 + 1 + 0.5 Ω.
            #expect(abs(high.impedance.real / 21.5 - 1) < 0.002, "SOC \(soc): Z' at \(high.frequency) Hz = \(high.impedance.real) Ω")
            // At 10 mHz every arc is resistive and the cathode's OCV acts as C = Q/(dU/dSOC) in
            // series: −Z'' = 1/(ωC) (NMC811 Chen2020 window y = 0.854 − SOC·0.5902, Q = 14.4 C).
            let y = 0.8540 - soc * (0.8540 - 0.2638)
            let dU = abs(OCVCurve.nmc811Potential(y).1) * (0.8540 - 0.2638)
            let expected = 1 / (2 * Double.pi * low.frequency * 14.4 / dU)
            #expect(abs(-low.impedance.imaginary / expected - 1) < 0.02, "SOC \(soc): −Z'' = \(-low.impedance.imaginary) Ω at \(low.frequency) Hz, OCV capacitance gives \(expected)")
        }
    }

    @Test("full DAI cell before and after cycling: the anode interface arc grows with the interphase, the series resistance does not")
    func cellAgeing() throws {
        // 2 mV: at the examples' 10 mV the excitation current (≈ 2.5 A/m²) nears the interface's Li
        // supply (3 A/m² at 5 MPa) and itself opens voids during the slow bands, which the FFT
        // sees (Z' up to 0.4 % above AC at 10 mHz) and small-signal AC cannot.
        let fresh = try Self.run("aged.cir", ["n": 1, "amp": 2e-3]), aged = try Self.run("aged.cir", ["n": 40, "amp": 2e-3])
        let a = try #require(fresh.impedanceSpectra.first), b = try #require(aged.impedanceSpectra.first)
        try Self.checkAgainstAC(a, "fresh"); try Self.checkAgainstAC(b, "aged")
        // The spectrum is measured at the state the protocols left: the interphase has grown.
        func last(_ run: NetlistRun, _ name: String) throws -> Double {
            let table = try #require(run.outcome.plots.last { $0.kind == "cycles" })
            return try #require(table.vector(name)?.real.last)
        }
        let l0 = try last(fresh, "interphase(y.xcell.yanode)"), l1 = try last(aged, "interphase(y.xcell.yanode)")
        let r0 = try last(fresh, "rif(y.xcell.yanode)"), r1 = try last(aged, "rif(y.xcell.yanode)")
        #expect(l1 > 2 * l0, "interphase \(l0) → \(l1) nm")
        // High-frequency limit unchanged; the low-frequency resistance grows by the interface's
        // growth in R_if/A (1 cm²), within 2 % of it.
        #expect(abs(b.lines[0].impedance.real - a.lines[0].impedance.real) < 0.01)
        func plateau(_ r: FFTImpedance.Result) -> Double { r.lines.filter { $0.frequency > 0.5 && $0.frequency < 20 }.map(\.impedance.real).max() ?? 0 }
        let growth = plateau(b) - plateau(a), expected = (r1 - r0) / 1e-4
        #expect(growth > 0 && abs(growth / expected - 1) < 0.02, "low-frequency resistance grew by \(growth) Ω, R_if by \(expected) Ω")
    }
}
