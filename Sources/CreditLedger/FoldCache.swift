import CreditProjection
import Foundation
import LedgerStore

/// Recent entities' folds (stored projections) as committed, decoded, so that an append or a
/// read of a busy entity does not decode its stored bytes again.
///
/// The writer fills it: folds written in a transaction are kept aside as pending and
/// published only once that transaction commits (``LogTransaction/afterCommit(_:)``); an
/// aborted transaction's folds are dropped with it. A committed fold never changes for the
/// seq it ends at, so a reader may use an entry whose ``EntityFold/lastSeq`` is the entity's
/// last seq in its own snapshot.
final class FoldCache: @unchecked Sendable {
    /// The most memory the committed folds hold, by estimate (``estimatedBytes(_:encodedCount:)``).
    static let budgetBytes = 64 << 20

    private let committed = RecentCache<EntityFold>(budgetBytes: FoldCache.budgetBytes)
    private let lock = NSLock()
    /// The write transaction the pending folds belong to.
    private var pendingSerial: UInt64 = 0
    private var pending: [String: (fold: EntityFold, encodedCount: Int)] = [:]

    /// A committed fold of `code`, if in memory.
    func committedFold(_ code: String) -> EntityFold? { committed.get(code) }

    /// Takes the fold of `code` as the writer's transaction `log` sees it out of memory, for
    /// the writer to change and give back with ``wrote(_:encodedCount:for:in:)``: its own
    /// write, else the committed one, else `nil` (not in memory: read the stored one). Taking
    /// it leaves the caller the only copy, so changing it copies nothing.
    func takeForWriting(_ code: String, in log: LogTransaction) -> EntityFold? {
        lock.withLock { pendingSerial == log.serial ? pending.removeValue(forKey: code)?.fold : nil } ?? committed.take(code)
    }

    /// Keeps `fold` as written by `log`, to be published when `log` commits.
    func wrote(_ fold: EntityFold, encodedCount: Int, for code: String, in log: LogTransaction) {
        let first: Bool = lock.withLock {
            let first = pendingSerial != log.serial
            if first {
                pendingSerial = log.serial
                pending = [:]
            }
            pending[code] = (fold, encodedCount)
            return first
        }
        guard first else { return }
        let serial = log.serial
        log.afterCommit { [self] in
            let written: [String: (fold: EntityFold, encodedCount: Int)] = lock.withLock {
                guard pendingSerial == serial else { return [:] }
                defer { pending = [:] }
                return pending
            }
            for (code, entry) in written {
                committed.put(code, entry.fold, bytes: Self.estimatedBytes(entry.fold, encodedCount: entry.encodedCount))
            }
        }
    }

    /// Forgets every fold (the stored projections were dropped); pending ones too.
    func removeAll() {
        lock.withLock {
            pending = [:]
            pendingSerial = 0
        }
        committed.removeAll()
    }

    /// Memory a decoded fold holds, by estimate: its records' strings and structures take
    /// about four times their compact encoding.
    static func estimatedBytes(_ fold: EntityFold, encodedCount: Int) -> Int { 256 + 4 * encodedCount }
}
