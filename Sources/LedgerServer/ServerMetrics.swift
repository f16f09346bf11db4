import CreditDomain
import LedgerJSON
import LedgerProtocol
import Metrics

/// The server's swift-metrics instruments (a no-op until the process bootstraps a backend).
package enum ServerMetrics {
    package static func request(_ operation: LedgerOperation) {
        Counter(label: "creditledger_requests_total", dimensions: [("op", operation.name)]).increment()
    }

    static func error(_ code: ErrorCode) {
        Counter(label: "creditledger_errors_total", dimensions: [("code", code.rawValue)]).increment()
    }

    static let connections = Gauge(label: "creditledger_connections")
    static let refusedConnections = Counter(label: "creditledger_connections_refused_total")
    static let bufferedBytes = Gauge(label: "creditledger_buffered_bytes")
    static let storeBytes = Gauge(label: "creditledger_store_bytes")
    static let headSeq = Gauge(label: "creditledger_head_seq")
}

/// One answer line, with the error code when it is a failure (the HTTPS edge's status).
package struct Answer: Sendable {
    package let bytes: [UInt8]
    /// `nil` for a success.
    package let error: ErrorCode?

    /// A success answer.
    package static func success(_ bytes: [UInt8]) -> Answer { Answer(bytes: bytes, error: nil) }
}

/// An error answer, counted by code.
package func failureAnswer(id: JSONValue?, error: LedgerError) -> Answer {
    ServerMetrics.error(error.code)
    return Answer(bytes: Response.failure(id: id, error: error), error: error.code)
}
