import CreditDomain
import LedgerJSON
import LedgerProtocol
import Metrics

/// The server's swift-metrics instruments (a no-op until the process bootstraps a backend).
enum ServerMetrics {
    /// Ops with a label of their own; anything else counts as `other` (bounded label values).
    static let knownOps: Set<String> = [
        "ping", "append", "get", "read", "subscribe", "history", "status", "display", "check", "report", "verify", "stats",
        "rebuild", "access-log", "metrics",
    ]

    static func request(_ op: String) {
        Counter(label: "creditledger_requests_total", dimensions: [("op", knownOps.contains(op) ? op : "other")]).increment()
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

/// An error answer, counted by code.
func failureAnswer(id: JSONValue?, error: LedgerError) -> [UInt8] {
    ServerMetrics.error(error.code)
    return Response.failure(id: id, error: error)
}
