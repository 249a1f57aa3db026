import Foundation
import Testing
@testable import Lithic
@testable import Analyses
import Electrochem
import LithicCore

/// The cycler (`.experiment`): protocol parsing, limits located in time, charge bookkeeping.
@Suite("cycler")
struct CyclerTests {
    static let curve = OCVCurve.nmc811(yEmpty: 0.8540, yFull: 0.2638)

    /// SOC where U(SOC) + I·R = v, by bisection on the monotone curve.
    static func soc(where v: Double, current: Double, resistance: Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<80 {
            let mid = 0.5 * (lo + hi)
            if curve.voltage(soc: mid).0 + current * resistance < v { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    @Test("CC charge stops on its voltage limit; the charge passed is the analytic SOC change")
    func constantCurrentLimit() throws {
        let run = try simulate("""
        t
        YOCV b1 p1 0 cell soc0=0.2
        .model cell ocv (curve=1 capacity=2)
        R0 p1 p 0.05
        .experiment p 0 "Charge at 0.5C until 4.1 V" capacity=2
        .end
        """)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let charged = try #require(cycles.vectors.first { $0.name == "charge_capacity_ah" }?.real.first)
        let target = Self.soc(where: 4.1, current: 1, resistance: 0.05)
        // The limit is located to 1e-4 V; dU/dSOC ≥ 0.3 V here, so SOC is right to 3.3e-4 (× 2 Ah).
        #expect(abs(charged - (target - 0.2) * 2) < 7e-4, "charged \(charged) Ah, analytic \((target - 0.2) * 2) Ah")
        let trace = try #require(run.outcome.plots.first { $0.kind == "cycler" })
        let v = try #require(trace.vectors.first { $0.name == "v(p)" }?.real.last)
        #expect(abs(v - 4.1) <= 1e-4)
    }

    @Test("CC-CV cycles: the hold ends at C/20, charge is conserved, coulombic efficiency is 1 for a lossless cell")
    func cccv() throws {
        let run = try simulate("""
        t
        YOCV b1 p1 0 cell soc0=0.5
        .model cell ocv (curve=1 capacity=1)
        R0 p1 p2 0.03
        R1 p2 p 0.02
        C1 p2 p 500
        .experiment p 0 "Charge at 1C until 4.1 V" "Hold at 4.1 V until C/20" "Rest for 10 minutes" "Discharge at 2 W until 3.7 V" "Rest for 10 minutes" capacity=1 repeat=3
        .meas cycles q3 find discharge_capacity_ah at=3
        .end
        """)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        func column(_ n: String) throws -> [Double] { try #require(cycles.vectors.first { $0.name == n }?.real) }
        let qc = try column("charge_capacity_ah"), qd = try column("discharge_capacity_ah"), soc = try column("soc(yb1)")
        #expect(qc.count == 3)
        // SOC is charge: its change over the run equals the net charge passed (Ah with Q = 1 Ah).
        #expect(abs((soc[2] - 0.5) - (qc.reduce(0, +) - qd.reduce(0, +))) < 1e-6)
        for k in 1..<3 { #expect(abs(qd[k] / qc[k] - 1) < 2e-3, "CE cycle \(k + 1)") }
        let q3 = try #require(run.measures.first { $0.name == "q3" }?.value)
        #expect(abs(q3 - qd[2]) < 1e-12)
        // The hold ends when |I| falls to C/20 = 50 mA (within the 0.1 % event tolerance).
        let trace = try #require(run.outcome.plots.first { $0.kind == "cycler" })
        let i = try #require(trace.vectors.first { $0.name == "i(cycler)" }?.real)
        let v = try #require(trace.vectors.first { $0.name == "v(p)" }?.real)
        var holdEnds: [Double] = []
        for k in 1..<i.count where abs(v[k - 1] - 4.1) < 1e-9 && abs(i[k]) < 1e-12 { holdEnds.append(i[k - 1]) }
        #expect(holdEnds.count == 3)
        for e in holdEnds { #expect(abs(e - 0.05) < 0.05 * 1e-3 + 1e-9, "hold ended at \(e) A") }
        // Constant power on discharge: I·V = −2 W at every point, to Newton's RELTOL = 1e-3.
        for k in i.indices where i[k] < -0.1 && abs(i[k] * v[k] + 2) > 2e-3 { Issue.record("power \(i[k] * v[k]) W at point \(k)"); break }
    }

    @Test("{expr} in steps and settings takes the netlist's parameters")
    func parameters() throws {
        let run = try simulate("""
        t
        .param rate=0.5 cap=2 lim=4.1
        YOCV b p1 0 m soc0=0.3
        .model m ocv (capacity=2)
        R0 p1 p 0.05
        .experiment p 0 "Charge at {rate}C until {lim} V" "Discharge at {rate*2}C for {10*60} s" capacity={cap}
        .end
        """)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let qd = try #require(cycles.vectors.first { $0.name == "discharge_capacity_ah" }?.real.first)
        #expect(abs(qd - 2.0 * 600 / 3600) < 1e-9)  // 1C of 2 Ah for 600 s
        let trace = try #require(run.outcome.plots.first { $0.kind == "cycler" })
        let v = try #require(trace.vectors.first { $0.name == "v(p)" }?.real)
        #expect(abs((v.max() ?? 0) - 4.1) <= 1e-4)
    }

    @Test("bad protocol steps are input errors naming the step", arguments: [
        "\"Charge at 1C until 4.1 V\"", "\"Charge at 1 A\"", "\"Rest\"", "\"Jump at 1 A for 1 s\"",
        "\"Charge at 1 A until 4 parsecs\"", "\"Hold at 1 A until 4 V\" capacity=1", "\"Charge at 1 A for 1 s\" repeat=1.5",
        "\"Discharge at -1 A for 1 s\"", "\"Charge at 1 A for 0 s\"",
    ])
    func badSteps(_ steps: String) {
        #expect(throws: InputError.self) {
            try NetlistRun.run(text: "t\nYOCV b p 0 m\n.model m ocv (capacity=1)\nR1 p 0 10\n.experiment p 0 \(steps)\n.end\n")
        }
    }
}

/// The cycling example against PyBaMM's Thevenin ECM (scripts/peer-pybamm.py, PyBaMM 26.10, same
/// cell and protocol): its discharge capacity per cycle is 0.7284333879 Ah from cycle 2 on.
@Suite("cycling example")
struct CyclingExampleTests {
    @Test("discharge capacity matches PyBaMM's Thevenin ECM; retention and CE are measurable")
    func matchesPyBaMM() throws {
        let text = try String(contentsOf: Repository.examples.appendingPathComponent("cycling/cccv.cir"), encoding: .utf8)
            .replacingOccurrences(of: "repeat=2400", with: "repeat=3").replacingOccurrences(of: "at=2400", with: "at=3")
        let run = try simulate(text)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let q = try #require(cycles.vectors.first { $0.name == "discharge_capacity_ah" }?.real.last)
        // Both tools stop the discharge on 3.65 V; Lithic locates it to 1e-4 V and dU/dSOC there is
        // ≈ 0.5 V, so SOC (= Ah for 1 Ah) may differ by 2e-4: the tolerance.
        #expect(abs(q - 0.7284333879) < 2e-4, "Lithic \(q) Ah")
        #expect(abs((run.measures.first { $0.name == "retention2400" }?.value ?? 0) - 1) < 1e-4)
        #expect(abs((run.measures.first { $0.name == "ce2400" }?.value ?? 0) - 1) < 1e-3)
    }

    @Test("the one-line SSB library cell cycles and reports its interface states")
    func ssbCell() throws {
        let path = Repository.examples.appendingPathComponent("cycling/ssb-cell.cir").path
        let (_, circuit) = try NetlistRun.prepare(path: path)
        let run = try NetlistRun.simulate(circuit: circuit)
        #expect(run.outcome.failure == nil)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let names = cycles.vectors.map(\.name)
        for n in ["phi(y.xcell.yanode)", "interphase(y.xcell.yanode)", "filament(y.xcell.yanode)", "soc(y.xcell.ycathode)"] {
            #expect(names.contains(n), "\(n) missing from cycles table")
        }
        let retention = try #require(cycles.vectors.first { $0.name == "retention" }?.real)
        #expect(retention.count == 5)
        // Li inventory follows the charge: over each cycle the Li thickness changes by the net
        // plated charge (4.85 µm per mAh/cm², V_m = 13.0 cm³/mol, 1 cm²) less the new dead Li (1 % allows the
        // filament shunt and double-layer charge, both < 1e-3 of the current at 0.25C).
        let h = try #require(cycles.vectors.first { $0.name == "li(y.xcell.yanode)" }?.real)
        let qc = try #require(cycles.vectors.first { $0.name == "charge_capacity_ah" }?.real)
        let qd = try #require(cycles.vectors.first { $0.name == "discharge_capacity_ah" }?.real)
        let dead = try #require(cycles.vectors.first { $0.name == "dead(y.xcell.yanode)" }?.real)  // C/m²
        for k in 1..<h.count {
            // Net plated charge, less the Li stranded as dead Li in this cycle (C/m² → µm).
            let expected = (qc[k] - qd[k]) * 1000 * 4.85 - (dead[k] - dead[k - 1]) * 1.30e-5 / 96485.33212 * 1e6
            #expect(abs((h[k] - h[k - 1]) - expected) < 0.01 * abs(expected) + 0.01, "cycle \(k + 1): Δh \(h[k] - h[k - 1]) µm, charge says \(expected)")
        }
        // The interface resistance is reported per cycle and rises as contact is lost.
        let rif = try #require(cycles.vectors.first { $0.name == "rif(y.xcell.yanode)" }?.real)
        let phi = try #require(cycles.vectors.first { $0.name == "phi(y.xcell.yanode)" }?.real)
        for k in 1..<rif.count { #expect(rif[k] > rif[k - 1] && phi[k] < phi[k - 1]) }
        // Interphase memory only grows.
        let l = try #require(cycles.vectors.first { $0.name == "interphase(y.xcell.yanode)" }?.real)
        for k in 1..<l.count { #expect(l[k] > l[k - 1]) }
    }
}

/// examples/thin-li: a 10 µm Li foil (2.06 mAh/cm², PHYSICS.md) is the cell's whole inventory.
@Suite("thin Li example")
struct ThinLiTests {
    @Test("discharge stops at Li exhaustion: 2.06 mAh/cm² from 10 µm, with the cathode not yet full")
    func exhaustion() throws {
        let path = Repository.examples.appendingPathComponent("thin-li/thin-li.cir").path
        let (_, circuit) = try NetlistRun.prepare(path: path)
        let run = try NetlistRun.simulate(circuit: circuit)
        #expect(run.outcome.failure == nil)
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let q = try #require(cycles.vectors.first { $0.name == "discharge_capacity_ah" }?.real)
        // 1 cm²: Ah → mAh/cm² is × 1000. 1 % covers dead Li and the h_min left behind (both < 0.5 %).
        #expect(abs(q[0] * 1000 - 2.06) < 0.01 * 2.06, "first discharge \(q[0] * 1000) mAh/cm²")
        for k in 1..<q.count { #expect(q[k] < q[k - 1]) }
        let trace = try #require(run.outcome.plots.first { $0.kind == "cycler" })
        let h = try #require(trace.vectors.first { $0.name == "li(y.xcell.yanode)" }?.real)
        let soc = try #require(trace.vectors.first { $0.name == "soc(y.xcell.ycathode)" }?.real)
        #expect((h.min() ?? 1) < 0.1, "foil exhausted")
        #expect((soc.min() ?? 0) > 0.4, "the cathode still had room (SOC > 0.4 when the foil ran out)")
    }
}

/// examples/ragone (PHYSICS.md T7): anode-free against Li excess over C-rates and cycles.
@Suite("Ragone example")
struct RagoneTests {
    /// Stack mass per cm², mg (PHYSICS.md §8c [E]) with `excess` µm of Li.
    static func massMilligrams(excess: Double) -> Double { 28.6 + 4.9 + 3.2 + 7.1 + 0.0534 * excess }

    /// Discharge energy density (Wh/kg) in cycles 1 and 3 for one Li excess (µm) and C-rate.
    static func energyDensity(excess: Double, rate: String) throws -> (Double, Double) {
        let url = Repository.examples.appendingPathComponent("ragone/ragone.cir")
        let text = try String(contentsOf: url, encoding: .utf8)
            .replacingOccurrences(of: ".param hli=20u rate=1", with: ".param hli=\(max(excess, 0.1))u rate=\(rate)")
        let (_, circuit) = try NetlistRun.prepare(text: text, name: url.path)
        let run = try NetlistRun.simulate(circuit: circuit)
        if let f = run.outcome.failure { throw f }
        let e1 = try #require(run.measures.first { $0.name == "e1" }?.value), e3 = try #require(run.measures.first { $0.name == "e3" }?.value)
        let kg = massMilligrams(excess: max(excess, 0.1)) * 1e-6
        // The netlist's own `.meas … param=` (which reads `.param mass_mg`) must agree.
        let w1 = try #require(run.measures.first { $0.name == "whkg1" }?.value)
        #expect(abs(w1 - e1 / kg) < 1e-9 * w1)
        return (e1 / kg, e3 / kg)
    }

    @Test("anode-free wins at low rate, Li excess at high rate, and the crossover falls with cycle number (T7)")
    func crossover() throws {
        let free02 = try Self.energyDensity(excess: 0, rate: "0.2"), excess02 = try Self.energyDensity(excess: 20, rate: "0.2")
        let free1 = try Self.energyDensity(excess: 0, rate: "1"), excess1 = try Self.energyDensity(excess: 20, rate: "1")
        #expect(free02.0 > excess02.0, "cycle 1 at 0.2C: anode-free \(free02.0) vs 20 µm \(excess02.0) Wh/kg")
        #expect(excess1.0 > free1.0, "cycle 1 at 1C: 20 µm \(excess1.0) vs anode-free \(free1.0) Wh/kg")
        // By cycle 3 the Li buffer already pays at 0.2C: the crossover rate has fallen below it.
        #expect(excess02.1 > free02.1, "cycle 3 at 0.2C: 20 µm \(excess02.1) vs anode-free \(free02.1) Wh/kg")
    }
}

@Suite("cycler checkpoints")
struct CyclerResumeTests {
    @Test("a run resumed from its checkpoint gives the same cycles as one straight run")
    func resume() throws {
        let text = try String(contentsOf: Repository.examples.appendingPathComponent("cycling/cccv.cir"), encoding: .utf8)
        func netlist(_ n: Int) -> String {
            text.replacingOccurrences(of: "repeat=2400", with: "repeat=\(n)").replacingOccurrences(of: "at=2400", with: "at=\(n)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-resume-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stem = directory.appendingPathComponent("cycler").path
        let straight = try NetlistRun.simulate(circuit: NetlistRun.prepare(text: netlist(4)).1)
        _ = try NetlistRun.simulate(circuit: NetlistRun.prepare(text: netlist(2)).1, checkpointStem: stem)
        #expect(FileManager.default.fileExists(atPath: stem + ".checkpoint.json"))
        let resumed = try NetlistRun.simulate(circuit: NetlistRun.prepare(text: netlist(4)).1, checkpointStem: stem, resume: true)
        let a = try #require(straight.outcome.plots.first { $0.kind == "cycles" }), b = try #require(resumed.outcome.plots.first { $0.kind == "cycles" })
        #expect(a.points == 4 && b.points == 4)
        for (u, v) in zip(a.vectors, b.vectors) where u.name != "time_steps" {
            for (x, y) in zip(u.real, v.real) { #expect(abs(x - y) <= 1e-9 * max(1, abs(x)), "\(u.name): \(x) vs \(y)") }
        }
        // A damaged checkpoint (edited cycle count) is an input error, not a crash.
        let path = stem + ".checkpoint.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var damaged = try JSONDecoder().decode(CyclerCheckpoint.self, from: original)
        damaged.completedCycles = Int.max
        try JSONEncoder().encode(damaged).write(to: URL(fileURLWithPath: path))
        #expect(throws: InputError.self) { try NetlistRun.simulate(circuit: NetlistRun.prepare(text: netlist(4)).1, checkpointStem: stem, resume: true) }
        try original.write(to: URL(fileURLWithPath: path))
        // A checkpoint from another protocol is refused.
        let other = netlist(4).replacingOccurrences(of: "until 3.65 V", with: "until 3.7 V")
        #expect(throws: InputError.self) { try NetlistRun.simulate(circuit: NetlistRun.prepare(text: other).1, checkpointStem: stem, resume: true) }
    }
}
