import Foundation
import Testing
@testable import Lithic

/// A sweep's measure distributions (summary.csv) and charts, and a Monte Carlo of a divider at
/// N = 10,000 against its analytic distribution.
@Suite("sweep summaries")
struct SweepSummaryTests {
    static func run(_ text: String, jobs: Int = 2) throws -> SweepWorkflow.Result {
        let tree = try NetlistParser.parse(text: text)
        guard let plan = try SweepPlan.resolve(tree) else { throw InputError(.commandLine, "no plan") }
        return SweepWorkflow.run(tree: tree, plan: plan, catalog: NetlistRun.standardCatalog, jobs: jobs, directory: nil)
    }

    @Test("a divider of two agauss(1k, 50) resistors over N = 10,000 runs: mean ½ exactly by symmetry, σ = √2·50/4000 to first order")
    func dividerMonteCarlo() throws {
        let n = 10_000
        let r = try Self.run("""
        divider
        v1 in 0 1
        r1 in out {agauss(1k, 50, 1)}
        r2 out 0 {agauss(1k, 50, 1)}
        .mc \(n) seed=3
        .dc v1 1 1 1
        .meas dc vout FIND v(out) AT=1
        .end
        """)
        #expect(r.failed == 0)
        let s = try #require(SweepWorkflow.summaries(r).first { $0.name == "vout" })
        #expect(s.count == n && s.missing == 0)
        // R1, R2 independent and identically distributed, so E[R2/(R1+R2)] = ½ exactly. To first
        // order vout = ½ + (δ2 − δ1)/(4·1 kΩ), σ = √2·50/4000 = 0.0177; the second-order terms
        // change σ by (σ_R/R)² ≈ 0.25 %. Bounds: the mean within 4 standard errors (σ/√N =
        // 1.8e-4), σ within 4 standard errors of a sample σ (σ/√(2N) = 0.71 %) plus 0.5 %.
        let sigma = 2.0.squareRoot() * 50 / 4000
        #expect(abs(s.mean - 0.5) <= 4 * sigma / Double(n).squareRoot(), "mean \(s.mean)")
        #expect(abs(s.standardDeviation / sigma - 1) <= 4 / (2 * Double(n)).squareRoot() + 0.005, "σ \(s.standardDeviation)")
        // Quantiles of a near-normal: median ≈ mean, q05/q95 at ∓1.645 σ (within 3 %).
        #expect(abs(s.median - 0.5) < 0.002)
        #expect(abs((s.quantile95 - s.quantile05) / (2 * 1.645 * sigma) - 1) < 0.03)
        #expect(s.minimum < s.quantile05 && s.quantile95 < s.maximum)
        // The histogram chart exists for a Monte Carlo.
        let charts = SweepWorkflow.charts(r)
        #expect(charts.map(\.name) == ["hist-vout.svg"])
        #expect(charts.first?.svg.contains("<svg") == true && charts.first?.svg.contains("10000 Monte Carlo runs") == true)
    }

    @Test("quantiles by NumPy's linear rule; missing values counted, not used")
    func quantilesAndMissing() throws {
        #expect(SweepWorkflow.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(SweepWorkflow.quantile([1, 2, 3, 4], 0.05) == 1.15)
        #expect(SweepWorkflow.quantile([7], 0.95) == 7)
        // A list whose last point has no value for its measure: the source never reaches 0.9 V.
        let r = try Self.run("""
        rc
        v1 in 0 PULSE(0 {vp} 0 1n 1n 1 2)
        r1 in out 1k
        c1 out 0 1u
        .param vp=1
        .step param vp list 1 2 0.5
        .tran 10u 5m
        .meas tran t1 WHEN v(out)=0.9 RISE=1
        .end
        """)
        let s = try #require(SweepWorkflow.summaries(r).first { $0.name == "t1" })
        // vp = 0.5 V never reaches 0.9 V.
        #expect(s.count == 2 && s.missing == 1)
        // t1 = −RC ln(1 − 0.9/vp): 2.303 ms (vp = 1) and 0.598 ms (vp = 2), 10 µs output grid.
        #expect(abs(s.maximum - 1e-3 * log(10)) < 2e-5 && abs(s.minimum - 1e-3 * log(1 / 0.55)) < 2e-5)
        #expect(abs(s.mean - (s.maximum + s.minimum) / 2) < 1e-15)
        let table = SweepWorkflow.summaryTable([s])
        #expect(table.hasPrefix("measure,count,missing,mean,std,min,q05,median,q95,max\nt1,2,1,"))
    }

    @Test("a stepped sweep draws each measure against the first parameter, one line per value of the second")
    func steppedChart() throws {
        let r = try Self.run("""
        rc
        v1 in 0 PULSE(0 1 0 1n 1n 1 2)
        r1 in out {r}
        c1 out 0 {c}
        .param r=1k c=1u
        .step param r list 1k 2k 4k
        .step param c list 1u 2u
        .tran 20u 20m
        .meas tran t63 WHEN v(out)=0.632 RISE=1
        .end
        """)
        let charts = SweepWorkflow.charts(r)
        #expect(charts.map(\.name) == ["t63-vs-r.svg"])
        let svg = charts.first?.svg ?? ""
        #expect(svg.contains("c=1µ") && svg.contains("c=2µ"), "legend per value of c")
        // The measure itself: t63 = RC at every point (20 µs output grid).
        for p in r.points {
            let rv = p.point.parameters.first { $0.name == "r" }?.value ?? 0, cv = p.point.parameters.first { $0.name == "c" }?.value ?? 0
            let t = p.measures.first { $0.name == "t63" }?.value ?? .nan
            #expect(abs(t / (rv * cv) - 1) < 5e-3, "r=\(rv) c=\(cv): \(t)")
        }
    }

    @Test("lithic run writes summary.csv and prints it; --plot writes the charts")
    func commandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-sweep-summary-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let net = dir.appendingPathComponent("mc.cir")
        try "mc\ni1 0 a 1m\nr1 a 0 {agauss(1k, 100, 1)}\n.mc 50 seed=2\n.dc i1 1m 1m 1m\n.meas dc va FIND v(a) AT=1m\n.end\n".write(to: net, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let (status, stdout, err) = try runProcess(Repository.binary, ["run", net.path, "-o", out.path, "--plot", "--quiet"])
        #expect(status == 0, "\(err)")
        #expect(stdout.contains("va: n=50"), "\(stdout)")
        let summary = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
        #expect(summary.contains("\nva,50,0,"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("hist-va.svg").path))
    }
}
