/// One metric family the daemon exposes: its name, its type, the text of its `# HELP` line and,
/// for a histogram, its buckets.
///
/// swift-metrics carries neither help text nor buckets, so the instruments are created by name
/// wherever they are counted (the store, the ledger, the server) and the daemon's metrics backend
/// looks their description up here. `Deploy/grafana` and `Deploy/prometheus` use these names;
/// `MonitoringTests` checks that every family exposed has its HELP and TYPE lines, and that the
/// dashboard and the alert rules name only families the daemon exposes.
public struct MetricFamily: Sendable {
    /// How a family is recorded: it must match the swift-metrics instrument that records it
    /// (`Counter`, `Gauge`, `Timer`, `Recorder`), since the registry allows one type per name.
    public enum Kind: Sendable, Equatable {
        case counter
        case gauge
        /// A `Timer`: durations, with bucket bounds in seconds.
        case durationHistogram(bucketSeconds: [Double])
        /// A `Recorder` (aggregating): plain values, with these bucket bounds.
        case valueHistogram(buckets: [Double])
    }

    public let name: String
    public let kind: Kind
    /// The names of its labels (none: one series, created at start).
    public let labels: [String]
    public let help: String

    init(_ name: String, _ kind: Kind, labels: [String] = [], _ help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}

extension MetricFamily {
    /// Request latencies, from 100 µs (a `ping`, a `check` from memory) to 30 s (a `rebuild`).
    static let requestBucketSeconds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    /// Commit latencies: a flush takes about a millisecond on an SSD, tens on a busy disk.
    static let commitBucketSeconds = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Requests per commit, up to the writer's 2,048 (`GroupCommitWriter.Limits`).
    static let batchRequestBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
    /// Weight per commit (mostly events), up to the writer's 20,000 (one job may exceed it alone).
    static let batchEventBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000]

    /// Every family the daemon exposes.
    public static let all: [MetricFamily] = [
        MetricFamily("creditledger_build_info", .gauge, labels: ["version", "swift"],
            "Always 1: version is the release (as creditledgerd --version prints it), swift the compiler that built it."),
        MetricFamily("process_start_time_seconds", .gauge,
            "When the daemon started, in seconds since the Unix epoch (a change is a restart)."),
        MetricFamily("creditledger_requests_total", .counter, labels: ["op"],
            "Requests received, by op (ops not in the protocol as other), counted before access control."),
        MetricFamily("creditledger_answers_total", .counter, labels: ["op", "outcome"],
            "Answers to requests past access control, by op and outcome: ok, or the error code."),
        MetricFamily("creditledger_request_duration_seconds", .durationHistogram(bucketSeconds: requestBucketSeconds), labels: ["op"],
            "Time from taking a request up to its answer, by op; an append and an audited read include their durable commit."),
        MetricFamily("creditledger_errors_total", .counter, labels: ["code"],
            "Error answers by code, every one (refused lines and forbidden requests included)."),
        MetricFamily("creditledger_connections", .gauge, "Client connections open on the socket."),
        MetricFamily("creditledger_connections_refused_total", .counter,
            "Connections refused at the daemon's or a caller's connection limit."),
        MetricFamily("creditledger_appended_events_total", .counter,
            "Events appended and durable (a duplicate resubmission is not counted)."),
        MetricFamily("creditledger_commit_duration_seconds", .durationHistogram(bucketSeconds: commitBucketSeconds),
            "Time from a commit's write transaction start until it is durable (flushed)."),
        MetricFamily("creditledger_commit_batch_requests", .valueHistogram(buckets: batchRequestBuckets),
            "Jobs per commit: appends, access records, refused appends' counts, projection catch-ups."),
        MetricFamily("creditledger_commit_batch_events", .valueHistogram(buckets: batchEventBuckets),
            "Weight per commit: events appended, plus 1 per access record or refusal count, plus 20000 per projection catch-up."),
        MetricFamily("creditledger_commits_failed_total", .counter,
            "Commits that failed; nothing of them was written, and a failed flush stops every write until a restart."),
        MetricFamily("creditledger_store_bytes", .gauge, "Bytes of the store's data file in use (up to its last page)."),
        MetricFamily("creditledger_store_size_limit_bytes", .gauge,
            "The store's size limit (mapSizeBytes): appends that would grow it beyond are refused."),
        MetricFamily("creditledger_store_fill_ratio", .gauge,
            "creditledger_store_bytes over creditledger_store_size_limit_bytes, 0 to 1."),
        MetricFamily("creditledger_head_seq", .gauge, "The event log's durable head: the seq of its last event."),
        MetricFamily("creditledger_access_log_head_seq", .gauge, "The access log's durable head: the seq of its last record."),
        MetricFamily("creditledger_last_append_timestamp_seconds", .gauge,
            "recordedAt of the event log's head, in seconds since the Unix epoch (0 while the log is empty)."),
        MetricFamily("creditledger_last_commit_timestamp_seconds", .gauge,
            "recordedAt of the later of both logs' heads (events, access records), in seconds since the Unix epoch."),
        MetricFamily("creditledger_leadership_epoch", .gauge, "The leadership epoch this daemon serves under (a follower: its leader's)."),
        MetricFamily("creditledger_leadership_fenced", .gauge,
            "1 when this leader has met a newer leader's epoch and refuses appends until it follows it; else 0."),
        MetricFamily("creditledger_follower_stopped", .gauge,
            "1 when this follower has stopped following for good (a record that does not chain, an older leader): an operator must look; else 0."),
        MetricFamily("creditledger_replica_seq", .gauge, labels: ["follower"],
            "On a leader: the seq each follower (by certificate name) last reported durable; creditledger_head_seq minus it is its lag."),
    ]
}
