/// The rows of a 双公示 file that did not go in, as a CSV file for the source office: the
/// file's own header and columns, then the row's line in the original file (原文件行号) and
/// the reason (拒绝原因). Extra columns do not disturb the importer, so the office can correct
/// the rows in this file and import it as it is.
public struct SgsRejects: Sendable {
    /// The columns added after the original ones.
    public static let addedColumns = ["原文件行号", "拒绝原因"]

    public let header: [String]
    public private(set) var rows: [(line: Int, fields: [String], reason: String)] = []

    public init(header: [String]) { self.header = header }

    public var count: Int { rows.count }

    /// Adds a rejected row with why (for people: the column at fault and the reason).
    public mutating func add(line: Int, fields: [String], reason: String) {
        rows.append((line, fields, reason))
    }

    /// The file as text: RFC 4180 quoting, CRLF line ends (as Excel writes them), rows in
    /// line order.
    public var text: String {
        var text = Self.row(header + Self.addedColumns)
        for row in rows.sorted(by: { $0.line < $1.line }) {
            // A short row is padded, so that the added columns stay under their headers.
            let fields = row.fields + Array(repeating: "", count: max(0, header.count - row.fields.count))
            text += Self.row(fields + [String(row.line), row.reason])
        }
        return text
    }

    /// The file's bytes in `encoding` (UTF-8 with its byte-order mark, so that Excel reads it).
    public func bytes(encoding: TextEncoding) throws(TextEncoding.ConversionError) -> [UInt8] {
        try encoding.encodeForExcel(text)
    }

    static func row(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    /// A field quoted when it holds a comma, a quote or a line break (quotes doubled).
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
