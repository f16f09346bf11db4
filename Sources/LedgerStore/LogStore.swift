import CLMDB
import Foundation

/// An append-only, hash-chained log in an LMDB environment on disk.
///
/// Reads may run on any thread at any time, each in its own read transaction, and never
/// wait for the writer. Writes go through ``GroupCommitWriter``, which owns the one write
/// transaction at a time.
public final class LogStore: Sendable {
    /// The format name kept in a new store. Format 2 keeps no content digest in the id
    /// index (a re-submission is compared with the stored record itself). Format 1 is no
    /// longer opened: no deployed store uses it (issue 11).
    public static let formatName = "creditledger-log-2"
    /// The default map size: the most the data file may grow to (sparse until used).
    public static let defaultMapSizeBytes = 64 << 30

    let environment: LMDBEnvironment
    let databases: LogDatabases
    public let directory: String
    public let readOnly: Bool
    /// Held while the store is open for writing: a second writer (another daemon on the same
    /// directory) is refused instead of corrupting the projections (issue 11).
    private let writerLock: WriterLockHolder
    /// The heads known flushed: in a store with a writer, readers see nothing past them
    /// (reads only ever cite the durable head, issue 11). Unused in a read-only store.
    let durableHeads = DurableHeads()
    /// The lock file in a data directory.
    public static let writerLockName = "writer.lock"

    /// Opens or creates the store in `directory`.
    /// - Parameters:
    ///   - directory: the data directory (created when missing, unless `readOnly`).
    ///   - mapSizeBytes: the size limit; appends beyond it answer "store full".
    ///   - readOnly: open a stopped (or running) store for offline reads only.
    public init(directory: String, mapSizeBytes: Int = LogStore.defaultMapSizeBytes, readOnly: Bool = false) throws {
        if !readOnly {
            // Private by construction: 0700 and 0600 whatever the umask (issue 11).
            try PrivateFiles.directory(directory)
            writerLock = WriterLockHolder(try ExclusiveLock(path: directory + "/" + Self.writerLockName))
        } else {
            writerLock = WriterLockHolder(nil)
        }
        self.directory = directory
        self.readOnly = readOnly
        environment = try LMDBEnvironment(directory: directory, mapSizeBytes: mapSizeBytes, readOnly: readOnly)
        if !readOnly {
            try PrivateFiles.storeFiles(in: directory)
            // What the file holds now is made durable once, so that readers may show it all.
            try environment.sync()
        }
        let databases = LogDatabases(
            records: try environment.openDatabase("log.records", create: !readOnly),
            index: try environment.openDatabase("log.index", create: !readOnly),
            views: try Self.openOptional(environment, "log.views", readOnly: readOnly),
            keys: try Self.openOptional(environment, "log.keys", readOnly: readOnly),
            access: try Self.openOptional(environment, "access.records", readOnly: readOnly))
        try Self.checkFormat(environment, databases, readOnly: readOnly)
        self.databases = databases
        if !readOnly {
            let heads = try read { try $0.chainHeads() }
            durableHeads.markDurable(heads)
        }
    }

    /// A database added after the first format: a read-only store made before it has none.
    private static func openOptional(_ environment: LMDBEnvironment, _ name: String, readOnly: Bool) throws(LMDBError) -> MDB_dbi? {
        do {
            return try environment.openDatabase(name, create: !readOnly)
        } catch where readOnly && error.code == MDB_NOTFOUND {
            return nil
        }
    }

    /// The store's format (marking a new store with the current one).
    private static func checkFormat(_ environment: LMDBEnvironment, _ databases: LogDatabases, readOnly: Bool) throws {
        let transaction = try LMDBTransaction(environment: environment, parent: nil, readOnly: readOnly)
        defer { transaction.abort() }
        let format = try transaction.get(databases.index, LogDatabases.Key.format).map { String(decoding: $0, as: UTF8.self) }
        switch format {
        case formatName?:
            return
        case nil where !readOnly:
            // A new store, unless it already holds records (a store without a marker).
            guard try transaction.count(databases.records) == 0 else {
                throw LogError.incompatibleFormat("records but no format marker: not a CreditLedger store")
            }
            try transaction.put(databases.index, LogDatabases.Key.format, Array(formatName.utf8))
            try transaction.commit()
        case nil:
            throw LogError.incompatibleFormat("no format marker: not a CreditLedger store")
        case let other?:
            throw LogError.incompatibleFormat("store format \(other), expected \(formatName)")
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot of the log).
    public func read<R>(_ body: (LogTransaction) throws -> R) throws -> R {
        let transaction = try LMDBTransaction(environment: environment, parent: nil, readOnly: true)
        defer { transaction.abort() }
        let view = try LogTransaction(transaction: transaction, databases: databases, recordedAtMilliseconds: nil, durableHeads: readerBound)
        return try body(view)
    }

    /// Opens a read snapshot that outlives the call: for work split over threads, each
    /// thread using its own snapshot (never one snapshot from two threads at once).
    /// - Parameter durableOnly: false for an admin's check of the whole store (projections
    ///   against the log), which must see the snapshot's every commit as the views do.
    public func snapshot(durableOnly: Bool = true) throws -> LogSnapshot {
        let transaction = try LMDBTransaction(environment: environment, parent: nil, readOnly: true)
        return LogSnapshot(
            transaction: transaction,
            log: try LogTransaction(transaction: transaction, databases: databases, recordedAtMilliseconds: nil, durableHeads: durableOnly ? readerBound : nil))
    }

    /// What bounds a reader's view: the durable heads in a store opened for writing.
    private var readerBound: DurableHeads? { readOnly ? nil : durableHeads }

    /// The current head: in a store opened for writing, the last durable one.
    public func head() throws -> LogHead { try read { $0.head } }

    /// Writes a compacted, consistent copy of the store into `directory` (which must exist
    /// and be empty). Safe while the daemon writes.
    /// The copy is private (0700 / 0600) and flushed with its directory before this returns.
    public func backup(to directory: String) throws {
        try PrivateFiles.directory(directory)
        try environment.copy(to: directory)
        try PrivateFiles.seal(directory + "/data.mdb")
    }

    /// Bytes the data file uses.
    public func usedBytes() -> Int { environment.usedBytes() }

    /// The configured limit of the data file.
    public func mapSizeBytes() -> Int { environment.mapSizeBytes() }

    /// True while this store may be written (its directory's writer lock is held).
    public var holdsWriterLock: Bool { writerLock.held }

    /// Gives up the writer lock once the writer has stopped for good, so that another process
    /// (or a test reopening the directory) may write. Reads go on.
    public func releaseWriterLock() { writerLock.release() }

    /// Free bytes below which a failed write is taken for a full disk.
    static let diskFullMarginBytes: UInt64 = 1 << 20

    /// True when `error` (of a commit) is the disk running out of space: `ENOSPC`, or the
    /// `EIO` LMDB reports for a short write, with less than ``diskFullMarginBytes`` free.
    func refusedForSpace(_ error: Error) -> Bool {
        guard let code = (error as? LMDBError)?.code, code == ENOSPC || code == EIO else { return false }
        var figures = statvfs()
        guard statvfs(directory, &figures) == 0 else { return code == ENOSPC }
        return code == ENOSPC || UInt64(figures.f_bavail) * UInt64(figures.f_frsize) < Self.diskFullMarginBytes
    }

    /// Flushes every commit so far to stable storage.
    func sync() throws(LMDBError) { try environment.sync() }

    /// Opens a write transaction; only ``GroupCommitWriter`` calls this.
    func beginWrite(parent: LMDBTransaction?) throws(LMDBError) -> LMDBTransaction {
        try LMDBTransaction(environment: environment, parent: parent, readOnly: false)
    }
}

/// A read transaction held open until ``close()`` (or deinit). Usable from any one thread at a time.
public final class LogSnapshot: @unchecked Sendable {
    private let transaction: LMDBTransaction
    /// The view of the log in this snapshot.
    public let log: LogTransaction

    init(transaction: LMDBTransaction, log: LogTransaction) {
        self.transaction = transaction
        self.log = log
    }

    /// Ends the read transaction.
    public func close() { transaction.abort() }

    deinit { transaction.abort() }
}

/// The writer lock of an open store, released at most once.
private final class WriterLockHolder: @unchecked Sendable {
    private let mutex = NSLock()
    private var lock: ExclusiveLock?

    init(_ lock: ExclusiveLock?) { self.lock = lock }

    var held: Bool { mutex.withLock { lock != nil } }

    func release() { mutex.withLock { lock = nil } }
}
