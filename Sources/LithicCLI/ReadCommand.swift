import ArgumentParser
import FoundationEssentials
import Glibc
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
            print(Self.formatList())
            return
        }
        guard !files.isEmpty else { throw InputError(.commandLine, "give one or more spectrum files (or --list-formats)") }
        var failures = 0
        for path in files {
            do {
                let file = try SpectrumReader.readFile(path: path)
                print(Self.describe(file, points: points))
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

    /// The table printed by `--list-formats` (also `lithic fit --list-formats`).
    static func formatList() -> String {
        var s = "Spectrum file layouts (recognised from the content; any encoding with or without BOM, LF/CRLF/CR line ends):\n"
        for f in SpectrumFormat.allCases {
            s += "\n  \(f.rawValue)  —  \(f.title)  [.\(f.extensions.joined(separator: ", ."))]\n"
            s += wrap(f.layout, indent: "      ")
        }
        return s
    }

    static func wrap(_ text: String, indent: String, width: Int = 96) -> String {
        var out = "", line = indent
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width, line != indent { out += line + "\n"; line = indent }
            line += (line == indent ? "" : " ") + word
        }
        return out + line + "\n"
    }

    static func describe(_ file: SpectrumFile, points: Bool) -> String {
        var s = "\(file.path): \(file.format.rawValue) (\(file.format.title)); \(file.encoding), line ends \(file.lineEndings); "
        s += "\(file.spectra.count) spectr\(file.spectra.count == 1 ? "um" : "a")\n"
        for (k, sp) in file.spectra.enumerated() {
            let lo = sp.frequencies.min() ?? 0, hi = sp.frequencies.max() ?? 0
            let order = sp.frequencies.count < 2 ? "" : (sp.frequencies[0] > sp.frequencies[sp.frequencies.count - 1] ? ", descending" : ", ascending")
            let label = sp.label.isEmpty ? "" : " (\(sp.label))"
            let lines = sp.lines.isEmpty ? "" : String(format: ", %@ %d–%d", file.encoding == "binary" ? "records" : "lines", sp.lines.min() ?? 0, sp.lines.max() ?? 0)
            s += String(format: "  #%d%@: %d points, %.4g Hz to %.4g Hz%@, %d inductive (Z'' > 0)%@\n", k + 1, label, sp.frequencies.count, lo, hi, order,
                        sp.inductivePoints, lines)
            for n in sp.notes { s += "      note: \(n)\n" }
            if points {
                for i in sp.frequencies.indices {
                    s += String(format: "      %.6e Hz  %.6e  %.6e  (line %d)\n", sp.frequencies[i], sp.impedances[i].real, sp.impedances[i].imaginary,
                                i < sp.lines.count ? sp.lines[i] : 0)
                }
            }
        }
        if file.spectra.count > 1 {
            s += "  (fit selects a spectrum as FILE#N; a batch `lithic fit FILE` fits each)\n"
        }
        return s.hasSuffix("\n") ? String(s.dropLast()) : s
    }
}
