import Foundation
import Testing
@testable import Lithic

/// Bad input must give an InputError naming the place, never a crash, trap or hang; numerically
/// impossible circuits give a SimulationError naming the culprit.
@Suite("robustness")
struct RobustnessTests {
    static let badNetlists: [(String, String)] = [
        ("missing node", "t\nR1 a\n.op\n"),
        ("unknown element", "t\nQ1 a b c qmod\n.op\n"),
        ("unknown model", "t\nD1 a 0 nomodel\nV1 a 0 1\n.op\n"),
        ("wrong model type", "t\n.model m sw\nD1 a 0 m\nV1 a 0 1\n.op\n"),
        ("bad number", "t\nR1 a 0 1x2\nV1 a 0 1\n.op\n"),
        ("unbalanced parenthesis", "t\nR1 a 0 {(1+2}\nV1 a 0 1\n.op\n"),
        ("unbalanced brace", "t\nR1 a 0 {1+2\nV1 a 0 1\n.op\n"),
        ("undefined parameter", "t\nR1 a 0 {nope}\nV1 a 0 1\n.op\n"),
        ("cyclic parameters", "t\n.param a={b} b={a}\nR1 x 0 {a}\nV1 x 0 1\n.op\n"),
        ("division by zero", "t\n.param z=0\nR1 x 0 {1/z}\nV1 x 0 1\n.op\n"),
        ("recursive subcircuit", "t\n.subckt s a\nX1 a s\n.ends\nX1 n s\nV1 n 0 1\n.op\n"),
        ("unclosed subcircuit", "t\n.subckt s a\nR1 a 0 1\n.op\n"),
        ("ends without subckt", "t\n.ends\n.op\n"),
        ("wrong pin count", "t\n.subckt s a b\nR1 a b 1\n.ends\nX1 n s\nV1 n 0 1\n.op\n"),
        ("unknown subcircuit", "t\nX1 a b nosuch\n.op\n"),
        ("missing include", "t\n.include /nonexistent/file.inc\n.op\n"),
        ("unknown dot card", "t\n.frobnicate\n.op\n"),
        ("zero resistance", "t\nR1 a 0 0\nV1 a 0 1\n.op\n"),
        ("negative tran stop", "t\nR1 a 0 1\nV1 a 0 1\n.tran 1u -1\n"),
        ("bad ac", "t\nR1 a 0 1\nV1 a 0 AC 1\n.ac dec 10 0 1k\n"),
        ("duplicate device", "t\nR1 a 0 1\nR1 a 0 2\nV1 a 0 1\n.op\n"),
        ("bad switch model", "t\n.model m sw (ron=-1)\nS1 a 0 c 0 m\nV1 a 0 1\nV2 c 0 1\n.op\n"),
        ("empty B expression", "t\nB1 a 0 V=\n.op\n"),
        ("bad option", "t\n.options reltol=-1\nR1 a 0 1\nV1 a 0 1\n.op\n"),
        ("negative krylov ratio", "t\n.options krylov=-1\nR1 a 0 1\nV1 a 0 1\n.op\n"),
        ("NaN value", "t\nR1 a 0 {sqrt(-1)*0/0}\nV1 a 0 1\n.op\n"),
        ("continuation first", "t\n+ R1 a 0 1\n.op\n"),
        ("unclosed control", "t\n.control\nrun\n.op\n"),
        ("dc sweep with absurd point count (found by the fuzzer)", "t\nV1 a 0 1\nR1 a 0 1\n.dc V1 -2 1 q\n"),
        ("measure count NaN", "t\nV1 a 0 SIN(0 1 1k)\nR1 a 0 1\n.tran 10u 1m\n.meas tran x WHEN v(a)=0 RISE={0/0}\n"),
        ("memristor level beyond Int's range (found by the fuzzer: Int(2e48) trapped)",
         "t\nV1 a 0 1\nYMEMRISTOR m1 a 0 m\n.model m memristor level=2e48\n.op\n"),
        ("memristor window code beyond Int's range", "t\nV1 a 0 1\nYMEMRISTOR m1 a 0 m\n.model m memristor level=1 wt=1e300\n.op\n"),
        ("memristor window exponent beyond Int's range", "t\nV1 a 0 1\nYMEMRISTOR m1 a 0 m\n.model m memristor level=1 p=1e300\n.op\n"),
        ("negative flicker-noise coefficient", "t\n.model dn d kf=-1\nD1 a 0 dn\nV1 a 0 0.6\n.op\n"),
        // Level 3 now runs through OSDI (OSDITests); a level with neither a built-in nor an OSDI model:
        ("MOSFET level 73 model", "t\n.model n nmos level=73 vto=1\nM1 d g 0 0 n\nV1 d 0 1\nV2 g 0 1\n.op\n"),
        ("MOSFET with a diode model", "t\n.model n d\nM1 d g 0 0 n\nV1 d 0 1\nV2 g 0 1\n.op\n"),
        ("MOSFET missing bulk", "t\n.model n nmos\nM1 d g 0 n\nV1 d 0 1\n.op\n"),
        ("MOSFET zero width", "t\n.model n nmos\nM1 d g 0 0 n W=0\nV1 d 0 1\nV2 g 0 1\n.op\n"),
        ("MOSFET bad grading", "t\n.model n nmos mj=1.5\nM1 d g 0 0 n\nV1 d 0 1\nV2 g 0 1\n.op\n"),
        ("BJT with a MOSFET model", "t\n.model n nmos\nQ1 c b 0 n\nV1 c 0 1\nV2 b 0 1\n.op\n"),
        ("BJT level 4", "t\n.model q npn level=4\nQ1 c b 0 q\nV1 c 0 1\nV2 b 0 1\n.op\n"),
        ("BJT negative beta", "t\n.model q npn bf=-5\nQ1 c b 0 q\nV1 c 0 1\nV2 b 0 1\n.op\n"),
        ("BJT zero area", "t\n.model q npn\nQ1 c b 0 q 0\nV1 c 0 1\nV2 b 0 1\n.op\n"),
        ("BJT missing emitter", "t\n.model q npn\nQ1 c b q\nV1 c 0 1\n.op\n"),
        ("POLY(0)", "t\nE1 a 0 POLY(0) 1\nR1 a 0 1\n.op\n"),
        ("POLY without coefficients", "t\nV1 c 0 1\nE1 a 0 POLY(2) (c,0) (c,0)\nR1 a 0 1\n.op\n"),
        ("POLY count not a number", "t\nV1 c 0 1\nG1 a 0 POLY(x) c 0 1 2\nR1 a 0 1\n.op\n"),
        ("TABLE without braces", "t\nV1 c 0 1\nE1 a 0 TABLE v(c) = (0,0) (1,1)\nR1 a 0 1\n.op\n"),
        ("TABLE odd numbers", "t\nV1 c 0 1\nE1 a 0 TABLE {v(c)} = (0,0) (1)\nR1 a 0 1\n.op\n"),
        ("TABLE decreasing x", "t\nV1 c 0 1\nG1 a 0 TABLE {v(c)} = (1,0) (0,1)\nR1 a 0 1\n.op\n"),
        (".four with zero frequency", "t\nV1 a 0 SIN(0 1 1k)\nR1 a 0 1\n.tran 10u 2m\n.four 0 v(a)\n"),
        (".four without vectors", "t\nV1 a 0 SIN(0 1 1k)\nR1 a 0 1\n.tran 10u 2m\n.four 1k\n"),
        ("JFET with a BJT model", "t\n.model q npn\nJ1 d g 0 q\nV1 d 0 1\n.op\n"),
        ("JFET PB equal to VTO", "t\n.model j njf vto=1 pb=1\nJ1 d g 0 j\nV1 d 0 1\nV2 g 0 0\n.op\n"),
        ("JFET negative beta", "t\n.model j njf beta=-1\nJ1 d g 0 j\nV1 d 0 1\nV2 g 0 0\n.op\n"),
        (".tf without input", "t\nV1 a 0 1\nR1 a 0 1\n.tf v(a)\n"),
        (".tf with a resistor as input", "t\nV1 a 0 1\nR1 a 0 1\n.tf v(a) r1\n"),
        (".noise without sweep", "t\nV1 a 0 DC 0 AC 1\nR1 a b 1k\nR2 b 0 1k\n.noise v(b) V1\n"),
        (".noise of a current", "t\nV1 a 0 DC 0 AC 1\nR1 a 0 1k\n.noise i(v1) V1 dec 10 1 1k\n"),
        (".noise bad input", "t\nV1 a 0 DC 0 AC 1\nR1 a b 1k\nR2 b 0 1k\n.noise v(b) r1 dec 10 1 1k\n"),
        ("subcircuit m=0", "t\n.subckt s a b\nR1 a b 1k\n.ends\nV1 a 0 1\nX1 a 0 s m=0\n.op\n"),
        ("T line without Z0", "t\nV1 a 0 1\nT1 a 0 b 0 TD=1n\nR1 b 0 50\n.op\n"),
        ("T line without delay", "t\nV1 a 0 1\nT1 a 0 b 0 Z0=50\nR1 b 0 50\n.op\n"),
        ("T line negative delay", "t\nV1 a 0 1\nT1 a 0 b 0 Z0=50 TD=-1n\nR1 b 0 50\n.op\n"),
        (".noise empty output", "t\nV1 a 0 DC 0 AC 1\nR1 a 0 1k\n.noise v() V1 dec 10 1 1k\n"),
        (".tf empty output", "t\nV1 a 0 1\nR1 a 0 1k\n.tf v() V1\n"),
        (".tf comma output", "t\nV1 a 0 1\nR1 a 0 1k\n.tf v(,) V1\n"),
        ("deep subckt nesting", "t\n" + String(repeating: ".subckt s a\n", count: 500) + ".op\n"),
        ("huge line", "t\nR1 a 0 " + String(repeating: "9", count: 200_000) + "x\n.op\n"),
        ("deep expression", "t\nR1 a 0 {" + String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000) + "}\n.op\n"),
    ]

    @Test("malformed netlists are input errors with a location", arguments: RobustnessTests.badNetlists.map(\.0))
    func inputErrors(_ name: String) {
        let text = Self.badNetlists.first { $0.0 == name }?.1 ?? ""
        do {
            _ = try NetlistRun.run(text: text, name: "bad.cir")
            Issue.record("\(name): no error")
        } catch let e as InputError {
            #expect(e.location.file == "bad.cir" || e.location.file.hasPrefix("/nonexistent") || name == "missing include", "\(e)")
            #expect(e.location.line >= 1, "\(name): \(e)")
        } catch {
            Issue.record("\(name): expected an input error, got \(error)")
        }
    }

    @Test("include loops are reported")
    func includeLoop() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-loop-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "* a\n.include b.inc\n".write(to: dir.appendingPathComponent("a.inc"), atomically: true, encoding: .utf8)
        try "* b\n.include a.inc\n".write(to: dir.appendingPathComponent("b.inc"), atomically: true, encoding: .utf8)
        try "loop\n.include a.inc\n.op\n".write(to: dir.appendingPathComponent("top.cir"), atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try NetlistRun.prepare(path: dir.appendingPathComponent("top.cir").path) }
    }

    @Test("binary garbage never crashes the reader")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var reader = SourceReader(readFile: { _ in nil })
            if let (_, cards) = try? reader.readTopLevel(bytes: bytes, name: "g.cir") {
                var w: [Warning] = []
                if let s = try? NetlistParser.parseCards(cards, warnings: &w) {
                    _ = try? Elaborator.elaborate(SyntaxTree(title: "", statements: s, warnings: w))
                }
            }
        }
    }

    @Test("error messages carry file, line and column")
    func messageLocation() {
        do {
            _ = try NetlistRun.run(text: "title\nV1 a 0 1\nR1 a 0 {1 + undefined_thing}\n.op\n", name: "x.cir")
        } catch let e as InputError {
            #expect(e.location.line == 3)
            #expect(e.location.column > 1)
            #expect(e.description.hasPrefix("x.cir:3:"))
            #expect(e.description.contains("undefined_thing"))
        } catch {
            Issue.record("wrong error \(error)")
        }
    }

    @Test("a floating node is a simulation failure naming the node")
    func floatingNode() {
        do {
            _ = try NetlistRun.run(text: "t\nV1 a 0 1\nC1 a b 1u\nC2 b c 1u\nR1 c 0 1k\n.op\n")
            Issue.record("no failure")
        } catch let e as SimulationError {
            #expect(e.message.contains("v(b)") || e.message.contains("singular"), "\(e)")
        } catch {
            Issue.record("wrong error \(error)")
        }
    }

    @Test("an island with no connection to ground is an input error naming its nodes and an element's line")
    func islandWithoutGround() throws {
        // Found by the fuzzer: a Li interface and a resistor on an island ran (the operating
        // point's matrix is singular only in exact arithmetic) and then crawled at microsecond
        // steps through a 30-hour transient.
        let island = """
        t
        V1 a 0 1
        R1 a 0 1k
        Rbulk e1 e2 1.1
        YLIINTERFACE cell 5 e2 iface
        .model iface liinterface (pressure=3meg)
        .tran 60 108000
        """
        do {
            _ = try NetlistRun.prepare(text: island)
            Issue.record("no error")
        } catch let e as InputError {
            #expect(e.description.contains("'e1', 'e2', '5'"), "\(e)")
            #expect(e.description.contains(":4:"), "\(e)")
        }
        // An island inside a subcircuit instance is found too; rshunt ties every node to ground.
        let nested = "t\n.subckt s p\nR1 p 0 1\nR2 q r 1\n.ends\nX1 n s\nV1 n 0 1\n.op\n"
        #expect(throws: InputError.self) { try NetlistRun.prepare(text: nested) }
        _ = try NetlistRun.prepare(text: "t\n.options rshunt=1e12\n" + nested.dropFirst(2))
        // Control terminals count as connections (never a false alarm): an E source's output
        // referenced to ground through its control pins only is still simulated.
        _ = try NetlistRun.prepare(text: "t\nV1 a 0 1\nE1 b c a 0 2\nR1 b c 1k\nR2 c a 1k\n.op\n")
    }

    @Test("a loop of voltage sources is a simulation failure")
    func sourceLoop() {
        #expect(throws: SimulationError.self) { try NetlistRun.run(text: "t\nV1 a 0 1\nV2 a 0 2\nR1 a 0 1\n.op\n") }
    }

    @Test("warnings for skipped cards")
    func warnings() throws {
        let (_, circuit) = try NetlistRun.prepare(text: "t\nR1 a 0 1\nV1 a 0 1\n.plot v(a)\n.control\nrun\n.endc\n.op\n")
        #expect(circuit.warnings.count >= 2)
    }
}
