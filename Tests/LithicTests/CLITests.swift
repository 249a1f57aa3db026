import Foundation
import Testing
@testable import Lithic

/// The built `lithic` binary, run as a user would.
@Suite("command line", .serialized)
struct CLITests {
    func temporary(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-cli-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("run writes CSV, raw, measures and SVG; exit 0")
    func success() throws {
        let dir = try temporary("ok")
        let (status, out, err) = try runProcess(Repository.binary, ["run", Repository.examples.appendingPathComponent("rc-ladder/ladder.cir").path,
                                                                   "-o", dir.path, "--plot", "--raw", dir.appendingPathComponent("all.raw").path])
        #expect(status == 0, "\(err)")
        #expect(out.contains("t50 = "))
        for f in ["tran.csv", "ac.csv", "measures.json", "all.raw", "tran.svg", "ac.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "missing \(f)")
        }
        // The raw file reads back with the same plots.
        let plots = try RawFile.read([UInt8](try Data(contentsOf: dir.appendingPathComponent("all.raw"))), name: "all.raw")
        #expect(plots.map(\.kind) == ["tran", "ac"])
        let svg = try String(contentsOf: dir.appendingPathComponent("tran.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))
    }

    @Test("binary raw output round-trips")
    func binaryRaw() throws {
        let dir = try temporary("bin")
        let net = dir.appendingPathComponent("b.cir")
        try "b\nV1 a 0 SIN(0 1 1k)\nR1 a b 1k\nC1 b 0 1u\n.tran 10u 2m\n.ac dec 5 10 1k\n".write(to: net, atomically: true, encoding: .utf8)
        let (status, _, err) = try runProcess(Repository.binary, ["run", net.path, "-o", dir.path, "--format", "raw", "--binary", "--quiet"])
        #expect(status == 0, "\(err)")
        let plots = try RawFile.read([UInt8](try Data(contentsOf: dir.appendingPathComponent("tran.raw"))), name: "tran.raw")
        #expect(plots.first?.vector("v(b)")?.real.count ?? 0 > 100)
        let ac = try RawFile.read([UInt8](try Data(contentsOf: dir.appendingPathComponent("ac.raw"))), name: "ac.raw")
        #expect(ac.first?.isComplex == true)
    }

    @Test("the binary does not load Foundation or ICU (FoundationEssentials only: 2 MiB less memory per run), and an unwritable output folder is an input error in words")
    func noFoundation() throws {
        let (status, out, _) = try runProcess(URL(fileURLWithPath: "/usr/bin/ldd"), [Repository.binary.path])
        #expect(status == 0)
        #expect(!out.contains("libFoundation.so") && !out.contains("FoundationICU") && !out.contains("FoundationInternationalization"), "\(out)")
        let (code, _, err) = try runProcess(Repository.binary, ["run", Repository.examples.appendingPathComponent("rc-ladder/ladder.cir").path,
                                                                "-o", "/proc/lithic-cannot-write-here", "--quiet"])
        #expect(code == 2)
        #expect(err.contains("No such file or directory") && !err.contains("CocoaError"), "\(err)")
    }

    @Test("input error: exit 2 with file:line:column")
    func inputError() throws {
        let dir = try temporary("bad")
        let net = dir.appendingPathComponent("bad.cir")
        try "bad\nV1 a 0 1\nR1 a 0 {oops}\n.op\n".write(to: net, atomically: true, encoding: .utf8)
        let (status, _, err) = try runProcess(Repository.binary, ["run", net.path, "-o", dir.path])
        #expect(status == 2)
        #expect(err.contains("bad.cir:3:"), "\(err)")
    }

    @Test("missing file and bad option: exit 2")
    func missing() throws {
        let (status, _, _) = try runProcess(Repository.binary, ["run", "/nonexistent.cir"])
        #expect(status == 2)
        let (status2, _, _) = try runProcess(Repository.binary, ["run", "--format", "xml", "x.cir"])
        #expect(status2 == 2)
    }

    @Test("simulation failure: exit 1 naming the analysis")
    func simulationFailure() throws {
        let dir = try temporary("fail")
        let net = dir.appendingPathComponent("loop.cir")
        try "loop\nV1 a 0 1\nV2 a 0 2\n.op\n".write(to: net, atomically: true, encoding: .utf8)
        let (status, _, err) = try runProcess(Repository.binary, ["run", net.path, "-o", dir.path])
        #expect(status == 1)
        #expect(err.contains("op"), "\(err)")
    }
}

@Suite("command line: other subcommands", .serialized)
struct CLISubcommandTests {
    @Test("devices lists the catalog and a type's parameters; unknown types exit 2")
    func devices() throws {
        let (status, out, _) = try runProcess(Repository.binary, ["devices"])
        #expect(status == 0)
        for t in ["memristor", "butlervolmer", "cpe", "wo"] { #expect(out.contains(t)) }
        let (s2, out2, _) = try runProcess(Repository.binary, ["devices", "memristor"])
        #expect(s2 == 0 && out2.contains("level"))
        let (s3, _, _) = try runProcess(Repository.binary, ["devices", "flux-capacitor"])
        #expect(s3 == 2)
    }

    @Test("fit, kk, drt and crossbar run on real inputs")
    func analysis() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-cli-sub-\(getpid())")
        let file = FittingTests.fixtures.appendingPathComponent("Circuit1_EIS_1.z").path
        let (s1, o1, e1) = try runProcess(Repository.binary, ["fit", file, "--circuit", "R0-p(R1,C1)", "--drop-inductive", "-o", dir.path])
        #expect(s1 == 0, "\(e1)")
        #expect(o1.contains("R1"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Circuit1_EIS_1.fit.json").path))
        let (s2, o2, _) = try runProcess(Repository.binary, ["kk", file, "-o", dir.path])
        #expect(s2 == 0 && o2.contains("PASS"))
        let (s3, _, _) = try runProcess(Repository.binary, ["drt", file, "--drop-inductive", "-o", dir.path])
        #expect(s3 == 0)
        let (s4, o4, _) = try runProcess(Repository.binary, ["crossbar", "--rows", "8", "--columns", "8", "-o", dir.path])
        #expect(s4 == 0 && o4.contains("VMM error"))
        let (s5, _, _) = try runProcess(Repository.binary, ["fit", "/nonexistent.csv", "--circuit", "R0", "-o", dir.path])
        #expect(s5 == 2)
        // Benchmark options: an evaluation budget per start, and in-process repeats that must agree.
        let (s6, o6, e6) = try runProcess(Repository.binary, ["fit", file, "--circuit", "R0-p(R1,C1)", "--drop-inductive", "--starts", "1",
                                                             "--max-evaluations", "3", "--time-repeats", "3", "-o", dir.path])
        #expect(s6 == 0, "\(e6)")
        #expect(o6.contains("(3 evaluations)") && o6.contains("NOT converged"))
        #expect(e6.contains("median of 3 fits"))
        let (s7, _, e7) = try runProcess(Repository.binary, ["fit", file, "--circuit", "R0", "--max-evaluations", "0", "-o", dir.path])
        #expect(s7 == 2 && e7.contains("--max-evaluations"))
    }

    @Test("crossbar program and sneak operations write their tables; bad options are input errors")
    func crossbarOperations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-cli-crossbar-\(getpid())")
        let (s1, o1, e1) = try runProcess(Repository.binary, ["crossbar", "--rows", "6", "--columns", "6", "--model", "level=10", "--x0", "0.85",
                                                             "--operation", "program", "--gmin", "1u", "--gmax", "100u", "--scheme", "v/3",
                                                             "--sigma-on", "0.1", "--stuck-off", "0.05", "--plot", "-o", dir.path, "--quiet"])
        #expect(s1 == 0, "\(e1)")
        #expect(o1.contains("programmed (v/3)"))
        for f in ["cells.csv", "metrics.json", "targets.svg", "conductance.svg", "error.svg", "disturb.svg", "ir-drop.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "missing \(f)")
        }
        let metrics = try String(contentsOf: dir.appendingPathComponent("metrics.json"), encoding: .utf8)
        #expect(metrics.contains("\"energy_j\"") && metrics.contains("\"latency_s\"") && metrics.contains("\"vmm_rms_error\""))
        let (s2, o2, e2) = try runProcess(Repository.binary, ["crossbar", "--rows", "4", "--columns", "4", "--access", "selector",
                                                             "--operation", "sneak", "--vread", "1", "-o", dir.path, "--quiet"])
        #expect(s2 == 0, "\(e2)")
        #expect(o2.contains("sneak reads of 16 cells"))
        for bad in [["--scheme", "v/4", "--operation", "program", "--model", "level=10"], ["--model", "level=99"], ["--operation", "sneak", "--cell", "9,9"],
                    ["--stuck-on", "0.8", "--stuck-off", "0.5"]] {
            let (s, _, e) = try runProcess(Repository.binary, ["crossbar", "--rows", "4", "--columns", "4", "-o", dir.path] + bad)
            #expect(s == 2, "\(bad): exit \(s), \(e)")
        }
    }
}
