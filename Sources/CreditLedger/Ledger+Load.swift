import CreditDomain
import CreditProjection
import LedgerJSON
import LedgerStore

/// Why an export cannot be loaded: the record at fault (its seq, when known) and what is wrong.
public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of fault; stable, for scripts.
    public enum Code: String, Sendable {
        /// The line is not a stored record (not JSON, a member missing or of the wrong form).
        case malformed
        /// The record does not follow the one before it (seq, prevHash, hash, recordedAt).
        case notChained = "not_chained"
        /// The record's content is not an event in normal form.
        case notAnEvent = "not_an_event"
        /// Its eventId is stored already.
        case duplicateEventId = "duplicate_event_id"
    }

    public let code: Code
    /// The record at fault (nil when the line did not say).
    public let seq: UInt64?
    public let message: String

    public init(_ code: Code, seq: UInt64?, _ message: String) {
        self.code = code
        self.seq = seq
        self.message = message
    }

    public var description: String { (seq.map { "seq \($0): " } ?? "") + message }

    /// The load error for a store's refusal of a record formed elsewhere.
    public init(_ error: LogError) {
        switch error {
        case let .malformedRecord(seq, reason): self.init(.malformed, seq: seq > 0 ? seq : nil, reason)
        case let .notChained(seq, reason): self.init(.notChained, seq: seq, reason)
        default: self.init(.malformed, seq: nil, "\(error)")
        }
    }
}

/// A record of the event log read from an export, checked for form, with its event.
public struct ExportedEvent: Sendable {
    /// The record exactly as stored by the ledger it was exported from.
    public let record: StoredRecord
    /// Its content read as an event (for the id index, the streams and the projections).
    public let event: CreditEvent
}

/// The records of an export (`creditctl export`: one stored record per line, with its hash)
/// read back for `creditctl load`.
public enum ExportedRecord {
    /// The members the log owns; every other member is the record's content.
    static let logMembers: Set<String> = ["seq", "recordedAt", "prevHash", "hash"]

    /// The stored record one export line holds, with its content, in either member order: the
    /// store's (header first, `hash` last, as `export --data-dir` writes) or sorted (as the
    /// daemon's answers are). The content is re-encoded canonically; the hash check
    /// (``LogHead/chained(_:)``) then proves it the bytes that were hashed.
    /// - Parameter line: one line without its line break.
    /// - Throws: ``LoadError`` with code `malformed`.
    public static func record(line: some Collection<UInt8>) throws(LoadError) -> (record: StoredRecord, content: JSONValue) {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { throw LoadError(.malformed, seq: nil, "not JSON: \(error)") }
        guard case let .object(members) = value else { throw LoadError(.malformed, seq: nil, "not a JSON object") }
        guard let seqNumber = value["seq"]?.intValue, seqNumber >= 1 else { throw LoadError(.malformed, seq: nil, "no seq") }
        let seq = UInt64(seqNumber)
        func text(_ name: String) throws(LoadError) -> String {
            guard let text = value[name]?.stringValue else { throw LoadError(.malformed, seq: seq, "no \(name)") }
            return text
        }
        let content = JSONValue.object(members.filter { !logMembers.contains($0.0) })
        let recordedAt = try text("recordedAt"), prevHash = try text("prevHash"), hash = try text("hash")
        do {
            let record = try StoredRecord(seq: seq, recordedAt: recordedAt, prevHashHex: prevHash, content: CanonicalJSON.encode(content), hashHex: hash)
            return (record, content)
        } catch {
            throw LoadError(error)
        }
    }

    /// A record of the event log from an export line: its form, and its content an event in
    /// the normal form this ledger stores (so it reads back as it was). Bodies are not checked
    /// against today's schemas: the record is kept as it was accepted then, and its hash says so.
    /// - Throws: ``LoadError`` (`malformed`, `not_an_event`).
    public static func event(line: some Collection<UInt8>) throws(LoadError) -> ExportedEvent {
        let (record, content) = try record(line: line)
        let event: CreditEvent
        do { event = try CreditEvent(stored: content) } catch { throw LoadError(.notAnEvent, seq: record.seq, "not an event: \(error.message)") }
        guard let header = record.header, event.canonicalContent().elementsEqual([UInt8(ascii: "{")] + record.canonical[header.contentOffset...]) else {
            throw LoadError(.notAnEvent, seq: record.seq, "the event is not in normal form")
        }
        return ExportedEvent(record: record, event: event)
    }
}

extension Ledger {
    /// Records stored per commit while loading at most (a bound on one transaction's work
    /// and on what waits in memory).
    public static let loadRecordsPerCommit = 5_000
    /// Bytes of records stored per commit while loading at most.
    public static let loadBytesPerCommit = 16 << 20

    /// Both chains' heads (durable): a load needs the chains it fills empty.
    public func chainHeads() throws -> (events: LogHead, access: LogHead) {
        try store.read { log in (log.head, try log.accessLog().head) }
    }

    /// Stores records of another ledger's event log as they are, in one durable commit: each
    /// must chain onto the head (``LogTransaction/appendPreformed(_:id:stream:tag:)``), and the
    /// counters and projections are derived by the code an append runs
    /// (``deriveAppended(_:rules:derivation:in:)``, quality figures included), so
    /// the ledger reads as the one exported. All or nothing.
    /// - Parameter events: at most ``loadRecordsPerCommit``, in log order.
    /// - Returns: the event log's head after the commit.
    /// - Throws: ``LoadError`` naming the record at fault (nothing of the batch is stored).
    @discardableResult
    public func loadEvents(_ events: [ExportedEvent]) throws -> LogHead {
        guard let writer else { throw LedgerError(.unavailable, "the ledger is open read-only") }
        precondition(events.count <= Self.loadRecordsPerCommit, "a load commit holds at most \(Self.loadRecordsPerCommit) records")
        return try waitFor(writer) { [rules, derivation] log in
            var recorded: [RecordedEvent] = []
            recorded.reserveCapacity(events.count)
            for loaded in events {
                let event = loaded.event
                do {
                    try log.appendPreformed(
                        loaded.record, id: event.eventId, stream: event.entity.code, tag: IdTag(kind: event.kind, entity: event.entity.code).bytes)
                } catch let LogError.idExists(id) {
                    throw LoadError(.duplicateEventId, seq: loaded.record.seq, "eventId '\(id)' is stored already")
                } catch let error as LogError {
                    throw LoadError(error)
                }
                recorded.append(RecordedEvent(seq: loaded.record.seq, recordedAt: loaded.record.header!.recordedAt, event: event))
            }
            try Self.deriveAppended(recorded, rules: rules, derivation: derivation, in: log)
            return log.head
        }
    }

    /// Stores records of another ledger's access log as they are, in one durable commit (the
    /// same checks as ``loadEvents(_:)``; access records have no ids or streams).
    /// - Returns: the access log's head after the commit.
    @discardableResult
    public func loadAccessRecords(_ records: [StoredRecord]) throws -> LogHead {
        guard let writer else { throw LedgerError(.unavailable, "the ledger is open read-only") }
        precondition(records.count <= Self.loadRecordsPerCommit, "a load commit holds at most \(Self.loadRecordsPerCommit) records")
        return try waitFor(writer) { log in
            let access = try log.accessLog()
            for record in records {
                do {
                    try access.appendPreformed(record, id: "access", stream: "access")
                } catch let error as LogError {
                    throw LoadError(error)
                }
            }
            return access.head
        }
    }
}
