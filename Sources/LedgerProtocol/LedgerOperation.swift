/// A grant of operations.md "Who may do what". Grants are independent (issue 11): an auditor
/// may not append, a writer may not read what is not public, an admin operates the store.
/// Everyone may use the public ops.
public enum Role: String, Sendable, CaseIterable {
    case writer
    case auditor
    case admin
    /// A follower's certificate: it may `subscribe` to the log (recorded once per stream) and
    /// report what it holds (`replicated`).
    case replica
}

/// The protocol's operations, one typed entry each (issue 12): the grants that allow it,
/// whether its use is recorded in the access log, how it is answered, and the parameters of
/// its request. Every listener (the Unix socket, the HTTPS edge), `creditctl` and
/// `ledger-bench` name ops through it; nothing compares op strings elsewhere.
public enum LedgerOperation: String, Sendable, CaseIterable {
    case ping
    case append
    case get
    case read
    case subscribe
    case history
    case verify
    case stats
    case status
    case display
    case rebuild
    case check
    case accessLog = "access-log"
    case metrics
    case report
    case find
    /// A follower reports the seq it holds durably (synchronous replication, issue 15).
    case replicated
    /// Makes a follower the leader (issue 15).
    case promote

    /// How an answer is produced.
    public enum Answering: Sendable, Equatable {
        /// Computed when the request reaches the front of its connection.
        case atOnce
        /// Computed after a durable commit: an append's, or a recorded read's access record
        /// (nothing is disclosed before its record is durable).
        case afterCommit
        /// One answer, then the connection streams events (after the access record is durable).
        case stream
    }

    /// The op named `name`, or `nil` for an unknown name.
    public init?(name: String) { self.init(rawValue: name) }

    /// The name on the wire.
    public var name: String { rawValue }

    /// The grants any one of which allows the op; empty for public ops.
    public var roles: Set<Role> {
        switch self {
        case .ping, .display, .check, .report: return []
        case .append: return [.writer]
        // Reading records that are not public: auditors, and admins (who operate the store).
        // `find` answers personal data (natural persons' names) under codes: not public either.
        case .history, .status, .get, .read, .accessLog, .find: return [.auditor, .admin]
        // A follower copies the log: the stream only.
        case .subscribe: return [.auditor, .admin, .replica]
        case .verify, .stats, .rebuild, .metrics, .promote: return [.admin]
        case .replicated: return [.replica]
        }
    }

    /// True for non-public reads: recorded in the access log, with a purpose (查询用途), before
    /// they are answered, whoever asks.
    public var isAudited: Bool {
        switch self {
        case .history, .status, .get, .read, .subscribe, .accessLog, .find: return true
        case .ping, .append, .verify, .stats, .display, .rebuild, .check, .metrics, .report, .replicated, .promote: return false
        }
    }

    /// How the op is answered.
    public var answering: Answering {
        if self == .subscribe { return .stream }
        return self == .append || self == .promote || isAudited ? .afterCommit : .atOnce
    }

    /// True for the reads that may carry `minSeq` (wait until the log reaches it, issue 15).
    public var acceptsMinSeq: Bool {
        switch self {
        case .append, .subscribe, .rebuild, .metrics, .replicated, .promote: return false
        default: return true
        }
    }

    /// True when the answer is small and quick: served even while the daemon's budget of
    /// unsent answers is spent.
    public var hasSmallAnswer: Bool {
        switch self {
        case .ping, .check, .stats, .metrics, .replicated, .promote: return true
        default: return false
        }
    }

    /// The parameters its request may carry besides `op`, `id` (and `purpose`, for audited
    /// ops); Schemas/protocol/request.json gives their types. Any request may also carry
    /// `epoch` (the highest leadership epoch its client has seen), and reads `minSeq`.
    public var parameters: [String] {
        switch self {
        case .ping, .stats, .metrics, .promote: return []
        case .replicated: return ["seq"]
        case .append: return ["events", "expectedVersion"]
        case .get: return ["seq", "eventId"]
        case .read: return ["from", "limit"]
        case .subscribe: return ["from", "prevHash"]
        case .history: return ["entity", "knownAt", "from", "limit"]
        case .verify: return ["from", "to", "log", "checkpoints"]
        case .status: return ["entity", "at", "knownAt"]
        case .display: return ["entity", "at", "channel", "offset", "limit"]
        case .rebuild: return ["verify"]
        case .check: return ["entity", "measure", "at", "scope"]
        case .accessLog: return ["from", "limit"]
        case .report: return ["entity", "from", "to", "head", "rulesDigest", "offset", "limit"]
        case .find: return ["name", "limit"]
        }
    }
}
