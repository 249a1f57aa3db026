import ComplexModule
import Foundation
import Testing
@testable import Lithic

/// FFT impedance spectroscopy of simulated transients against AC analysis and closed forms.
@Suite("FFT impedance spectroscopy", .serialized)
struct FFTImpedanceTests {
    static let circuits: [(String, String, (Double) -> Complex<Double>)] = [
        ("R", "R1 a 0 100", { _ in Complex(100, 0) }),
        ("RC", "R1 a b 10\nC1 b 0 1u\nR2 b 0 1k", { f in
            Complex(10, 0) + Complex(1000, 0) / Complex(1, 2 * Double.pi * f * 1e-3) }),
        ("Randles-like", "R0 a b 20\nR1 b c 150\nC1 b c 2u\nR2 c 0 300\nC2 c 0 50u", { f in
            let w = 2 * Double.pi * f
            return Complex(20, 0) + Complex(150, 0) / Complex(1, w * 150 * 2e-6) + Complex(300, 0) / Complex(1, w * 300 * 50e-6) }),
    ]

    func spectrum(_ body: String, settings: FFTImpedance.Settings) throws -> FFTImpedance.Result {
        let (_, circuit) = try NetlistRun.prepare(text: "eis\n\(body)\n.end\n")
        return try FFTImpedance.run(circuit: circuit, plus: "a", minus: "0", settings: settings)
    }

    @Test("FFT, AC analysis and closed form agree to 0.5 % in |Z| and 0.5° in phase",
          arguments: FFTImpedanceTests.circuits.map(\.0), [PortExcitation.Mode.potentiostatic, .galvanostatic])
    func agreement(_ name: String, _ mode: PortExcitation.Mode) throws {
        let (_, body, exact) = try #require(Self.circuits.first { $0.0 == name })
        var s = FFTImpedance.Settings()
        s.minimumFrequency = 0.1
        s.maximumFrequency = 1e5
        s.pointsPerDecade = 5
        s.mode = mode
        let r = try spectrum(body, settings: s)
        #expect(r.lines.count >= 30)
        for l in r.lines {
            let e = exact(l.frequency)
            for (label, z) in [("FFT", l.impedance), ("AC", l.ac ?? .zero)] {
                #expect(abs(z.length / e.length - 1) < 0.005, "\(name) \(label) at \(l.frequency) Hz: |Z| \(z.length) vs \(e.length)")
                let dphase = abs(atan2(z.imaginary, z.real) - atan2(e.imaginary, e.real)) * 180 / Double.pi
                #expect(dphase < 0.5, "\(name) \(label) at \(l.frequency) Hz: phase off by \(dphase)°")
            }
        }
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        // The simulated spectrum is Kramers–Kronig consistent.
        if name != "R" {
            let kk = try KramersKronigTest.run(frequencies: r.lines.map(\.frequency), impedances: r.lines.map(\.impedance))
            #expect(kk.passes(), "\(name): lin-KK residual \(kk.maximumResidual)")
        }
    }

    static let butlerVolmer = """
    R0 a b 10
    Cdl b 0 10u
    Bct b 0 I=1m*(exp(0.5*38.92*v(b))-exp(-0.5*38.92*v(b)))
    """

    @Test("a Butler-Volmer interface is flagged as non-linear at 100 mV and not at 5 mV")
    func nonlinearity() throws {
        var s = FFTImpedance.Settings()
        s.minimumFrequency = 1
        s.maximumFrequency = 1e4
        s.pointsPerDecade = 5
        s.amplitude = 0.1
        let large = try spectrum(Self.butlerVolmer, settings: s)
        #expect(large.warnings.contains { $0.contains("non-linear") }, "no warning at 100 mV")
        s.amplitude = 0.005
        let small = try spectrum(Self.butlerVolmer, settings: s)
        #expect(!small.warnings.contains { $0.contains("non-linear") }, "\(small.warnings)")
        // At 5 mV the FFT spectrum matches small-signal theory: R0 + Rct‖Cdl, Rct = RT/(F·i0).
        for l in small.lines {
            let ac = try #require(l.ac)
            #expect((l.impedance - ac).length / ac.length < 0.01, "\(l.frequency) Hz: FFT \(l.impedance) vs AC \(ac)")
        }
    }

    @Test("single-sine sweep gives the same spectrum as the multisine")
    func sineSweep() throws {
        var s = FFTImpedance.Settings()
        s.minimumFrequency = 1
        s.maximumFrequency = 1e3
        s.pointsPerDecade = 3
        let body = Self.circuits[2].1
        let multi = try spectrum(body, settings: s)
        s.excitation = .sine
        let single = try spectrum(body, settings: s)
        #expect(multi.lines.count == single.lines.count)
        for (a, b) in zip(multi.lines, single.lines) {
            #expect(abs(a.frequency - b.frequency) < 1e-9 * a.frequency)
            #expect((a.impedance - b.impedance).length / b.impedance.length < 0.002)
        }
    }

    @Test("FFTW transform of a pure tone")
    func fftw() {
        let n = 256
        let x = (0..<n).map { sin(2 * Double.pi * 5 * Double($0) / Double(n)) }
        let X = RealFFT.transform(x)
        #expect(X.count == n / 2 + 1)
        #expect(abs(X[5].length - Double(n) / 2) < 1e-9)
        #expect(X.enumerated().filter { $0.offset != 5 }.allSatisfy { $0.element.length < 1e-9 })
    }
}

@Suite("the .eis card")
struct EISCardTests {
    @Test(".eis in a netlist runs the FFT measurement")
    func card() throws {
        let run = try NetlistRun.run(text: "t\nR0 a b 20\nR1 b 0 150\nC1 b 0 2u\n.eis a 0 fmin=10 fmax=1e4 ppd=3 amplitude=5m\n.end\n")
        let spectrum = try #require(run.impedanceSpectra.first)
        #expect(spectrum.lines.count >= 9)
        for l in spectrum.lines {
            let ac = try #require(l.ac)
            #expect((l.impedance - ac).length / ac.length < 0.005)
        }
    }

    /// A 10 mAh NMC811 Thevenin cell; `prelude` brings it to a new state before the EIS card.
    static func cell(soc0: Double, prelude: String, eis: String) -> String {
        """
        cell
        YOCV cell p1 0 nmc soc0=\(soc0)
        .model nmc ocv (curve=1 capacity=0.01)
        R0 p1 p2 0.03
        R1 p2 p 0.02
        C1 p2 p 5
        \(prelude)
        .eis p 0 fmin=1m fmax=10 ppd=2 \(eis)
        .end
        """
    }

    /// Largest |Z_a − Z_b|/|Z_b| over two spectra measured at the same lines.
    static func difference(_ a: FFTImpedance.Result, _ b: FFTImpedance.Result, ac: Bool = false) -> Double {
        zip(a.lines, b.lines).map { x, y in
            let za = ac ? (x.ac ?? .zero) : x.impedance, zb = ac ? (y.ac ?? .zero) : y.impedance
            return (za - zb).length / zb.length
        }.max() ?? .infinity
    }

    @Test("after=experiment: EIS of a cycled cell equals EIS of a fresh cell at the SOC the protocol left")
    func afterExperiment() throws {
        let protocolCard = #".experiment p 0 "Charge at 1C until 4.2 V" "Hold at 4.2 V until C/50" "Discharge at 1C for 30 minutes" "Rest for 2 hours" capacity=0.01"#
        let cycled = try NetlistRun.run(text: Self.cell(soc0: 0.2, prelude: protocolCard, eis: "after=experiment"))
        let table = try #require(cycled.outcome.plots.first { $0.kind == "cycles" })
        let soc = try #require(table.vector("soc(ycell)")?.real.last)
        #expect(soc > 0.35 && soc < 0.5, "SOC after the protocol: \(soc)")
        let fresh = try NetlistRun.run(text: Self.cell(soc0: soc, prelude: "", eis: "bias=ocv"))
        let start = try NetlistRun.run(text: Self.cell(soc0: 0.2, prelude: "", eis: "bias=ocv"))
        let a = try #require(cycled.impedanceSpectra.first), b = try #require(fresh.impedanceSpectra.first), c = try #require(start.impedanceSpectra.first)
        // Same physics at the same state: the spectra differ only by the FFT's own per-line
        // uncertainty (≤ 2e-4 here); the AC analyses linearise at the same point.
        #expect(Self.difference(a, b) < 1e-3, "cycled vs fresh at SOC \(soc): \(Self.difference(a, b))")
        #expect(Self.difference(a, b, ac: true) < 1e-9)
        // And the carried-over state matters: at the protocol's starting SOC the spectrum differs.
        #expect(Self.difference(a, c) > 0.05, "cycled vs the initial state: \(Self.difference(a, c))")
    }

    @Test("after=tran: EIS starts from the state the netlist's transient left")
    func afterTransient() throws {
        // 5 mA (0.5C) for 30 minutes, then the source is off: SOC 0.9 → 0.65.
        let discharge = "I1 p 0 PWL(0 0 1 5m 1800 5m 1801 0)\n.tran 10 3600\n.save soc(ycell)"
        let run = try NetlistRun.run(text: Self.cell(soc0: 0.9, prelude: discharge, eis: "after=tran"))
        let tran = try #require(run.outcome.plots.first { $0.kind == "tran" })
        let soc = try #require(tran.vector("soc(ycell)")?.real.last)
        #expect(abs(soc - (0.9 - 0.005 * 1800.5 / 3600 / 0.01)) < 1e-3, "SOC after the discharge: \(soc)")
        let fresh = try NetlistRun.run(text: Self.cell(soc0: soc, prelude: "", eis: "bias=ocv"))
        let a = try #require(run.impedanceSpectra.first), b = try #require(fresh.impedanceSpectra.first)
        #expect(Self.difference(a, b) < 1e-3, "after tran vs fresh at SOC \(soc): \(Self.difference(a, b))")
    }

    @Test("bad .eis settings are input errors", arguments: [".eis a", ".eis a 0 mode=sideways", ".eis a 0 colour=red", ".eis a 0 amplitude=-1", ".eis a 0 after=yesterday", ".eis a 0 after=experiment"])
    func bad(_ card: String) {
        #expect(throws: InputError.self) { try NetlistRun.run(text: "t\nR1 a 0 1\n\(card)\n.end\n") }
    }
}
