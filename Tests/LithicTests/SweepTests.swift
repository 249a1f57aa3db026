import Foundation
import Testing
@testable import Lithic

/// `.step`, `.mc` and the statistical functions (issue 20): points against their definitions,
/// swept measures against analytic values, Monte Carlo statistics against the distribution
/// within stated sampling bounds, and the sweep runner's tables.
@Suite("sweeps and Monte Carlo")
struct SweepTests {
    static func plan(_ text: String) throws -> SweepPlan {
        let tree = try NetlistParser.parse(text: text)
        guard let plan = try SweepPlan.resolve(tree) else { throw InputError(.commandLine, "no plan") }
        return plan
    }

    static func run(_ text: String, jobs: Int = 2) throws -> SweepWorkflow.Result {
        let tree = try NetlistParser.parse(text: text)
        guard let plan = try SweepPlan.resolve(tree) else { throw InputError(.commandLine, "no plan") }
        return SweepWorkflow.run(tree: tree, plan: plan, catalog: NetlistRun.standardCatalog, jobs: jobs, directory: nil)
    }

    /// Values of top-level `.param`s for every Monte Carlo run, from the elaborated circuits.
    static func drawnParameters(_ text: String, name: String) throws -> [Double] {
        let tree = try NetlistParser.parse(text: text)
        guard let plan = try SweepPlan.resolve(tree) else { throw InputError(.commandLine, "no plan") }
        return try (0..<plan.count).map { i in
            let p = plan.point(i)
            let c = try StatisticalSampler.$current.withValue(plan.sampler(for: p)) {
                try Elaborator.elaborate(plan.tree(for: p, from: tree), catalog: .basic, overrides: plan.overrides(for: p, base: [:]))
            }
            return c.parameters[name] ?? .nan
        }
    }

    static func meanAndStd(_ xs: [Double]) -> (Double, Double) {
        let n = Double(xs.count)
        let m = xs.reduce(0, +) / n
        let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
        return (m, v.squareRoot())
    }

    // MARK: - Points of .step cards

    @Test("a command that runs the circuit once says that it ignores .step and .mc cards, at their lines")
    func unrunSweepsAreWarned() throws {
        let text = "t\n.param r=1k\nV1 1 0 1\nR1 1 0 {r}\n.step param r list 1k 2k\n.mc 10 seed=3\n.op\n"
        let (_, circuit) = try NetlistRun.prepare(text: text, name: "unrun.cir")
        let notes = circuit.warnings.filter { $0.message.contains("nominal circuit only") }
        #expect(notes.map(\.location.line) == [5, 6], "\(circuit.warnings)")
        let plain = try NetlistRun.prepare(text: "t\nV1 1 0 1\nR1 1 0 1k\n.op\n", name: "plain.cir").1
        #expect(!plain.warnings.contains { $0.message.contains("nominal circuit only") })
    }

    @Test("linear, list, dec and oct steps give the documented values")
    func stepValues() throws {
        let lin = try Self.plan("t\n.param x=0\n.step param x 0 1 0.1\nr1 a 0 1\n.op\n")
        #expect(lin.dimensions[0].values.count == 11)
        #expect(lin.dimensions[0].values.last == 1)
        for (k, v) in lin.dimensions[0].values.enumerated() { #expect(abs(v - 0.1 * Double(k)) < 1e-15) }
        // Xyce form: no `param` keyword; a grid that does not land on stop stops before it.
        let xyce = try Self.plan("t\n.param x=0\n.step x 0 1 0.3\nr1 a 0 1\n.op\n")
        #expect(xyce.dimensions[0].values.count == 4)
        #expect(abs(xyce.dimensions[0].values[3] - 0.9) < 1e-15)
        let down = try Self.plan("t\n.param x=0\n.step lin param x 10 4 -2\nr1 a 0 1\n.op\n")
        #expect(down.dimensions[0].values == [10, 8, 6, 4])
        let dec = try Self.plan("t\n.param f=1\n.step dec param f 1 100 2\nr1 a 0 1\n.op\n")
        let expected = [1, 10.0.squareRoot(), 10, 10 * 10.0.squareRoot(), 100]
        #expect(dec.dimensions[0].values.count == 5)
        for (v, e) in zip(dec.dimensions[0].values, expected) { #expect(abs(v - e) <= 1e-14 * e) }
        let oct = try Self.plan("t\n.param f=1\n.step oct param f 1 8 1\nr1 a 0 1\n.op\n")
        #expect(oct.dimensions[0].values == [1, 2, 4, 8])
        let list = try Self.plan("t\n.param r=1k\n.step param r list 1k 2.2k {3*r}\nr1 a 0 1\n.op\n")
        #expect(list.dimensions[0].values == [1000, 2200, 3000])
        let temp = try Self.plan("t\n.step temp -40 85 25\nr1 a 0 1\n.op\n")
        #expect(temp.dimensions[0].isTemperature)
        #expect(temp.dimensions[0].values == [-40, -15, 10, 35, 60, 85])
    }

    @Test("nested .step cards: the Cartesian product, the first card fastest")
    func nestedOrder() throws {
        let plan = try Self.plan("t\n.param a=1 b=1\n.step param a list 1 2 3\n.step param b list 10 20\nr1 x 0 1\n.op\n")
        #expect(plan.count == 6)
        let pairs = (0..<plan.count).map { i -> [Double] in plan.point(i).parameters.map(\.value) }
        #expect(pairs == [[1, 10], [2, 10], [3, 10], [1, 20], [2, 20], [3, 20]])
        #expect((0..<plan.count).map { plan.point($0).index } == [1, 2, 3, 4, 5, 6])
    }

    @Test("bad .step and .mc cards are input errors at their line and column")
    func badCards() throws {
        let cases: [(String, Int, Int, String)] = [
            (".step param x 0 1 0", 3, 19, "increment is zero"),
            (".step param x 0 1 -0.1", 3, 19, "cannot be reached"),
            (".step param x list", 3, 15, "at least one value"),
            (".step param y 0 1 0.1", 3, 13, "not a top-level .param"),
            (".step dec param x -1 10 3", 3, 19, "must be positive"),
            (".step dec param x 1 10 2.5", 3, 24, "positive whole number"),
            (".step dec param x 10 1 3", 3, 22, "below start"),
            (".step param x 0 1", 3, 15, ".step needs"),
            (".mc 0", 3, 5, "number of runs"),
            (".mc 10 seed=-3", 3, 8, "seed must be"),
            (".mc 10 sampling=sobol", 3, 8, "random or lhs"),
            (".step v1 0 1 0.1", 3, 7, "not a top-level .param"),
        ]
        for (card, line, column, message) in cases {
            let text = "title\n.param x=1\n\(card)\nr1 a 0 1\n.op\n"
            do {
                let tree = try NetlistParser.parse(text: text, name: "bad.cir")
                _ = try SweepPlan.resolve(tree)
                Issue.record("\(card): no error")
            } catch let e as InputError {
                #expect(e.location.line == line, "\(card): \(e)")
                #expect(e.location.column == column, "\(card): \(e)")
                #expect(e.message.contains(message), "\(card): \(e)")
            }
        }
        // Inside a subcircuit.
        do {
            _ = try SweepPlan.resolve(try NetlistParser.parse(text: "t\n.param x=1\n.subckt s a\n.step param x list 1 2\nr1 a 0 1\n.ends\nx1 n s\n.op\n"))
            Issue.record("nested .step: no error")
        } catch let e as InputError {
            #expect(e.location.line == 4 && e.message.contains("top level"))
        }
    }

    // MARK: - Swept measures against the analytic value

    @Test("RC time constant at every point of .step param r list equals R·C")
    func steppedTimeConstant() throws {
        let netlist = """
        stepped RC
        .param r=1k
        .step param r list 1k 2k 5k
        v1 in 0 pulse(0 1 0 1n 1n 1 2)
        r1 in out {r}
        c1 out 0 1u
        .tran 1u 25m 0 5u
        .meas tran tau when v(out)=0.6321205588285577 rise=1
        .end
        """
        let result = try Self.run(netlist, jobs: 2)
        #expect(result.failed == 0)
        for p in result.points {
            let r = p.point.parameters[0].value
            let tau = try #require(p.measures.first { $0.name == "tau" }?.value)
            // 1 V step reaching 1 − 1/e at t = RC (the 1 ns rise shifts it by 0.5 ns).
            #expect(abs(tau - r * 1e-6) <= 2e-3 * r * 1e-6, "r = \(r): tau = \(tau)")
        }
        #expect(result.points.map { $0.point.parameters[0].value } == [1000, 2000, 5000])
    }

    @Test("a failing point does not stop the others; its row says why")
    func failingPoint() throws {
        let result = try Self.run("t\n.param x=1\n.step param x list 1 2 3\ni1 0 a 1m\nr1 a 0 {1k/(x-2)}\n.dc i1 1m 1m 1m\n.meas dc va find v(a) at=1m\n", jobs: 2)
        #expect(result.failed == 1)
        #expect(result.points[1].error?.contains("evaluates to") == true)
        #expect(abs((result.points[0].measures.first?.value ?? 0) - -1) < 1e-9)
        #expect(abs((result.points[2].measures.first?.value ?? 0) - 1) < 1e-9)
        let table = SweepWorkflow.steps(result)
        let rows = table.split(separator: "\n").map(String.init)
        #expect(rows[0] == "step,x,va,status,error")
        #expect(rows[2].hasPrefix("2,2.0,,failed,"))
        #expect(rows[3].hasPrefix("3,3.0,1.0"))
    }

    // MARK: - Distributions

    @Test("agauss(1k, 100, 1) over N = 2000 runs: mean and σ within the sampling error")
    func agaussStatistics() throws {
        let n = 2000
        let xs = try Self.drawnParameters("t\n.param rv=agauss(1k, 100, 1)\n.mc \(n) seed=7\nr1 a 0 {rv}\n.op\n", name: "rv")
        let (m, s) = Self.meanAndStd(xs)
        // Standard errors: of the mean σ/√N = 2.24, of the standard deviation σ/√(2(N−1)) = 1.58;
        // bounds at 4 of them.
        #expect(abs(m - 1000) <= 4 * 100 / Double(n).squareRoot(), "mean \(m)")
        #expect(abs(s - 100) <= 4 * 100 / (2 * Double(n - 1)).squareRoot(), "std \(s)")
        // gauss is relative, divided by sigma: gauss(1k, 0.1, 2) has σ = 50.
        let g = try Self.drawnParameters("t\n.param rv=gauss(1k, 0.1, 2)\n.mc \(n) seed=8\nr1 a 0 {rv}\n.op\n", name: "rv")
        let (gm, gs) = Self.meanAndStd(g)
        #expect(abs(gm - 1000) <= 4 * 50 / Double(n).squareRoot() && abs(gs - 50) <= 4 * 50 / (2 * Double(n - 1)).squareRoot(), "gauss \(gm) \(gs)")
        // aunif(1k, 100): uniform on [900, 1100), σ = 100/√3; unif(1k, 0.1) the same.
        for f in ["aunif(1k, 100)", "unif(1k, 0.1)"] {
            let u = try Self.drawnParameters("t\n.param rv=\(f)\n.mc \(n) seed=9\nr1 a 0 {rv}\n.op\n", name: "rv")
            let (um, us) = Self.meanAndStd(u)
            let sigma = 100 / 3.0.squareRoot()
            #expect(u.allSatisfy { $0 >= 900 && $0 < 1100 }, "\(f) range")
            #expect(abs(um - 1000) <= 4 * sigma / Double(n).squareRoot(), "\(f) mean \(um)")
            // σ of a uniform's sample std: σ·√((κ−1)/(4N)) with kurtosis κ = 9/5, i.e. 0.224·σ/√N.
            #expect(abs(us - sigma) <= 4 * 0.224 * sigma / Double(n).squareRoot() * 2, "\(f) std \(us)")
        }
        // lognormal(1k, 0.1, 1): ln(value) ~ N(ln 1000, 0.1).
        let l = try Self.drawnParameters("t\n.param rv=lognormal(1k, 0.1, 1)\n.mc \(n) seed=10\nr1 a 0 {rv}\n.op\n", name: "rv").map { log($0) }
        let (lm, ls) = Self.meanAndStd(l)
        #expect(abs(lm - log(1000)) <= 4 * 0.1 / Double(n).squareRoot() && abs(ls - 0.1) <= 4 * 0.1 / (2 * Double(n - 1)).squareRoot(), "lognormal \(lm) \(ls)")
    }

    @Test("outside a Monte Carlo the statistical functions give the nominal value")
    func nominalOutsideMonteCarlo() throws {
        let run = try simulate("t\n.param rv=agauss(1k, 100, 1) ru=aunif(2k, 100)\ni1 0 a 1m\nr1 a 0 {rv}\ni2 0 b 1m\nr2 b 0 {ru}\n.op\n")
        let op = try #require(run.outcome.plots.first { $0.kind == "op" })
        #expect(abs((op.vectors.first { $0.name == "v(a)" }?.real.first ?? 0) - 1) < 1e-9)
        #expect(abs((op.vectors.first { $0.name == "v(b)" }?.real.first ?? 0) - 2) < 1e-9)
    }

    @Test("same seed: same draws; another seed: other draws; Latin hypercube: one draw per stratum")
    func seeds() throws {
        let text = { (seed: Int, how: String) in "t\n.param rv=aunif(1k, 100)\n.mc 100 seed=\(seed) \(how)\nr1 a 0 {rv}\n.op\n" }
        let a = try Self.drawnParameters(text(5, ""), name: "rv")
        let b = try Self.drawnParameters(text(5, ""), name: "rv")
        let c = try Self.drawnParameters(text(6, ""), name: "rv")
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count == 100)
        let lhs = try Self.drawnParameters(text(5, "sampling=lhs"), name: "rv").sorted()
        // aunif(1k, 100) maps stratum k of 100 to [900 + 2k, 902 + 2k).
        for (k, v) in lhs.enumerated() { #expect(v >= 900 + 2 * Double(k) && v < 902 + 2 * Double(k), "stratum \(k): \(v)") }
        #expect(lhs == (try Self.drawnParameters(text(5, "lhs"), name: "rv").sorted()))
    }

    @Test("every instance of an agauss instance parameter gets its own draw; a .param is drawn once")
    func perInstanceDraws() throws {
        let netlist = """
        per-instance variation
        .param shared=agauss(1k, 100, 1)
        .subckt cell top
        rc top 0 {agauss(1k, 100, 1)}
        .ends
        i1 0 a 1m
        x1 a cell
        i2 0 b 1m
        x2 b cell
        i3 0 c 1m
        r3 c 0 {agauss(1k, 100, 1)}
        i4 0 d 1m
        r4 d 0 {agauss(1k, 100, 1)}
        i5 0 e 1m
        r5 e 0 {shared}
        i6 0 f 1m
        r6 f 0 {shared}
        .op
        .mc 3 seed=11
        """
        let tree = try NetlistParser.parse(text: netlist)
        let plan = try #require(try SweepPlan.resolve(tree))
        var perRun: [[Double]] = []
        for i in 0..<plan.count {
            let p = plan.point(i)
            let circuit = try StatisticalSampler.$current.withValue(plan.sampler(for: p)) {
                try Elaborator.elaborate(tree, catalog: NetlistRun.standardCatalog)
            }
            let run = try NetlistRun.simulate(circuit: circuit)
            let op = try #require(run.outcome.plots.first { $0.kind == "op" })
            perRun.append(["a", "b", "c", "d", "e", "f"].map { n in op.vectors.first { $0.name == "v(\(n))" }?.real.first ?? .nan })
        }
        for v in perRun {
            #expect(Set(v[0..<4]).count == 4, "instances share a draw: \(v)")
            #expect(v[4] == v[5], "a .param drawn twice: \(v)")
            #expect(v.allSatisfy { $0 > 0.5 && $0 < 1.5 })
        }
        #expect(perRun[0] != perRun[1])
    }

    // MARK: - The command line

    @Test("lithic run: --jobs 1 and --jobs 2 write identical tables; per-point folders and long tables")
    func commandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let netlist = dir.appendingPathComponent("mc.cir")
        try """
        divider Monte Carlo
        .param rtop=agauss(1k, 50, 1) vin=1
        .step param vin list 1 2
        v1 in 0 {vin}
        r1 in out {rtop}
        r2 out 0 {agauss(1k, 50, 1)}
        .dc v1 {vin} {vin} 1
        .meas dc vout find v(out) at={vin}
        .mc 20 seed=3
        .end
        """.write(to: netlist, atomically: true, encoding: .utf8)
        var tables: [String] = []
        for jobs in [1, 2] {
            let out = dir.appendingPathComponent("out\(jobs)")
            let (status, _, err) = try runProcess(Repository.binary, ["run", netlist.path, "-o", out.path, "--jobs", "\(jobs)"])
            #expect(status == 0, "\(err)")
            #expect(err.contains("sweep: 40/40 points done"))
            tables.append((try? String(contentsOf: out.appendingPathComponent("steps.csv"), encoding: .utf8)) ?? "")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("step-0040/dc.csv").path))
            let long = (try? String(contentsOf: out.appendingPathComponent("dc.csv"), encoding: .utf8)) ?? ""
            #expect(long.hasPrefix("step,"))
            #expect(long.split(separator: "\n").count == 41)
        }
        #expect(tables[0] == tables[1])
        let rows = tables[0].split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 41)
        #expect(rows[0] == ["step", "vin", "run", "seed", "vout", "status", "error"])
        // Common random numbers: run r draws the same resistors at vin = 1 and 2, so vout doubles.
        for r in 1...20 {
            let v1 = Double(rows[r][4]) ?? .nan, v2 = Double(rows[r + 20][4]) ?? .nan
            #expect(abs(v2 - 2 * v1) < 1e-9, "run \(r): \(v1) \(v2)")
        }
        #expect(Set(rows[1...20].map { $0[4] }).count == 20)
        // --quiet: no progress.
        let (status, _, err) = try runProcess(Repository.binary, ["run", netlist.path, "-o", dir.appendingPathComponent("q").path, "--quiet"])
        #expect(status == 0 && err.isEmpty, "\(err)")
    }

    @Test("lithic run exits 2 when a point failed, and names it")
    func commandLineFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let netlist = dir.appendingPathComponent("f.cir")
        try "t\n.param x=1\n.step param x list 1 2 3\ni1 0 a 1m\nr1 a 0 {1k/(x-2)}\n.op\n".write(to: netlist, atomically: true, encoding: .utf8)
        let (status, _, err) = try runProcess(Repository.binary, ["run", netlist.path, "-o", dir.appendingPathComponent("o").path])
        #expect(status == 2)
        #expect(err.contains("step 2 failed"))
        let (badStatus, _, badErr) = try runProcess(Repository.binary, ["run", netlist.path.replacingOccurrences(of: "f.cir", with: "g.cir")])
        #expect(badStatus == 2 && !badErr.isEmpty)
    }
}
