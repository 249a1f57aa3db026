import ArgumentParser
import Lithic

/// `lithic read FILE…`: what Lithic understood of each spectrum file, before any fitting.
struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what Lithic reads from spectrum files: format, encoding, line ends, spectra, points, frequency range.",
        discussion: "Exit status 2 when any file cannot be read (each failure names its file, line and reason). `lithic read --list-formats` lists the layouts.")

    @Argument(help: "Spectrum files.") var files: [String] = []
    @Flag(help: "List the file layouts Lithic recognises and exit.") var listFormats = false
    @Flag(help: "Also print every point (frequency, Z', Z'', line of the file).") var points = false

    func run() throws {
        if listFormats {
            print(ReadWorkflow.formatList())
            return
        }
        guard !files.isEmpty else { throw InputError(.commandLine, "give one or more spectrum files (or --list-formats)") }
        var failures = 0
        for path in files {
            do {
                print(ReadWorkflow.describe(try ReadWorkflow.read(path), points: points))
            } catch let e as InputError {
                failures += 1
                StandardError.write("\(e)\n")
            }
        }
        if failures > 0 {
            if files.count > 1 { StandardError.write("\(failures) of \(files.count) files could not be read\n") }
            throw ExitCode(2)
        }
    }
}
