import CreditDomain
import HTTPTypes

/// The HTTP status of each protocol error code: the body is the line protocol's answer,
/// the status lets HTTP clients and proxies tell outcomes apart (Schemas/openapi.json).
enum EdgeStatus {
    static func of(_ code: ErrorCode?) -> HTTPResponse.Status {
        guard let code else { return .ok }
        switch code {
        case .badJSON, .missingField, .invalidField, .invalidEntity, .unknownKind, .unknownRef: return .badRequest
        case .forbidden: return .forbidden
        case .notFound, .unknownOp: return .notFound
        case .conflict, .versionMismatch, .ruleViolation: return .conflict
        case .tooLarge, .lineTooLong: return .contentTooLarge
        case .unavailable: return .serviceUnavailable
        case .internal: return .internalServerError
        }
    }
}
