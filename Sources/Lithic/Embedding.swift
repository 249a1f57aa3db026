import LithicCore
import Netlist
import Elaboration

/// Entry points for embedding Lithic in another program (the C ABI in `LithicCAPI`, and through it
/// the Python package): the same parse → elaborate → simulate path as `lithic run`, from text
/// with parameter overrides.
extension NetlistRun {
    /// Parses netlist text and elaborates it with `parameters` replacing top-level `.param`
    /// definitions (what `--param name=value` does for a file). Throws `InputError` for bad input.
    /// - Parameter name: the file name errors and warnings are reported against.
    public static func prepareEmbedded(text: String, name: String, parameters: [String: Double]) throws -> Circuit {
        let tree = try NetlistParser.parse(text: text, name: name)
        var circuit = try Elaborator.elaborate(tree, catalog: try Self.catalog(standardCatalog, loading: tree), overrides: parameters)
        noteUnrunSweeps(tree, &circuit)
        return circuit
    }
}
