import Foundation
import Testing
@testable import Lithic

/// Ctrl-C on long runs: the binary stops within a second, keeps what it computed on the user's
/// output grid (not every internal step) and says how to go on.
@Suite("Interrupts: Ctrl-C stops at once and keeps the output grid", .serialized)
struct InterruptTests {
    /// Starts `lithic arguments` in `directory`, sends SIGINT after `after` seconds; returns the
    /// exit status, the seconds from the signal to the exit, and stderr.
    static func interrupt(_ arguments: [String], in directory: URL, after: Double) throws -> (Int32, Double, String) {
        let p = Process()
        p.executableURL = Repository.binary
        p.arguments = arguments
        p.currentDirectoryURL = directory
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: after)
        let signalled = Date()
        kill(p.processIdentifier, SIGINT)
        let text = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, Date().timeIntervalSince(signalled), String(decoding: text, as: UTF8.self))
    }

    static func folder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-interrupt-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a long .tran stops within 1 s and writes only TSTEP points up to where it got")
    func transient() throws {
        let dir = try Self.folder("tran")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A 100 ns pulse train over 1 s: the step control takes many internal steps per corner,
        // far more than the 1 µs output grid holds.
        try """
        long transient
        V1 in 0 PULSE(0 1 0 1n 1n 50n 100n)
        R1 in out 1k
        C1 out 0 10p
        .tran 1u 1
        .end
        """.write(to: dir.appendingPathComponent("long.cir"), atomically: true, encoding: .utf8)
        let (status, seconds, err) = try Self.interrupt(["run", "long.cir", "-o", "out"], in: dir, after: 2)
        #expect(status == 130, "\(err)")
        #expect(seconds < 1, "took \(seconds) s to stop after SIGINT")
        #expect(err.contains("interrupted at t = ") && err.contains("out/tran.partial.csv"), "\(err)")
        let csv = try String(contentsOf: dir.appendingPathComponent("out/tran.partial.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst()
        let times = rows.compactMap { Double($0.split(separator: ",")[0]) }
        let last = try #require(times.last)
        #expect(times.count >= 2)
        // Every row is on the 1 µs grid but possibly the last (the time reached), none beyond it.
        for t in times.dropLast() { #expect(abs(t / 1e-6 - (t / 1e-6).rounded()) < 1e-6, "t = \(t) is not on the output grid") }
        #expect(Double(times.count) <= last / 1e-6 + 2)
        // The summary line counts the internal steps: many more than the rows written.
        let steps = err.split(separator: ",").first { $0.contains(" steps") }.flatMap { $0.split(separator: " ").first.flatMap { Int($0) } } ?? 0
        #expect(steps > 2 * times.count, "\(err)")
    }

    @Test("an interrupted cycling run keeps its complete cycles and says how to resume")
    func cycling() throws {
        let dir = try Self.folder("cycling")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        cell
        .include \(Repository.root.appendingPathComponent("netlists/lib/ssb.lib").path)
        Xcell p 0 ssbcell area=1e-4 pressure=5meg soc0=0 hli=20e-6
        .experiment p 0 "Charge at 1C until 4.2 V" "Discharge at 1C until 3.6 V" capacity=4e-3 repeat=100000
        .end
        """.write(to: dir.appendingPathComponent("cell.cir"), atomically: true, encoding: .utf8)
        let (status, seconds, err) = try Self.interrupt(["run", "cell.cir", "-o", "out"], in: dir, after: 4)
        #expect(status == 130, "\(err)")
        #expect(seconds < 1, "took \(seconds) s to stop after SIGINT")
        #expect(err.contains("--resume"), "\(err)")
        #expect(!err.contains("0 unknowns"), "\(err)")
        #expect(err.contains("complete cycle"), "\(err)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/cycles.partial.csv").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/cycler.checkpoint.json").path))
        // The hint works: the run continues from the checkpoint (interrupted again at once).
        let (again, _, err2) = try Self.interrupt(["run", "cell.cir", "-o", "out", "--resume"], in: dir, after: 2)
        #expect(again == 130, "\(err2)")
    }
}
