import Foundation
import Testing
@testable import Lithic

/// Analytic oracles: closed-form solutions the simulator must reproduce to 1e-4 relative or
/// better (the transient ones at the tighter RELTOL the netlists set, since the truncation-error
/// control is what bounds the error there).
@Suite("analytic oracles")
struct AnalyticTests {
    @Test("RC charging: v(t) = V·(1 − e^(−t/RC))")
    func rcStep() throws {
        let run = try simulate("""
        rc
        .options reltol=1e-6
        V1 in 0 DC 1
        R1 in out 1k
        C1 out 0 1u IC=0
        .tran 10u 5m uic
        """)
        let plot = try #require(run.outcome.plots.first)
        let t = try #require(plot.vector("time")).real
        let v = try #require(plot.vector("v(out)")).real
        var worst = 0.0
        for k in 0..<t.count {
            let exact = 1 - exp(-t[k] / 1e-3)
            worst = max(worst, abs(v[k] - exact))
        }
        #expect(worst < 1e-4, "max error \(worst) V on a 1 V step")
        #expect(t.count > 50)
    }

    @Test("every corner of a pulse train is a time point, also past the bounded breakpoint window")
    func pulseCornersBeyondTheBreakpointWindow() throws {
        // No corners for 150 µs, so the breakpoint window grows to tstop/20 = 15 µs; then a 10 ns
        // pulse train starts, 6,000 corners per window against a store bounded to 1,000 here: the
        // transient must keep the first 1,000, fetch the rest from there and narrow its windows
        // (found by the fuzzer: millions of corners in one window made passing each one O(n), and
        // a faster train exhausted memory before the list could be trimmed).
        var (_, circuit) = try NetlistRun.prepare(text: """
        pulses
        V1 a 0 PULSE(0 1 150u 1n 1n 3n 10n)
        R1 a 0 1
        .tran 10n 300u
        """)
        circuit.options.breakpointWindow = 1_000
        let outcome = try Simulator(circuit: circuit).run()
        #expect(outcome.failure == nil)
        let plot = try #require(outcome.plots.first)
        let t = try #require(plot.vector("time")).real
        let v = try #require(plot.vector("v(a)")).real
        var index = 0, missing = 0, wrong = 0
        for k in 0..<15_000 {
            for (offset, level) in [(0.0, 0.0), (1e-9, 1.0), (4e-9, 1.0), (5e-9, 0.0)] {
                let corner = 150e-6 + Double(k) * 1e-8 + offset
                while index < t.count, t[index] < corner - 1e-15 { index += 1 }
                if index < t.count, abs(t[index] - corner) <= 1e-15 {
                    if abs(v[index] - level) > 1e-9 { wrong += 1 }
                } else {
                    missing += 1
                }
            }
        }
        #expect(missing == 0, "\(missing) corners are not time points")
        #expect(wrong == 0, "\(wrong) corners have the wrong value")
    }

    @Test("RL: i(t) = V/R·(1 − e^(−tR/L))")
    func rlStep() throws {
        let run = try simulate("""
        rl
        .options reltol=1e-6
        V1 in 0 DC 1
        R1 in a 10
        L1 a 0 1m IC=0
        .tran 1u 600u uic
        """)
        let plot = try #require(run.outcome.plots.first)
        let t = try #require(plot.vector("time")).real
        let i = try #require(plot.vector("i(v1)")).real
        var worst = 0.0
        for k in 0..<t.count {
            // i(v1) flows from + through the source: it is minus the loop current.
            let exact = -0.1 * (1 - exp(-t[k] * 10 / 1e-3))
            worst = max(worst, abs(i[k] - exact))
        }
        #expect(worst < 1e-5, "max error \(worst) A on a 0.1 A step")
    }

    @Test("series RLC: capacitor voltage 1/(1 + jωRC − ω²LC) and resonance at 1/(2π√LC)")
    func rlcAC() throws {
        let (r, l, c) = (5.0, 10e-3, 100e-9)
        let run = try simulate("""
        rlc
        V1 in 0 AC 1
        R1 in a 5
        L1 a b 10m
        C1 b 0 100n
        .ac dec 40 100 1meg
        """)
        let plot = try #require(run.outcome.plots.first)
        let f = try #require(plot.vector("frequency")).real
        let vb = try #require(plot.vector("v(b)"))
        var worst = 0.0
        var peakF = 0.0, peak = 0.0
        for k in 0..<f.count {
            let w = 2 * Double.pi * f[k]
            // 1 / ((1 − ω²LC) + jωRC)
            let dr = 1 - w * w * l * c, di = w * r * c
            let den = dr * dr + di * di
            let er = dr / den, ei = -di / den
            let got = (vb.real[k], vb.imaginary?[k] ?? 0)
            let err = hypot(got.0 - er, got.1 - ei) / hypot(er, ei)
            worst = max(worst, err)
            let mag = hypot(got.0, got.1)
            if mag > peak { peak = mag; peakF = f[k] }
        }
        #expect(worst < 1e-9, "max relative error \(worst)")
        let f0 = 1 / (2 * Double.pi * (l * c).squareRoot())
        #expect(abs(peakF - f0) / f0 < 0.03, "peak at \(peakF) Hz, resonance \(f0) Hz (grid 40/decade)")
    }

    @Test("diode operating point: Is·(e^(v/NVt) − 1) = (V − v)/R")
    func diodeOP() throws {
        let run = try simulate("""
        diode
        .model dm D (IS=1e-14 N=1.5)
        V1 in 0 DC 5
        R1 in a 1k
        D1 a 0 dm
        .op
        """)
        let plot = try #require(run.outcome.plots.first)
        let va = try #require(plot.vector("v(a)")?.real.first)
        let vt = 1.5 * 1.380649e-23 * 300.15 / 1.602176634e-19
        // Bisection on the exact equation (with GMIN = 1e-12 S across the junction, as SPICE).
        var lo = 0.0, hi = 5.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            let g = 1e-14 * (exp(mid / vt) - 1) + 1e-12 * mid - (5 - mid) / 1e3
            if g > 0 { hi = mid } else { lo = mid }
        }
        // Newton stops when the update is below RELTOL·|v| + VNTOL; the iterate is then quadratically
        // close, well inside the 1e-4 required of analytic oracles.
        #expect(abs(va - lo) / lo < 1e-6, "v(a) = \(va), exact \(lo)")
    }

    @Test("RLC transient ringing frequency and decay")
    func rlcRinging() throws {
        // Underdamped series RLC released from v_C = 1 V: v(t) = e^(−αt)(cos ωd t + α/ωd sin ωd t).
        let run = try simulate("""
        ring
        .options reltol=1e-6
        R1 a b 10
        L1 b 0 1m IC=0
        C1 a 0 1u IC=1
        .tran 0.5u 400u uic
        """)
        let plot = try #require(run.outcome.plots.first)
        let t = try #require(plot.vector("time")).real
        let v = try #require(plot.vector("v(a)")).real
        let alpha = 10.0 / (2 * 1e-3)
        let w0 = 1 / (1e-3 * 1e-6).squareRoot()
        let wd = (w0 * w0 - alpha * alpha).squareRoot()
        var worst = 0.0
        for k in 0..<t.count {
            let exact = exp(-alpha * t[k]) * (cos(wd * t[k]) + alpha / wd * sin(wd * t[k]))
            worst = max(worst, abs(v[k] - exact))
        }
        #expect(worst < 1e-4, "max error \(worst) V")
    }

    /// Operating-point value of `name` in a netlist.
    func operatingPoint(_ text: String, _ name: String) throws -> Double {
        let run = try simulate(text)
        let plot = try #require(run.outcome.plots.first { $0.kind == "op" })
        return try #require(plot.vector(name)?.real.first)
    }

    @Test("a BJT of area 2 and a MOSFET with M=2 each equal two devices in parallel (bias points to 1e-7, Newton's tolerance; a wrong scaling shifts v_BE by 18 mV)")
    func deviceMultipliers() throws {
        let bjt = ".model qp pnp is=2e-15 bf=80 br=2 vaf=40 ikf=10m rb=30 re=2 rc=8 cje=1p tf=1n\nVcp cp 0 0.3\nIbp bp 0 10u\n"
        let area = try operatingPoint("t\n" + bjt + "Q1 cp bp 0 qp 2\n.op\n", "v(bp)")
        let pair = try operatingPoint("t\n" + bjt + "Q1 cp bp 0 qp\nQ2 cp bp 0 qp\n.op\n", "v(bp)")
        #expect(abs(area - pair) < 1e-7, "area \(area) V, two devices \(pair) V")
        let mos = ".model n nmos vto=0.7 kp=110u gamma=0.4 lambda=0.04 rd=20 rs=10\nVd d 0 2\nIg 0 g 1u\nRg g 0 1meg\nRl vdd d 1k\nVdd vdd 0 3\n"
        let m2 = try operatingPoint("t\n" + mos + "M1 d g 0 0 n W=4u L=1u M=2\n.op\n", "i(vd)")
        let two = try operatingPoint("t\n" + mos + "M1 d g 0 0 n W=4u L=1u\nM2 d g 0 0 n W=4u L=1u\n.op\n", "i(vd)")
        #expect(abs(m2 - two) < 1e-7 * max(abs(two), 1e-6), "M=2 \(m2) A, two devices \(two) A")
    }


    @Test("TABLE sources interpolate linearly and hold the end values outside the table")
    func tableSource() throws {
        let net = "t\nVin in 0 DC 0\nR0 in 0 1k\nE1 y 0 TABLE {v(in)} = (-1, -2) (0, 0) (2, 1)\nR1 y 0 1k\nG1 0 z TABLE {v(in)*2} = (0, 0) (4, 1m)\nR2 z 0 1k\n.dc Vin -3 3 0.25\n"
        let run = try simulate(net)
        let plot = try #require(run.outcome.plots.first)
        let x = try #require(plot.vector("v(in)")).real, y = try #require(plot.vector("v(y)")).real, z = try #require(plot.vector("v(z)")).real
        for (k, v) in x.enumerated() {
            let expectedY = v <= -1 ? -2 : (v <= 0 ? 2 * v : (v <= 2 ? v / 2 : 1))
            let c = 2 * v
            let expectedZ = 1e3 * (c <= 0 ? 0 : (c <= 4 ? c * 0.25e-3 : 1e-3))
            #expect(abs(y[k] - expectedY) < 1e-9, "v(y) at \(v)")
            #expect(abs(z[k] - expectedZ) < 1e-9, "v(z) at \(v)")
        }
    }

    @Test("m= on nested subcircuit instances multiplies: a resistor inside m=3 inside m=2 is six in parallel")
    func nestedMultipliers() throws {
        let net = "t\n.subckt leaf a b\nR1 a b 6k\nI1 b a 1m\n.ends\n.subckt pair a b\nX1 a b leaf m=3\n.ends\nV1 in 0 DC 1\nRs in n1 1k\nX2 n1 0 pair m=2\n.op\n"
        // Six copies: 1 kΩ to ground in parallel with a 6 mA source into n1.
        let v = try operatingPoint(net, "v(n1)")
        let expected = (1.0 / 1e3 + 6e-3) / (1.0 / 1e3 + 1.0 / 1e3)
        #expect(abs(v - expected) < 1e-9, "v(n1) = \(v), six parallel copies give \(expected)")
    }
}
