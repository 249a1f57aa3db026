import FoundationEssentials
import Glibc
import LithicCore

/// Reads netlist files into cards: joins `+` continuations, strips comments, lower-cases,
/// expands `.include` and `.lib file section`, and skips `.control … .endc` with a warning.
///
/// Comments (ngspice manual §2.1): `*` in column 1; `;`, `//` and `$ ` to the end of line.
/// Lines starting with one of `=[]?()&%§"!:` are ignored with a warning, as ngspice does.
public struct SourceReader {
    /// How deeply `.include`/`.lib` may nest before it is taken for a loop.
    public static let maximumIncludeDepth = 32

    public private(set) var warnings: [Warning] = []
    /// Analysis and measure commands found in `.control` blocks (`tran 1n 10n`, `op`, `meas tran …`),
    /// as dot cards; used when the netlist itself has no analysis card (ngspice runs them there).
    private var controlCards: [Card] = []
    /// Why a kept control card is not what ngspice runs: it sits in a loop or after `alter`,
    /// `altermod` or `set temp` (issue 16: those were run once, silently, with nominal values).
    private var controlNotes: [(card: Int, note: String)] = []
    /// Open `foreach`/`while`/`repeat`/`dowhile`/`if` blocks of the .control block, with their lines.
    private var controlBlocks: [(word: String, line: Int)] = []
    /// The first `alter`/`altermod`/`set temp`/`option` command of the .control block.
    private var controlChange: (command: String, line: Int, location: SourceLocation)?
    static let controlAnalyses: Set<String> = ["op", "tran", "ac", "dc", "noise", "tf"]
    static let analysisCards: Set<String> = [".op", ".tran", ".ac", ".dc", ".noise", ".tf", ".eis", ".experiment"]
    /// OSDI libraries to load: `.osdi PATH` cards and ngspice's `pre_osdi PATH` control
    /// commands, paths resolved against the directory of the file that names them.
    public private(set) var osdiLibraries: [(path: String, location: SourceLocation)] = []
    /// Reads a file from disk; replaceable for tests and fuzzing.
    public var readFile: (String) -> [UInt8]?

    public init(readFile: @escaping (String) -> [UInt8]? = { path in
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }) {
        self.readFile = readFile
    }

    /// Reads the top-level netlist at `path`: the first line is the title.
    public mutating func readTopLevel(path: String) throws -> (title: String, cards: [Card]) {
        guard let bytes = readFile(path) else {
            throw InputError(SourceLocation(file: path, line: 0, column: 0), "cannot read netlist file '\(path)'")
        }
        return try readTopLevel(bytes: bytes, name: path)
    }

    /// Reads netlist text that came from `name` (a path, used for messages and relative includes).
    public mutating func readTopLevel(bytes: [UInt8], name: String) throws -> (title: String, cards: [Card]) {
        let lines = Self.splitLines(bytes)
        let title = lines.first.map { String(decoding: $0, as: UTF8.self).trimmingSpaces() } ?? ""
        var cards: [Card] = []
        var stack: [String] = [Self.canonical(name)]
        try read(lines: lines, firstLine: 1, file: name, into: &cards, stack: &stack, topLevel: true)
        let hasAnalysis = cards.contains { card in
            Self.analysisCards.contains(String(card.text.prefix { $0 != " " && $0 != "\t" }))
        }
        if !hasAnalysis, controlCards.contains(where: { Self.controlAnalyses.contains(String($0.text.dropFirst().prefix { $0 != " " && $0 != "\t" })) }) {
            for card in controlCards {
                warnings.append(Warning(card.location, "'\(card.originalText.dropFirst())' taken from the .control block as '\(card.originalText)' (the netlist has no analysis card)"))
            }
            for (k, note) in controlNotes where k < controlCards.count {
                warnings.append(Warning(controlCards[k].location, note))
            }
            cards.append(contentsOf: controlCards)
        } else if hasAnalysis, let change = controlChange {
            warnings.append(Warning(change.location,
                                    "the .control block changes the circuit with '\(change.command)' and reruns it; Lithic runs the analysis cards once with the netlist's own values, so results may differ from ngspice's"))
        }
        return (title, cards)
    }

    /// Records an OSDI library path (quotes removed; relative to the naming file's directory).
    mutating func addOSDI(_ argument: String, file: String, at location: SourceLocation) throws {
        var path = argument.trimmingSpaces()
        if path.count >= 2, path.first == "\"" || path.first == "'", path.last == path.first { path = String(path.dropFirst().dropLast()) }
        guard !path.isEmpty else { throw InputError(location, "pre_osdi/.osdi needs the path of an .osdi file") }
        if !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") {
            path = String(file[...slash]) + path
        }
        osdiLibraries.append((path, location))
    }

    static func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10 {
                var end = i
                if end > start, bytes[end - 1] == 13 { end -= 1 }
                lines.append(bytes[start..<end])
                start = i + 1
            } else if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] != 10 {
                lines.append(bytes[start..<i])  // old Mac line ending
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count {
            var end = bytes.count
            if bytes[end - 1] == 13 { end -= 1 }
            lines.append(bytes[start..<end])
        }
        return lines
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Lower-cases ASCII letters only, so byte offsets stay identical to the original text.
    static func asciiLower(_ s: String) -> String {
        var b = Array(s.utf8)
        for i in 0..<b.count where b[i] >= 65 && b[i] <= 90 { b[i] += 32 }
        return String(decoding: b, as: UTF8.self)
    }

    /// Removes end-of-line comments; returns the kept text.
    static func stripComment(_ line: String) -> String {
        let b = Array(line.utf8)
        var end = b.count
        var i = 0
        var inQuote: UInt8 = 0
        while i < b.count {
            let c = b[i]
            if inQuote != 0 {
                if c == inQuote { inQuote = 0 }
            } else if c == 39 || c == 34 {
                inQuote = c
            } else if c == 59 {  // ;
                end = i; break
            } else if c == 47, i + 1 < b.count, b[i + 1] == 47 {  // //
                end = i; break
            } else if c == 36, i == 0 || b[i - 1] == 32 || b[i - 1] == 9 {  // $ after a blank
                if i + 1 >= b.count || b[i + 1] == 32 || b[i + 1] == 9 { end = i; break }
            }
            i += 1
        }
        return String(decoding: b[0..<end], as: UTF8.self)
    }

    private mutating func read(lines: [ArraySlice<UInt8>], firstLine: Int, file: String, into cards: inout [Card],
                               stack: inout [String], topLevel: Bool) throws {
        var index = topLevel ? 1 : 0  // the title line of the top-level file is not a card
        var inControl = false
        var controlStart = SourceLocation.commandLine
        while index < lines.count {
            let lineNumber = index + firstLine
            let raw = String(decoding: lines[index], as: UTF8.self)
            index += 1
            // Leading blanks are allowed; tabs count as blanks.
            var leading = 0
            for ch in raw.utf8 { if ch == 32 || ch == 9 { leading += 1 } else { break } }
            let body = String(decoding: Array(raw.utf8)[leading...], as: UTF8.self)
            let location = SourceLocation(file: file, line: lineNumber, column: leading + 1)
            guard let first = body.utf8.first else { continue }
            let lowerBody = Self.asciiLower(body)
            if inControl {
                if lowerBody.hasPrefix(".endc") { inControl = false; continue }
                // Analysis and measure commands are kept aside (see controlCards).
                let command = Self.stripComment(body).trimmingSpaces()
                let word = Self.asciiLower(String(command.prefix { $0 != " " && $0 != "\t" }))
                if word == "pre_osdi" {
                    try addOSDI(String(command.dropFirst(word.count)), file: file, at: location)
                    continue
                }
                switch word {
                case "foreach", "while", "repeat", "dowhile", "if": controlBlocks.append((word, lineNumber))
                case "end": if !controlBlocks.isEmpty { controlBlocks.removeLast() }
                case "alter", "altermod", "option", "options":
                    if controlChange == nil { controlChange = (command, lineNumber, location) }
                case "set":
                    let rest = Self.asciiLower(String(command.dropFirst(3))).trimmingSpaces()
                    if controlChange == nil, rest.hasPrefix("temp") { controlChange = (command, lineNumber, location) }
                default: break
                }
                if Self.controlAnalyses.contains(word), !command.contains("$") {
                    if let loop = controlBlocks.last(where: { $0.word != "if" }) {
                        controlNotes.append((controlCards.count, "'\(command)' sits inside a '\(loop.word)' loop (line \(loop.line)): Lithic runs it once, not once per pass, so results differ from ngspice's"))
                    } else if let change = controlChange {
                        controlNotes.append((controlCards.count, "'\(command)' follows '\(change.command)' (line \(change.line)), which Lithic does not apply; results may differ from ngspice's"))
                    }
                }
                if Self.controlAnalyses.contains(word) || word == "meas" || word == "measure" {
                    if command.contains("$") {
                        warnings.append(Warning(location, "'\(command)' in the .control block uses control-language variables; not used"))
                        continue
                    }
                    controlCards.append(Card(text: "." + Self.asciiLower(command), originalText: "." + command, location: location))
                }
                continue
            }
            if first == 42 { continue }  // * comment
            if lowerBody.hasPrefix(".osdi ") || lowerBody.hasPrefix(".osdi\t") {
                try addOSDI(String(Self.stripComment(body).trimmingSpaces().dropFirst(5)), file: file, at: location)
                continue
            }
            if lowerBody.hasPrefix(".control") {
                inControl = true
                controlStart = location
                warnings.append(Warning(location, ".control block skipped (Lithic runs the netlist's analyses in batch; its analysis and meas commands are used when the netlist has no analysis card)"))
                continue
            }
            if "=[]?()&%\"!:".utf8.contains(first) {
                warnings.append(Warning(location, "line starting with '\(String(decoding: [first], as: UTF8.self))' treated as a comment"))
                continue
            }
            let kept = Self.stripComment(body)
            let keptTrim = kept.trimmingSpaces()
            if first == 43 {  // + continuation
                let cont = String(decoding: Array(kept.utf8).dropFirst(), as: UTF8.self)
                guard !cards.isEmpty else {
                    throw InputError(location, "continuation line '+' with no line to continue")
                }
                var loc = location
                loc.column += 1
                cards[cards.count - 1].append(continuation: Self.asciiLower(cont), original: cont, location: loc)
                continue
            }
            if keptTrim.isEmpty { continue }
            let card = Card(text: Self.asciiLower(kept), originalText: kept, location: location)
            let lower = card.text
            if lower.hasPrefix(".end") && !lower.hasPrefix(".ends") && !lower.hasPrefix(".endl") && !lower.hasPrefix(".endc") {
                let word = lower.split(separator: " ").first ?? ""
                if word == ".end" {
                    if topLevel { return }
                    continue
                }
            }
            if lower.hasPrefix(".include") || lower.hasPrefix(".inc ") || lower.hasPrefix(".inc\t") || lower == ".inc" {
                let path = Self.argument(of: card)
                guard !path.isEmpty else { throw InputError(location, ".include needs a file name") }
                try include(path: path, section: nil, from: file, at: location, into: &cards, stack: &stack)
                continue
            }
            if lower.hasPrefix(".lib") && !lower.hasPrefix(".library") {
                let parts = Self.arguments(of: card)
                if parts.count >= 2 {
                    try include(path: parts[0], section: Self.asciiLower(parts[1]), from: file, at: location, into: &cards, stack: &stack)
                    continue
                }
                if parts.count == 1 {
                    // `.lib name` outside a library file: a section header where no section was asked for.
                    // Skip the whole section up to `.endl`.
                    while index < lines.count {
                        let l = Self.asciiLower(String(decoding: lines[index], as: UTF8.self)).trimmingSpaces()
                        index += 1
                        if l.hasPrefix(".endl") { break }
                    }
                    continue
                }
                throw InputError(location, ".lib needs a file name and a section name")
            }
            if lower.hasPrefix(".endl") { continue }
            cards.append(card)
        }
        if inControl {
            throw InputError(controlStart, ".control block is not closed by .endc")
        }
    }

    /// The first argument of a dot card in its original case, without quotes.
    static func argument(of card: Card) -> String {
        arguments(of: card).first ?? ""
    }

    static func arguments(of card: Card) -> [String] {
        let parts = card.originalText.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst()
        return parts.map { p in
            var s = String(p)
            if s.count >= 2, (s.hasPrefix("\"") && s.hasSuffix("\"")) || (s.hasPrefix("'") && s.hasSuffix("'")) {
                s = String(s.dropFirst().dropLast())
            }
            return s
        }
    }

    private mutating func include(path: String, section: String?, from file: String, at location: SourceLocation,
                                  into cards: inout [Card], stack: inout [String]) throws {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let resolved = path.hasPrefix("/") ? path : base.appendingPathComponent(path).path
        let key = Self.canonical(resolved) + (section.map { "#" + $0 } ?? "")
        guard !stack.contains(key) else {
            throw InputError(location, "include loop: '\(path)'\(section.map { " section '\($0)'" } ?? "") includes itself")
        }
        guard stack.count < Self.maximumIncludeDepth else {
            throw InputError(location, "includes nested more than \(Self.maximumIncludeDepth) deep")
        }
        guard let bytes = readFile(resolved) else {
            throw InputError(location, "cannot read included file '\(path)' (looked for \(resolved))")
        }
        var lines = Self.splitLines(bytes)
        var firstLine = 1
        if let section {
            // Keep only the lines between `.lib section` and its `.endl`.
            var start: Int?
            var end = lines.count
            for (k, l) in lines.enumerated() {
                let t = Self.asciiLower(String(decoding: l, as: UTF8.self)).trimmingSpaces()
                if start == nil {
                    let words = t.split(whereSeparator: { $0 == " " || $0 == "\t" })
                    if words.count == 2, words[0] == ".lib", String(words[1]) == section { start = k + 1 }
                } else if t.hasPrefix(".endl") {
                    end = k
                    break
                }
            }
            guard let s = start else {
                throw InputError(location, "section '\(section)' not found in library '\(path)'")
            }
            lines = Array(lines[s..<end])
            firstLine = s + 1
        }
        stack.append(key)
        defer { stack.removeLast() }
        try read(lines: lines, firstLine: firstLine, file: resolved, into: &cards, stack: &stack, topLevel: false)
    }
}
