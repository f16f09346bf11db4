import CreditDomain
import CreditProjection
import LedgerJSON
import LedgerStore

/// A finished state of a question as known now, valid while the entity's last seq is `lastSeq`.
struct CachedState {
    let lastSeq: UInt64
    let state: EntityState

    /// Memory the state holds, by estimate (records with their bodies dominate).
    static func estimatedBytes(_ state: EntityState) -> Int { 1024 + 1024 * (state.records.count + state.lists.count + state.pending.count) }
}

/// When a query stands on the transaction-time axis.
public enum KnownAtQuery: Sendable, Equatable {
    case bound(KnownAt)
    /// As known at the end of the query's `at` day, China Standard Time: what the public saw on that day.
    case endOfAtDay
}

extension Ledger {
    /// The entity's state on `at` as known at `knownAt` (domain.md §3, §5).
    /// - Parameter bodies: which records' bodies to read from the log (a replay has them all).
    public func state(of entity: EntityCode, at: CivilDate, knownAt: KnownAtQuery, bodies: RecordBodies = .all) throws -> EntityState {
        let bound: KnownAt
        switch knownAt {
        case let .bound(value): bound = value
        case .endOfAtDay: bound = .timestamp(Self.endOfDayChinaMilliseconds(at))
        }
        if let state = try stateFromCurrentFold(of: entity, at: at, knownAt: bound, bodies: bodies) { return state }
        let (records, seq) = try history(entity: entity, knownAt: bound)
        let events = try records.map { try Self.recordedEvent($0) }
        return Projector.project(entity: entity, events: events, at: at, knownAtSeq: seq, rules: rules)
    }

    /// The answer from the entity's current fold (``currentFold(_:lastSeq:in:writer:)``), when
    /// it holds exactly the events the query sees: `knownAt` at or past the entity's last
    /// event, and `at` on or after the latest date in it. `nil` otherwise (the caller replays).
    ///
    /// A question as known now (`knownAt` the head) reuses the finished state of the same
    /// question while the entity's last seq is unchanged (``stateCache``), echoing the new head.
    func stateFromCurrentFold(of entity: EntityCode, at: CivilDate, knownAt: KnownAt, bodies: RecordBodies) throws -> EntityState? {
        try store.read { log in
            let bound = try log.resolve(knownAt)
            let lastSeq = try log.lastSeq(stream: entity.code)
            let question = knownAt == .head ? Self.questionKey(entity, at: at, bodies: bodies) : nil
            if let question, let cached = stateCache.get(question), cached.lastSeq == lastSeq {
                return cached.state.echoing(knownAtSeq: bound)
            }
            let fold = try currentFold(entity, lastSeq: lastSeq, in: log) ?? EntityFold(entity: entity)
            guard fold.lastSeq <= bound, fold.latestOccurredOn.map({ $0 <= at }) ?? true else { return nil }
            let state = try finish(fold, at: at, knownAtSeq: bound, bodies: bodies, in: log)
            if let question {
                stateCache.put(question, CachedState(lastSeq: lastSeq, state: state), bytes: CachedState.estimatedBytes(state))
            }
            return state
        }
    }

    /// The cache key of a question about the entity as known now: its code, date and bodies.
    static func questionKey(_ entity: EntityCode, at: CivilDate, bodies: RecordBodies) -> String {
        let read: String
        switch bodies {
        case .all: read = "all"
        case .none: read = "none"
        case let .shown(on, channels): read = "shown:\(on):" + channels.map(\.rawValue).joined(separator: ",")
        }
        return "\(entity.code)|\(at)|\(read)"
    }

    /// A stored fold finished on `at`, reading the bodies `bodies` asks for from the log
    /// (their records' contents: no header rebuilt).
    func finish(_ fold: EntityFold, at: CivilDate, knownAtSeq: UInt64, bodies: RecordBodies, in log: LogTransaction) throws -> EntityState {
        try fold.state(at: at, knownAtSeq: knownAtSeq, rules: rules, bodies: bodies) { seq in
            let body = try log.withRecordContent(seq: seq) { _, content in try Self.body(seq: seq, content: content) }
            guard let body else { throw LedgerError(.internal, "a projection names missing seq \(seq)") }
            return body
        }
    }

    /// The last millisecond of `date` in UTC+8.
    static func endOfDayChinaMilliseconds(_ date: CivilDate) -> Int64 {
        Int64(date.adding(days: 1).dayNumber) * 86_400_000 - 8 * 3_600_000 - 1
    }

    /// The `body` of a stored event's content (parsed, not checked again: it was at append).
    static func body(seq: UInt64, content: [UInt8]) throws -> JSONValue {
        let value: JSONValue
        do { value = try JSONParser.parse(content) } catch { throw LedgerError(.internal, "stored record \(seq) does not read back: \(error)") }
        guard let body = value["body"] else { throw LedgerError(.internal, "stored record \(seq) has no body") }
        return body
    }

    /// The stored event at `seq`, read without rebuilding its record's header.
    static func storedEvent(seq: UInt64, in log: LogTransaction) throws -> RecordedEvent {
        let event = try log.withRecordContent(seq: seq) { recordedAt, content in try recordedEvent(seq: seq, recordedAt: recordedAt, content: content) }
        guard let event else { throw LedgerError(.internal, "index names missing seq \(seq)") }
        return event
    }

    /// A stored event from its content (``LogTransaction/withRecordContent(seq:_:)``).
    static func recordedEvent(seq: UInt64, recordedAt milliseconds: Int64, content: [UInt8]) throws -> RecordedEvent {
        do {
            let event = try CreditEvent(stored: try JSONParser.parse(content))
            return RecordedEvent(seq: seq, recordedAt: Timestamp.format(millisecondsSinceEpoch: milliseconds), event: event)
        } catch {
            throw LedgerError(.internal, "stored record \(seq) does not read back: \(error)")
        }
    }

    static func recordedEvent(_ record: StoredRecord) throws -> RecordedEvent {
        try recordedEvent(seq: record.seq, canonical: record.canonical)
    }

    static func recordedEvent(seq: UInt64, canonical: some Collection<UInt8>) throws -> RecordedEvent {
        do {
            return try RecordedEvent(stored: try JSONParser.parse(canonical))
        } catch {
            throw LedgerError(.internal, "stored record \(seq) does not read back: \(error)")
        }
    }
}

extension Ledger {
    /// The longest period a report covers.
    public static let maximumReportDays = 366 * 30

    /// The public credit report over `from...to`, pinned to the head (or to `headSeq`, to
    /// recompute an earlier report): same head and rules, same bytes. An earlier head is
    /// refused once one of the entity's records was revoked or corrected after it: a public
    /// report never shows a record as it stood before such a change (domain.md §5).
    /// - Parameter expectedRulesDigest: the digest an earlier report printed; the answer says
    ///   when it is recomputed under other rules.
    public func report(of entity: EntityCode, from: CivilDate, to: CivilDate, headSeq: UInt64? = nil, expectedRulesDigest: String? = nil) throws -> CreditReport {
        guard from <= to else { throw LedgerError(.invalidField, "from must not be after to", field: "from") }
        guard to.dayNumber - from.dayNumber <= Self.maximumReportDays else {
            throw LedgerError(.invalidField, "a report covers at most \(Self.maximumReportDays) days", field: "to")
        }
        let (seq, hash, recordedAt) = try store.read { log -> (UInt64, String, String?) in
            let seq = min(headSeq ?? log.head.seq, log.head.seq)
            for later in try log.seqs(stream: entity.code) where later > seq {
                let event = try Self.storedEvent(seq: later, in: log).event
                if Projector.isRetroactive(event) {
                    throw LedgerError(
                        .invalidField, "\(event.kind.rawValue) '\(event.eventId)' (seq \(later)) changed a record after head \(seq): the report at that head is withdrawn; ask for the current one",
                        field: "head")
                }
            }
            guard seq > 0 else { return (0, LogHead.empty.hashHex, nil) }
            guard let record = try log.record(seq: seq) else { throw LedgerError(.internal, "the log has no record \(seq)") }
            return (seq, record.hashHex, record.header?.recordedAt)
        }
        let state = try self.state(of: entity, at: to, knownAt: .bound(.seq(seq)), bodies: .shown(on: to, channels: Channel.allCases))
        let shown = CreditReport(state: state, from: from, to: to, headSeq: seq, headHash: hash, headRecordedAt: recordedAt).records
        return CreditReport(
            state: state, from: from, to: to, headSeq: seq, headHash: hash, headRecordedAt: recordedAt, expectedRulesDigest: expectedRulesDigest,
            authorities: try authorities(of: shown.map(\.eventId)))
    }

    /// The deciding authority of each event named (its immutable `source.authority`), read from the log.
    func authorities(of eventIds: [String]) throws -> [String: String] {
        try store.read { log in
            var authorities: [String: String] = [:]
            for eventId in eventIds {
                guard let entry = try log.lookup(id: eventId) else { throw LedgerError(.internal, "a shown record '\(eventId)' is not in the id index") }
                authorities[eventId] = try Self.storedEvent(seq: entry.seq, in: log).event.authority
            }
            return authorities
        }
    }
}
