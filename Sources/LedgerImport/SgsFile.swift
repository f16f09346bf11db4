import CSV
import Foundation

/// A 双公示 CSV file read row by row (UTF-8 or GB18030, RFC 4180 quoting, header row first).
public final class SgsFile {
    public var mapper: SgsRowMapper
    /// The file's encoding, as given or detected.
    public let encoding: TextEncoding
    /// The header row as read (a UTF-8 byte-order mark removed).
    public let header: [String]
    private let reader: CSVReader
    /// Rows read so far (the header is row 0, so this is also the data row's line number
    /// in a file without line breaks inside fields).
    public private(set) var rowNumber = 1

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens `path` and reads its header.
    /// - Parameter encoding: the file's encoding; `nil` detects it (``TextEncoding/detect(_:)``).
    public init(path: String, encoding: TextEncoding? = nil) throws(OpenError) {
        // Read whole: CSV.swift's stream reader reports an error at the end of a file on Linux
        // (InputStream.hasBytesAvailable stays true), and a 100,000-row export is tens of MB.
        guard let data = FileManager.default.contents(atPath: path) else { throw OpenError(description: "cannot read \(path)") }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw OpenError(description: "\(path) is UTF-16 (Excel's \"Unicode text\"): save the sheet as CSV (逗号分隔) or CSV UTF-8")
        }
        let chosen = encoding ?? TextEncoding.detect(bytes)
        let text: String
        do {
            text = try chosen.decode(bytes)
        } catch {
            throw OpenError(description: "\(path) is \(error)\(encoding == nil ? "" : " (read as \(chosen.rawValue) as asked)")")
        }
        self.encoding = chosen
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: false)
        } catch {
            throw OpenError(description: "\(path) is not a readable CSV file: \(error)")
        }
        guard let header = reader.headerRow, let mapper = SgsRowMapper(header: header) else {
            throw OpenError(description: "\(path): the header has neither 行政处罚决定书文号 (penalties) nor 行政许可决定文书号 (licences)")
        }
        guard mapper.missingColumns.isEmpty else {
            throw OpenError(description: "\(path): \(mapper.kind.rawValue) file without the column(s) \(mapper.missingColumns.joined(separator: ", "))")
        }
        self.reader = reader
        self.mapper = mapper
        self.header = header.enumerated().map { $0 == 0 ? $1.replacingOccurrences(of: "\u{FEFF}", with: "") : $1 }
    }

    /// The next data row as (line, fields), skipping blank lines; `nil` at the end.
    public func next() -> (line: Int, fields: [String])? {
        while let row = reader.next() {
            rowNumber += 1
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            return (rowNumber, row)
        }
        return nil
    }

    /// The reader's error, if reading stopped on one (bad quoting, bad UTF-8).
    public var error: Error? { reader.error }
}
