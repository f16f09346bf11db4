/// Why an event (or a field of a request) was refused, with the field at fault.
///
/// `code` maps one-to-one onto the protocol's error codes.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case invalidEntity = "invalid_entity"
        case unknownKind = "unknown_kind"
        case unknownRef = "unknown_ref"
        case ruleViolation = "rule_violation"
        case conflict
    }

    public let code: Code
    public let message: String
    /// A JSON path to the field at fault (`events[2].body.measures[0].type`), when one is.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The same error with `prefix` put before its field path.
    public func prefixed(_ prefix: String) -> ValidationError {
        var copy = self
        copy.field = field.map { $0.hasPrefix("[") ? prefix + $0 : prefix + "." + $0 } ?? prefix
        return copy
    }

    public var description: String { "\(code.rawValue): \(message)" + (field.map { " (\($0))" } ?? "") }
}
