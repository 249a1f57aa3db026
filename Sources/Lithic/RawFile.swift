import FoundationEssentials
import Glibc
import LithicCore
import Analyses

/// ngspice raw files (CIRCUITS.md §1.3): ASCII or binary, one plot after another, each with a
/// header (`Title:`, `Date:`, `Plotname:`, `Flags:`, `No. Variables:`, `No. Points:`,
/// `Variables:`) and `Values:` (ASCII) or `Binary:` (little-endian float64, point-major;
/// complex plots store (re, im) for every variable including the scale).
public enum RawFile {
    /// `Sat Nov 22 08:30:00 2026` in local time, as ngspice writes it (C locale names).
    static func dateStamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a %b %-d %H:%M:%S %Y", &parts)
        return buffer.withUnsafeBufferPointer { b in String(decoding: UnsafeRawBufferPointer(b).prefix(n), as: UTF8.self) }
    }

    public static func write(_ plots: [Plot], title: String, binary: Bool, date: Date = Date()) -> Data {
        var data = Data()
        let stamp = dateStamp(date)
        for plot in plots {
            var header = "Title: \(title)\nDate: \(stamp)\nPlotname: \(plot.name)\n"
            header += "Flags: \(plot.isComplex ? "complex" : "real")\nNo. Variables: \(plot.vectors.count)\nNo. Points: \(plot.points)\n"
            header += "Variables:\n"
            for (i, v) in plot.vectors.enumerated() {
                // ngspice writes the DC sweep scale as v(v-sweep) / i(i-sweep).
                var name = v.name
                if plot.kind == "dc", i == 0, name.hasSuffix("-sweep") { name = "\(name.prefix(1))(\(name))" }
                header += "\t\(i)\t\(name)\t\(v.type)\n"
            }
            header += binary ? "Binary:\n" : "Values:\n"
            data.append(contentsOf: Array(header.utf8))
            if binary {
                var buffer: [Double] = []
                buffer.reserveCapacity(plot.points * plot.vectors.count * (plot.isComplex ? 2 : 1))
                for p in 0..<plot.points {
                    for v in plot.vectors {
                        buffer.append(v.real[p])
                        if plot.isComplex { buffer.append(v.imaginary?[p] ?? 0) }
                    }
                }
                buffer.withUnsafeBytes { data.append(contentsOf: $0) }
            } else {
                var text = ""
                text.reserveCapacity(plot.points * plot.vectors.count * 26)
                for p in 0..<plot.points {
                    text += "\(p)"
                    for v in plot.vectors {
                        if plot.isComplex {
                            text += "\t" + format(v.real[p]) + "," + format(v.imaginary?[p] ?? 0) + "\n"
                        } else {
                            text += "\t" + format(v.real[p]) + "\n"
                        }
                    }
                }
                data.append(contentsOf: Array(text.utf8))
            }
        }
        return data
    }

    static func format(_ v: Double) -> String { String(format: "%.15e", v) }

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
