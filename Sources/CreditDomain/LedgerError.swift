/// The stable error codes of the ledger, one-to-one with the protocol's (protocol.md).
public enum ErrorCode: String, Sendable, CaseIterable {
    case badJSON = "bad_json"
    case lineTooLong = "line_too_long"
    case unknownOp = "unknown_op"
    case missingField = "missing_field"
    case invalidField = "invalid_field"
    case invalidEntity = "invalid_entity"
    case unknownKind = "unknown_kind"
    case unknownRef = "unknown_ref"
    case ruleViolation = "rule_violation"
    case conflict
    case versionMismatch = "version_mismatch"
    case notFound = "not_found"
    case forbidden
    case tooLarge = "too_large"
    case unavailable
    case `internal`
}

/// Why something was refused: a stable code, a message for people, and the field at fault.
///
/// One type serves every layer — validation, the ledger's writer checks and the wire — so
/// an error keeps its code and field from where it is found to the answer line.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String
    /// A JSON path to the field at fault (`events[2].body.measures[0].type`), when one is.
    public var field: String?

    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The same error with `prefix` put before its field path.
    public func prefixed(_ prefix: String) -> LedgerError {
        var copy = self
        copy.field = field.map { $0.hasPrefix("[") ? prefix + $0 : prefix + "." + $0 } ?? prefix
        return copy
    }

    /// The event an `append` error names: 3 for the field "events[3].body.measures".
    public static func eventIndex(inField field: String) -> Int? {
        guard field.hasPrefix("events["), let close = field.firstIndex(of: "]") else { return nil }
        return Int(field[field.index(field.startIndex, offsetBy: 7)..<close])
    }

    public var description: String { "\(code.rawValue): \(message)" + (field.map { " (\($0))" } ?? "") }
}
