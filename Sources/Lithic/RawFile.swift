import FoundationEssentials
import Glibc
import LithicCore
import Analyses
import CNumberFormat

/// ngspice raw files: ASCII or binary, one plot after another, in the layout ngspice 44 and later
/// write in batch mode (`src/frontend/outitf.c`): `Title:`, `Date:`, `Command:`, `Plotname:`,
/// `Flags:`, `No. Variables:`, `No. Points:`, `Variables:`, then `Values:` (ASCII: each point is
/// its index and a tab, then one `\t%.15e` line per variable, complex as `re,im`) or `Binary:`
/// (little-endian float64, point-major; complex plots store (re, im) for every variable including
/// the scale).
///
/// The `Command:` line names the producer; readers such as spicelib pick the file's dialect
/// from it (`ngspice` in it: doubles for real plots, complex doubles for AC), and ngspice ≥ 44
/// does not execute a `Command:` line that starts with its own name. (ngspice 39 still tries to
/// run it and prints "no such command" before loading the file normally, as it does for files of
/// ngspice 44 itself.) Each ASCII plot ends with an empty line: spicelib skips empty lines
/// after a plot's values, and without one its reader loops forever on the next plot's `Title:`.
public enum RawFile {
    /// What the `Command:` line says: the layout it follows and the program that wrote it.
    public static let command = "ngspice-44 compatible, written by Lithic"

    /// `Sat Nov 22 08:30:00 2026` in local time, as ngspice writes it (C locale names).
    static func dateStamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a %b %-d %H:%M:%S %Y", &parts)
        return buffer.withUnsafeBufferPointer { b in String(decoding: UnsafeRawBufferPointer(b).prefix(n), as: UTF8.self) }
    }

    /// The header of one plot, up to and including `Values:`/`Binary:`.
    static func header(_ plot: Plot, title: String, stamp: String, binary: Bool) -> String {
        var header = "Title: \(title)\nDate: \(stamp)\nCommand: \(command)\nPlotname: \(plot.name)\n"
        header += "Flags: \(plot.isComplex ? "complex" : "real")\nNo. Variables: \(plot.vectors.count)\nNo. Points: \(plot.points)\n"
        header += "Variables:\n"
        for (i, v) in plot.vectors.enumerated() {
            // ngspice writes the DC sweep scale as v(v-sweep) / i(i-sweep).
            var name = v.name
            if plot.kind == "dc", i == 0, name.hasSuffix("-sweep") { name = "\(name.prefix(1))(\(name))" }
            // Log-spaced AC and noise scales carry ngspice's grid=3 (log x axis in its plots).
            let grid = i == 0 && v.type == "frequency" && isLogarithmic(v.real) ? "\tgrid=3" : ""
            header += "\t\(i)\t\(name)\t\(v.type)\(grid)\n"
        }
        header += binary ? "Binary:\n" : "Values:\n"
        return header
    }

    /// A positive scale whose successive ratios are constant (a `dec`/`oct` sweep).
    static func isLogarithmic(_ v: [Double]) -> Bool {
        guard v.count >= 3, let first = v.first, first > 0 else { return false }
        let r = v[1] / v[0]
        guard r > 1 else { return false }
        for k in 2..<v.count where v[k - 1] <= 0 || abs(v[k] / v[k - 1] - r) > 1e-6 * r { return false }
        return true
    }

    public static func write(_ plots: [Plot], title: String, binary: Bool, date: Date = Date()) -> Data {
        var bytes: [UInt8] = []
        let stamp = dateStamp(date)
        var scratch = [CChar](repeating: 0, count: 48)
        func append(_ v: Double) {
            scratch.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return }
                let n = Int(lithic_format_e15(base, b.count, v))
                for k in 0..<min(max(n, 0), b.count - 1) { bytes.append(UInt8(bitPattern: base[k])) }
            }
        }
        for plot in plots {
            bytes.append(contentsOf: Array(header(plot, title: title, stamp: stamp, binary: binary).utf8))
            let width = plot.vectors.count * (plot.isComplex ? 2 : 1)
            if binary {
                var buffer: [Double] = []
                buffer.reserveCapacity(plot.points * width)
                for p in 0..<plot.points {
                    for v in plot.vectors {
                        buffer.append(p < v.real.count ? v.real[p] : 0)
                        if plot.isComplex { buffer.append(v.imaginary.map { p < $0.count ? $0[p] : 0 } ?? 0) }
                    }
                }
                buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
            } else {
                bytes.reserveCapacity(bytes.count + plot.points * width * 24 + 2)
                for p in 0..<plot.points {
                    bytes.append(contentsOf: Array("\(p)\t".utf8))
                    for v in plot.vectors {
                        bytes.append(UInt8(ascii: "\t"))
                        append(p < v.real.count ? v.real[p] : 0)
                        if plot.isComplex {
                            bytes.append(UInt8(ascii: ","))
                            append(v.imaginary.map { p < $0.count ? $0[p] : 0 } ?? 0)
                        }
                        bytes.append(UInt8(ascii: "\n"))
                    }
                }
                bytes.append(UInt8(ascii: "\n"))
            }
        }
        return Data(bytes)
    }

    /// Reads every plot of a raw file (ASCII or binary) written by ngspice or Lithic.
    public static func read(_ data: [UInt8], name: String) throws -> [Plot] {
        var plots: [Plot] = []
        var i = 0
        var line = 0
        func fail(_ message: String) -> InputError { InputError(SourceLocation(file: name, line: line, column: 1), message) }
        func readLine() -> String? {
            guard i < data.count else { return nil }
            let start = i
            while i < data.count, data[i] != 10 { i += 1 }
            let s = String(decoding: data[start..<i], as: UTF8.self)
            if i < data.count { i += 1 }
            line += 1
            return s.hasSuffix("\r") ? String(s.dropLast()) : s
        }
        while i < data.count {
            var plotName = "", flags = "real", nvars = 0, npoints = 0
            var names: [(String, String)] = []
            var binary = false
            var sawData = false
            while let l = readLine() {
                if l.trimmingSpaces().isEmpty { continue }
                if l.hasPrefix("Plotname:") { plotName = l.dropFirst(9).trimmingSpaces() }
                else if l.hasPrefix("Flags:") { flags = l.dropFirst(6).trimmingSpaces() }
                else if l.hasPrefix("No. Variables:") {
                    guard let n = Int(l.dropFirst(14).trimmingSpaces()), n > 0, n < 10_000_000 else { throw fail("bad variable count") }
                    nvars = n
                }
                else if l.hasPrefix("No. Points:") {
                    guard let n = Int(l.dropFirst(11).trimmingSpaces()), n >= 0, n < 1_000_000_000 else { throw fail("bad point count") }
                    npoints = n
                }
                else if l.hasPrefix("Variables:") {
                    for _ in 0..<nvars {
                        guard let v = readLine() else { throw fail("truncated variable list") }
                        let parts = v.split(whereSeparator: { $0 == "\t" || $0 == " " })
                        guard parts.count >= 3 else { throw fail("malformed variable line '\(v)'") }
                        names.append((parts[1].lowercased(), String(parts[2])))
                    }
                }
                else if l.hasPrefix("Values:") { sawData = true; break }
                else if l.hasPrefix("Binary:") { binary = true; sawData = true; break }
            }
            guard sawData else { break }
            let complex = flags.contains("complex")
            var vectors = names.map { OutputVector(name: $0.0, type: $0.1, real: [], imaginary: complex ? [] : nil) }
            if binary {
                let width = complex ? 16 : 8
                let needed = npoints * nvars * width
                guard i + needed <= data.count else { throw fail("binary data truncated: need \(needed) bytes") }
                data.withUnsafeBytes { raw in
                    for p in 0..<npoints {
                        for v in 0..<nvars {
                            let base = i + (p * nvars + v) * width
                            vectors[v].real.append(raw.loadUnaligned(fromByteOffset: base, as: Double.self))
                            if complex { vectors[v].imaginary?.append(raw.loadUnaligned(fromByteOffset: base + 8, as: Double.self)) }
                        }
                    }
                }
                i += needed
            } else {
                var tokens: [Substring] = []
                var remaining = npoints * nvars
                // Whitespace-tolerant: each point is an index followed by nvars values.
                while remaining > 0 {
                    guard let l = readLine() else { throw fail("ASCII data truncated") }
                    tokens = l.split(whereSeparator: { $0 == "\t" || $0 == " " })
                    if tokens.isEmpty { continue }
                    for tok in tokens {
                        let count = vectors[0].real.count + vectors.dropFirst().reduce(0) { $0 + $1.real.count }
                        _ = count
                        // The point index precedes the first value of each point; it has no '.'/'e'.
                        if remaining % nvars == 0, !tok.contains("."), !tok.contains("e"), !tok.contains(","), Int(tok) != nil { continue }
                        let v = (npoints * nvars - remaining) % nvars
                        if complex {
                            let parts = tok.split(separator: ",")
                            guard parts.count == 2, let re = Double(parts[0]), let im = Double(parts[1]) else { throw fail("bad complex value '\(tok)'") }
                            vectors[v].real.append(re); vectors[v].imaginary?.append(im)
                        } else {
                            guard let value = Double(tok) else { throw fail("bad value '\(tok)'") }
                            vectors[v].real.append(value)
                        }
                        remaining -= 1
                    }
                }
            }
            if complex, !vectors.isEmpty { vectors[0].imaginary = vectors[0].real.map { _ in 0 } }
            let kind: String
            switch plotName.lowercased() {
            case let s where s.hasPrefix("transient"): kind = "tran"
            case let s where s.hasPrefix("ac"): kind = "ac"
            case let s where s.hasPrefix("dc"): kind = "dc"
            case let s where s.hasPrefix("operating"): kind = "op"
            case let s where s.hasPrefix("transfer"): kind = "tf"
            case let s where s.hasPrefix("noise spectral"): kind = "noise"
            case let s where s.hasPrefix("integrated noise"): kind = "noiseint"
            default: kind = plotName.lowercased()
            }
            plots.append(Plot(name: plotName, kind: kind, vectors: vectors, isComplex: complex))
        }
        return plots
    }
}
