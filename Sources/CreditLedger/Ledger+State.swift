import CreditDomain
import CreditProjection
import LedgerJSON
import LedgerStore

/// When a query stands on the transaction-time axis.
public enum KnownAtQuery: Sendable, Equatable {
    case bound(KnownAt)
    /// As known at the end of the query's `at` day, China Standard Time: what the public saw on that day.
    case endOfAtDay
}

extension Ledger {
    /// The entity's state on `at` as known at `knownAt` (domain.md §3, §5).
    public func state(of entity: EntityCode, at: CivilDate, knownAt: KnownAtQuery) throws -> EntityState {
        let bound: KnownAt
        switch knownAt {
        case let .bound(value): bound = value
        case .endOfAtDay: bound = .timestamp(Self.endOfDayChinaMilliseconds(at))
        }
        let (records, seq) = try history(entity: entity, knownAt: bound)
        let events = try records.map { try Self.recordedEvent($0) }
        return Projector.project(entity: entity, events: events, at: at, knownAtSeq: seq, rules: rules)
    }

    /// The last millisecond of `date` in UTC+8.
    static func endOfDayChinaMilliseconds(_ date: CivilDate) -> Int64 {
        Int64(date.adding(days: 1).dayNumber) * 86_400_000 - 8 * 3_600_000 - 1
    }

    static func recordedEvent(_ record: StoredRecord) throws -> RecordedEvent {
        do {
            return try RecordedEvent(stored: try JSONParser.parse(record.canonical))
        } catch {
            throw LedgerError(.internal, "stored record \(record.seq) does not read back: \(error)")
        }
    }
}
