import CLMDB
import Foundation
import Synchronization

/// The databases of the chained log inside one LMDB environment.
///
/// Two B-trees: the records, and one index tree whose keys begin with a one-byte prefix
/// naming the index. One tree instead of four means fewer pages rewritten per commit
/// (LMDB copies every page on the path to a changed leaf, and each tree's root).
struct LogDatabases: Sendable {
    /// seq (8 bytes, big-endian) → hash (32 bytes) + canonical record bytes.
    let records: MDB_dbi
    /// The index tree, holding the `Key` kinds below.
    let index: MDB_dbi
    /// View key (UTF-8) → value: what the log's user derives from it, kept in step by the
    /// writer. `nil` in a read-only store made before views existed.
    let views: MDB_dbi?
    /// Keys (bytes) → empty: secondary keys the log's user derives along with its views
    /// (a name index), cleared with them. `nil` in a read-only store made before it existed.
    let keys: MDB_dbi?
    /// The second chain, the access log: seq → hash + canonical record, like `records`.
    /// `nil` in a read-only store made before it existed.
    let access: MDB_dbi?
    /// Where this chain's head is kept in the index tree.
    var headKey: [UInt8] = Key.head
    /// True for the event log (ids and streams indexed); false for the access log.
    var indexed = true

    /// The same databases seen as the access chain.
    var accessChain: LogDatabases? {
        guard let access else { return nil }
        var chain = LogDatabases(records: access, index: index, views: nil, keys: nil, access: nil)
        chain.headKey = Key.accessHead
        chain.indexed = false
        return chain
    }

    enum Key {
        /// 0x01 + id (UTF-8) → seq (8 bytes) + tag (format 1: seq + SHA-256 of the appended content + tag).
        static func id(_ id: String) -> [UInt8] { [0x01] + Array(id.utf8) }
        /// 0x02 + stream key (UTF-8) + 0x00 + seq (8 bytes) → empty.
        static func stream(_ stream: String) -> [UInt8] { [0x02] + Array(stream.utf8) + [0] }
        /// 0x03 + counter name (UTF-8) → value (8 bytes, big-endian); kept in step with the log.
        static func counter(_ name: String) -> [UInt8] { [0x03] + Array(name.utf8) }
        /// 0x04 "head" → LogHead.
        static let head: [UInt8] = [0x04] + Array("head".utf8)
        /// 0x04 "format" → the on-disk format name.
        static let format: [UInt8] = [0x04] + Array("format".utf8)
        /// 0x04 "access.head" → the access log's LogHead.
        static let accessHead: [UInt8] = [0x04] + Array("access.head".utf8)
        /// 0x04 "views.format" → the name of the views' layout (the user's).
        static let viewsFormat: [UInt8] = [0x04] + Array("views.format".utf8)
        /// 0x04 "views" → the seq (8 bytes) up to which the views are derived.
        static let viewsSeq: [UInt8] = [0x04] + Array("views".utf8)
        /// 0x04 "counted" → the seq (8 bytes) up to which the user's counters count the log.
        static let countedSeq: [UInt8] = [0x04] + Array("counted".utf8)
        /// 0x04 "leadership" → the log's user's leadership record (replication's epochs and
        /// fence, issue 15), kept with the log: never cleared with the views.
        static let leadership: [UInt8] = [0x04] + Array("leadership".utf8)
    }
}

/// Errors of the log itself (not of LMDB).
public enum LogError: Error, Sendable, Equatable {
    /// The id is already in the log.
    case idExists(String)
    /// A record the log needs is not in it (a compact record is read with its
    /// predecessor's hash): the store is damaged.
    case recordMissing(UInt64)
    /// The content is not a canonical JSON object with at least one member.
    case invalidContent
    /// The stream key is empty or holds a NUL byte.
    case invalidStreamKey
    /// The data directory holds a different format or a damaged head.
    case incompatibleFormat(String)
    /// A record formed elsewhere (an export's line, a leader's record) is not well formed:
    /// its seq (0 when unknown) and why.
    case malformedRecord(seq: UInt64, reason: String)
    /// A record formed elsewhere does not follow the head it was to be appended to: its seq
    /// and why (wrong seq, prevHash or hash, `recordedAt` going back).
    case notChained(seq: UInt64, reason: String)
}

/// A view of the log inside one transaction: read-only, or the writer's.
///
/// Reads see the transaction's snapshot; in a write transaction they also see what it
/// has appended so far. Valid only until the transaction ends, on the thread that made it.
public final class LogTransaction {
    let transaction: LMDBTransaction
    let databases: LogDatabases
    /// The head as of this transaction (advanced by `append`). In a reader's view of a
    /// writable store, the durable head: a commit not yet flushed is not seen (issue 11).
    public private(set) var head: LogHead
    /// The last seq this view shows: the durable head's in a reader's view, else all.
    private let visibleSeq: UInt64
    /// The heads known durable, passed on to the access chain's view (`nil`: see everything).
    private let durableHeads: DurableHeads?
    private let recordedAtMilliseconds: Int64?
    /// True when appends moved the head since it was last stored.
    private var headChanged = false
    /// Writes made through this view (the writer uses it to tell whether a failed job wrote).
    public private(set) var writeCount = 0
    /// Tells transactions apart: never the same for two transactions of one process.
    public let serial: UInt64 = LogTransaction.serials.wrappingAdd(1, ordering: .relaxed).newValue
    private static let serials = Atomic<UInt64>(0)
    /// What to do once this transaction is committed (dropped unrun when it is aborted).
    private var commitActions: [() -> Void] = []
    private var lastTimestamp: (milliseconds: Int64, text: String)?

    /// Runs `action` on the writer's thread once this transaction's commit has succeeded
    /// (before its flush to disk); never if the transaction is aborted. For caches of
    /// committed state.
    public func afterCommit(_ action: @escaping () -> Void) { commitActions.append(action) }

    /// Called by the writer after a successful commit.
    func runCommitActions() {
        let actions = commitActions
        commitActions = []
        for action in actions { action() }
    }

    /// - Parameter durableHeads: for a reader of a store with a writer: the heads known
    ///   durable, which bound what this view shows.
    init(transaction: LMDBTransaction, databases: LogDatabases, recordedAtMilliseconds: Int64?, durableHeads: DurableHeads? = nil) throws(LMDBError) {
        precondition(recordedAtMilliseconds == nil || durableHeads == nil, "the writer sees its own commits")
        self.transaction = transaction
        self.databases = databases
        self.recordedAtMilliseconds = recordedAtMilliseconds
        self.durableHeads = durableHeads
        let stored = try transaction.get(databases.index, databases.headKey).flatMap { LogHead(decoding: $0) } ?? .empty
        if let durable = durableHeads?.head(databases.headKey), durable.seq < stored.seq {
            head = durable
        } else {
            head = stored
        }
        visibleSeq = durableHeads == nil ? .max : head.seq
    }

    /// The record at `seq`, or `nil`.
    public func record(seq: UInt64) throws -> StoredRecord? {
        try withStoredRecord(seq: seq) { hash, canonical in
            guard let hash, let canonical else { return nil }
            return StoredRecord(seq: seq, hash: Array(hash), canonical: Array(canonical))
        }
    }

    /// Calls `body` with the canonical bytes of the record at `seq` (valid only inside
    /// `body`; no copy unless the record is stored compact), or `nil`.
    public func withRecord<R>(seq: UInt64, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try withStoredRecord(seq: seq) { _, canonical in try body(canonical) }
    }

    /// Calls `body` with the hash and canonical bytes of the record at `seq`, or two `nil`s.
    private func withStoredRecord<R>(seq: UInt64, _ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer?) throws -> R) throws -> R {
        guard seq <= visibleSeq else { return try body(nil, nil) }
        var result: Result<R, Error>!
        var expanded: [UInt8] = []
        try transaction.withValue(databases.records, BigEndian.bytes(seq)) { value in
            result = Result {
                guard let value, value.count > RecordLayout.hashLength else { return try body(nil, nil) }
                let hash = UnsafeRawBufferPointer(rebasing: value[0..<RecordLayout.hashLength])
                guard RecordLayout.isCompact(value) else {
                    return try body(hash, UnsafeRawBufferPointer(rebasing: value[RecordLayout.hashLength...]))
                }
                let previous = try storedHash(seq: seq - 1)
                try previous.withUnsafeBytes { previous in
                    try RecordLayout.expand(seq: seq, value: value, previousHash: previous, into: &expanded)
                }
                return try expanded.withUnsafeBytes { try body(hash, $0) }
            }
        }
        return try result.get()
    }

    /// Calls `body` with the record's `recordedAt` (milliseconds) and its content: the bytes
    /// as appended, without the log's header. Cheaper than ``withRecord(seq:_:)`` for a
    /// compact record (no header to rebuild, no look at the previous record); `nil` when
    /// there is no record `seq`.
    public func withRecordContent<R>(seq: UInt64, _ body: (Int64, [UInt8]) throws -> R) throws -> R? {
        guard seq <= visibleSeq else { return nil }
        let found: Result<(Int64, [UInt8]), LogError>? = try transaction.withValue(databases.records, BigEndian.bytes(seq)) { value in
            guard let value else { return nil }
            let hash = RecordLayout.hashLength
            if RecordLayout.isCompact(value) {
                guard value.count > hash + 9 else { return .failure(.invalidContent) }
                let milliseconds = Int64(bitPattern: BigEndian.uint64(value[(hash + 1)..<(hash + 9)]))
                return .success((milliseconds, [UInt8(ascii: "{")] + value[(hash + 9)...]))
            }
            let canonical = Array(value[min(hash, value.count)...])
            guard let header = RecordHeader(parsing: canonical), let milliseconds = Timestamp.parse(header.recordedAt) else {
                return .failure(.invalidContent)
            }
            return .success((milliseconds, [UInt8(ascii: "{")] + canonical[header.contentOffset...]))
        }
        guard let (milliseconds, content) = try found?.get() else { return nil }
        return try body(milliseconds, content)
    }

    /// The stored hash of record `seq` (32 zero bytes for seq 0, before the first record).
    func storedHash(seq: UInt64) throws -> [UInt8] {
        guard seq > 0 else { return LogHead.empty.hash }
        return try transaction.withValue(databases.records, BigEndian.bytes(seq)) { value -> [UInt8]? in
            guard let value, value.count > RecordLayout.hashLength else { return nil }
            return Array(value[0..<RecordLayout.hashLength])
        } ?? { throw LogError.recordMissing(seq) }()
    }

    /// Where `id` is stored, or `nil`.
    public func lookup(id: String) throws(LMDBError) -> IdEntry? {
        let entry = try storedLookup(id: id)
        return entry.flatMap { $0.seq <= visibleSeq ? $0 : nil }
    }

    private func storedLookup(id: String) throws(LMDBError) -> IdEntry? {
        try transaction.withValue(databases.index, LogDatabases.Key.id(id)) { value in
            guard let value, value.count >= 8 else { return nil }
            return IdEntry(seq: BigEndian.uint64(value[0..<8]), tag: Array(value[8...]))
        }
    }

    /// True when `content` (as given to ``append(id:stream:content:tag:)``) is what the id of
    /// `entry` was stored with, compared with the record's content.
    public func storedContent(of entry: IdEntry, equals content: [UInt8]) throws -> Bool {
        guard let equal = try withRecordContent(seq: entry.seq, { _, stored in stored == content }) else {
            throw LogError.recordMissing(entry.seq)
        }
        return equal
    }

    /// Up to `limit` records from `seq` on, in log order.
    public func records(from seq: UInt64, limit: Int) throws -> [StoredRecord] {
        var output: [StoredRecord] = []
        guard limit > 0 else { return output }
        try forEachRecord(from: seq) { seq, hash, canonical in
            output.append(StoredRecord(seq: seq, hash: Array(hash), canonical: Array(canonical)))
            return output.count < limit
        }
        return output
    }

    /// Visits records from `seq` on, in log order, until `body` returns false. The buffers
    /// are valid only inside `body`.
    public func forEachRecord(from seq: UInt64, _ body: (UInt64, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var previous: (seq: UInt64, hash: [UInt8])?
        var expanded: [UInt8] = []
        try transaction.scan(databases.records, from: BigEndian.bytes(max(seq, 1))) { key, value in
            guard value.count > RecordLayout.hashLength else { throw LogError.invalidContent }
            let seq = BigEndian.uint64(key)
            guard seq <= visibleSeq else { return false }
            let hash = UnsafeRawBufferPointer(rebasing: value[0..<RecordLayout.hashLength])
            defer { previous = (seq, Array(hash)) }
            guard RecordLayout.isCompact(value) else {
                return try body(seq, hash, UnsafeRawBufferPointer(rebasing: value[RecordLayout.hashLength...]))
            }
            let previousHash = try previous.flatMap { $0.seq == seq - 1 ? $0.hash : nil } ?? storedHash(seq: seq - 1)
            try previousHash.withUnsafeBytes { previousHash in
                try RecordLayout.expand(seq: seq, value: value, previousHash: previousHash, into: &expanded)
            }
            return try expanded.withUnsafeBytes { try body(seq, hash, $0) }
        }
    }

    /// The seqs of a stream's records after `minimumSeq` and up to `maximumSeq`, ascending: a
    /// seek to the first, then those keys only.
    public func seqs(stream: String, after minimumSeq: UInt64 = 0, upTo maximumSeq: UInt64 = .max) throws -> [UInt64] {
        precondition(minimumSeq < .max, "no seq follows the largest")
        let maximumSeq = min(maximumSeq, visibleSeq)
        let prefix = LogDatabases.Key.stream(stream)
        var output: [UInt64] = []
        try transaction.scan(databases.index, from: minimumSeq == 0 ? prefix : prefix + BigEndian.bytes(minimumSeq + 1)) { key, _ in
            guard key.count == prefix.count + 8, key.starts(with: prefix) else { return false }
            let seq = BigEndian.uint64(key[prefix.count...])
            guard seq <= maximumSeq else { return false }
            output.append(seq)
            return true
        }
        return output
    }

    /// The stream's last seq (0 when it has none): one seek.
    public func lastSeq(stream: String) throws -> UInt64 {
        let prefix = LogDatabases.Key.stream(stream)
        guard let key = try transaction.lastKey(databases.index, prefix: prefix), key.count == prefix.count + 8 else { return 0 }
        let last = BigEndian.uint64(key[prefix.count...])
        // A commit not yet durable: the last seq this view shows (rare: a scan).
        return last <= visibleSeq ? last : try seqs(stream: stream).last ?? 0
    }

    /// True when the stream has at least one record.
    public func hasStream(_ stream: String) throws -> Bool {
        let prefix = LogDatabases.Key.stream(stream)
        var found = false
        try transaction.scan(databases.index, from: prefix) { key, _ in
            found = key.starts(with: prefix) && (key.count != prefix.count + 8 || BigEndian.uint64(key[prefix.count...]) <= visibleSeq)
            return false
        }
        return found
    }

    /// The value of a counter (0 when never incremented).
    public func counter(_ name: String) throws(LMDBError) -> UInt64 {
        try transaction.withValue(databases.index, LogDatabases.Key.counter(name)) { value in
            value.map { BigEndian.uint64($0) } ?? 0
        }
    }

    /// Every counter whose name starts with `prefix`, by name.
    public func counters(prefix: String) throws -> [(String, UInt64)] {
        let prefixBytes = LogDatabases.Key.counter(prefix)
        var output: [(String, UInt64)] = []
        try transaction.scan(databases.index, from: prefixBytes) { key, value in
            guard key.starts(with: prefixBytes) else { return false }
            output.append((String(decoding: key.dropFirst(), as: UTF8.self), BigEndian.uint64(value)))
            return true
        }
        return output
    }

    /// Adds `amount` to a counter; only in the writer's transaction.
    public func increment(_ name: String, by amount: UInt64 = 1) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "increment outside the writer")
        let value = try counter(name) + amount
        writeCount += 1
        try transaction.put(databases.index, LogDatabases.Key.counter(name), BigEndian.bytes(value))
    }

    /// The number of distinct ids (equal to the number of records).
    public func recordCount() throws(LMDBError) -> Int {
        // Seqs run 1, 2, … without gaps: a view bounded by the durable head has that many.
        min(try transaction.count(databases.records), visibleSeq == .max ? .max : Int(visibleSeq))
    }

    /// Appends one record; only in the writer's transaction.
    ///
    /// - Parameters:
    ///   - id: the idempotency key; must not be in the log yet.
    ///   - stream: the stream it belongs to (for the ledger: the entity).
    ///   - content: a canonical JSON object; its members follow the log's header, so it must not
    ///     have `seq`, `recordedAt`, `prevHash` or `hash` members.
    ///   - tag: a few bytes kept with the id (the ledger keeps the kind there), returned by `lookup`.
    /// - Returns: the stored record.
    public func append(id: String, stream: String, content: [UInt8], tag: [UInt8] = []) throws -> StoredRecord {
        guard let recordedAtMilliseconds else { preconditionFailure("append outside the writer") }
        guard content.count > 2, content.first == UInt8(ascii: "{"), content.last == UInt8(ascii: "}") else {
            throw LogError.invalidContent
        }
        guard !stream.isEmpty, !stream.utf8.contains(0) else { throw LogError.invalidStreamKey }

        let seq = head.seq + 1
        if databases.indexed {
            // The id first: MDB_NOOVERWRITE refuses a stored id before anything is written.
            let entry = BigEndian.bytes(seq) + tag
            guard try transaction.put(databases.index, LogDatabases.Key.id(id), entry, noOverwrite: true) else { throw LogError.idExists(id) }
        }
        let recordedAt = max(recordedAtMilliseconds, head.recordedAtMilliseconds)
        var canonical = RecordHeader.encode(seq: seq, recordedAt: formattedTimestamp(recordedAt), prevHashHex: head.hashHex)
        let headerLength = canonical.count
        canonical.append(contentsOf: content[1...])
        let hash = Digest.sha256(canonical)

        writeCount += 1
        let value = RecordLayout.compactValue(hash: hash, recordedAtMilliseconds: recordedAt, canonical: canonical, headerLength: headerLength)
        try transaction.put(databases.records, BigEndian.bytes(seq), value, append: true)
        #if DEBUG
            // Pair assertion at the store boundary: the record reads back as written, with its hash.
            let readBack = try record(seq: seq)
            assert(readBack?.canonical == canonical && readBack.map { Digest.sha256($0.canonical) } == hash, "record \(seq) does not read back as written")
        #endif
        if databases.indexed {
            try transaction.put(databases.index, LogDatabases.Key.stream(stream) + BigEndian.bytes(seq), [])
        }
        let newHead = LogHead(seq: seq, hash: hash, recordedAtMilliseconds: recordedAt)
        assert(newHead.seq == head.seq + 1, "seq must stay gap-free")
        head = newHead
        headChanged = true
        // The access chain is not the writer's: it keeps its head as it goes.
        if !databases.indexed { try storeHead() }
        return StoredRecord(seq: seq, hash: hash, canonical: canonical)
    }

    /// Appends a record formed elsewhere, byte for byte: an exported record being loaded into
    /// an empty store, or (later) a record a follower receives from its leader. Nothing is
    /// recomputed: the record keeps its seq, `recordedAt`, `prevHash` and hash, and reads back
    /// as the same bytes. Only in the writer's transaction.
    ///
    /// The record must chain onto this log's head (``LogHead/chained(_:)``): the next seq,
    /// `prevHash` equal to the head's hash, a `recordedAt` not before the head's, and its hash
    /// equal to SHA-256 of its bytes. Every check comes before the first write.
    /// - Parameters:
    ///   - record: the record as formed elsewhere (``StoredRecord/init(seq:recordedAt:prevHashHex:content:hashHex:)``).
    ///   - id: its idempotency key; must not be in the log yet (ignored by the access log).
    ///   - stream: its stream (ignored by the access log).
    ///   - tag: the bytes kept with the id, as ``append(id:stream:content:tag:)`` takes them.
    /// - Returns: the record as stored (equal to `record`).
    /// - Throws: ``LogError/notChained(seq:reason:)`` when it does not chain onto the head,
    ///   ``LogError/idExists(_:)``, ``LogError/invalidStreamKey``; then nothing is written.
    @discardableResult
    public func appendPreformed(_ record: StoredRecord, id: String, stream: String, tag: [UInt8] = []) throws -> StoredRecord {
        precondition(recordedAtMilliseconds != nil, "appendPreformed outside the writer")
        let newHead = try head.chained(record)
        guard let header = record.header else { preconditionFailure("a chained record has a header") }
        guard !stream.isEmpty, !stream.utf8.contains(0) else { throw LogError.invalidStreamKey }
        if databases.indexed {
            let entry = BigEndian.bytes(record.seq) + tag
            guard try transaction.put(databases.index, LogDatabases.Key.id(id), entry, noOverwrite: true) else { throw LogError.idExists(id) }
        }
        writeCount += 1
        let value = RecordLayout.compactValue(
            hash: record.hash, recordedAtMilliseconds: newHead.recordedAtMilliseconds, canonical: record.canonical, headerLength: header.contentOffset)
        try transaction.put(databases.records, BigEndian.bytes(record.seq), value, append: true)
        #if DEBUG
            // Pair assertion at the store boundary: the compact layout rebuilds the very bytes given.
            let readBack = try self.record(seq: record.seq)
            assert(readBack == record, "record \(record.seq) does not read back as given")
        #endif
        if databases.indexed {
            try transaction.put(databases.index, LogDatabases.Key.stream(stream) + BigEndian.bytes(record.seq), [])
        }
        assert(newHead.seq == head.seq + 1, "seq must stay gap-free")
        head = newHead
        headChanged = true
        if !databases.indexed { try storeHead() }
        return record
    }

    /// `recordedAt` text of an instant; the instant is the same for a whole commit, so the
    /// last one is kept.
    private func formattedTimestamp(_ milliseconds: Int64) -> String {
        if let last = lastTimestamp, last.milliseconds == milliseconds { return last.text }
        let text = Timestamp.format(millisecondsSinceEpoch: milliseconds)
        lastTimestamp = (milliseconds, text)
        return text
    }

    /// Stores the head after appends; the writer calls it once per job, before committing.
    func storeHead() throws(LMDBError) {
        guard headChanged else { return }
        try transaction.put(databases.index, databases.headKey, head.encode())
        headChanged = false
    }

    /// The heads of this transaction's chains by head key (the event log's and the access
    /// log's), for the writer to publish once the commit is durable.
    func chainHeads() throws -> [[UInt8]: LogHead] {
        var heads = [databases.headKey: head]
        if databases.accessChain != nil {
            let access = try accessLog()
            heads[access.databases.headKey] = access.head
        }
        return heads
    }

    // MARK: The access log

    /// The access log in the same transaction: a second hash-chained log with its own seqs
    /// and head, holding who read what (its records are not indexed by id or stream).
    public func accessLog() throws -> LogTransaction {
        guard let chain = databases.accessChain else { throw LogError.incompatibleFormat("this store has no access log yet") }
        return try LogTransaction(transaction: transaction, databases: chain, recordedAtMilliseconds: recordedAtMilliseconds, durableHeads: durableHeads)
    }

    // MARK: Views

    /// The seq up to which the views are derived (0 when none are).
    public func viewsSeq() throws(LMDBError) -> UInt64 {
        try transaction.withValue(databases.index, LogDatabases.Key.viewsSeq) { value in
            value.map { BigEndian.uint64($0) } ?? 0
        }
    }

    /// Calls `body` with the bytes of a view (valid only inside `body`), or `nil`.
    public func withView<R>(_ key: String, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        guard let views = databases.views else { return try body(nil) }
        var result: Result<R, Error>!
        try transaction.withValue(views, Array(key.utf8)) { value in result = Result { try body(value) } }
        return try result.get()
    }

    /// Stores a view and the seq it is derived up to; only in the writer's transaction.
    public func setView(_ key: String, _ value: [UInt8]) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "setView outside the writer")
        guard let views = databases.views else { preconditionFailure("a writable store always has views") }
        writeCount += 1
        try transaction.put(views, Array(key.utf8), value)
    }

    /// Records that the views are derived up to `seq`; only in the writer's transaction.
    public func setViewsSeq(_ seq: UInt64) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "setViewsSeq outside the writer")
        precondition(seq <= head.seq, "views cannot run ahead of the log")
        writeCount += 1
        try transaction.put(databases.index, LogDatabases.Key.viewsSeq, BigEndian.bytes(seq))
    }

    /// The leadership record as stored, or `nil` when never set.
    public func leadership() throws(LMDBError) -> [UInt8]? {
        try transaction.get(databases.index, LogDatabases.Key.leadership)
    }

    /// Stores the leadership record; only in the writer's transaction.
    public func setLeadership(_ bytes: [UInt8]) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "setLeadership outside the writer")
        writeCount += 1
        try transaction.put(databases.index, LogDatabases.Key.leadership, bytes)
    }

    /// The seq up to which the counters count the log, or `nil` when never set (a store whose
    /// counters were kept in each append's own transaction: in step with the head).
    public func countedSeq() throws(LMDBError) -> UInt64? {
        try transaction.withValue(databases.index, LogDatabases.Key.countedSeq) { value in value.map { BigEndian.uint64($0) } }
    }

    /// Records that the counters count the log up to `seq`; only in the writer's transaction.
    public func setCountedSeq(_ seq: UInt64) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "setCountedSeq outside the writer")
        precondition(seq <= head.seq, "counters cannot run ahead of the log")
        writeCount += 1
        try transaction.put(databases.index, LogDatabases.Key.countedSeq, BigEndian.bytes(seq))
    }

    /// The name the views' user gave their layout, or `nil`.
    public func viewsFormat() throws(LMDBError) -> String? {
        try transaction.get(databases.index, LogDatabases.Key.viewsFormat).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Names the views' layout; only in the writer's transaction.
    public func setViewsFormat(_ name: String) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "setViewsFormat outside the writer")
        writeCount += 1
        try transaction.put(databases.index, LogDatabases.Key.viewsFormat, Array(name.utf8))
    }

    /// Removes every view and every view key, and sets the views' seq to 0; only in the
    /// writer's transaction.
    public func clearViews() throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "clearViews outside the writer")
        guard let views = databases.views else { return }
        writeCount += 1
        try transaction.drop(views)
        if let keys = databases.keys { try transaction.drop(keys) }
        try transaction.put(databases.index, LogDatabases.Key.viewsSeq, BigEndian.bytes(UInt64(0)))
    }

    /// Visits the views in key order until `body` returns false.
    public func forEachView(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        guard let views = databases.views else { return }
        try transaction.scan(views, from: [], body)
    }

    // MARK: View keys

    /// The longest view key: LMDB's key limit.
    public static let maximumViewKeyBytes = LMDBEnvironment.maximumKeyBytes

    /// Adds a view key (a secondary key derived with the views, e.g. a name index entry);
    /// only in the writer's transaction. Adding a key that is there changes nothing.
    /// - Parameter key: 1 to ``maximumViewKeyBytes`` bytes.
    public func addViewKey(_ key: [UInt8]) throws(LMDBError) {
        precondition(recordedAtMilliseconds != nil, "addViewKey outside the writer")
        precondition(!key.isEmpty && key.count <= Self.maximumViewKeyBytes, "a view key holds 1 to \(Self.maximumViewKeyBytes) bytes")
        guard let keys = databases.keys else { preconditionFailure("a writable store always has view keys") }
        writeCount += 1
        try transaction.put(keys, key, [])
    }

    /// Removes a view key; only in the writer's transaction.
    /// - Returns: false when it was not there.
    @discardableResult
    public func removeViewKey(_ key: [UInt8]) throws(LMDBError) -> Bool {
        precondition(recordedAtMilliseconds != nil, "removeViewKey outside the writer")
        precondition(!key.isEmpty && key.count <= Self.maximumViewKeyBytes, "a view key holds 1 to \(Self.maximumViewKeyBytes) bytes")
        guard let keys = databases.keys else { preconditionFailure("a writable store always has view keys") }
        writeCount += 1
        return try transaction.delete(keys, key)
    }

    /// Visits the view keys in byte order from the first key ≥ `start` until `body` returns
    /// false. Each key is valid only inside `body`.
    public func forEachViewKey(from start: [UInt8] = [], _ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        guard let keys = databases.keys else { return }
        try transaction.scan(keys, from: start) { key, _ in try body(key) }
    }

    /// The number of view keys.
    public func viewKeyCount() throws(LMDBError) -> Int {
        guard let keys = databases.keys else { return 0 }
        return try transaction.count(keys)
    }

    /// Visits the streams in key order, each with its seqs ascending, until `body` returns false.
    public func forEachStream(_ body: (String, [UInt64]) throws -> Bool) throws {
        var current: [UInt8] = []
        var seqs: [UInt64] = []
        var stopped = false
        try transaction.scan(databases.index, from: [0x02]) { key, _ in
            guard key.first == 0x02, key.count > 9 else { return false }
            let name = key[1..<(key.count - 9)]
            if !name.elementsEqual(current) {
                if !seqs.isEmpty, !(try body(String(decoding: current, as: UTF8.self), seqs)) {
                    stopped = true
                    return false
                }
                current = Array(name)
                seqs.removeAll(keepingCapacity: true)
            }
            seqs.append(BigEndian.uint64(key[(key.count - 8)...]))
            return true
        }
        if !stopped, !seqs.isEmpty { _ = try body(String(decoding: current, as: UTF8.self), seqs) }
    }

}

/// The heads of a store's chains known to be on stable storage, by their head key: readers
/// show nothing past them (a commit is visible in LMDB before the writer's flush).
final class DurableHeads: @unchecked Sendable {
    private let lock = NSLock()
    private var heads: [[UInt8]: LogHead] = [:]

    func head(_ key: [UInt8]) -> LogHead? { lock.withLock { heads[key] } }

    /// Records heads flushed to disk; a head never moves back.
    func markDurable(_ flushed: [[UInt8]: LogHead]) {
        lock.withLock {
            for (key, head) in flushed where head.seq >= (heads[key]?.seq ?? 0) { heads[key] = head }
        }
    }
}
