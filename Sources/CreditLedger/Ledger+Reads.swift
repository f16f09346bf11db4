import CreditDomain
import LedgerStore

/// Counts the ledger keeps, for `stats`.
public struct LedgerCounts: Sendable {
    public let head: LogHead
    public let events: Int
    public let entities: UInt64
    public let byKind: [(String, UInt64)]
    public let usedBytes: Int
    public let mapSizeBytes: Int
}

extension Ledger {
    /// The stored record at `seq`, or `nil`.
    public func record(seq: UInt64) throws -> StoredRecord? {
        try store.read { try $0.record(seq: seq) }
    }

    /// The stored record of `eventId`, or `nil`.
    public func record(eventId: String) throws -> StoredRecord? {
        try store.read { log in
            guard let entry = try log.lookup(id: eventId) else { return nil }
            return try log.record(seq: entry.seq)
        }
    }

    /// Up to `limit` records from `seq` on.
    public func records(from seq: UInt64, limit: Int) throws -> [StoredRecord] {
        try store.read { try $0.records(from: seq, limit: min(limit, Self.maximumReadLimit)) }
    }

    /// The entity's records in log order, as known at `knownAt`; and the seq that bound.
    public func history(entity: EntityCode, knownAt: KnownAt) throws -> (records: [StoredRecord], knownAtSeq: UInt64) {
        let (records, bound, _) = try history(entity: entity, knownAt: knownAt, from: 1, limit: .max)
        return (records, bound)
    }

    /// A page of the entity's records: up to `limit` from seq `from` on, the bound, and the
    /// seq the next page starts from (`nil` when this page ends the history).
    public func history(entity: EntityCode, knownAt: KnownAt, from: UInt64, limit: Int) throws -> (records: [StoredRecord], knownAtSeq: UInt64, next: UInt64?) {
        precondition(limit > 0)
        return try store.read { log in
            let bound = try log.resolve(knownAt)
            let seqs = try log.seqs(stream: entity.code, upTo: bound).filter { $0 >= from }
            let records = try seqs.prefix(limit).map { seq in
                guard let record = try log.record(seq: seq) else { throw LedgerError(.internal, "index names missing seq \(seq)") }
                return record
            }
            return (records, bound, seqs.count > limit ? seqs[limit] : nil)
        }
    }

    /// The head and the counts kept in step with the log.
    public func counts() throws -> LedgerCounts {
        let (head, events) = try store.read { log in (log.head, try log.recordCount()) }
        let counters = try derivedCounters(prefixes: [Counters.entities, Counters.kindPrefix])
        return LedgerCounts(
            head: head, events: events, entities: counters.first { $0.0 == Counters.entities }?.1 ?? 0,
            byKind: counters.filter { $0.0.hasPrefix(Counters.kindPrefix) }.map { (String($0.0.dropFirst(Counters.kindPrefix.count)), $0.1) },
            usedBytes: store.usedBytes(), mapSizeBytes: store.mapSizeBytes())
    }

    /// Reads of the stored counters retried while persists land between them and memory.
    static let counterReadAttempts = 100

    /// The counters whose name starts with one of `prefixes`, by name: the stored ones plus
    /// those derived in memory since (committed events; while not live, the stored ones alone).
    func derivedCounters(prefixes: [String]) throws -> [(String, UInt64)] {
        for _ in 0..<Self.counterReadAttempts {
            let (stored, countedSeq) = try store.read { log in
                (try prefixes.flatMap { try log.counters(prefix: $0) }, try log.countedSeq() ?? log.head.seq)
            }
            guard let memory = derivation.unstoredCounts() else { return stored }
            // A persist landed between the two reads: read both again.
            guard memory.storedSeq == countedSeq else { continue }
            var merged = Dictionary(uniqueKeysWithValues: stored)
            for (name, amount) in memory.counts {
                let name = String(decoding: name, as: UTF8.self)
                if prefixes.contains(where: name.hasPrefix) { merged[name, default: 0] += amount }
            }
            return merged.sorted { $0.key < $1.key }
        }
        throw LedgerError(.unavailable, "the counters move too fast to read; retry")
    }

    /// Checks the chain over `from...to` (see ``LogStore/verify(from:to:progress:)``).
    public func verify(from: UInt64 = 1, to: UInt64? = nil, progress: ((UInt64) -> Void)? = nil) throws -> VerificationReport {
        try store.verify(from: from, to: to, progress: progress)
    }
}

/// Data-quality figures of one source authority in one month (domain.md §5).
public struct QualityFigures: Sendable {
    public let authority: String
    /// "YYYY-MM": the decisions' month (refusals: the month they were refused).
    public let month: String
    /// Counter name → count (`Quality.Metric`).
    public let counts: [String: UInt64]
}

extension Ledger {
    /// The data-quality counters, by authority then month.
    public func quality() throws -> [QualityFigures] {
        let counters = try derivedCounters(prefixes: [Counters.qualityPrefix])
        var grouped: [String: [String: [String: UInt64]]] = [:]
        for (name, value) in counters {
            let parts = name.dropFirst(Counters.qualityPrefix.count).split(separator: Counters.separator, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            grouped[String(parts[0]), default: [:]][String(parts[1]), default: [:]][String(parts[2])] = value
        }
        return grouped.sorted { $0.key < $1.key }.flatMap { authority, months in
            months.sorted { $0.key < $1.key }.map { QualityFigures(authority: authority, month: $0.key, counts: $0.value) }
        }
    }
}
