import Foundation
import Testing
@testable import Lithic

/// `.measure`, `.eis` and `.experiment` are typed during parsing and elaboration: a mistake in
/// one is an input error naming its file, line and column before any analysis runs, and the
/// command line exits 2 without writing results.
@Suite("typed directives")
struct DirectiveTests {
    /// An RC low-pass (τ = 1 ms) driven by a 1 V step; `card` is line 6.
    static func rc(_ card: String, tran: String = ".tran 10u 5m") -> String {
        "rc\nV1 in 0 PWL(0 0 1n 1)\nR1 in out 1k\nC1 out 0 1u\n\(tran)\n\(card)\n"
    }

    /// The input error that preparing `text` gives (parse and elaborate only).
    func inputError(_ text: String, name: String = "d.cir") throws -> InputError {
        do {
            _ = try NetlistRun.prepare(text: text, name: name)
        } catch let e as InputError {
            return e
        }
        Issue.record("no input error for:\n\(text)")
        return InputError(.commandLine, "")
    }

    /// 1-based column of the first occurrence of `word` in `line`.
    func column(of word: String, in line: String) -> Int {
        guard let r = line.range(of: word) else { return -1 }
        return line.distance(from: line.startIndex, to: r.lowerBound) + 1
    }

    /// Each typo: (card on line 6, the text the error must point at (nil = the card's start), words the message must hold).
    static let measureTypos: [(String, String?, String)] = [
        (".meas tran x average v(out)", "average", "unsupported measurement 'average'"),
        (".meas tran x avg v(out) form=1m", "form", "unknown setting 'form='"),
        (".meas tran x avg v(out) from=1m 2m", "2m", "unexpected '2m'"),
        (".meas tran x trig v(out) val=0.5 rise=1", nil, "TRIG needs a TARG part"),
        (".meas tran x trig v(in) rise=1 targ v(out) val=0.5", nil, "TRIG needs VAL= or AT="),
        (".meas tran x max v(outt)", "v(outt)", "no node 'outt'"),
        (".meas tran x find vq(out) at=1m", "vq(out)", "unknown signal function 'vq'"),
        (".meas tran x find v(out) at=1m when", "when", "unexpected 'when'"),
        (".meas tran x when v(out)=vhalf", "vhalf", "undefined parameter 'vhalf'"),
        (".meas tran x when v(out)=0.5 rise=0 td=0", "0 td", "positive count or LAST"),
        (".meas tran x find par('v(out)*v(nowhere)') at=1m", "'v(out)", "no node 'nowhere'"),
        (".meas tran x param='later*2'", "'later", "undefined parameter 'later'"),
        (".meas tran x deriv v(out)", nil, "DERIV needs AT="),
        (".meas tr x max v(out)", "tr ", "analysis must be tran, ac, dc or op"),
    ]

    @Test("a .measure typo is an input error at its line and column")
    func measureTypos() throws {
        for (card, at, words) in Self.measureTypos {
            let e = try inputError(Self.rc(card))
            #expect(e.location.file == "d.cir" && e.location.line == 6, "\(card): \(e)")
            let expected = at.map { column(of: $0, in: card) } ?? 1
            #expect(e.location.column == expected, "\(card): \(e) (expected column \(expected))")
            #expect(e.message.contains(words), "\(card): \(e)")
        }
    }

    static let eisTypos: [(String, String?, String)] = [
        (".eis out 0 fmni=1", "fmni", "unknown .eis setting 'fmni'"),
        (".eis out 0 mode=galvo", "mode", "mode must be potentiostatic or galvanostatic"),
        (".eis out 0 fmin=1k fmax=10", "fmax", "0 < fmin < fmax"),
        (".eis out 0 ppd=100", "ppd", "[1, 40]"),
        (".eis out 0 amplitude={1/0}", "amplitude", "evaluates to inf"),
        (".eis outt 0", nil, "port node 'outt'"),
        (".eis out 0 after=experiment", nil, "needs an .experiment card"),
        (".eis out", nil, "two port nodes"),
    ]

    @Test("a .eis typo is an input error at its line and column")
    func eisTypos() throws {
        for (card, at, words) in Self.eisTypos {
            let e = try inputError(Self.rc(card))
            #expect(e.location.line == 6, "\(card): \(e)")
            let expected = at.map { column(of: $0, in: card) } ?? 1
            #expect(e.location.column == expected, "\(card): \(e) (expected column \(expected))")
            #expect(e.message.contains(words), "\(card): \(e)")
        }
    }

    static let experimentTypos: [(String, String?, String)] = [
        (".experiment out 0 \"Chrage at 1 mA for 1 s\"", "\"Chrage", "a step starts with Charge, Discharge, Hold or Rest"),
        (".experiment out 0 \"Charge at 1C until 4.2 V\"", "\"Charge", "a C-rate needs capacity"),
        (".experiment out 0 \"Charge at 1 mA for 1 fortnight\"", "\"Charge", "'fortnight' is not a time unit"),
        (".experiment out 0 \"Discharge at x mA for 1 s\"", "\"Discharge", "'x' is not a number"),
        (".experiment out 0 \"Rest for 1 s\" repeats=2", "repeats", "unknown .experiment setting 'repeats'"),
        (".experiment out 0 \"Rest for 1 s\" repeat=2.5", "repeat", "whole number"),
        (".experiment out 0 \"Rest for {gap} s\"", "\"Rest", "undefined parameter 'gap'"),
        (".experiment outt 0 \"Rest for 1 s\"", nil, "node 'outt' is not in the circuit"),
        (".experiment out 0 capacity=1", "capacity", "at least one quoted step"),
    ]

    @Test("a .experiment typo is an input error at its line and column")
    func experimentTypos() throws {
        for (card, at, words) in Self.experimentTypos {
            let e = try inputError(Self.rc(card))
            #expect(e.location.line == 6, "\(card): \(e)")
            let expected = at.map { column(of: $0, in: card) } ?? 1
            #expect(e.location.column == expected, "\(card): \(e) (expected column \(expected))")
            #expect(e.message.contains(words), "\(card): \(e)")
        }
    }

    @Test("directives are typed values in the circuit: numbers evaluated on .param, later ones kept for earlier results")
    func typedValues() throws {
        let text = "rc\n.param vhalf=0.5 tau=1m\nV1 in 0 PWL(0 0 1n 1)\nR1 in out 1k\nC1 out 0 1u\n.tran 10u 5m\n" +
            ".meas tran t63 when v(out)=0.6321205588\n.meas tran twice param='2*t63'\n.meas tran thalf trig at=0 targ v(out) val={vhalf} rise=1\n" +
            ".eis out 0 fmin=1 fmax={1/tau} ppd=4 amplitude=5m\n"
        let (_, circuit) = try NetlistRun.prepare(text: text)
        #expect(circuit.measures.map(\.name) == ["t63", "twice", "thalf"])
        guard case .param(.dynamic) = circuit.measures[1].measurement else { Issue.record("twice: \(circuit.measures[1].measurement)"); return }
        guard case .trigTarg(let trig, let targ) = circuit.measures[2].measurement, case .constant(let at)? = trig.at,
              case .constant(let level)? = targ.level else { Issue.record("thalf: \(circuit.measures[2].measurement)"); return }
        #expect(at == 0 && level == 0.5)
        let eis = try #require(circuit.impedanceSpectroscopy.first)
        #expect(eis.plus == "out" && eis.minus == "0" && eis.minimumFrequency == 1 && eis.maximumFrequency == 1000 && eis.pointsPerDecade == 4 && eis.amplitude == 5e-3)
        // The values, against the RC's analytic response v = 1 − exp(−t/τ), τ = 1 ms: v = 1 − 1/e
        // at t = τ, v = 1/2 at t = τ ln 2. Tolerance 1 % (10 µs steps, linear interpolation).
        var transientOnly = circuit
        transientOnly.impedanceSpectroscopy = []
        let run = try NetlistRun.simulate(circuit: transientOnly)
        let values = Dictionary(uniqueKeysWithValues: run.measures.map { ($0.name, $0.value ?? .nan) })
        #expect(abs((values["t63"] ?? .nan) / 1e-3 - 1) < 0.01, "\(values)")
        #expect(values["twice"] == 2 * (values["t63"] ?? .nan), "\(values)")
        #expect(abs((values["thalf"] ?? .nan) / (1e-3 * log(2.0)) - 1) < 0.01, "\(values)")
    }

    @Test("an experiment's {expr} steps and settings take the netlist's parameters")
    func experimentParameters() throws {
        let text = "cell\n.param rate=2 cap=0.5 n=3\nV1 p 0 1\nR1 p 0 1k\n.experiment p 0 \"Discharge at {rate}C for {n*10} s\" \"Rest for 1 minute\" capacity={cap} repeat={n}\n"
        let (_, circuit) = try NetlistRun.prepare(text: text)
        let e = try #require(circuit.experiments.first)
        #expect(e.cycles == 3 && e.capacity == 0.5)
        #expect(e.steps.map(\.text) == ["discharge at 2.0c for 30.0 s", "rest for 1 minute"])
        #expect(e.steps[0].control == .current(-1.0) && e.steps[0].duration == 30 && e.steps[1].duration == 60)
    }

    /// A transient of 10⁹ steps: a run that reached it would not end within the test's patience.
    static func endless(_ card: String) -> String { rc(card, tran: ".tran 1n 1") }

    @Test("the command line exits 2 at once on a directive typo, before any analysis and without writing results")
    func commandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-directives-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [(".meas tran x avg v(out) form=1m", "form", "measure"),
                     (".eis out 0 fmni=1", "fmni", "eis"),
                     (".experiment out 0 \"Chrage at 1 mA for 1 s\"", "\"Chrage", "experiment")]
        for (card, at, name) in cases {
            let net = dir.appendingPathComponent("\(name).cir")
            try Self.endless(card).write(to: net, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("\(name).out")
            let started = Date()
            let p = Process()
            p.executableURL = Repository.binary
            p.arguments = ["run", net.path, "-o", out.path, "--quiet"]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            try p.run()
            // A watchdog: a run that started the transient is stopped, and the test fails on its status.
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Date() < deadline { usleep(20_000) }
            if p.isRunning { p.terminate(); p.waitUntilExit() }
            let elapsed = Date().timeIntervalSince(started)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 2, "\(card): status \(p.terminationStatus), \(stderr)")
            #expect(elapsed < 30, "\(card): took \(elapsed) s")
            #expect(stderr.contains("\(name).cir:6:\(column(of: at, in: card)):"), "\(card): \(stderr)")
            let written = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            #expect(written.isEmpty, "\(card): wrote \(written)")
        }
    }
}
