import Foundation
import Testing
@testable import Lithic
@testable import Charts

/// Each plot kind rendered and its structure checked: axes and units, one axis per quantity,
/// equal aspect for Nyquist, Bode phase, per-cycle panels, heatmap colour map, ticks and colour bar.
@Suite("Charts: structure of every plot kind")
struct ChartTests {
    /// Occurrences of `needle` in `text`.
    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// The texts of elements of an SVG class, in order.
    static func texts(_ cls: String, in svg: String) -> [String] {
        svg.components(separatedBy: "class=\"\(cls)\"").dropFirst().compactMap { part in
            guard let open = part.firstIndex(of: ">"), let close = part.range(of: "</text>") else { return nil }
            return String(part[part.index(after: open)..<close.lowerBound])
        }
    }

    @Test("Nyquist: one ohm is as long on x as on y, whatever the data's spans")
    func nyquistEqualAspect() {
        var chart = LineChart(title: "Nyquist", xLabel: "Z' (Ω)", yLabel: "−Z'' (Ω)")
        chart.equalAspect = true
        let theta = stride(from: 0.0, through: Double.pi, by: 0.05).map { $0 }
        chart.series = [.init(name: "RC", x: theta.map { 10 + 50 * (1 - cos($0)) }, y: theta.map { 50 * sin($0) })]
        let (_, _, pw, ph) = chart.frame
        let r = chart.ranges(plotWidth: pw, plotHeight: ph)
        let perPixelX = (r.xmax - r.xmin) / pw, perPixelY = (r.ymax - r.ymin) / ph
        #expect(abs(perPixelX / perPixelY - 1) < 1e-12)
        // The whole arc is inside the axes.
        #expect(r.xmin <= 10 && r.xmax >= 110 && r.ymin <= 0 && r.ymax >= 50)
        let svg = chart.svg()
        #expect(svg.contains("Z' (Ω)") && svg.contains("−Z'' (Ω)"))
    }

    @Test("the legend column is as wide as the longest name")
    func legendNotClipped() {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y")
        let long = "interphase(y.xcell.yanode.some.deep.hierarchy)"
        chart.series = [.init(name: "a", x: [0, 1], y: [0, 1]), .init(name: long, x: [0, 1], y: [1, 0])]
        let (left, _, pw, _) = chart.frame
        // Legend text starts at left + pw + 38 and needs about 7 px per character.
        let needed: Double = left + pw + 38 + 6.5 * Double(long.count)
        #expect(needed <= chart.width)
    }

    @Test("AC plots are Bode plots: magnitude in dB and phase in degrees on log frequency")
    func bode() throws {
        let run = try simulate("""
        rc
        V1 in 0 AC 1
        R1 in out 1k
        C1 out 0 1u
        .ac dec 10 1 100k
        .end
        """)
        let ac = try #require(run.outcome.plots.first { $0.kind == "ac" })
        let charts = OutputWriters.charts(ac, title: "rc", names: [])
        let svg = try #require(charts.first { $0.suffix == "" }?.svg)
        #expect(Self.count("class=\"panel\"", in: svg) == 2)
        #expect(svg.contains("|voltage| (dBV)") && svg.contains("phase (°)") && svg.contains("frequency (Hz)"))
        // Decade ticks on the frequency axis.
        #expect(Self.texts("xtick", in: svg).contains("1k"))
        // The RC output's phase goes to −90° (unwrapped, no jump).
        let phase = OutputWriters.unwrappedPhase(re: ac.vector("v(out)")?.real ?? [], im: ac.vector("v(out)")?.imaginary ?? [])
        #expect(abs((phase.last ?? 0) + 90) < 1)
    }

    static let cycling = """
    cell
    Xcell p 0 ssbcell area=1e-4 pressure=5meg soc0=0 hli=20e-6
    .include \(Repository.root.appendingPathComponent("netlists/lib/ssb.lib").path)
    .experiment p 0 "Charge at 1C until 4.2 V" "Discharge at 1C until 3.6 V" capacity=4e-3 repeat=3
    .end
    """

    @Test("cycling: voltage, currents and each state on their own axes, time in minutes or hours; per-cycle figure")
    func cycling() throws {
        let run = try NetlistRun.run(text: Self.cycling)
        let trace = try #require(run.outcome.plots.first { $0.kind == "cycler" })
        let svg = try #require(OutputWriters.charts(trace, title: "cell", names: []).first?.svg)
        let panels = Self.count("class=\"panel\"", in: svg)
        #expect(panels >= 4)
        // The terminal voltage's panel holds one series; a state (dead lithium) is in a panel of its own.
        let titles = Self.texts("title", in: svg)
        #expect(titles.first == "terminal voltage v(p)")
        #expect(titles.contains { $0.hasPrefix("dead(") })
        // Three 1C cycles: about two hours, shown in minutes (hours from 3 h, days from 3 days).
        let span = (trace.vectors[0].real.last ?? 0) - (trace.vectors[0].real.first ?? 0)
        #expect(Self.texts("xlabel", in: svg) == ["time (\(TimeAxis.unit(forSpan: span).unit))"])
        #expect(span > 600 && Self.texts("xlabel", in: svg) != ["time (s)"])
        let cycles = try #require(run.outcome.plots.first { $0.kind == "cycles" })
        let table = try #require(OutputWriters.charts(cycles, title: "cell", names: []).first?.svg)
        let names = Self.texts("title", in: table)
        #expect(names.starts(with: ["capacity", "capacity retention", "coulombic efficiency", "mean voltage"]))
        #expect(table.contains("retention (%)") && table.contains("efficiency (%)") && table.contains("capacity (Ah)"))
        #expect(Self.texts("xlabel", in: table) == ["cycle"])
        #expect(Self.count("<circle", in: table) >= 3 * 6)  // every cycle marked
    }

    @Test("time axes pick s, min, h or days")
    func timeUnits() {
        #expect(TimeAxis.unit(forSpan: 30).unit == "s")
        #expect(TimeAxis.unit(forSpan: 3600).unit == "min")
        #expect(TimeAxis.unit(forSpan: 86400).unit == "h")
        #expect(TimeAxis.unit(forSpan: 30 * 86400).unit == "days")
    }

    @Test("heatmaps: sequential map for one-signed data, diverging for both signs; ticks and units")
    func heatmap() {
        let g = (0..<(16 * 12)).map { 1e-5 + Double($0) * 1e-7 }
        let map = Heatmap(title: "Conductance", rows: 16, columns: 12, values: g, label: "G (S)")
        #expect(!map.isDiverging)
        let svg = map.svg()
        // viridis ends (dark purple, yellow), no white.
        #expect(svg.contains(Heatmap.sequential(0)) && svg.contains(Heatmap.sequential(1)))
        #expect(!svg.contains("#ffffff\"/>"))
        #expect(Self.texts("rowtick", in: svg).contains("0") && Self.texts("rowtick", in: svg).contains("15"))
        #expect(Self.texts("coltick", in: svg).contains("11"))
        #expect(Self.texts("bartick", in: svg).allSatisfy { $0.hasSuffix("S") })
        #expect(Self.texts("bartick", in: svg).contains { $0.contains("µS") })
        #expect(Self.texts("barlabel", in: svg) == ["G (S)"])
        let errors = Heatmap(title: "Error", rows: 2, columns: 2, values: [-0.1, 0.05, 0, 0.1], label: "error")
        #expect(errors.isDiverging)
        #expect(errors.svg().contains(Heatmap.diverging(0.5)))
    }

    @Test("lithic crossbar --operation transient --plot draws the drive, the column currents and the I–V loop")
    func crossbarTransient() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lithic-xbar-tran-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, _, err) = try runProcess(Repository.binary, ["crossbar", "--rows", "4", "--columns", "4", "--operation", "transient",
                                                                 "--model", "level=10", "--vread", "1.2", "--plot", "--quiet", "-o", dir.path])
        #expect(status == 0, "\(err)")
        let transient = try String(contentsOf: dir.appendingPathComponent("transient.svg"), encoding: .utf8)
        #expect(Self.count("class=\"series\"", in: transient) == 4 + 4)  // 4 row drives, 4 columns
        #expect(transient.contains("time (µs)") && transient.contains("current (A)") && transient.contains("voltage (V)"))
        let loop = try String(contentsOf: dir.appendingPathComponent("iv.svg"), encoding: .utf8)
        #expect(Self.count("class=\"series\"", in: loop) == 4)
        let (_, help, _) = try runProcess(Repository.binary, ["crossbar", "--help"])
        #expect(!help.contains("--glow") && !help.contains("--ghigh") && help.contains("transient"))
    }
}
