import Foundation
import Testing
@testable import Lithic

/// Lithic's raw files read by the tools users open them with: spicelib (PyPI `spicelib`, installed
/// in .build/peers/venv by scripts/setup-spicelib.sh, which `make test` runs) without a dialect
/// argument, and ngspice's own `load`. Every analysis kind, ASCII and binary. These tests fail,
/// rather than skip, when spicelib or ngspice is missing: `make test` installs both.
@Suite("Raw files: spicelib and ngspice read them", .serialized)
struct RawInteropTests {
    static let netlist = """
    Every analysis, for raw-file readers
    V1 in 0 DC 1 AC 1 PULSE(0 1 1u 10n 10n 5u 10u)
    R1 in out 1k
    C1 out 0 1n
    D1 out 0 dmod
    .model dmod D(IS=1e-14)
    R2 out 0 10k
    .op
    .dc V1 0 1 0.25
    .tran 100n 20u
    .ac dec 5 1k 1meg
    .noise v(out) V1 dec 5 1k 1meg
    .tf v(out) V1
    .end
    """

    static var python: URL { Repository.root.appendingPathComponent(".build/peers/venv/bin/python") }

    /// Writes the netlist, runs `lithic run --raw` (ASCII) and `--raw --binary` on it; returns the folder.
    static func writeRawFiles() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-rawinterop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try netlist.write(to: dir.appendingPathComponent("all.cir"), atomically: true, encoding: .utf8)
        for (name, extra) in [("ascii.raw", [String]()), ("binary.raw", ["--binary"])] {
            let (status, _, err) = try runProcess(Repository.binary, ["run", "all.cir", "-o", "out", "--quiet", "--raw", name] + extra, directory: dir)
            #expect(status == 0, "lithic run failed: \(err)")
        }
        return dir
    }

    /// |a − b| within `relative` of the larger magnitude, or both tiny.
    static func close(_ a: Double, _ b: Double, relative: Double, floor: Double = 1e-300) -> Bool {
        abs(a - b) <= relative * max(abs(a), abs(b)) || abs(a - b) <= floor
    }

    @Test("the Command: line names ngspice and the layout is ngspice 44's")
    func header() throws {
        let run = try NetlistRun.run(text: Self.netlist)
        let text = String(decoding: RawFile.write(run.outcome.plots, title: run.title, binary: false), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("Title: "))
        #expect(lines[1].hasPrefix("Date: "))
        #expect(lines[2].hasPrefix("Command: ngspice"))
        #expect(lines[3] == "Plotname: Operating Point")
        // Each ASCII plot ends with an empty line before the next Title: (spicelib needs it).
        let titles = lines.indices.filter { lines[$0].hasPrefix("Title: ") }
        #expect(titles.count == run.outcome.plots.count)
        for t in titles.dropFirst() { #expect(lines[t - 1].isEmpty) }
        // A point: its index, a tab, then one tab-indented value per line, as outitf.c writes.
        let values = try #require(lines.firstIndex(of: "Values:"))
        #expect(lines[values + 1].hasPrefix("0\t\t"))
        // Lithic reads its own files back.
        let back = try RawFile.read(Array(text.utf8), name: "ascii")
        #expect(back.count == run.outcome.plots.count)
    }

    @Test("spicelib reads ASCII and binary files of every analysis without a dialect, values equal")
    func spicelib() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python.path),
                "no peers' virtualenv: run scripts/setup-spicelib.sh (make test does)")
        let dir = try Self.writeRawFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let started = Date()
        let (status, out, err) = try runProcess(Self.python, [Repository.root.appendingPathComponent("scripts/read-raw-spicelib.py").path, "ascii.raw", "binary.raw"], directory: dir)
        let seconds = Date().timeIntervalSince(started)
        try #require(status == 0, "spicelib failed to read Lithic's raw files: \(err)")
        #expect(seconds < 30, "spicelib took \(seconds) s (it looped forever on ASCII files without the empty line between plots)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        // What was written: the binary file as Lithic reads it (exact doubles), checked against
        // an in-process run of the same netlist to rounding.
        let expected = try RawFile.read([UInt8](try Data(contentsOf: dir.appendingPathComponent("binary.raw"))), name: "binary.raw")
        let inProcess = try NetlistRun.run(text: Self.netlist).outcome.plots
        #expect(expected.map(\.points) == inProcess.map(\.points))
        #expect(expected.map(\.name) == ["Operating Point", "DC transfer characteristic", "Transient Analysis", "AC Analysis",
                                          "Noise Spectral Density Curves", "Integrated Noise", "Transfer Function"])
        for (file, tolerance) in [("ascii.raw", 1e-14), ("binary.raw", 0.0)] {
            let entry = try #require(json[file] as? [String: Any], "spicelib read nothing from \(file)")
            #expect(entry["dialect"] as? String == "ngspice", "\(file): dialect \(entry["dialect"] ?? "none") was detected")
            let plots = try #require(entry["plots"] as? [[String: Any]])
            #expect(plots.count == expected.count, "\(file): \(plots.count) plots read, \(expected.count) written")
            for (plot, want) in zip(plots, expected) {
                #expect(plot["name"] as? String == want.name)
                let vectors = try #require(plot["vectors"] as? [String: Any])
                #expect(vectors.count == want.vectors.count, "\(file) \(want.name): \(vectors.keys.sorted())")
                for (k, v) in want.vectors.enumerated() {
                    let name = v.name
                    let read = try #require((vectors[name] ?? vectors.first { $0.key.lowercased() == name }?.value) as? [Any],
                                            "\(file) \(want.name): no vector \(name) in \(vectors.keys.sorted())")
                    #expect(read.count == v.real.count, "\(file) \(want.name) \(name): \(read.count) points read, \(v.real.count) written")
                    for (p, item) in read.enumerated() where p < v.real.count {
                        if want.isComplex, k > 0 {
                            let pair = try #require((item as? [String])?.compactMap { Double($0) })
                            #expect(Self.close(pair[0], v.real[p], relative: tolerance) && Self.close(pair[1], v.imaginary?[p] ?? 0, relative: tolerance, floor: 1e-300),
                                    "\(file) \(want.name) \(name)[\(p)]: \(pair) ≠ \(v.real[p]), \(v.imaginary?[p] ?? 0)")
                        } else {
                            let value = (item as? String).flatMap { Double($0) } ?? (item as? [String])?.first.flatMap { Double($0) } ?? .nan
                            #expect(Self.close(value, v.real[p], relative: tolerance), "\(file) \(want.name) \(name)[\(p)]: \(value) ≠ \(v.real[p])")
                        }
                    }
                }
            }
        }
    }

    @Test("ngspice's load reads every plot of ASCII and binary files, values equal")
    func ngspiceLoad() throws {
        let ngspice = URL(fileURLWithPath: "/usr/bin/ngspice")
        #expect(FileManager.default.isExecutableFile(atPath: ngspice.path), "ngspice is not installed (make test installs it)")
        let dir = try Self.writeRawFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plots = try NetlistRun.run(text: Self.netlist).outcome.plots
        func plot(_ kind: String) throws -> Plot { try #require(plots.first { $0.kind == kind }) }
        let tran = try plot("tran"), ac = try plot("ac"), dc = try plot("dc"), op = try plot("op"), noise = try plot("noise")
        // (ngspice plot, vector, index (none for a scalar), expected real, expected imaginary)
        let checks: [(String, String, Int?, Double, Double?)] = [
            ("op1", "v(out)", nil, op.vector("v(out)")?.real[0] ?? .nan, nil),
            ("dc1", "v(out)", 4, dc.vector("v(out)")?.real[4] ?? .nan, nil),
            ("tran1", "v(out)", 100, tran.vector("v(out)")?.real[100] ?? .nan, nil),
            ("tran1", "i(v1)", 200, tran.vector("i(v1)")?.real[200] ?? .nan, nil),
            ("ac1", "v(out)", 3, ac.vector("v(out)")?.real[3] ?? .nan, ac.vector("v(out)")?.imaginary?[3]),
            ("noise1", "onoise_spectrum", 2, noise.vector("onoise_spectrum")?.real[2] ?? .nan, nil),
        ]
        for file in ["ascii.raw", "binary.raw"] {
            var control = "* load test\n.control\nload \(dir.appendingPathComponent(file).path)\n"
            for (p, v, i, _, _) in checks { control += "setplot \(p)\nprint \(v)\(i.map { "[\($0)]" } ?? "")\n" }
            control += ".endc\n.end\n"
            try control.write(to: dir.appendingPathComponent("load.cir"), atomically: true, encoding: .utf8)
            // (ngspice -b exits 1 for a deck that runs no simulation; the printed values are the test.)
            let (_, out, err) = try runProcess(ngspice, ["-b", "load.cir"], directory: dir)
            let printed = (out + "\n" + err).split(separator: "\n").filter { line in checks.contains { line.hasPrefix("\($0.1)[") || line.hasPrefix("\($0.1) = ") } }
            try #require(printed.count == checks.count, "\(file): ngspice printed \(printed) (stderr: \(err))")
            for (line, (p, v, i, re, im)) in zip(printed, checks) {
                let value = line.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
                let parts = value.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                #expect(line.hasPrefix("\(v)\(i.map { "[\($0)]" } ?? "") = "), "\(file) \(p): \(line)")
                #expect(parts.count == (im == nil ? 1 : 2), "\(file) \(p) \(v): \(line)")
                // ngspice prints 6 or 7 significant digits.
                #expect(Self.close(parts.first ?? .nan, re, relative: 5e-6), "\(file) \(p) \(v): \(line), expected \(re)")
                if let im, parts.count == 2 { #expect(Self.close(parts[1], im, relative: 1e-5, floor: 1e-20), "\(file) \(p) \(v) imaginary: \(line), expected \(im)") }
            }
        }
    }
}
