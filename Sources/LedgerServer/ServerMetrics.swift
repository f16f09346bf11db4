import CreditDomain
import CreditLedger
import LedgerJSON
import LedgerProtocol
import LedgerStore
import Metrics
import NIOConcurrencyHelpers

/// The server's swift-metrics instruments (a no-op until the process bootstraps a backend).
/// Their help texts and buckets: ``MetricFamily/all``.
package enum ServerMetrics {
    package static func request(_ operation: LedgerOperation) {
        let op = operation.name
        perRequest.withLockedValue { instruments in
            cached(&instruments.requests, op) { Counter(label: "creditledger_requests_total", dimensions: [("op", op)]) }
        }.increment()
    }

    static func error(_ code: ErrorCode) {
        Counter(label: "creditledger_errors_total", dimensions: [("code", code.rawValue)]).increment()
    }

    /// An answer to `op` is ready: counted by op and outcome (`ok` or the error code), and its
    /// latency observed. Called from one place, `Operations.finish`.
    static func answered(_ operation: LedgerOperation, error: ErrorCode?, duration: Duration) {
        let op = operation.name
        let outcome = error?.rawValue ?? "ok"
        let (answers, timer) = perRequest.withLockedValue { instruments in
            (cached(&instruments.answers, op + " " + outcome) { Counter(label: "creditledger_answers_total", dimensions: [("op", op), ("outcome", outcome)]) },
             cached(&instruments.durations, op) { Metrics.Timer(label: "creditledger_request_duration_seconds", dimensions: [("op", op)]) })
        }
        answers.increment()
        timer.record(duration: duration)
    }

    /// The instruments counted at every request, each made once per label values: making one
    /// asks the metrics backend, whose registry checks the name, labels and help text under its
    /// lock. Bounded: ops are the catalogue's (``LedgerOperation``), outcomes `ok` and the error codes.
    private static let perRequest = NIOLockedValueBox(PerRequestInstruments())

    private static func cached<Instrument>(_ table: inout [String: Instrument], _ key: String, _ make: () -> Instrument) -> Instrument {
        if let instrument = table[key] { return instrument }
        let instrument = make()
        table[key] = instrument
        return instrument
    }

    private struct PerRequestInstruments {
        var requests: [String: Counter] = [:]
        /// By op and outcome, as "op outcome".
        var answers: [String: Counter] = [:]
        var durations: [String: Metrics.Timer] = [:]
    }

    static let connections = Gauge(label: "creditledger_connections")
    static let refusedConnections = Counter(label: "creditledger_connections_refused_total")
    static let storeBytes = Gauge(label: "creditledger_store_bytes")
    static let storeSizeLimitBytes = Gauge(label: "creditledger_store_size_limit_bytes")
    static let storeFillRatio = Gauge(label: "creditledger_store_fill_ratio")
    static let headSeq = Gauge(label: "creditledger_head_seq")
    static let accessLogHeadSeq = Gauge(label: "creditledger_access_log_head_seq")
    static let lastAppendSeconds = Gauge(label: "creditledger_last_append_timestamp_seconds")
    static let lastCommitSeconds = Gauge(label: "creditledger_last_commit_timestamp_seconds")
    static let leadershipEpoch = Gauge(label: "creditledger_leadership_epoch")
    static let leadershipFenced = Gauge(label: "creditledger_leadership_fenced")
    static let followerStopped = Gauge(label: "creditledger_follower_stopped")

    /// Creates every series known at start, once the backend is bootstrapped: each family without
    /// labels, an error counter per code and the build info. A counter that exists at 0 before its
    /// first increment lets `increase()` see that increment (alerts on failures rely on it).
    /// - Parameter startTimeSeconds: when the process started, in seconds since the Unix epoch.
    public static func publishInitialSeries(startTimeSeconds: Double) {
        for family in MetricFamily.all where family.labels.isEmpty {
            switch family.kind {
            case .counter: _ = Counter(label: family.name)
            case .gauge: _ = Gauge(label: family.name)
            case .durationHistogram: _ = Metrics.Timer(label: family.name)
            case .valueHistogram: _ = Recorder(label: family.name, aggregate: true)
            }
        }
        for code in ErrorCode.allCases {
            _ = Counter(label: "creditledger_errors_total", dimensions: [("code", code.rawValue)])
        }
        Gauge(label: "creditledger_build_info", dimensions: [("version", CreditLedgerVersion.current), ("swift", swiftCompilerVersion)]).record(1)
        Gauge(label: "process_start_time_seconds").record(startTimeSeconds)
    }

    /// The Swift compiler that built this binary, as major.minor (there is no run-time value).
    static var swiftCompilerVersion: String {
        #if compiler(>=6.5)
        return "6.5+"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// Reads the gauges of the store and the connections now (at each scrape). A store that
    /// cannot be read leaves the store's gauges as they were.
    static func sample(ledger: Ledger, connectionCount: Int, replication: Replication) {
        connections.record(connectionCount)
        let leadership = ledger.leadership
        leadershipEpoch.record(Int(leadership.epoch))
        leadershipFenced.record(leadership.isFenced ? 1 : 0)
        followerStopped.record(replication.publicFollowerStatus?["state"] == "stopped" ? 1 : 0)
        for (name, seq) in replication.reportedSeqs {
            Gauge(label: "creditledger_replica_seq", dimensions: [("follower", name)]).record(Int(seq))
        }
        let (used, limit) = ledger.storeSize()
        storeBytes.record(used)
        storeSizeLimitBytes.record(limit)
        storeFillRatio.record(limit > 0 ? Double(used) / Double(limit) : 0)
        guard let (events, access) = try? ledger.heads() else { return }
        headSeq.record(Int(events.seq))
        lastAppendSeconds.record(Double(events.recordedAtMilliseconds) / 1000)
        lastCommitSeconds.record(Double(max(events.recordedAtMilliseconds, access?.recordedAtMilliseconds ?? 0)) / 1000)
        if let access { accessLogHeadSeq.record(Int(access.seq)) }
    }
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
package func failureAnswer(id: JSONValue?, error: LedgerError, served: Served) -> Answer {
    ServerMetrics.error(error.code)
    return Answer(bytes: Response.failure(id: id, error: error, served: served), error: error.code)
}
