import LithicCore

/// One logical netlist line (a physical line plus its `+` continuations), comments removed,
/// with enough bookkeeping to map any character back to its file, line and column.
public struct Card: Sendable {
    /// The text, lower-cased (ngspice is case-insensitive), comments stripped.
    public var text: String
    /// The text with its original case (file names, titles, strings).
    public var originalText: String
    /// Where each joined segment starts: (offset into `text` in UTF-8 bytes, location).
    var segments: [(offset: Int, location: SourceLocation)]

    public init(text: String, originalText: String, location: SourceLocation) {
        self.text = text
        self.originalText = originalText
        self.segments = [(0, location)]
    }

    /// The location of the card's first character.
    public var location: SourceLocation { segments.first?.location ?? .commandLine }

    /// The location of the UTF-8 byte at `offset` in `text`.
    public func location(at offset: Int) -> SourceLocation {
        var best = segments.first ?? (0, .commandLine)
        for s in segments where s.offset <= offset { best = s }
        var loc = best.location
        loc.column += offset - best.offset
        return loc
    }

    mutating func append(continuation: String, original: String, location: SourceLocation) {
        let offset = text.utf8.count + 1
        text += " " + continuation
        originalText += " " + original
        var loc = location
        loc.column -= 0
        segments.append((offset, loc))
    }
}

/// A token of a card: a word, a delimiter, or a whole `{…}`/`'…'` expression or `"…"` string.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case word, equals, open, close, comma, braced, quoted, string }
    public var kind: Kind
    /// The text (for braced/quoted/string: the inside, without the delimiters).
    public var text: String
    /// Byte offset of the token in its card's text.
    public var offset: Int
    public var location: SourceLocation

    public init(kind: Kind, text: String, offset: Int, location: SourceLocation) {
        self.kind = kind
        self.text = text
        self.offset = offset
        self.location = location
    }

    public static func == (a: Token, b: Token) -> Bool { a.kind == b.kind && a.text == b.text }

    /// The token as an expression (numbers with suffixes, names, braced and quoted expressions).
    public func expression() throws -> ArithmeticExpression {
        switch kind {
        case .braced, .quoted, .word:
            if kind == .word, let v = SINumber.parse(text) { return .number(v) }
            var loc = location
            if kind != .word { loc.column += 1 }
            return try ExpressionParser.parse(text, at: loc)
        default:
            throw InputError(location, "expected a value, found '\(text)'")
        }
    }
}

extension Card {
    /// Splits the card into tokens. Blanks separate; `=`, `(`, `)`, `,` are tokens of their own;
    /// `{…}` (balanced), `'…'` and `"…"` are single tokens.
    public func tokens() throws -> [Token] {
        let b = Array(text.utf8)
        var result: [Token] = []
        var i = 0
        let n = b.count
        func make(_ kind: Token.Kind, _ from: Int, _ to: Int, at start: Int) -> Token {
            Token(kind: kind, text: String(decoding: b[from..<to], as: UTF8.self), offset: start, location: location(at: start))
        }
        while i < n {
            let c = b[i]
            switch c {
            case 32, 9, 13, 10, 0:
                i += 1
            case 61:
                // `==` inside an unbraced expression stays part of a word; a lone '=' is a delimiter.
                result.append(make(.equals, i, i + 1, at: i)); i += 1
            case 40: result.append(make(.open, i, i + 1, at: i)); i += 1
            case 41: result.append(make(.close, i, i + 1, at: i)); i += 1
            case 44: result.append(make(.comma, i, i + 1, at: i)); i += 1
            case 123:
                var depth = 0
                var j = i
                while j < n {
                    if b[j] == 123 { depth += 1 }
                    if b[j] == 125 { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                guard j < n else { throw InputError(location(at: i), "unbalanced '{': no matching '}'") }
                result.append(make(.braced, i + 1, j, at: i))
                i = j + 1
            case 39, 34:
                var j = i + 1
                while j < n, b[j] != c { j += 1 }
                guard j < n else { throw InputError(location(at: i), "unterminated \(c == 39 ? "quote" : "string")") }
                result.append(make(c == 39 ? .quoted : .string, i + 1, j, at: i))
                i = j + 1
            case 125:
                throw InputError(location(at: i), "unbalanced '}'")
            default:
                let start = i
                while i < n {
                    let d = b[i]
                    if d == 32 || d == 9 || d == 13 || d == 10 || d == 0 || d == 61 || d == 40 || d == 41 || d == 44 || d == 123 || d == 39 || d == 34 { break }
                    i += 1
                }
                result.append(make(.word, start, i, at: start))
            }
        }
        return result
    }

    /// The raw text from byte offset `from` to the end (for expressions that span tokens).
    public func rawText(from offset: Int) -> String {
        let b = Array(text.utf8)
        guard offset < b.count else { return "" }
        return String(decoding: b[offset...], as: UTF8.self)
    }

    /// The original-case text from byte offset `from` to the end (file names).
    public func originalRawText(from offset: Int) -> String {
        let b = Array(originalText.utf8)
        guard offset < b.count else { return "" }
        return String(decoding: b[offset...], as: UTF8.self)
    }
}
