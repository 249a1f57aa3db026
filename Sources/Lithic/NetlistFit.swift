import ComplexModule
import FoundationEssentials
import Glibc
import Analyses
import Elaboration
import Fitting
import LithicCore
import Netlist

/// Fitting a netlist's physical parameters to a measured spectrum: each evaluation re-elaborates
/// the netlist with the trial `.param` values and computes the impedance between the port nodes
/// by small-signal AC analysis about the operating point (`PortImpedance`).
public enum NetlistFit {
    public static func fit(spectrum: Spectrum, netlist path: String, plus: String, minus: String, vary: [String],
                           initial: [Double]?, weighting: Weighting) throws -> FitResult {
        let tree = try NetlistParser.parse(path: path)
        let available = try Elaborator.topLevelParameters(tree)
        var start: [Double] = []
        for (k, name) in vary.enumerated() {
            guard let v = available.first(where: { $0.0 == name })?.1 else {
                throw InputError(.commandLine, "--vary \(name): not a top-level .param of \(path) (have: \(available.map(\.0).joined(separator: ", ")))")
            }
            start.append(initial.map { k < $0.count ? $0[k] : v } ?? v)
        }
        if let initial, initial.count != vary.count {
            throw InputError(.commandLine, "--initial has \(initial.count) values for \(vary.count) varied parameters")
        }
        // Check the port once, with an informative error, before fitting.
        _ = try model(tree, vary, start, plus, minus, spectrum.frequencies)
        return try DerivativeFreeFit.fit(spectrum: spectrum, names: vary, initial: start, weighting: weighting,
                                         description: "netlist \(URL(fileURLWithPath: path).lastPathComponent) port (\(plus), \(minus))") { values in
            try model(tree, vary, values, plus, minus, spectrum.frequencies)
        }
    }

    static func model(_ tree: SyntaxTree, _ names: [String], _ values: [Double], _ plus: String, _ minus: String,
                      _ frequencies: [Double]) throws -> [Complex<Double>] {
        let circuit = try Elaborator.elaborate(tree, catalog: .standard, overrides: Dictionary(uniqueKeysWithValues: zip(names, values)))
        let z = try PortImpedance.compute(circuit: circuit, plus: plus, minus: minus, frequencies: frequencies)
        return zip(z.real, z.imaginary).map { Complex($0, $1) }
    }
}
