import Foundation
import Testing
@testable import Lithic

@Suite("netlist parser")
struct ParserTests {
    func parse(_ text: String) throws -> SyntaxTree { try NetlistParser.parse(text: text, name: "p.cir") }

    @Test("parse → print → parse is stable on every regression netlist")
    func roundTrip() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.netlists.path).filter { $0.hasSuffix(".cir") }
        #expect(files.count >= 25)
        for f in files {
            let tree = try NetlistParser.parse(path: Repository.netlists.appendingPathComponent(f).path)
            let printed = NetlistPrinter.print(tree)
            let again = try parse(printed)
            let printedAgain = NetlistPrinter.print(again)
            #expect(printed == printedAgain, "\(f) does not print stably")
            #expect(tree.statements.count == again.statements.count, "\(f)")
        }
    }

    @Test("round trip preserves simulation results")
    func roundTripSimulates() throws {
        let path = Repository.netlists.appendingPathComponent("params_expr.cir").path
        let tree = try NetlistParser.parse(path: path)
        let original = try NetlistRun.simulate(circuit: try Elaborator.elaborate(tree))
        let reparsed = try parse(NetlistPrinter.print(tree))
        let copy = try NetlistRun.simulate(circuit: try Elaborator.elaborate(reparsed))
        let a = try #require(original.outcome.plots.first), b = try #require(copy.outcome.plots.first)
        for v in a.vectors { #expect(b.vector(v.name)?.real == v.real) }
    }

    @Test("comments, continuations, CRLF, tabs and case")
    func lexical() throws {
        let tree = try parse("Title * not a comment\r\n* full comment\r\nR1 A\tB 1k ; tail\r\n+ m=2 $ dollar\r\nC1 b 0 1u // slashes\r\n.OP\r\n")
        #expect(tree.title == "Title * not a comment")
        #expect(tree.statements.count == 3)
        guard case .element(let r) = tree.statements[0] else { Issue.record("not an element"); return }
        #expect(r.name == "r1")
        #expect(r.tokens.map(\.text) == ["a", "b", "1k", "m", "=", "2"])
        #expect(r.tokens[4].location.line == 4)
    }

    @Test("subcircuits nest and keep their parameters")
    func subcircuits() throws {
        let tree = try parse("t\n.subckt outer a b params: x=1 y={x*2}\n.subckt inner c\nR1 c 0 1\n.ends inner\nX1 a inner\n.ends outer\n")
        guard case .subcircuit(let d) = tree.statements[0] else { Issue.record("no subckt"); return }
        #expect(d.name == "outer")
        #expect(d.ports == ["a", "b"])
        #expect(d.parameters.map(\.name) == ["x", "y"])
        #expect(d.body.count == 2)
    }

    @Test("unbraced parameter expressions with blanks")
    func unbraced() throws {
        let run = try NetlistRun.run(text: "t\n.param a = 2 * 3 b = a + 1\nI1 0 n 1\nR1 n 0 {b}\n.op\n")
        #expect(run.outcome.plots.first?.vector("v(n)")?.real.first == 7)
    }

    @Test("a .lib section is selected from its file")
    func libSections() throws {
        let path = Repository.netlists.appendingPathComponent("include_lib.cir").path
        let (_, circuit) = try NetlistRun.prepare(path: path)
        #expect(circuit.nodeNames.contains("x1.m"))
    }

    @Test("forms found in ngspice's own netlists: option flags after values, version labels, .ends names, quoted values")
    func ngspiceForms() throws {
        // `.options vntol=10n noacct`: the flag is not part of the value.
        let (_, a) = try NetlistRun.prepare(text: "t\n.options abstol=10n vntol=10n noacct list node\nV1 1 0 DC=1\nR1 1 0 1k\n.op\n")
        #expect(a.options.vntol == 10e-9 && a.options.abstol == 10e-9)
        // A BSIM card's `version=3.3.0` is a label: level 49 runs through the OSDI BSIM3 (installed
        // by scripts/peer-vacask.sh), and a level with neither a built-in nor an OSDI model is an
        // error about the level, not about the label.
        let bsim3 = try NetlistRun.run(text: "t\nM1 d g 0 0 nch w=1u l=1u\nV1 d 0 1\nV2 g 0 1\n.model nch nmos level=49 version=3.3.0\n.op\n")
        // ngspice 39's built-in BSIM3 on this card (all defaults): i(v1) = -1.01000e-12.
        let id = bsim3.outcome.plots.first?.vector("i(v1)")?.real.first ?? 0
        #expect(abs(id / -1.01000e-12 - 1) < 1e-4, "BSIM3 i(v1) = \(id)")
        do {
            _ = try NetlistRun.prepare(text: "t\nM1 d g 0 0 nch w=1u l=1u\nV1 d 0 1\nV2 g 0 1\n.model nch nmos level=73 version=3.3.0\n.op\n")
            Issue.record("level 73 accepted")
        } catch let e as InputError {
            #expect("\(e)".contains("level 73"), "\(e)")
        }
        // `.ends` with another name closes the open definition, with a warning.
        let (_, b) = try NetlistRun.prepare(text: "t\n.subckt half p n\nR1 p n 1k\n.ends other\nX1 a 0 half\nV1 a 0 1\n.op\n")
        #expect(b.warnings.contains { "\($0)".contains("closes .subckt 'half'") })
        // A quoted value's own error is reported (not "unexpected" text).
        #expect { _ = try NetlistRun.prepare(text: "t\nV1 a 0 'nosuch(2)'\nR1 a 0 1\n.op\n") } throws: { "\($0)".contains("unknown function 'nosuch'") }
        // Resistor models: a model name where the value goes; a missing model is an undefined name.
        let run = try NetlistRun.run(text: "t\n.model rm r (r=2k)\nV1 a 0 1\nR1 a 0 rm\n.op\n")
        #expect(abs((run.outcome.plots.first?.vector("i(v1)")?.real.first ?? 0) + 0.5e-3) < 1e-12)
        #expect(throws: InputError.self) { _ = try NetlistRun.prepare(text: "t\nV1 a 0 1\nR1 a 0 nomodel\n.op\n") }
        // Model binning (name.1, name.2 chosen by LMIN/LMAX/WMIN/WMAX) and `.options scale` for
        // geometry in µm: bin 1 (VTO 0.5) for L = 1 µm, bin 2 (VTO 0.7) for L = 5 µm; square law
        // Id = KP/2·W/L·(Vgs − VTO)² with W = 10 µm.
        let binned = try NetlistRun.run(text: """
            t
            .options scale=1u
            .model nb.1 nmos (level=1 vto=0.5 kp=100u lmin=0 lmax=2u)
            .model nb.2 nmos (level=1 vto=0.7 kp=100u lmin=2u lmax=100u)
            M1 d g 0 0 nb l=1 w=10
            M2 d2 g 0 0 nb l=5 w=10
            V1 g 0 1
            Vd d 0 1
            Vd2 d2 0 1
            .op
            """)
        let id1 = -(binned.outcome.plots.first?.vector("i(vd)")?.real.first ?? 0)
        let id2 = -(binned.outcome.plots.first?.vector("i(vd2)")?.real.first ?? 0)
        #expect(abs(id1 / (50e-6 * 10 * 0.25) - 1) < 1e-6 && abs(id2 / (50e-6 * 2 * 0.09) - 1) < 1e-6, "\(id1), \(id2)")
        #expect { _ = try NetlistRun.prepare(text: "t\n.model nb.1 nmos (level=1 lmax=2u)\nM1 d g 0 0 nb l=5u w=1u\nV1 d 0 1\nV2 g 0 1\n.op\n") } throws: {
            "\($0)".contains("no bin of model 'nb'")
        }
        // Analysis and meas commands of a .control block run when the netlist has no analysis card…
        let control = try NetlistRun.run(text: "t\nV1 a 0 PULSE(0 2 1u 1u 1u 1 2)\nR1 a 0 1k\n.control\nset x = 1\nop\ntran 0.1u 5u\nmeas tran va FIND v(a) AT=4u\nplot v(a)\n.endc\n")
        #expect(control.outcome.plots.map(\.kind) == ["op", "tran"])
        #expect(control.measures.first?.value == 2)
        #expect(control.circuit.warnings.contains { "\($0)".contains("taken from the .control block") })
        // …and not when it has one.
        let both = try NetlistRun.run(text: "t\nV1 a 0 1\nR1 a 0 1k\n.op\n.control\ntran 1u 5u\n.endc\n")
        #expect(both.outcome.plots.map(\.kind) == ["op"])
    }

    @Test("device currents by name: .save i(r2) and ngspice's @r1[i], in op, dc and tran; a memristor's current from its state")
    func deviceCurrents() throws {
        let run = try NetlistRun.run(text: "t\nV1 a 0 PWL(0 0 1m 2)\nR1 a b 1k\nR2 b 0 3k\n.save v(b) @r1[i] i(r2)\n.op\n.dc V1 0 2 1\n.tran 0.1m 1m\n")
        for kind in ["dc", "tran"] {
            let plot = try #require(run.outcome.plots.first { $0.kind == kind })
            let vb = try #require(plot.vector("v(b)")).real, i1 = try #require(plot.vector("@r1[i]")).real, i2 = try #require(plot.vector("i(r2)")).real
            for k in vb.indices {
                #expect(abs(i2[k] - vb[k] / 3000) < 1e-15 && abs(i1[k] - vb[k] / 3000) < 1e-15, "\(kind) point \(k)")
            }
        }
        #expect(run.outcome.plots.first { $0.kind == "op" }?.vector("i(r2)") != nil)
        // The linear-drift memristor: i = v / (R_on·x + R_off·(1 − x)).
        let mem = try NetlistRun.run(text: """
            t
            V1 a 0 PWL(0 0 0.25 1 0.75 -1 1.0 0) r=0
            YMEMRISTOR m1 a 0 mm x0=0.1
            .model mm memristor level=1 ron=100 roff=16k d=10n uv=1e-14 p=2 wt=2
            .save v(a) x(ym1) i(ym1)
            .tran 0.0025 1.0 0 0.0025
            """)
        let tran = try #require(mem.outcome.plots.first { $0.kind == "tran" })
        let v = try #require(tran.vector("v(a)")).real, x = try #require(tran.vector("x(ym1)")).real, i = try #require(tran.vector("i(ym1)")).real
        for k in v.indices {
            #expect(abs(i[k] - v[k] / (100 * x[k] + 16000 * (1 - x[k]))) <= 1e-12 * max(abs(i[k]), 1e-9))
        }
    }
}
