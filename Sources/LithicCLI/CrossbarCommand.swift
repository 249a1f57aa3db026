import ArgumentParser
import Foundation
import Lithic

struct CrossbarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossbar",
        abstract: "Read a crossbar (vector-matrix multiply with IR drop): column currents against the ideal product.")

    @Option(help: "Rows (word lines).") var rows: Int = 64
    @Option(help: "Columns (bit lines).") var columns: Int = 64
    @Option(help: "Wire resistance per segment (Ω).") var rwire: Double = 2.5
    @Option(help: "Row driver resistance (Ω).") var rdriver: Double = 2.5
    @Option(help: "Sense (column) resistance (Ω).") var rsense: Double = 1e-3
    @Option(help: "Conductance matrix CSV (rows × columns, S); default random in [gmin, gmax].") var weights: String?
    @Option(help: "Lowest random conductance (S).") var gmin: Double = 1e-5
    @Option(help: "Highest random conductance (S).") var gmax: Double = 1e-4
    @Option(help: "Row input voltages CSV (one per row); default all --vread.") var inputs: String?
    @Option(help: "Read voltage (V) when --inputs is not given.") var vread: Double = 0.2
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Write the array as a SPICE netlist here.") var emit: String?
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "crossbar.out"
    @Flag(help: "Write SVG heatmaps (conductance, cell-voltage ratio).") var plot = false

    func readMatrix(_ path: String) throws -> [Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read '\(path)'")
        }
        var out: [Double] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            for (c, field) in t.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" }).enumerated() {
                guard let v = Double(field) else {
                    throw InputError(SourceLocation(file: path, line: n + 1, column: c + 1), "'\(field)' is not a number")
                }
                out.append(v)
            }
        }
        return out
    }

    func run() throws {
        guard rows >= 1, columns >= 1, rows * columns <= 4_200_000 else { throw InputError(.commandLine, "rows × columns must be between 1 and 4.2e6") }
        var rng = SplitMix64(seed: seed)
        let g = try weights.map(readMatrix) ?? (0..<(rows * columns)).map { _ in gmin * pow(gmax / gmin, rng.nextUniform()) }
        let v = try inputs.map(readMatrix) ?? [Double](repeating: vread, count: rows)
        guard v.count == rows else { throw InputError(.commandLine, "\(v.count) inputs for \(rows) rows") }
        var array = CrossbarArray(rows: rows, columns: columns, cells: .conductances(g))
        array.wireResistance = rwire; array.driverResistance = rdriver; array.senseResistance = rsense
        if let emit { try AtomicFile.write(array.netlist(inputs: v), to: emit) }
        let began = Date()
        let r = try array.read(inputs: v)
        let seconds = Date().timeIntervalSince(began)
        var csv = "column,current,ideal,relative_error\n"
        for j in 0..<columns { csv += String(format: "%d,%.12e,%.12e,%.6e\n", j, r.currents[j], r.ideal[j], r.relativeError[j]) }
        try AtomicFile.write(csv, to: "\(output)/currents.csv")
        let minRatio = r.cellVoltageRatio.min() ?? 1
        let json = String(format: "{\n  \"rows\": %d,\n  \"columns\": %d,\n  \"unknowns\": %d,\n  \"rms_relative_error\": %.6e,\n  \"max_relative_error\": %.6e,\n  \"worst_cell_voltage_ratio\": %.6f,\n  \"power_w\": %.6e,\n  \"seconds\": %.4f\n}\n",
                          rows, columns, r.statistics.unknowns, r.rmsRelativeError, r.relativeError.map(abs).max() ?? 0, minRatio, r.power, seconds)
        try AtomicFile.write(json, to: "\(output)/metrics.json")
        if plot {
            try AtomicFile.write(Heatmap(title: "Conductance", rows: rows, columns: columns, values: g, label: "G (S)").svg(), to: "\(output)/conductance.svg")
            try AtomicFile.write(Heatmap(title: "Cell voltage / applied (IR drop)", rows: rows, columns: columns, values: r.cellVoltageRatio, label: "ratio").svg(),
                                 to: "\(output)/ir-drop.svg")
        }
        print(String(format: "crossbar %d×%d (%d unknowns): read in %.3f s; VMM error rms %.3e, max %.3e of the largest column; worst cell sees %.2f%% of its input; %.3e W",
                     rows, columns, r.statistics.unknowns, seconds, r.rmsRelativeError, r.relativeError.map(abs).max() ?? 0, minRatio * 100, r.power))
    }
}
