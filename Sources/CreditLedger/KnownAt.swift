import CreditDomain
import LedgerStore

/// The transaction-time bound of a query: which commits it may see.
public enum KnownAt: Sendable, Equatable {
    /// Everything committed.
    case head
    /// Commits up to and including this seq.
    case seq(UInt64)
    /// Commits recorded at or before this instant (milliseconds since the epoch).
    case timestamp(Int64)
}

extension LogTransaction {
    /// The last seq visible at `knownAt`.
    func resolve(_ knownAt: KnownAt) throws -> UInt64 {
        switch knownAt {
        case .head: return head.seq
        case let .seq(seq): return min(seq, head.seq)
        case let .timestamp(milliseconds):
            // recordedAt is non-decreasing in seq order: binary search for the last one ≤ t.
            var low: UInt64 = 0
            var high = head.seq
            while low < high {
                let middle = low + (high - low + 1) / 2
                guard let record = try record(seq: middle), let header = record.header,
                    let recorded = Timestamp.parse(header.recordedAt)
                else { throw LedgerError(.internal, "record \(middle) has no readable header") }
                if recorded <= milliseconds { low = middle } else { high = middle - 1 }
            }
            return low
        }
    }
}
