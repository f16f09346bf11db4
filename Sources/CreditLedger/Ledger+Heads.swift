import LedgerJSON
import LedgerStore

/// The chains' heads, for the server and the daemon: the ledger answers these itself and
/// never hands out its store (issue 12).
extension Ledger {
    /// The event log's durable head.
    public func head() throws -> LogHead { try store.head() }

    /// Both chains' durable heads now, as the checkpoint file records them.
    public func checkpoint(writtenAtMilliseconds: Int64) throws -> Checkpoint {
        try store.checkpoint(writtenAtMilliseconds: writtenAtMilliseconds)
    }

    /// `nil` when the store agrees with every checkpoint; otherwise what is wrong. `asCopy`:
    /// the store is a copy (a backup, a load) and may stop short of later checkpoints.
    public func disagreement(with checkpoints: [Checkpoint], asCopy: Bool = false) throws -> String? {
        try store.disagreement(with: checkpoints, asCopy: asCopy)
    }

    /// `verify` against the checkpoint file at `path` (`ok`, `checkpoints`, `file`, `problem`).
    public func checkpointReport(file path: String) throws -> JSONValue {
        try store.checkpointReport(file: path)
    }
}

extension Ledger {
    /// Bytes the store uses and the size it may grow to (the map size).
    public func storeSize() -> (usedBytes: Int, limitBytes: Int) {
        (store.usedBytes(), store.mapSizeBytes())
    }

    /// Both chains' heads: the event log's, and the access log's (`nil` when it cannot be read).
    public func heads() throws -> (events: LogHead, access: LogHead?) {
        try store.read { log in (log.head, try? log.accessLog().head) }
    }
}
