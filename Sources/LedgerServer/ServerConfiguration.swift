import LedgerJSON
import LedgerProtocol

/// The server's socket and its bounds.
public struct ServerConfiguration: Sendable {
    public var socketPath: String
    /// Leader or follower of a leader's edge, and replication's bounds (issue 15).
    public var replication = Replication()
    /// The regions this ledger holds, as GB/T 2260 prefixes ("11": Beijing; "3201": Nanjing):
    /// an append for an entity of any other region is refused (a shard, Deploy/shards.md).
    /// Empty: every region.
    public var regions: [String] = []
    /// File mode of the socket (the first access gate).
    public var socketMode: UInt16 = 0o660
    /// The group the socket is given to (who may connect, with `socketMode` 0660): distinct
    /// from the store's owner, whose files no client may read. `nil`: the daemon's group.
    public var socketGroup: UInt32?
    /// Open connections at most; more are answered `unavailable` and closed.
    public var maximumConnections: Int = 1024
    /// Connections one uid holds at most (the daemon's own uid excepted).
    public var maximumConnectionsPerUid: Int = 128
    /// Of `maximumConnections`, the last ones admit only callers with a writer or admin grant.
    public var reservedConnections: Int = 64
    /// Seconds a connection with nothing unanswered may send nothing before it is closed
    /// (a subscription, which only receives, excepted).
    public var idleTimeoutSeconds: Int64 = 300
    /// Seconds a connection may hold answers it does not read while that budget is spent
    /// before it is closed (its bytes go back to the others).
    public var stalledReaderSeconds: Int64 = 10
    /// Bytes of partial request lines and unsent answers all connections hold together at most.
    public var maximumBufferedBytes: Int = 64 << 20

    var connectionLimits: ConnectionTable.Limits {
        ConnectionTable.Limits(
            maximumConnections: maximumConnections, maximumConnectionsPerUid: maximumConnectionsPerUid,
            reservedForWritersAndAdmins: min(reservedConnections, maximumConnections - 1))
    }
    /// Bytes in one request line at most.
    public var maximumLineBytes: Int = Request.defaultMaximumLineBytes
    /// Requests one connection may have unanswered before the server stops reading from it.
    public var maximumPipelinedRequests: Int = 1024
    /// Event-loop threads.
    public var threads: Int = System.coreCount
    /// Who gets which role (SO_PEERCRED uid/gid).
    public var access: AccessPolicy = .embeddedDefault()
    /// The Prometheus text of every metric (set by the process that bootstrapped the backend).
    public var metricsText: (@Sendable () -> String)?
    /// A loopback address for `GET /metrics` over HTTP (`nil`: only the `metrics` op).
    public var metricsHTTP: (host: String, port: Int)?
    /// The file of the chains' heads published outside the store (`verify` with `checkpoints`).
    public var checkpointFile: String?
    /// How long a drain (SIGTERM) waits for connections to finish, in seconds.
    public var drainTimeoutSeconds: Int64 = 10

    public init(socketPath: String) { self.socketPath = socketPath }
}

import NIOCore
