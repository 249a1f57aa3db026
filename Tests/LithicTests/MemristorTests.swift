import Foundation
import Testing
@testable import Lithic

/// Memristor models: published window boundary values, exact Jacobians, and Chua's fingerprints.
@Suite("memristors")
struct MemristorTests {
    @Test("window functions meet their papers' boundary values")
    func windows() {
        for p in [1.0, 2.0, 7.0] {
            #expect(MemristorWindow.joglekar.evaluate(x: 0, increasing: true, p: p) == 0)
            #expect(MemristorWindow.joglekar.evaluate(x: 1, increasing: false, p: p) == 0)
            #expect(MemristorWindow.joglekar.evaluate(x: 0.5, increasing: true, p: p) == 1)
            // Biolek: zero at x = 1 moving up and at x = 0 moving down, 1 at the other end.
            #expect(MemristorWindow.biolek.evaluate(x: 1, increasing: true, p: p) == 0)
            #expect(MemristorWindow.biolek.evaluate(x: 0, increasing: false, p: p) == 0)
            #expect(MemristorWindow.biolek.evaluate(x: 0, increasing: true, p: p) == 1)
            #expect(MemristorWindow.biolek.evaluate(x: 1, increasing: false, p: p) == 1)
            // Prodromakis with the paper's +0.75: f(0) = f(1) = 0 (Xyce's −0.75 fails this).
            #expect(abs(MemristorWindow.prodromakis.evaluate(x: 0, increasing: true, p: p)) < 1e-15)
            #expect(abs(MemristorWindow.prodromakis.evaluate(x: 1, increasing: true, p: p)) < 1e-15)
            #expect(MemristorWindow.prodromakis.evaluate(x: 0.5, increasing: true, p: p, j: 1) == 1 - pow(0.75, p))
        }
    }

    static let models: [(String, String, Double, [Double], Double)] = [
        // (name, .model card body, amplitude V, frequencies Hz (above ω*, a decade or more), x0)
        ("linear drift (Biolek window)", "level=1 ron=100 roff=16k d=10n uv=1e-14 p=2 wt=2", 1.0, [1, 10, 100, 1000], 0.1),
        ("TEAM (Xyce defaults, Kvatinsky window, nm)", "level=2 wt=4 xscaling=1e9", 0.5, [100, 1000, 10000, 100000], 0.1),
        ("Yakopcic (fitted set)", "level=3 a1=0.17 a2=0.17 b=0.05 vp=0.16 vn=0.15 ap=4000 an=4000 xp=0.3 xn=0.5 alphap=1 alphan=5 eta=1", 0.5, [100, 1000, 10000, 100000], 0.11),
        ("VTEAM (MemTorch rates)", "level=5", 0.3, [1e6, 1e7, 1e8, 1e9], 0.6),
        ("Stanford/ASU RRAM (v1.0 defaults)", "level=6", 1.6, [1e7, 1e8, 1e9, 1e10], 1.0),
        ("LLZO Li filament", "level=10", 1.0, [5e4, 1e5, 1.5e5, 5e5], 0.02),
    ]

    /// Simulates 3 periods of a sine across the device and returns (v, i) of the last period.
    static func loop(_ card: String, amplitude: Double, frequency f: Double, x0: Double) throws -> (v: [Double], i: [Double]) {
        let period = 1 / f
        // A triangle wave (bipolar, periodic) whose zero crossings are PWL corners, so the
        // integrator lands exactly on v = 0 and the pinch is measured, not interpolated.
        let text = """
        fingerprint
        .options reltol=1e-6
        V1 a 0 PWL(0 0 \(period / 4) \(amplitude) \(3 * period / 4) \(-amplitude) \(period) 0) r=0
        YMEMRISTOR m1 a 0 mm x0=\(x0)
        .model mm memristor \(card)
        .tran \(period / 400) \(3 * period) 0 \(period / 400)
        """
        let run = try NetlistRun.run(text: text)
        let plot = try #require(run.outcome.plots.first)
        let t = try #require(plot.vector("time")).real
        let v = try #require(plot.vector("v(a)")).real
        let i = try #require(plot.vector("i(v1)")).real.map { -$0 }  // current into the device
        let keep = t.indices.filter { t[$0] >= 2 * period - 1e-15 }
        return (keep.map { v[$0] }, keep.map { i[$0] })
    }

    /// Area enclosed by the i–v loop: |∮ i dv| summed over the two lobes (half periods).
    static func lobeArea(_ v: [Double], _ i: [Double]) -> Double {
        var total = 0.0, lobe = 0.0
        for k in 1..<v.count {
            lobe += 0.5 * (i[k] + i[k - 1]) * (v[k] - v[k - 1])
            if (v[k - 1] < 0) != (v[k] < 0) { total += abs(lobe); lobe = 0 }
        }
        return total + abs(lobe)
    }

    @Test("Chua's fingerprints: pinched at the origin, lobe area falls with frequency", arguments: MemristorTests.models.map(\.0))
    func fingerprints(_ name: String) throws {
        let (_, card, amplitude, freqs, x0) = try #require(Self.models.first { $0.0 == name })
        var areas: [Double] = []
        var normalised: [Double] = []
        for f in freqs {
            let (v, i) = try Self.loop(card, amplitude: amplitude, frequency: f, x0: x0)
            let peak = i.map(abs).max() ?? 0
            #expect(peak > 0)
            // Pinch: the current at the time points where v = 0 (the wave's corners).
            var crossings = 0
            for k in v.indices where abs(v[k]) <= 1e-12 * amplitude {
                crossings += 1
                #expect(abs(i[k]) <= max(1e-12, 1e-9 * peak), "\(name) at \(f) Hz: |i| = \(abs(i[k])) at v = 0")
            }
            #expect(crossings >= 2, "\(name) at \(f) Hz: no sample at v = 0")
            let area = Self.lobeArea(v, i)
            areas.append(area)
            normalised.append(area / (amplitude * peak))
        }
        // Once the loop has collapsed (area below 1e-3 of its bounding box, the LLZO filament
        // never nearing the far electrode) what is left is integration noise of ~1e-13 A·V, which
        // need not be monotone; before that every step up in frequency must shrink the lobes.
        for k in 1..<areas.count where !(normalised[k] < 1e-3 && normalised[k - 1] < 1e-3) {
            #expect(areas[k] < areas[k - 1], "\(name): lobe area \(areas[k]) at \(freqs[k]) Hz not below \(areas[k - 1]) at \(freqs[k - 1]) Hz")
        }
        #expect(areas[0] > 0, "\(name): no hysteresis at \(freqs[0]) Hz")
        // Collapse towards a single-valued curve: the loop's area relative to its bounding box
        // shrinks by at least 10× over the frequencies tested.
        #expect((normalised.last ?? 1) < 0.1 * (normalised.first ?? 0), "\(name): normalised areas \(normalised)")
    }

    @Test("threshold models do not switch below threshold")
    func threshold() throws {
        // TEAM: |i| below I_on, I_off (0.8 mV over 113 Ω at x = 0.2 nm is 7 µA < 8.9 µA); VTEAM: |v| below von/voff; Stanford: γ|v|/t_ox below F_min (0.9 V ↔ 1.2e9 < 1.4e9 V/m);
        // Yakopcic: |v| below Vp/Vn.
        for (card, amplitude, f) in [("level=5", 0.015, 1e6), ("level=6", 0.9, 1e6), ("level=2 wt=4 xscaling=1e9", 0.0008, 1e3), ("level=3 a1=0.17 a2=0.17 b=0.05 vp=0.16 vn=0.15 ap=4000 an=4000 xp=0.3 xn=0.5 alphap=1 alphan=5", 0.1, 100.0)] {
            let text = """
            sub-threshold
            V1 a 0 SIN(0 \(amplitude) \(f))
            YMEMRISTOR m1 a 0 mm x0=0.2
            .model mm memristor \(card)
            .tran \(1 / f / 200) \(3 / f)
            """
            let run = try NetlistRun.run(text: text)
            let plot = try #require(run.outcome.plots.first)
            let x = try #require(plot.vectors.first { $0.name.hasPrefix("x(") }).real
            #expect((x.max() ?? 0) - (x.min() ?? 0) < 1e-9, "\(card): state moved by \((x.max() ?? 0) - (x.min() ?? 0))")
        }
    }

    @Test("device Jacobian agrees with finite differences", arguments: MemristorTests.models.map(\.0))
    func jacobian(_ name: String) throws {
        let (_, card, _, _, x0) = try #require(Self.models.first { $0.0 == name })
        var params: [String: Double] = [:]
        for part in card.split(separator: " ") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let v = SINumber.parse(String(kv[1])) { params[String(kv[0])] = v }
        }
        let model = try MemristorModel.from(params, at: .commandLine)
        let (_, _, amplitude, _, _) = try #require(Self.models.first { $0.0 == name })
        for v0 in [-0.7, -0.3, 0.25, 0.6, amplitude, -0.9 * amplitude] {
            for xs in [x0 + 0.05, x0 + 0.3] {
                let v = Dual2(v0, 1, 0), x = Dual2(xs, 0, 1)
                let i = model.current(v: v, x: x)
                let r = model.rate(v: v, x: x, i: i)
                let h = 1e-7
                func rateAt(_ vv: Double, _ xx: Double) -> Double {
                    let iv = model.current(v: Dual2(vv), x: Dual2(xx))
                    return model.rate(v: Dual2(vv), x: Dual2(xx), i: iv).value
                }
                let drdv = (rateAt(v0 + h, xs) - rateAt(v0 - h, xs)) / (2 * h)
                let drdx = (rateAt(v0, xs + h) - rateAt(v0, xs - h)) / (2 * h)
                let scale = max(abs(r.value) / 0.1, 1e-30)
                #expect(abs(r.dv - drdv) <= 1e-4 * max(abs(drdv), scale), "\(name) ∂rate/∂v at v=\(v0), x=\(xs): \(r.dv) vs \(drdv)")
                #expect(abs(r.dx - drdx) <= 1e-4 * max(abs(drdx), scale), "\(name) ∂rate/∂x at v=\(v0), x=\(xs): \(r.dx) vs \(drdx)")
                let didx = (model.current(v: Dual2(v0), x: Dual2(xs + h)).value - model.current(v: Dual2(v0), x: Dual2(xs - h)).value) / (2 * h)
                // Central-difference round-off is ≈ ε·|i|/h ≈ 2e-9·|i|; allow 1e-8·|i| on top.
                #expect(abs(i.dx - didx) <= 1e-5 * max(abs(didx), 1e-15) + 1e-8 * abs(i.value), "\(name) ∂i/∂x at v=\(v0), x=\(xs): \(i.dx) vs \(didx)")
            }
        }
    }

    @Test("the Stanford model's step bound (TSTEP, $bound_step) limits the transient step")
    func stepBound() throws {
        func steps(_ bound: String) throws -> [Double] {
            let run = try NetlistRun.run(text: """
            bound
            V1 a 0 PWL(0 0 10n 1.8 110n 1.8 120n 0)
            YMEMRISTOR m1 a 0 rr
            .model rr memristor level=6 \(bound)
            .tran 10n 200n
            """)
            let t = try #require(run.outcome.plots.first?.vector("time")).real
            return zip(t.dropFirst(), t).map { $0 - $1 }
        }
        let free = try steps("")
        let bounded = try steps("tstep=0.5n")
        #expect((free.max() ?? 0) > 1e-9, "without a bound the step grows past 1 ns")
        #expect((bounded.max() ?? 1) <= 0.5e-9 * (1 + 1e-9), "largest step \(bounded.max() ?? 0) s with TSTEP = 0.5 ns")
        // The SET itself: the gap closes to GMIN under 1.8 V.
        let run = try NetlistRun.run(text: "set\nV1 a 0 1.8\nYMEMRISTOR m1 a 0 rr\n.model rr memristor level=6\n.tran 1n 100n uic\n")
        let x = try #require(run.outcome.plots.first?.vectors.first { $0.name.hasPrefix("x(") }).real
        #expect(abs((x.last ?? 0) - 0.2) < 0.01, "gap after a 100 ns SET pulse: \(x.last ?? 0) nm")
    }

    @Test("every examples/fingerprints netlist runs, is pinched at v = 0 and switches")
    func fingerprintExamples() throws {
        let dir = Repository.examples.appendingPathComponent("fingerprints")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".cir") }.sorted()
        #expect(files.count >= 6)
        for file in files {
            let (_, circuit) = try NetlistRun.prepare(path: dir.appendingPathComponent(file).path)
            let r = try NetlistRun.simulate(circuit: circuit)
            let p = try #require(r.outcome.plots.first)
            let v = try #require(p.vector("v(a)")).real, i = try #require(p.vector("i(v1)")).real
            let x = try #require(p.vectors.first { $0.name.hasPrefix("x(") }).real
            let peak = i.map(abs).max() ?? 0
            var zeros = 0
            let amplitude = v.map(abs).max() ?? 1
            // The triangle's corners at whole periods put samples on v = 0 (to rounding).
            for k in v.indices where abs(v[k]) <= 1e-12 * amplitude && k > 0 {
                zeros += 1
                #expect(abs(i[k]) <= max(1e-12, 1e-9 * peak), "\(file): |i| = \(abs(i[k])) at v = 0")
            }
            #expect(zeros >= 2, "\(file): \(zeros) samples at v = 0")
            #expect((x.max() ?? 0) - (x.min() ?? 0) > 1e-3 * max(abs(x.first ?? 1), 1e-3), "\(file): the state does not move")
        }
    }

    @Test("modelCard rebuilds every model exactly (same current and rate)", arguments: MemristorTests.models.map(\.0))
    func modelCardRoundTrip(_ name: String) throws {
        let (_, card, amplitude, _, x0) = try #require(Self.models.first { $0.0 == name })
        var params: [String: Double] = [:]
        for part in card.split(separator: " ") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let v = SINumber.parse(String(kv[1])) { params[String(kv[0])] = v }
        }
        let model = try MemristorModel.from(params, at: .commandLine)
        var again: [String: Double] = [:]
        for part in model.modelCard.split(separator: " ") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let v = Double(String(kv[1])) { again[String(kv[0])] = v }
        }
        let rebuilt = try MemristorModel.from(again, at: .commandLine)
        for v in [-amplitude, 0.3 * amplitude, amplitude] {
            let a = model.current(v: Dual2(v), x: Dual2(x0 + 0.1)), b = rebuilt.current(v: Dual2(v), x: Dual2(x0 + 0.1))
            #expect(a.value == b.value)
            #expect(model.rate(v: Dual2(v), x: Dual2(x0 + 0.1), i: a).value == rebuilt.rate(v: Dual2(v), x: Dual2(x0 + 0.1), i: b).value)
        }
    }

    @Test("bad memristor cards are input errors")
    func badCards() {
        for card in ["level=9", "level=1 ron=-5", "level=2 bogus=1", "level=1 wt=7", "level=6 gmax=0.1n", "level=6 tstep=-1", "level=6 beta=10"] {
            #expect(throws: InputError.self) {
                try NetlistRun.run(text: "t\nV1 a 0 1\nYMEMRISTOR m a 0 mm\n.model mm memristor \(card)\n.op\n")
            }
        }
    }
}

/// Lithic's built-in memristors against ngspice 39 running their behavioural twins
/// (`netlists/memristor_*_twin.cir`, B-sources with the state on a 1 F capacitor; goldens in
/// `netlists/golden/`): the currents agree within 1 % RMS of the current range.
@Suite("memristors against their ngspice twins")
struct MemristorTwinTests {
    static let cases: [(twin: String, card: String, drive: String, tran: String, x0: Double)] = [
        ("memristor_biolek_twin", "level=1 ron=100 roff=16k d=10n uv=1e-14 p=2 wt=2", "SIN(0 1 1)", ".tran 1m 2 0 1m uic", 0.1),
        ("memristor_yakopcic_twin", "level=3 a1=0.17 a2=0.17 b=0.05 vp=0.16 vn=0.15 ap=4000 an=4000 xp=0.3 xn=0.5 alphap=1 alphan=5 eta=1",
         "SIN(0 0.5 100)", ".tran 10u 20m 0 10u uic", 0.11),
        ("memristor_team_twin", "level=2 wt=4 xscaling=1e9", "SIN(0 0.5 100)", ".tran 20u 20m 0 20u uic", 0.1),
        ("memristor_vteam_twin", "level=5", "SIN(0 0.3 1meg)", ".tran 2n 2u 0 2n uic", 0.6),
        ("memristor_stanford_twin", "level=6", "SIN(0 1.6 10meg)", ".tran 0.2n 200n 0 0.2n uic", 1.0),
        ("memristor_llzo_twin", "level=10", "SIN(0 1 50k)", ".tran 40n 40u 0 2n uic", 0.02),
    ]

    @Test("built-in device equals ngspice's run of the twin", arguments: MemristorTwinTests.cases.map(\.twin))
    func twin(_ name: String) throws {
        let c = try #require(Self.cases.first { $0.twin == name })
        let golden = try RawFile.read([UInt8](try Data(contentsOf: Repository.netlists.appendingPathComponent("golden/\(name).raw"))), name: name)
        let g = try #require(golden.first)
        let gt = try #require(g.vector("time")).real
        let gi = try #require(g.vector("i(v1)")).real
        let run = try NetlistRun.run(text: """
        built-in
        .options reltol=1e-5
        V1 a 0 \(c.drive)
        YMEMRISTOR m1 a 0 mm x0=\(c.x0)
        .model mm memristor \(c.card)
        \(c.tran)
        """)
        let p = try #require(run.outcome.plots.first)
        let t = try #require(p.vector("time")).real
        let i = try #require(p.vector("i(v1)")).real
        var sum = 0.0
        for k in gt.indices {
            let d = interpolate(t, i, at: gt[k]) - gi[k]
            sum += d * d
        }
        let rms = (sum / Double(gt.count)).squareRoot()
        let range = (gi.max() ?? 0) - (gi.min() ?? 0)
        // The state must actually move for the comparison to mean anything.
        let gx = try #require(g.vector("v(x)")).real
        #expect((gx.max() ?? 0) - (gx.min() ?? 0) > 0.05 * max(abs(c.x0), 0.1), "\(name): the twin's state hardly moves")
        print("twin \(name): RMS \(rms / range * 100) % of the current range \(range) A")
        #expect(rms <= 0.01 * range, "\(name): RMS difference \(rms) A, current range \(range) A (\(rms / range * 100) %)")
    }
}

/// The LLZO filament memristor examples (`examples/llzo-memristor/`).
@Suite("LLZO memristor examples")
struct LLZOMemristorTests {
    static func run(_ file: String) throws -> Plot {
        let (_, circuit) = try NetlistRun.prepare(path: Repository.examples.appendingPathComponent("llzo-memristor/\(file)").path)
        let r = try NetlistRun.simulate(circuit: circuit)
        if let f = r.outcome.failure { throw f }
        return try #require(r.outcome.plots.first)
    }

    @Test("I-V sweep: pinched, SET on positive and RESET on negative bias, on/off ≥ 1e5")
    func sweep() throws {
        let p = try Self.run("iv-sweep.cir")
        let t = try #require(p.vector("time")).real, v = try #require(p.vector("v(a)")).real
        let i = try #require(p.vector("i(v1)")).real.map { -$0 }
        let x = try #require(p.vector("x(ym1)")).real
        // Resistance at +0.2 V on the way up (OFF, before SET) and on the way down (ON).
        func resistance(at time: Double) -> Double { interpolate(t, v, at: time) / interpolate(t, i, at: time) }
        let off = resistance(at: 0.05), on = resistance(at: 0.45)
        #expect(off / on >= 1e5, "on/off = \(off / on) (R_off \(off), R_on \(on))")
        #expect((x.max() ?? 0) > 0.95 && (x.min() ?? 1) < 0.05, "state range \(x.min() ?? 0)…\(x.max() ?? 0) µm")
        for k in v.indices where v[k] == 0 { #expect(abs(i[k]) <= 1e-12) }
    }

    @Test("200 SET/RESET cycles: R_on and R_off drift by less than 10 %")
    func cycling() throws {
        let p = try Self.run("cycling.cir")
        let t = try #require(p.vector("time")).real, v = try #require(p.vector("v(a)")).real
        let i = try #require(p.vector("i(v1)")).real.map { -$0 }
        func r(_ time: Double) -> Double { interpolate(t, v, at: time) / interpolate(t, i, at: time) }
        let period = 0.02
        let on0 = r(0.009), off0 = r(0.019)
        let on199 = r(199 * period + 0.009), off199 = r(199 * period + 0.019)
        #expect(off0 / on0 >= 1e5, "first cycle on/off \(off0 / on0)")
        #expect(abs(on199 / on0 - 1) < 0.1, "R_on \(on0) → \(on199)")
        #expect(abs(off199 / off0 - 1) < 0.1, "R_off \(off0) → \(off199)")
    }

    @Test("endurance drift knob: an interphase on the filament raises R_on cycle by cycle, R_off stays")
    func enduranceDrift() throws {
        let url = Repository.examples.appendingPathComponent("llzo-memristor/cycling.cir")
        let text = try String(contentsOf: url, encoding: .utf8)
            .replacingOccurrences(of: "level=10", with: "level=10 xi=2.5e-8")
            .replacingOccurrences(of: "4 0 0.5m", with: "2 0 0.5m")
        let run = try NetlistRun.run(text: text)
        let p = try #require(run.outcome.plots.first)
        let t = try #require(p.vector("time")).real, v = try #require(p.vector("v(a)")).real
        let i = try #require(p.vector("i(v1)")).real.map { -$0 }
        func r(_ time: Double) -> Double { interpolate(t, v, at: time) / interpolate(t, i, at: time) }
        let on = (0..<100).map { r(Double($0) * 0.02 + 0.009) }
        let off = (0..<100).map { r(Double($0) * 0.02 + 0.019) }
        for k in 1..<on.count { #expect(on[k] > on[k - 1], "R_on did not rise at cycle \(k): \(on[k - 1]) → \(on[k])") }
        // Expected rise: each SET and RESET moves ≈ the full 1 µm filament, so ΔL ≈ 2ξ·1 µm per
        // cycle and ΔR_on ≈ ρ_int·ΔL/(πr²) = 1e-3 · 5e-14 / 1.131e-16 ≈ 0.44 Ω per cycle.
        let perCycle = (on[99] - on[0]) / 99
        #expect(perCycle > 0.3 && perCycle < 0.6, "R_on rises \(perCycle) Ω per cycle, expected ≈ 0.44")
        #expect(abs(off[99] / off[0] - 1) < 1e-3, "R_off \(off[0]) → \(off[99])")
        // Jacobian of the second state against central differences.
        let model = try MemristorModel.from(["level": 10, "xi": 1e-3, "kp": 1e-21], at: .commandLine)
        for (v0, x0, y0) in [(0.3, 0.5, 0.2), (-0.4, 0.7, 0.5), (0.8, 0.99, 1.0)] {
            let rv = model.secondRate(v: Dual2(v0, 1, 0, 0), x: Dual2(x0, 0, 1, 0), y: Dual2(y0, 0, 0, 1))
            let iv = model.current(v: Dual2(v0, 1, 0, 0), x: Dual2(x0, 0, 1, 0), y: Dual2(y0, 0, 0, 1))
            func ry(_ a: Double, _ b: Double, _ c: Double) -> Double { model.secondRate(v: Dual2(a), x: Dual2(b), y: Dual2(c)).value }
            func iy(_ c: Double) -> Double { model.current(v: Dual2(v0), x: Dual2(x0), y: Dual2(c)).value }
            let h = 1e-6  // round-off of the differences ≈ ε·|ẏ|/h ≈ 2e-10·|ẏ|
            let dv = (ry(v0 + h, x0, y0) - ry(v0 - h, x0, y0)) / (2 * h)
            let dx = (ry(v0, x0 + h, y0) - ry(v0, x0 - h, y0)) / (2 * h)
            let dy = (ry(v0, x0, y0 + h) - ry(v0, x0, y0 - h)) / (2 * h)
            let di = (iy(y0 + h) - iy(y0 - h)) / (2 * h)
            #expect(abs(rv.dv - dv) <= 1e-5 * abs(dv) + 1e-8 * abs(rv.value), "∂ẏ/∂v: \(rv.dv) vs \(dv)")
            #expect(abs(rv.dx - dx) <= 1e-5 * abs(dx) + 1e-8 * abs(rv.value), "∂ẏ/∂x: \(rv.dx) vs \(dx)")
            #expect(abs(rv.dy - dy) <= 1e-5 * abs(dy) + 1e-8 * abs(rv.value), "∂ẏ/∂y: \(rv.dy) vs \(dy)")
            #expect(abs(iv.dy - di) <= 1e-5 * abs(di) + 1e-8 * abs(iv.value), "∂i/∂y \(iv.dy) vs \(di)")
        }
    }

    @Test("retention: the SET state holds at zero bias for 1000 s")
    func retention() throws {
        let p = try Self.run("retention.cir")
        let x = try #require(p.vector("x(ym1)")).real
        let t = try #require(p.vector("time")).real
        let afterSet = interpolate(t, x, at: 0.02)
        #expect(afterSet > 0.95)
        #expect(abs((x.last ?? 0) - afterSet) < 1e-6, "state moved from \(afterSet) to \(x.last ?? 0) at zero bias")
    }
}

/// Crossbar reads against an independent nodal solve, the ideal product and the emitted netlist.
@Suite("crossbar arrays")
struct CrossbarTests {
    static func randomArray(_ rows: Int, _ cols: Int, seed: UInt64) -> ([Double], [Double]) {
        var rng = SplitMix64(seed: seed)
        let g = (0..<(rows * cols)).map { _ in 1e-5 * pow(10, rng.nextUniform()) }
        let v = (0..<rows).map { _ in 0.1 + 0.2 * rng.nextUniform() }
        return (g, v)
    }

    /// Nodal analysis written out by hand: unknowns are the word- and bit-line node voltages; the
    /// drivers and sense amplifiers are Norton equivalents; dense Cholesky solve.
    static func nodalSolve(_ a: CrossbarArray, _ g: [Double], _ v: [Double]) -> [Double] {
        let r = a.rows, c = a.columns
        let n = 2 * r * c
        func w(_ i: Int, _ j: Int) -> Int { i * c + j }
        func b(_ i: Int, _ j: Int) -> Int { r * c + i * c + j }
        var m = [Double](repeating: 0, count: n * n)
        var rhs = [Double](repeating: 0, count: n)
        func stamp(_ p: Int, _ q: Int, _ y: Double) { m[p * n + p] += y; m[q * n + q] += y; m[p * n + q] -= y; m[q * n + p] -= y }
        let gw = 1 / a.wireResistance, gd = 1 / a.driverResistance, gs = 1 / a.senseResistance
        for i in 0..<r {
            m[w(i, 0) * n + w(i, 0)] += gd; rhs[w(i, 0)] += gd * v[i]
            for j in 0..<(c - 1) { stamp(w(i, j), w(i, j + 1), gw) }
        }
        for j in 0..<c {
            for i in 0..<(r - 1) { stamp(b(i, j), b(i + 1, j), gw) }
            m[b(r - 1, j) * n + b(r - 1, j)] += gs
        }
        for i in 0..<r { for j in 0..<c { stamp(w(i, j), b(i, j), g[i * c + j]) } }
        guard let l = DenseLinearAlgebra.cholesky(m, size: n) else { return [] }
        let x = DenseLinearAlgebra.choleskySolve(l, size: n, rhs)
        return (0..<c).map { x[b(r - 1, $0)] * gs }
    }

    @Test("column currents equal an independent nodal solve", arguments: [(4, 3), (8, 8), (12, 7)])
    func nodal(_ shape: (Int, Int)) throws {
        let (g, v) = Self.randomArray(shape.0, shape.1, seed: UInt64(shape.0 * 31 + shape.1))
        var a = CrossbarArray(rows: shape.0, columns: shape.1, cells: .conductances(g))
        a.wireResistance = 5; a.driverResistance = 20; a.senseResistance = 10
        let read = try a.read(inputs: v)
        let reference = Self.nodalSolve(a, g, v)
        #expect(reference.count == shape.1)
        for j in 0..<shape.1 {
            #expect(abs(read.currents[j] - reference[j]) <= 1e-9 * abs(reference[j]), "column \(j): \(read.currents[j]) vs \(reference[j])")
        }
    }

    @Test("without wire resistance the read is the ideal vector-matrix product")
    func ideal() throws {
        let (g, v) = Self.randomArray(16, 16, seed: 3)
        var a = CrossbarArray(rows: 16, columns: 16, cells: .conductances(g))
        a.wireResistance = 0; a.driverResistance = 0; a.senseResistance = 1e-6
        let read = try a.read(inputs: v)
        #expect(read.rmsRelativeError < 1e-6, "rms error \(read.rmsRelativeError)")
    }

    @Test("the emitted netlist gives the same currents through the netlist path")
    func emitted() throws {
        let (g, v) = Self.randomArray(6, 5, seed: 9)
        let a = CrossbarArray(rows: 6, columns: 5, cells: .conductances(g))
        let read = try a.read(inputs: v)
        let run = try NetlistRun.run(text: a.netlist(inputs: v))
        let plot = try #require(run.outcome.plots.first)
        for j in 0..<5 {
            let i = try #require(plot.vector("i(vsense\(j))")?.real.first)
            #expect(abs(i - read.currents[j]) <= 1e-9 * abs(read.currents[j]))
        }
    }

    @Test("a memristor array reads through the same network")
    func memristive() throws {
        let model = try MemristorModel.from(["level": 1, "ron": 1e4, "roff": 1e5], at: .commandLine)
        let a = CrossbarArray(rows: 4, columns: 4, cells: .memristors(model, initialStates: (0..<16).map { Double($0) / 16 }))
        let read = try a.read(inputs: [0.1, 0.1, 0.1, 0.1])
        #expect(read.currents.allSatisfy { $0 > 0 })
        #expect(read.rmsRelativeError < 0.01)
    }
}
