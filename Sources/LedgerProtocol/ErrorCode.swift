/// The protocol's error codes (protocol.md, "Envelope").
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

/// An error answer: a stable code, a message for people, and the field at fault.
public struct ProtocolError: Error, Sendable, Equatable {
    public let code: ErrorCode
    public let message: String
    public let field: String?

    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }
}
