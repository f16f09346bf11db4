import CreditDomain
import LedgerStore

/// Why a ledger operation failed. `code` raw values are the protocol's error codes.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case invalidEntity = "invalid_entity"
        case unknownKind = "unknown_kind"
        case unknownRef = "unknown_ref"
        case ruleViolation = "rule_violation"
        case conflict
        case versionMismatch = "version_mismatch"
        case notFound = "not_found"
        case tooLarge = "too_large"
        case unavailable
        case `internal`
    }

    public let code: Code
    public let message: String
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    init(_ error: ValidationError) {
        self.init(Code(rawValue: error.code.rawValue)!, error.message, field: error.field)
    }

    init(_ error: WriterError) {
        switch error {
        case .queueFull: self.init(.unavailable, "too many appends are waiting for the writer; retry shortly")
        case .stopped: self.init(.unavailable, "the ledger is shutting down")
        case .storeFull: self.init(.unavailable, "the store is full: nothing was written; raise mapSizeBytes or free disk space")
        case let .commitFailed(reason): self.init(.unavailable, "the commit failed and nothing was written: \(reason)")
        }
    }

    public var description: String { "\(code.rawValue): \(message)" + (field.map { " (\($0))" } ?? "") }
}
