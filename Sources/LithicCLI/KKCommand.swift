import ArgumentParser
import FoundationEssentials
import Glibc
import Lithic

struct KK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kk",
        abstract: "Kramers-Kronig validation of a spectrum (lin-KK, Schönleber 2014, downward search for M).")

    @Argument(help: "Spectrum file.") var file: String
    @Option(help: "μ cut-off c.") var cutoff: Double = 0.85
    @Option(help: "Residual threshold for the verdict (relative to |Z|).") var threshold: Double = 0.01
    @Flag(help: "Leave out the series capacitance.") var noCapacitance = false
    @Flag(help: "Leave out the series inductance.") var noInductance = false
    @Option(help: "Largest number of RC elements M to try (default and ceiling: N − series elements, what N points support).") var maxElements: Int?
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String = "kk.out"
    @Flag(help: "Write an SVG plot of the residuals.") var plot = false

    func run() throws {
        guard cutoff > 0, cutoff < 1 else { throw InputError(.commandLine, "--cutoff must be in (0, 1)") }
        guard threshold > 0, threshold.isFinite else { throw InputError(.commandLine, "--threshold must be positive") }
        if let m = maxElements, m < 1 { throw InputError(.commandLine, "--max-elements must be at least 1") }
        let s = try FitWorkflow.load(file, dropInductive: false)
        let r = try KramersKronigTest.run(frequencies: s.frequencies, impedances: s.impedances, cutoff: cutoff,
                                          maximumElements: maxElements, capacitance: !noCapacitance, inductance: !noInductance)
        let stem = "\(output)/\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)"
        var csv = "frequency,z_real,z_imag,kk_real,kk_imag,residual_real,residual_imag\n"
        for i in 0..<s.count {
            csv += String(format: "%.10e,%.10e,%.10e,%.10e,%.10e,%.6e,%.6e\n", s.frequencies[i], s.impedances[i].real, s.impedances[i].imaginary,
                          r.fitted[i].real, r.fitted[i].imaginary, r.residualReal[i], r.residualImaginary[i])
        }
        try AtomicFile.write(csv, to: stem + ".kk.csv")
        let verdict = r.passes(threshold: threshold) ? "PASS" : "FAIL"
        print(String(format: "%@: %@ (M = %d, μ = %.3f, pseudo-χ² = %.3e, max |Δ| = %.3e, rms = %.3e, threshold %.3g)", file, verdict, r.elements, r.mu,
                     r.pseudoChiSquare, r.maximumResidual, r.rmsResidual, threshold))
        print("  \(r.elementBound.description); tried M = 1…\(r.elementBound.maximum)")
        var fields: [(String, String)] = [
            ("file", KKDRTJSON.string(file)), ("verdict", KKDRTJSON.string(verdict)), ("threshold", KKDRTJSON.number(threshold)),
            ("points", "\(s.count)"), ("elements", "\(r.elements)"), ("maximum_elements", "\(r.elementBound.maximum)"),
            ("element_bound", KKDRTJSON.string(r.elementBound.description)), ("mu", KKDRTJSON.number(r.mu)), ("cutoff", KKDRTJSON.number(cutoff)),
            ("pseudo_chi_square", KKDRTJSON.number(r.pseudoChiSquare)), ("max_residual", KKDRTJSON.number(r.maximumResidual)),
            ("rms_residual", KKDRTJSON.number(r.rmsResidual)), ("series_resistance", KKDRTJSON.number(r.seriesResistance)),
        ]
        if let c = r.capacitance { fields.append(("capacitance", KKDRTJSON.number(c))) }
        if let l = r.inductance { fields.append(("inductance", KKDRTJSON.number(l))) }
        if plot {
            var chart = LineChart(title: "lin-KK residuals: \(URL(fileURLWithPath: file).lastPathComponent)", xLabel: "frequency (Hz)", yLabel: "Δ/|Z|", logX: true)
            chart.series.append(.init(name: "Δ' real", x: s.frequencies, y: r.residualReal))
            chart.series.append(.init(name: "Δ'' imaginary", x: s.frequencies, y: r.residualImaginary))
            try AtomicFile.write(chart.svg(), to: stem + ".kk.svg")
        }
        if let d = try KramersKronigDiagnosis.diagnose(frequencies: s.frequencies, impedances: s.impedances, result: r, threshold: threshold,
                                                       cutoff: cutoff, capacitance: !noCapacitance, inductance: !noInductance) {
            let listed = d.flagged.sorted { s.frequencies[$0] > s.frequencies[$1] }.map { i in
                String(format: "%.4g Hz (%.1f %%)", s.frequencies[i], 100 * max(abs(r.residualReal[i]), abs(r.residualImaginary[i])))
            }
            let band = d.flagged.map { s.frequencies[$0] }
            let inBand = s.frequencies.filter { $0 >= (band.min() ?? 0) && $0 <= (band.max() ?? 0) }.count
            fields.append(("diagnosis", KKDRTJSON.string(String(describing: d.pattern))))
            fields.append(("flagged_hz", "[" + d.flagged.map { KKDRTJSON.number(s.frequencies[$0]) }.joined(separator: ", ") + "]"))
            print(String(format: "  %d of the %d points between %.4g Hz and %.4g Hz are at or above the threshold, %@:", d.flagged.count, inBand,
                         band.min() ?? 0, band.max() ?? 0, d.pattern.rawValue))
            print("    " + listed.joined(separator: ", "))
            if let rest = d.withoutFlagged {
                print(String(format: "  without them: %@ (M = %d, max |Δ| = %.3e, rms = %.3e); the verdict above stands — leaving points out is your call",
                             rest.passes(threshold: threshold) ? "PASS" : "FAIL", rest.elements, rest.maximumResidual, rest.rmsResidual))
            } else {
                print("  too many points for a test without them (more than a quarter of the spectrum)")
            }
        }
        try AtomicFile.write(KKDRTJSON.object(fields), to: stem + ".kk.json")
        if !r.passes(threshold: threshold) { throw ExitCode(3) }
    }
}

/// The few JSON pieces `lithic kk` and `lithic drt` write (numbers, strings, flat objects).
enum KKDRTJSON {
    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
    static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
    static func object(_ fields: [(String, String)]) -> String {
        "{\n" + fields.map { "  \(string($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}
