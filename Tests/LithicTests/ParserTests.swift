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
}
