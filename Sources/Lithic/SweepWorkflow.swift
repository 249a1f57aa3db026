import Dispatch
import FoundationEssentials
import Glibc
import LithicCore
import Netlist
import Elaboration
import Analyses

/// `lithic run` on a netlist with `.step` or `.mc` cards: every point of the `SweepPlan`,
/// elaborated from the one parsed `SyntaxTree` with the point's `.param` overrides (and
/// temperature, and Monte Carlo sampler), simulated in parallel, and written as
///
/// - `steps.csv`: one row per point — `step` (1-based), the stepped parameters (and `temp`),
///   `run` and `seed` for a Monte Carlo, every `.measure` by name, `status` (`ok`/`failed`) and
///   `error`; numbers in Swift's shortest round-trip form, empty for a failed measure;
/// - `step-0001/…`: the point's own outputs, as a single `lithic run` writes them
///   (`tran.csv`, `ac.csv`, …, `measures.json`);
/// - `<analysis>.csv` at the top: the long table of every point's waveforms, the first column
///   `step` (what pandas' `groupby("step")` and spicelib-style per-step plotting expect);
/// - `summary.csv` (and on stdout): each measure's distribution over the points (SweepSummary.swift);
/// - with `--plot`: each measure against the first stepped parameter, or its histogram for a
///   Monte Carlo (`hist-NAME.svg`).
///
/// A point that fails (its elaboration or its simulation) does not stop the others: its row says
/// why. Results do not depend on the number of jobs: each point's outcome is a function of the
/// tree, the point and its seed only.
public enum SweepWorkflow {
    /// The outcome of one point.
    public struct PointResult: Sendable {
        public var point: SweepPlan.Point
        public var measures: [MeasureResult] = []
        /// nil when the point ran.
        public var error: String?
        /// The point's output files (relative to the sweep folder), per analysis file name.
        public var files: [String] = []
        /// Variates drawn for the point (Monte Carlo).
        public var draws = 0
    }

    /// A finished sweep.
    public struct Result: Sendable {
        public var plan: SweepPlan
        public var points: [PointResult]
        public var failed: Int { points.filter { $0.error != nil }.count }
    }

    /// What `lithic run` should do with a netlist.
    public enum Prepared {
        /// No `.step`/`.mc` card: the elaborated circuit, for the ordinary run.
        case single(Circuit)
        /// The sweep ran and its outputs are written: the exit status (0, or 2 when a point failed).
        case swept(status: Int32)
    }

    /// Parses `path`; without sweep cards elaborates it (as `NetlistRun.prepare`), with them
    /// runs the whole sweep into `output` (default `<netlist>.out`).
    public static func prepareOrRun(path: String, parameters: [String: Double], output: String?, jobs: Int?, quiet: Bool, plot: Bool = false,
                                    catalog: DeviceCatalog = NetlistRun.standardCatalog) throws -> Prepared {
        let tree = try NetlistParser.parse(path: path)
        let loaded = try NetlistRun.catalog(catalog, loading: tree)
        guard let plan = try SweepPlan.resolve(tree, overrides: parameters) else {
            return .single(try Elaborator.elaborate(tree, catalog: loaded, overrides: parameters))
        }
        let directory = output ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".out"
        let workers = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        if !quiet {
            for w in tree.warnings { StandardError.write("\(w)\n") }
            var text = "sweep: \(plan.count) point\(plan.count == 1 ? "" : "s") on \(min(workers, plan.count)) job\(workers == 1 ? "" : "s")"
            if let mc = plan.monteCarlo { text += ", Monte Carlo \(mc.runs) runs, seed \(mc.seed)\(mc.latinHypercube ? ", Latin hypercube" : "")" }
            StandardError.write(text + "\n")
        }
        let started = Date()
        let reporter = SweepProgress(total: plan.count, enabled: !quiet)
        let result = run(tree: tree, plan: plan, catalog: loaded, parameters: parameters, jobs: workers, directory: directory,
                         progress: { reporter.report($0) })
        let table = steps(result)
        try AtomicFile.write(table, to: "\(directory)/steps.csv")
        try writeLongTables(result, directory: directory)
        let summary = summaries(result)
        if !summary.isEmpty {
            try AtomicFile.write(summaryTable(summary), to: "\(directory)/summary.csv")
            print(summaryText(summary), terminator: "")
        }
        if plot { for (name, svg) in charts(result) { try AtomicFile.write(svg, to: "\(directory)/\(name)") } }
        if !quiet {
            for p in result.points where p.error != nil {
                StandardError.write("step \(p.point.index) failed: \(p.error ?? "")\n")
            }
            StandardError.write(String(format: "sweep: %d of %d points ran, %d failed, %.3f s\n", result.points.count - result.failed,
                                       result.points.count, result.failed, Date().timeIntervalSince(started)))
            StandardError.write("wrote \(directory)/steps.csv\(summary.isEmpty ? "" : ", summary.csv")\n")
        }
        return .swept(status: result.failed > 0 ? 2 : 0)
    }

    /// Runs the sweep when the netlist at `path` has `.step`/`.mc` cards and returns the exit
    /// status (0, or 2 when a point failed); nil when it has none (run it the ordinary way).
    public static func runIfSwept(path: String, parameters: [String: Double], output: String?, jobs: Int?, quiet: Bool, plot: Bool = false) throws -> Int32? {
        let tree = try NetlistParser.parse(path: path)
        guard try SweepPlan.resolve(tree, overrides: parameters) != nil else { return nil }
        guard case .swept(let status) = try prepareOrRun(path: path, parameters: parameters, output: output, jobs: jobs, quiet: quiet, plot: plot) else { return nil }
        return status
    }

    /// Runs every point of `plan` on `jobs` threads. With `directory`, each point's outputs go
    /// to `directory/step-NNNN/`.
    public static func run(tree: SyntaxTree, plan: SweepPlan, catalog: DeviceCatalog, parameters: [String: Double] = [:],
                           jobs: Int, directory: String?, progress: ((Int) -> Void)? = nil) -> Result {
        let n = plan.count
        let box = SweepResultsBox(count: n)
        let workers = max(1, min(jobs, n))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = box.next() {
                let r = runPoint(i, tree: tree, plan: plan, catalog: catalog, parameters: parameters, directory: directory)
                let done = box.set(i, r)
                progress?(done)
            }
        }
        let points = (0..<n).map { box.results[$0] ?? PointResult(point: plan.point($0), error: "not run") }
        return Result(plan: plan, points: points)
    }

    /// Elaborates, simulates and (with `directory`) writes one point.
    static func runPoint(_ i: Int, tree: SyntaxTree, plan: SweepPlan, catalog: DeviceCatalog, parameters: [String: Double],
                         directory: String?) -> PointResult {
        let point = plan.point(i)
        var result = PointResult(point: point)
        do {
            let pointTree = plan.tree(for: point, from: tree)
            let overrides = plan.overrides(for: point, base: parameters)
            let sampler = plan.sampler(for: point)
            let circuit = try StatisticalSampler.$current.withValue(sampler) {
                try Elaborator.elaborate(pointTree, catalog: catalog, overrides: overrides)
            }
            result.draws = sampler?.draws ?? 0
            let run = try NetlistRun.simulate(circuit: circuit)
            result.measures = run.measures
            if let directory {
                let folder = String(format: "step-%04d", point.index)
                var kindCount: [String: Int] = [:]
                for plot in run.outcome.plots {
                    kindCount[plot.kind, default: 0] += 1
                    let k = kindCount[plot.kind] ?? 1
                    let name = "\(plot.kind)\(k > 1 ? "\(k)" : "").csv"
                    try AtomicFile.write(OutputWriters.csv(run.filtered(plot)), to: "\(directory)/\(folder)/\(name)")
                    result.files.append(name)
                }
                if !run.measures.isEmpty {
                    try AtomicFile.write(OutputWriters.measuresJSON(run.measures), to: "\(directory)/\(folder)/measures.json")
                }
            }
            if let failure = run.outcome.failure { result.error = "\(failure)" }
        } catch {
            result.error = "\(error)"
        }
        return result
    }

    /// `steps.csv`: one row per point (see the type's documentation).
    public static func steps(_ result: Result) -> String {
        var measureNames: [String] = []
        for p in result.points { for m in p.measures where !measureNames.contains(m.name) { measureNames.append(m.name) } }
        let plan = result.plan
        var header = ["step"] + plan.dimensions.map(\.name)
        if plan.monteCarlo != nil { header += ["run", "seed"] }
        header += measureNames + ["status", "error"]
        var out = header.map(csvField).joined(separator: ",") + "\n"
        for p in result.points {
            var row = ["\(p.point.index)"]
            for d in plan.dimensions {
                let v = d.isTemperature ? p.point.temperature : p.point.parameters.first { $0.name == d.name }?.value
                row.append(v.map { "\($0)" } ?? "")
            }
            if plan.monteCarlo != nil { row += [p.point.run.map { "\($0)" } ?? "", p.point.seed.map { "\($0)" } ?? ""] }
            for name in measureNames {
                let v = p.measures.first { $0.name == name }?.value
                row.append(v.map { "\($0)" } ?? "")
            }
            row.append(p.error == nil ? "ok" : "failed")
            row.append(csvField(p.error ?? ""))
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    /// One CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }

    /// The long tables `<analysis>.csv` (first column `step`) from the points' own files.
    static func writeLongTables(_ result: Result, directory: String) throws {
        var names: [String] = []
        for p in result.points { for f in p.files where !names.contains(f) { names.append(f) } }
        for name in names {
            var header: String?
            var body = ""
            for p in result.points where p.files.contains(name) {
                let path = "\(directory)/" + String(format: "step-%04d", p.point.index) + "/\(name)"
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
                guard !lines.isEmpty else { continue }
                let head = String(lines.removeFirst())
                if header == nil { header = head }
                guard head == header else { continue }  // a point with other vectors stays in its folder only
                let prefix = "\(p.point.index),"
                for line in lines { body += prefix; body += line; body += "\n" }
            }
            if let header { try AtomicFile.write("step," + header + "\n" + body, to: "\(directory)/\(name)") }
        }
    }
}

/// Per-point results filled in by the workers, and the next point to take.
final class SweepResultsBox: @unchecked Sendable {
    private let lock = Lock()
    private(set) var results: [SweepWorkflow.PointResult?]
    private var nextIndex = 0
    private var completed = 0
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func next() -> Int? {
        lock.withLock {
            guard nextIndex < results.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }
    func set(_ i: Int, _ r: SweepWorkflow.PointResult) -> Int {
        lock.withLock { results[i] = r; completed += 1; return completed }
    }
}

/// `sweep: 12/100 points` on stderr: redrawn in place on a terminal at most five times a second,
/// otherwise one line per tenth of the sweep.
final class SweepProgress: @unchecked Sendable {
    let total: Int
    let enabled: Bool
    let terminal: Bool
    private let lock = Lock()
    private var lastDraw = Date.distantPast
    private var lastTenth = 0
    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
        terminal = isatty(2) == 1
    }
    func report(_ done: Int) {
        guard enabled else { return }
        lock.withLock {
            if terminal {
                let now = Date()
                guard done == total || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
                lastDraw = now
                StandardError.write("\r\u{1B}[Ksweep: \(done)/\(total) points done" + (done == total ? "\n" : ""))
            } else {
                let tenth = done * 10 / max(total, 1)
                guard tenth > lastTenth else { return }
                lastTenth = tenth
                StandardError.write("sweep: \(done)/\(total) points done\n")
            }
        }
    }
}
