import FoundationEssentials
import Glibc
import Charts
import Elaboration

/// The distribution of each `.measure` over a sweep's points, and the sweep's charts.
///
/// Statistics are over the points where the measure has a value (failed points and failed
/// measures are counted, not used): mean, sample standard deviation (n − 1), minimum, the 5 %,
/// 50 % and 95 % quantiles (linear interpolation between order statistics, NumPy's default
/// "linear" method, so pandas' `quantile` gives the same numbers) and maximum.
extension SweepWorkflow {
    public struct MeasureSummary: Sendable, Equatable {
        public var name: String
        /// Points with a value, and points without one (failed point or measure).
        public var count: Int
        public var missing: Int
        public var mean: Double
        public var standardDeviation: Double
        public var minimum: Double
        public var quantile05: Double
        public var median: Double
        public var quantile95: Double
        public var maximum: Double
    }

    /// The measures in the order they first appear, each with its values in point order.
    static func measureColumns(_ result: Result) -> [(name: String, values: [Double?])] {
        var names: [String] = []
        for p in result.points { for m in p.measures where !names.contains(m.name) { names.append(m.name) } }
        return names.map { name in
            (name, result.points.map { p in p.error == nil ? p.measures.first { $0.name == name }?.value.flatMap { $0.isFinite ? $0 : nil } : nil })
        }
    }

    /// The q-quantile (0…1) of sorted values, NumPy's "linear" method.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        guard sorted.count > 1 else { return first }
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    public static func summaries(_ result: Result) -> [MeasureSummary] {
        measureColumns(result).map { name, column in
            let v = column.compactMap { $0 }
            let sorted = v.sorted()
            let n = Double(v.count)
            let mean = v.isEmpty ? .nan : v.reduce(0, +) / n
            let variance = v.count > 1 ? v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : .nan
            return MeasureSummary(name: name, count: v.count, missing: column.count - v.count, mean: mean, standardDeviation: variance.squareRoot(),
                                  minimum: sorted.first ?? .nan, quantile05: quantile(sorted, 0.05), median: quantile(sorted, 0.5),
                                  quantile95: quantile(sorted, 0.95), maximum: sorted.last ?? .nan)
        }
    }

    /// `summary.csv`: one row per measure.
    public static func summaryTable(_ s: [MeasureSummary]) -> String {
        var out = "measure,count,missing,mean,std,min,q05,median,q95,max\n"
        for m in s {
            out += [csvField(m.name), "\(m.count)", "\(m.missing)"].joined(separator: ",") + ","
            out += [m.mean, m.standardDeviation, m.minimum, m.quantile05, m.median, m.quantile95, m.maximum].map { $0.isNaN ? "" : "\($0)" }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// The summary as the terminal shows it (four significant digits).
    public static func summaryText(_ s: [MeasureSummary]) -> String {
        guard !s.isEmpty else { return "" }
        func g(_ x: Double) -> String { x.isNaN ? "-" : String(format: "%.4g", x) }
        var out = "measure: n, mean ± σ, [min, q05, median, q95, max]\n"
        for m in s {
            out += "  \(m.name): n=\(m.count)\(m.missing > 0 ? " (\(m.missing) missing)" : ""), \(g(m.mean)) ± \(g(m.standardDeviation)), "
            out += "[\(g(m.minimum)), \(g(m.quantile05)), \(g(m.median)), \(g(m.quantile95)), \(g(m.maximum))]\n"
        }
        return out
    }

    /// The sweep's charts: for a Monte Carlo a histogram of every measure; for stepped
    /// parameters every measure against the first stepped dimension (logarithmic when its
    /// values span more than two decades and are positive), one line per combination of the
    /// other dimensions' values.
    public static func charts(_ result: Result) -> [(name: String, svg: String)] {
        let columns = measureColumns(result)
        var charts: [(String, String)] = []
        let safe: (String) -> String = { String($0.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }) }
        if result.plan.monteCarlo != nil {
            for (name, column) in columns {
                let v = column.compactMap { $0 }
                guard v.count >= 2 else { continue }
                charts.append(("hist-\(safe(name)).svg", histogram(name: name, values: v)))
            }
            return charts
        }
        guard let first = result.plan.dimensions.first else { return [] }
        let others = Array(result.plan.dimensions.dropFirst())
        func value(_ p: PointResult, _ d: SweepPlan.Dimension) -> Double? {
            d.isTemperature ? p.point.temperature : p.point.parameters.first { $0.name == d.name }?.value
        }
        let positive = first.values.allSatisfy { $0 > 0 }
        let logX = positive && (first.values.max() ?? 1) / (first.values.min() ?? 1) > 100
        for (name, column) in columns {
            var chart = LineChart(title: "\(name) against \(first.name)", xLabel: first.isTemperature ? "temperature (°C)" : first.name, yLabel: name, logX: logX)
            var groups: [String: (x: [Double], y: [Double])] = [:]
            var order: [String] = []
            for (p, y) in zip(result.points, column) {
                guard let y, let x = value(p, first) else { continue }
                let label = others.map { d in "\(d.name)=\(value(p, d).map { LineChart.label($0) } ?? "?")" }.joined(separator: ", ")
                if groups[label] == nil { order.append(label) }
                groups[label, default: ([], [])].x.append(x)
                groups[label, default: ([], [])].y.append(y)
            }
            guard !order.isEmpty else { continue }
            for label in order {
                guard let g = groups[label] else { continue }
                var s = LineChart.Series(name: label, x: g.x, y: g.y)
                s.lineAndMarkers = true
                chart.series.append(s)
            }
            charts.append(("\(safe(name))-vs-\(safe(first.name)).svg", chart.svg()))
        }
        return charts
    }

    /// A histogram (Freedman–Diaconis bin width, 5 to 60 bins) drawn as a step outline, with the
    /// mean marked.
    static func histogram(name: String, values: [Double]) -> String {
        let sorted = values.sorted()
        let lo = sorted.first ?? 0, hi = sorted.last ?? 1
        let iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25)
        var bins = 10
        if iqr > 0, hi > lo {
            let width = 2 * iqr / pow(Double(sorted.count), 1.0 / 3)
            bins = min(60, max(5, Int(((hi - lo) / width).rounded(.up))))
        }
        let span = hi > lo ? hi - lo : max(abs(lo), 1) * 1e-6
        var counts = [Double](repeating: 0, count: bins)
        for v in sorted { counts[min(bins - 1, max(0, Int((v - lo) / span * Double(bins))))] += 1 }
        var x: [Double] = [lo], y: [Double] = [0]
        for k in 0..<bins {
            let a = lo + span * Double(k) / Double(bins), b = lo + span * Double(k + 1) / Double(bins)
            x += [a, b]; y += [counts[k], counts[k]]
        }
        x.append(lo + span); y.append(0)
        var chart = LineChart(title: "\(name): \(sorted.count) Monte Carlo runs", xLabel: name, yLabel: "runs per bin")
        chart.series = [LineChart.Series(name: "", x: x, y: y)]
        let mean = sorted.reduce(0, +) / Double(sorted.count)
        chart.annotations = [LineChart.Annotation(x: mean, y: counts.max() ?? 0, text: "mean \(LineChart.label(mean))")]
        return chart.svg()
    }
}
