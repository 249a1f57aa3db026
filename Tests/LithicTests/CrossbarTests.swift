import Foundation
import Testing
@testable import Lithic

/// Crossbar operations beyond the plain read: memristive transients against ngspice on the
/// emitted netlist, access devices, faults, programming, sneak paths.
@Suite("crossbar operations", .serialized)
struct CrossbarOperationTests {
    /// The 8×8 LLZO array of `netlists/crossbar_8_llzo_emitted.cir`: random filament lengths,
    /// rows pulsed at 0.55–0.9 V for 30 µs, then −0.8 V for 30 µs (SET, then RESET).
    static func llzoArray() throws -> (CrossbarArray, [SourceSpecification]) {
        let model = try MemristorModel.from(["level": 10], at: .commandLine)
        var rng = SplitMix64(seed: 5)
        let states = (0..<64).map { _ in 0.3 + 0.65 * rng.nextUniform() }
        var a = CrossbarArray(rows: 8, columns: 8, cells: .memristors(model, initialStates: states))
        a.wireResistance = 5; a.driverResistance = 10; a.senseResistance = 10
        let inputs = (0..<8).map { i -> SourceSpecification in
            var s = SourceSpecification()
            let v = 0.55 + 0.05 * Double(i)
            s.waveform = .piecewiseLinear(times: [0, 1e-6, 30e-6, 31e-6, 60e-6], values: [0, v, v, -0.8, -0.8], repeatFrom: -1, delay: 0)
            return s
        }
        return (a, inputs)
    }

    static let emittedName = "crossbar_8_llzo_emitted"

    @Test("the emitted memristive netlist in netlists/ is what the emitter writes today")
    func emittedNetlistUpToDate() throws {
        let (a, inputs) = try Self.llzoArray()
        var text = a.netlist(bias: .init(rows: inputs, columns: [Double?](repeating: 0, count: 8), gates: [Double](repeating: 0, count: 8)),
                             analysis: ".options reltol=1e-5\n.tran 0.2u 60u 0 0.02u uic")
        text = text.replacingOccurrences(of: "crossbar 8x8 emitted by lithic crossbar", with: "crossbar 8x8 emitted by lithic crossbar (LLZO twins; regenerate with LITHIC_REGENERATE=1)\n* tolerance: rel=2e-3 abs=2e-7\n* TMAX 20 ns: at 200 ns both simulators were 1.4–2.6 % off the converged RESET edge at 31 µs")
        let url = Repository.netlists.appendingPathComponent("\(Self.emittedName).cir")
        if ProcessInfo.processInfo.environment["LITHIC_REGENERATE"] == "1" { try text.write(to: url, atomically: true, encoding: .utf8) }
        #expect(try String(contentsOf: url, encoding: .utf8) == text, "regenerate with LITHIC_REGENERATE=1 and make goldens")
    }

    @Test("8×8 LLZO array transient: Lithic's built-in devices equal ngspice on the emitted twin netlist (1 % RMS)")
    func memristiveTransientAgainstNgspice() throws {
        let (a, inputs) = try Self.llzoArray()
        let r = try a.transient(inputs: inputs, step: 0.02e-6, stop: 60e-6)
        let golden = try RawFile.read([UInt8](try Data(contentsOf: Repository.netlists.appendingPathComponent("golden/\(Self.emittedName).raw"))), name: Self.emittedName)
        let g = try #require(golden.first)
        let gt = try #require(g.vector("time")).real
        var switched = 0
        for j in 0..<8 {
            let gi = try #require(g.vector("i(vsense\(j))")).real
            var sum = 0.0
            for k in gt.indices { let d = interpolate(r.time, r.currents[j], at: gt[k]) - gi[k]; sum += d * d }
            let rms = (sum / Double(gt.count)).squareRoot()
            let range = (gi.max() ?? 0) - (gi.min() ?? 0)
            #expect(rms <= 0.01 * range, "column \(j): RMS \(rms) A of a \(range) A range")
            if range > 1e-4 { switched += 1 }
        }
        // The comparison means something only if cells actually switched (ON ≈ 1 kΩ carries mA).
        #expect(switched >= 4, "only \(switched) columns carried switched currents")
    }

    @Test("Newton steps by GMRES on a stale factorisation give the direct solver's transient (and still equal ngspice)")
    func krylovTransientMatchesDirect() throws {
        let (a, inputs) = try Self.llzoArray()
        let direct = try a.transient(inputs: inputs, step: 0.02e-6, stop: 60e-6, krylovCostRatio: .infinity)
        let krylov = try a.transient(inputs: inputs, step: 0.02e-6, stop: 60e-6, krylovCostRatio: 0)
        #expect(direct.statistics.krylovSolves == 0)
        #expect(krylov.statistics.krylovSolves > 100, "GMRES was used for \(krylov.statistics.krylovSolves) steps")
        let golden = try RawFile.read([UInt8](try Data(contentsOf: Repository.netlists.appendingPathComponent("golden/\(Self.emittedName).raw"))), name: Self.emittedName)
        let g = try #require(golden.first)
        let gt = try #require(g.vector("time")).real
        for j in 0..<8 {
            let gi = try #require(g.vector("i(vsense\(j))")).real
            let range = (gi.max() ?? 0) - (gi.min() ?? 0)
            var sumGolden = 0.0, sumDirect = 0.0
            for k in gt.indices {
                let ik = interpolate(krylov.time, krylov.currents[j], at: gt[k])
                let d1 = ik - gi[k], d2 = ik - interpolate(direct.time, direct.currents[j], at: gt[k])
                sumGolden += d1 * d1; sumDirect += d2 * d2
            }
            // Both solvers meet the same Newton tolerances; their step sequences may differ by a
            // step, so they agree to the truncation-error level (0.1 % of the range), and the
            // GMRES run equals ngspice to the same 1 % as the direct one.
            #expect((sumDirect / Double(gt.count)).squareRoot() <= 1e-3 * range, "column \(j) against the direct solver")
            #expect((sumGolden / Double(gt.count)).squareRoot() <= 1e-2 * range, "column \(j) against ngspice")
        }
    }

    @Test(".options krylov=0 on the emitted twin netlist: GMRES steps, same currents as the direct solver (0.1 % of range)")
    func krylovOptionOnNetlist() throws {
        let text = try String(contentsOf: Repository.netlists.appendingPathComponent("\(Self.emittedName).cir"), encoding: .utf8)
        let direct = try simulate(text.replacingOccurrences(of: ".options reltol=1e-5", with: ".options reltol=1e-5 krylov=off"))
        let krylov = try simulate(text.replacingOccurrences(of: ".options reltol=1e-5", with: ".options reltol=1e-5 krylov=0"))
        #expect(direct.outcome.statistics.krylovSolves == 0)
        #expect(krylov.outcome.statistics.krylovSolves > 50, "\(krylov.outcome.statistics.krylovSolves) GMRES steps")
        let d = try #require(direct.outcome.plots.first), k = try #require(krylov.outcome.plots.first)
        let td = try #require(d.vector("time")).real, tk = try #require(k.vector("time")).real
        for j in 0..<8 {
            let id = try #require(d.vector("i(vsense\(j))")).real, ik = try #require(k.vector("i(vsense\(j))")).real
            let range = (id.max() ?? 0) - (id.min() ?? 0)
            var sum = 0.0
            for p in td.indices { let e = interpolate(tk, ik, at: td[p]) - id[p]; sum += e * e }
            #expect((sum / Double(td.count)).squareRoot() <= 1e-3 * range + 1e-12, "column \(j)")
        }
    }

    /// The LLZO filament model and 64 target conductances log-uniform in 1–100 µS (an 8×8 array).
    static func llzoTargets(seed: UInt64) throws -> (MemristorModel, [Double]) {
        var rng = SplitMix64(seed: seed)
        return (try MemristorModel.from(["level": 10], at: .commandLine), (0..<64).map { _ in 1e-6 * pow(100, rng.nextUniform()) })
    }

    @Test("write-verify programming of an 8×8 LLZO array: every cell within 5 %, V/3 disturbs less than V/2")
    func programming() throws {
        let (model, targets) = try Self.llzoTargets(seed: 9)
        let start = [Double](repeating: 0.85, count: 64)
        var a = CrossbarArray(rows: 8, columns: 8, cells: .memristors(model, initialStates: start))
        a.wireResistance = 2.5
        var results: [CrossbarArray.WriteScheme: CrossbarArray.ProgrammingResult] = [:]
        for scheme in CrossbarArray.WriteScheme.allCases {
            var s = CrossbarArray.ProgrammingSettings()
            s.scheme = scheme
            s.setVoltage = 0.5; s.resetVoltage = -0.5   // long pulses: the disturb difference shows
            let r = try a.program(targets: targets, settings: s)
            #expect(r.converged.allSatisfy { $0 }, "\(scheme): \(r.converged.filter { !$0 }.count) cells did not converge")
            for k in 0..<64 { #expect(abs(r.verified[k] / targets[k] - 1) <= 0.05 + 1e-9) }
            print("\(scheme): pulses mean \(Double(r.pulses.reduce(0, +)) / 64), max \(r.pulses.max() ?? 0); |disturb| max \(r.disturb.map(abs).max() ?? 0), mean \(r.disturb.map(abs).reduce(0, +) / 64); energy \(r.energy.reduce(0, +)) J; latency \(r.latency.reduce(0, +)) s; OPs \(r.operatingPoints)")
            results[scheme] = r
        }
        let half = try #require(results[.halfBias]), third = try #require(results[.thirdBias])
        let dHalf = half.disturb.map(abs).max() ?? 0, dThird = third.disturb.map(abs).max() ?? 0
        #expect(dThird < dHalf, "V/3 disturb \(dThird) not below V/2 \(dHalf)")
    }

    @Test("write pulses so strong that the shortest pulse overshoots: the amplitude steps down and every cell converges")
    func overshootingPulses() throws {
        // At ±1.5 V the LLZO filament switches in under the 1 ns minimum pulse: with a fixed
        // amplitude write-verify ping-ponged between ON and OFF and 0 of 64 cells converged.
        let (model, targets) = try Self.llzoTargets(seed: 5)
        let a = CrossbarArray(rows: 8, columns: 8, cells: .memristors(model, initialStates: [Double](repeating: 0.6, count: 64)))
        var s = CrossbarArray.ProgrammingSettings()
        s.setVoltage = 1.5; s.resetVoltage = -1.5
        let r = try a.program(targets: targets, settings: s)
        #expect(r.converged.allSatisfy { $0 }, "\(r.converged.filter { !$0 }.count) cells did not converge")
        #expect(r.setAmplitude.contains { $0 < 1 } || r.resetAmplitude.contains { $0 < 1 })
        #expect(r.setAmplitude.allSatisfy { $0 >= s.minimumAmplitudeFraction } && r.resetAmplitude.allSatisfy { $0 >= s.minimumAmplitudeFraction })
        // At the default ±0.8 V nothing overshoots and the amplitudes stay nominal.
        let nominal = try a.program(targets: targets)
        #expect(nominal.setAmplitude.allSatisfy { $0 == 1 } && nominal.resetAmplitude.allSatisfy { $0 == 1 })
    }

    /// An N×N resistive array, every cell ON except cell 0 (OFF).
    static func worstCase(_ n: Int, access: AccessDevice) -> CrossbarArray {
        var g = [Double](repeating: 1e-4, count: n * n)
        g[0] = 1e-6
        var a = CrossbarArray(rows: n, columns: n, cells: .conductances(g))
        a.access = access
        return a
    }

    @Test("sneak paths: floating lines swamp an OFF cell among ON cells; a selector or a 1T1R transistor suppresses them")
    func sneakPaths() throws {
        let plain = try Self.worstCase(8, access: .none).readCell(0, voltage: 1, unselected: .floating)
        // Without access devices the sneak network (ON cells, three in series) carries far more
        // than the 1 µA of the OFF cell itself.
        #expect(plain.apparentConductance > 20e-6, "selector-less apparent G \(plain.apparentConductance)")
        #expect(plain.sneakFraction > 0.9)
        let sel = Selector()
        let withSelector = try Self.worstCase(8, access: .selector(sel)).readCell(0, voltage: 1, unselected: .floating)
        #expect(withSelector.sneakFraction < 0.05, "selector sneak fraction \(withSelector.sneakFraction)")
        #expect(withSelector.apparentConductance < 2e-6, "selector apparent G \(withSelector.apparentConductance)")
        let withTransistor = try Self.worstCase(8, access: .transistor(AccessTransistor())).readCell(0, voltage: 0.2, unselected: .floating)
        #expect(withTransistor.sneakFraction < 0.05, "1T1R sneak fraction \(withTransistor.sneakFraction)")
        // Grounded unselected lines divert the sneak current away from the sense amplifier.
        let grounded = try Self.worstCase(8, access: .none).readCell(0, voltage: 1, unselected: .grounded)
        #expect(abs(grounded.apparentConductance / 1e-6 - 1) < 0.05, "grounded read \(grounded.apparentConductance)")
    }

    static func selectorArray() -> (CrossbarArray, CrossbarArray.Bias) {
        var rng = SplitMix64(seed: 21)
        let g = (0..<30).map { _ in 1e-5 * pow(10, rng.nextUniform()) }
        var a = CrossbarArray(rows: 6, columns: 5, cells: .conductances(g))
        a.access = .selector(Selector())
        a.selectorThresholds = (0..<30).map { _ in 0.35 + 0.1 * rng.nextUniform() }
        let bias = CrossbarArray.Bias(rows: [.constant(1.2), nil, .constant(0.6), .constant(0.6), nil, .constant(0.9)],
                                      columns: [0, 0.6, nil, 0.6, 0], gates: [Double](repeating: 0, count: 6))
        return (a, bias)
    }

    @Test("selector array with floating and biased lines equals ngspice on the emitted netlist (0.1 %)")
    func selectorAgainstNgspice() throws {
        let (a, bias) = Self.selectorArray()
        let text = a.netlist(bias: bias, analysis: ".op").replacingOccurrences(of: "lithic crossbar", with: "lithic crossbar (selectors; regenerate with LITHIC_REGENERATE=1)\n* tolerance: rel=1e-6 abs=1e-12")
        let url = Repository.netlists.appendingPathComponent("crossbar_6x5_selector_emitted.cir")
        if ProcessInfo.processInfo.environment["LITHIC_REGENERATE"] == "1" { try text.write(to: url, atomically: true, encoding: .utf8) }
        #expect(try String(contentsOf: url, encoding: .utf8) == text)
        let r = try a.read(bias: bias)
        let golden = try RawFile.read([UInt8](try Data(contentsOf: Repository.netlists.appendingPathComponent("golden/crossbar_6x5_selector_emitted.raw"))), name: "selector")
        let g = try #require(golden.first)
        for j in [0, 1, 3, 4] {
            let ng = try #require(g.vector("i(vsense\(j))")?.real.first)
            #expect(abs(ng - r.currents[j]) <= 1e-3 * abs(ng) + 1e-12, "column \(j): Lithic \(r.currents[j]) A, ngspice \(ng) A")
        }
    }

    @Test("variability: lognormal spread with the requested σ, stuck cells in the requested share, σ = 0 changes nothing")
    func variability() throws {
        let g = [Double](repeating: 1e-5, count: 64 * 64)
        let a = CrossbarArray(rows: 64, columns: 64, cells: .conductances(g))
        var v = Variability(); v.onSigma = 0.2; v.stuckOn = 0.02; v.stuckOff = 0.03; v.seed = 4
        let b = try a.applying(v)
        guard case .conductances(let spread) = b.cells else { Issue.record("cells changed kind"); return }
        let logs = spread.map { log($0 / 1e-5) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let sd = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count - 1)).squareRoot()
        #expect(abs(sd / 0.2 - 1) < 0.05, "σ of ln G = \(sd)")   // 4096 samples: relative SE of σ ≈ 1.1 %
        let on = b.faults.values.filter { $0 == .stuck(conductance: 1e-5 * 1) || true }.count
        let n = Double(64 * 64)
        #expect(abs(Double(on) - 0.05 * n) < 4 * (0.05 * 0.95 * n).squareRoot(), "\(on) stuck cells")
        let same = try a.applying(Variability())
        guard case .conductances(let g0) = same.cells else { return }
        #expect(g0 == g && same.faults.isEmpty)
        // Memristor cells: R_on and R_off spread independently (LLZO: filament and spreading resistance).
        let model = try MemristorModel.from(["level": 10], at: .commandLine)
        var vm = Variability(); vm.onSigma = 0.1; vm.offSigma = 0.3
        let m = try CrossbarArray(rows: 16, columns: 16, cells: .memristors(model, initialStates: [Double](repeating: 0.5, count: 256))).applying(vm)
        let ends = model.stateEnds
        var lnOn: [Double] = [], lnOff: [Double] = []
        for k in 0..<256 {
            let mk = try #require(m.model(at: k))
            lnOn.append(log(model.conductance(state: ends.on) / mk.conductance(state: ends.on)))
            lnOff.append(log(model.conductance(state: ends.off) / mk.conductance(state: ends.off)))
        }
        func sdev(_ x: [Double]) -> Double { let mu = x.reduce(0, +) / Double(x.count); return (x.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(x.count - 1)).squareRoot() }
        #expect(abs(sdev(lnOff) / 0.3 - 1) < 0.2, "σ ln R_off \(sdev(lnOff))")
        #expect(sdev(lnOn) > 0.05 && sdev(lnOn) < 0.15, "σ ln R_on \(sdev(lnOn))")
    }

    /// The top-left 16×16 block of examples/crossbar-vmm/weights.csv mapped onto [1, 100] µS.
    static func exampleTargets(_ n: Int) throws -> [Double] {
        let text = try String(contentsOf: Repository.examples.appendingPathComponent("crossbar-vmm/weights.csv"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: ",").compactMap { Double($0) } }
        var out: [Double] = []
        for i in 0..<n { for j in 0..<n { out.append(1e-6 + rows[i][j] * 99e-6) } }
        return out
    }

    @Test("crossbar-vmm: a programmed LLZO array multiplies within a few %; the wires' share of the error grows with their resistance")
    func vmmAgainstWireResistance() throws {
        let n = 16
        let targets = try Self.exampleTargets(n)
        let model = try MemristorModel.from(["level": 10], at: .commandLine)
        var total: [Double] = [], wires: [Double] = []
        let inputs = [Double](repeating: 0.1, count: n)
        for rwire in [0.5, 5.0, 20.0] {
            var a = CrossbarArray(rows: n, columns: n, cells: .memristors(model, initialStates: [Double](repeating: 0.85, count: n * n)))
            a.wireResistance = rwire
            let r = try a.program(targets: targets)
            #expect(r.converged.allSatisfy { $0 }, "rwire \(rwire): \(r.converged.filter { !$0 }.count) cells unconverged")
            let programmed = a.withStates(r.finalStates)
            // Against the targets (programming error + disturb + IR drop), and against the
            // conductances actually programmed (IR drop alone).
            total.append(try programmed.vmmError(weights: targets, inputs: inputs).rms)
            wires.append(try programmed.vmmError(weights: r.final, inputs: inputs).rms)
        }
        #expect(total[0] < 0.05, "VMM rms error at 0.5 Ω: \(total[0])")
        #expect(wires[0] < wires[1] && wires[1] < wires[2], "IR-drop errors \(wires)")
        #expect(wires[2] > 0.01, "20 Ω wires should cost more than 1 %: \(wires[2])")
    }

    @Test("1T1R programming: gates cut off the unselected rows, so only the selected row's half-selected cells are disturbed")
    func programmingWithTransistors() throws {
        let (model, targets) = try Self.llzoTargets(seed: 3)
        var plain = CrossbarArray(rows: 8, columns: 8, cells: .memristors(model, initialStates: [Double](repeating: 0.85, count: 64)))
        var gated = plain
        gated.access = .transistor(AccessTransistor())
        plain.access = .none
        var s = CrossbarArray.ProgrammingSettings()
        s.setVoltage = 0.5; s.resetVoltage = -0.5   // long pulses, where V/2 disturb shows
        let a = try plain.program(targets: targets, settings: s), b = try gated.program(targets: targets, settings: s)
        #expect(b.converged.allSatisfy { $0 })
        let dPlain = a.disturb.map(abs).max() ?? 0, dGated = b.disturb.map(abs).max() ?? 0
        let mPlain = a.disturb.map(abs).reduce(0, +) / 64, mGated = b.disturb.map(abs).reduce(0, +) / 64
        print("disturb max/mean: passive \(dPlain)/\(mPlain), 1T1R \(dGated)/\(mGated)")
        // Under V/2 a passive cell is half-selected by the 14 other cells of its row and column;
        // with gates, only by the 7 of its row, so about half the disturb.
        #expect(dGated < dPlain && mGated < 0.7 * mPlain, "1T1R disturb \(dGated)/\(mGated) vs passive \(dPlain)/\(mPlain)")
    }
}
