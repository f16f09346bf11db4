/// Aligned text tables for people.
///
/// A small aligner of our own rather than a table library: the mirrored ones (ordo-one/TextTable
/// 0.0.2) pad by `Character` count, so every Chinese label (two terminal columns wide) would
/// push its row out of line. Here a cell's width is its display width (``displayWidth(_:)``).
struct Table {
    /// Columns between two cells.
    static let gap = "  "
    /// A longer cell is cut and ends in "…", so that one long text keeps a table readable.
    static let maximumCellWidth = 60

    let headers: [String]
    /// Columns padded on the left (counts, line numbers).
    let rightAligned: Set<Int>
    private(set) var rows: [[String]] = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    /// Adds a row; missing cells are empty, extra ones are dropped. The last column is kept
    /// whole (nothing follows it to push out of line).
    mutating func add(_ cells: [String]) {
        rows.append((0..<headers.count).map { column in
            guard column < cells.count else { return "" }
            return column == headers.count - 1 ? Self.flat(cells[column]) : Self.cell(cells[column])
        })
    }

    var isEmpty: Bool { rows.isEmpty }

    /// The header, a rule under it, then the rows, each cell padded to its column's width; no
    /// trailing blanks.
    func lines() -> [String] {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { $0[column] }).map(Self.displayWidth).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                if column > 0 { text += Self.gap }
                if rightAligned.contains(column) {
                    text += String(repeating: " ", count: widths[column] - Self.displayWidth(cell)) + cell
                } else {
                    text += column == cells.count - 1 ? cell : Self.padded(cell, to: widths[column])
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        // The last column is not cut, but its rule is.
        let rule = widths.enumerated().map { String(repeating: "-", count: $0.offset == widths.count - 1 ? min($0.element, Self.maximumCellWidth) : $0.element) }
        return [line(headers), line(rule)] + rows.map(line)
    }

    /// `label  value` lines with the labels padded to one width (a record's fields).
    static func pairs(_ pairs: [(String, String)]) -> [String] {
        let width = pairs.map { displayWidth($0.0) }.max() ?? 0
        return pairs.map { padded($0.0, to: width) + gap + $0.1 }
    }

    /// One line, at most ``maximumCellWidth`` columns.
    static func cell(_ text: String) -> String {
        let flat = flat(text)
        guard displayWidth(flat) > maximumCellWidth else { return flat }
        var cut = ""
        var width = 0
        for character in flat {
            let characterWidth = displayWidth(String(character))
            if width + characterWidth > maximumCellWidth - 1 { break }
            cut.append(character)
            width += characterWidth
        }
        return cut + "…"
    }

    /// `text` on one line.
    static func flat(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - displayWidth(text)))
    }

    /// Terminal columns `text` takes: 2 for East Asian wide and fullwidth characters (CJK
    /// ideographs, kana, Hangul, fullwidth punctuation such as "，（）：〔〕"), 0 for combining
    /// marks and zero-width characters, 1 otherwise (Unicode Standard Annex #11, simplified:
    /// ambiguous characters count 1, as terminals in a Chinese locale mostly show them).
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    private static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if value < 0x1100 { return 1 }
        for range in wideRanges where range.contains(value) { return 2 }
        return 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks (UAX #11).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo initials
        0x2E80...0x303E,  // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,  // kana, Bopomofo, Hangul compatibility, CJK compatibility
        0x3400...0x4DBF,  // CJK extension A
        0x4E00...0x9FFF,  // CJK unified ideographs
        0xA000...0xA4CF,  // Yi
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE30...0xFE4F,  // CJK compatibility forms
        0xFF00...0xFF60,  // fullwidth forms
        0xFFE0...0xFFE6,  // fullwidth signs
        0x1F300...0x1F64F,  // pictographs and emoticons
        0x1F900...0x1F9FF,  // supplemental pictographs
        0x20000...0x3FFFD,  // CJK extensions B and later
    ]
}
