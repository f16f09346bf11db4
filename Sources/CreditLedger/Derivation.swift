import CreditProjection
import Foundation
import LedgerStore
import Synchronization

/// A flag one caller at a time may hold (a job queued, a timer's turn).
final class ClaimFlag: Sendable {
    private let held = Atomic<Bool>(false)
    /// True when this caller now holds it.
    func claim() -> Bool { held.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
    func release() { held.store(false, ordering: .releasing) }
}

/// What folding a run of events into the projections changes: the entities' folds after
/// it, the names they had before it, and the counters to add.
struct DerivedChanges {
    /// Each entity changed, with its fold after the run.
    var folds: [String: EntityFold] = [:]
    /// Each entity whose profile name the run may have changed, with its name before the run.
    var namesBefore: [String: String?] = [:]
    /// Counter name (UTF-8: hashing a String that is not ASCII normalises it first) → amount to add.
    var counts: [[UInt8]: UInt64] = [:]
    /// Events folded.
    var events = 0

    /// Appends a later run's changes (names before keep the earlier run's).
    mutating func merge(_ later: DerivedChanges) {
        for (code, fold) in later.folds { folds[code] = fold }
        for (code, name) in later.namesBefore where namesBefore.index(forKey: code) == nil { namesBefore[code] = name }
        for (name, amount) in later.counts { counts[name, default: 0] += amount }
        events += later.events
    }
}

/// The projections derived from the log ahead of the stored ones, in memory (README,
/// "Only the log on the acknowledgement path").
///
/// An append's transaction stores the log records and their id and stream keys, nothing
/// else; the writer folds its events into the entities' folds, counters and name changes
/// here, published when that transaction commits (``LogTransaction/afterCommit(_:)``). A
/// transaction of its own (``Ledger/persistDerived()``) writes them to the store every
/// ``Ledger/DerivationLimits`` events or milliseconds, with the seq they reach; after a crash
/// the start folds the log again from that seq. While ``isLive`` is false (a start, a
/// `rebuild`, or after an aborted transaction took folds out) nothing is derived here: the
/// persisting transactions fold the log from the stored seq until they reach the head.
///
/// Readers use a fold from here only when it ends at the entity's last seq in their own
/// snapshot; otherwise the stored fold with the entity's later events from the log.
final class Derivation: @unchecked Sendable {
    /// The most memory the decoded stored folds hold, by estimate (``estimatedBytes(_:encodedCount:)``).
    static let storedBudgetBytes = 64 << 20

    private let lock = NSLock()
    /// Folds as stored (decoded), of entities with no event since (evicted freely).
    private let stored = RecentCache<EntityFold>(budgetBytes: Derivation.storedBudgetBytes)
    /// The seq the in-memory derivation reaches (committed transactions), or `nil`: not live.
    private var derivedSeq: UInt64?
    /// The seq the stored projections reach, as last persisted by this process.
    private var storedSeq: UInt64 = 0
    /// Derived since `storedSeq`, up to `derivedSeq`: never evicted (bounded by the persist policy).
    private var unstored = DerivedChanges()
    /// When the oldest unstored event was derived (uptime nanoseconds), or `nil`.
    private var unstoredSince: UInt64?
    /// The writer's transaction in progress, its changes and the seq they reach.
    private var pendingSerial: UInt64 = 0
    private var pending: (changes: DerivedChanges, seq: UInt64)?

    /// True while appends are derived in memory as they commit.
    var isLive: Bool { lock.withLock { derivedSeq != nil } }

    /// How long the last persisting transaction held the writer, and when it ended (uptime ns).
    private var lastPersist: (nanoseconds: UInt64, endedAt: UInt64) = (0, 0)

    /// Events derived and not yet stored, the entities they changed, how long the oldest has waited, and how long the
    /// last persisting transaction took and since when it is over (all ns).
    func unstoredLoad(now: UInt64) -> (events: Int, entities: Int, waitedNanoseconds: UInt64, lastPersistNanoseconds: UInt64, sinceLastPersistNanoseconds: UInt64) {
        lock.withLock {
            (unstored.events, unstored.folds.count, unstoredSince.map { now - $0 } ?? 0, lastPersist.nanoseconds, now - min(now, lastPersist.endedAt))
        }
    }

    /// Notes how long a persisting transaction that began at `started` (uptime ns) held the
    /// writer, once `log` has committed (its pages flushed).
    func timePersist(startedAt started: UInt64, in log: LogTransaction) {
        log.afterCommit { [self] in
            let now = DispatchTime.now().uptimeNanoseconds
            lock.withLock { lastPersist = (now - started, now) }
        }
    }

    /// The seq the writer's transaction `log` has derived up to, or `nil` when not live.
    func derivedSeq(in log: LogTransaction) -> UInt64? {
        lock.withLock {
            settleLocked(log)
            return pendingSerial == log.serial ? pending?.seq ?? derivedSeq : derivedSeq
        }
    }

    /// A transaction that took folds out and ended without committing (aborted) leaves the
    /// derivation not live: its folds are lost with it, and are folded again from the log.
    private func settleLocked(_ log: LogTransaction) {
        guard pendingSerial != log.serial, pending != nil else { return }
        stopLocked()
    }

    /// Not live: nothing pending, nothing unstored (the stored projections are folded from the log).
    private func stopLocked() {
        pending = nil
        derivedSeq = nil
        unstored = DerivedChanges()
        unstoredSince = nil
    }

    /// The pending changes of `log`, begun (and published on its commit) when first needed.
    private func beginPendingLocked(_ log: LogTransaction) {
        settleLocked(log)
        guard pending == nil else { return }
        pendingSerial = log.serial
        pending = (DerivedChanges(), derivedSeq ?? 0)
        let serial = log.serial
        log.afterCommit { [self] in
            lock.withLock {
                guard pendingSerial == serial, let committed = pending else { return }
                pending = nil
                guard derivedSeq != nil else { return }
                if unstored.events == 0 && committed.changes.events > 0 { unstoredSince = DispatchTime.now().uptimeNanoseconds }
                unstored.merge(committed.changes)
                derivedSeq = committed.seq
            }
        }
    }

    /// Takes the current fold of `code` out of memory for the writer's transaction `log` to
    /// change and give back with ``stage(_:upTo:in:)`` (so that it holds the only copy), or
    /// `nil` when not in memory (then the stored fold is current). Only while live.
    func takeForWriting(_ code: String, in log: LogTransaction) -> EntityFold? {
        let taken: EntityFold? = lock.withLock {
            beginPendingLocked(log)
            // Until `log` commits, the fold lives only in its changes (an abort ends the live derivation).
            return pending!.changes.folds.removeValue(forKey: code) ?? unstored.folds.removeValue(forKey: code)
        }
        return taken ?? stored.take(code)
    }

    /// Takes a stored fold out of memory (a fold of the stored seq, while not live).
    func takeStored(_ code: String) -> EntityFold? { stored.take(code) }

    /// The current fold of `code` as the writer's transaction `log` sees it, left in memory.
    func writerFold(_ code: String, in log: LogTransaction) -> EntityFold? {
        lock.withLock {
            settleLocked(log)
            if pendingSerial == log.serial, let fold = pending?.changes.folds[code] { return fold }
            return unstored.folds[code]
        } ?? stored.get(code)
    }

    /// The fold of `code` derived by committed transactions, if in memory (a reader checks
    /// its `lastSeq` against its own snapshot).
    func committedFold(_ code: String) -> EntityFold? {
        lock.withLock { unstored.folds[code] } ?? stored.get(code)
    }

    /// Keeps the changes of the writer's transaction `log` (its events up to `seq`), to be
    /// published when it commits.
    func stage(_ changes: DerivedChanges, upTo seq: UInt64, in log: LogTransaction) {
        lock.withLock {
            precondition(derivedSeq != nil, "changes are staged only while live")
            beginPendingLocked(log)
            pending!.changes.merge(changes)
            pending!.seq = seq
        }
    }

    /// The unstored changes and the seq they reach, for the writer's persisting transaction.
    func unstoredChanges(in log: LogTransaction) -> (changes: DerivedChanges, seq: UInt64)? {
        lock.withLock {
            settleLocked(log)
            return derivedSeq.map { (unstored, $0) }
        }
    }

    /// Once `log` (which stored every unstored change up to `seq`) commits: the stored seq
    /// moves to `seq`, and the folds become stored ones.
    func storedOnCommit(upTo seq: UInt64, encodedCounts: [String: Int], in log: LogTransaction) {
        log.afterCommit { [self] in
            let folds: [String: EntityFold] = lock.withLock {
                precondition(derivedSeq == seq, "the persisted changes are all the derived ones")
                let folds = unstored.folds
                unstored = DerivedChanges()
                unstoredSince = nil
                storedSeq = seq
                return folds
            }
            for (code, fold) in folds { stored.put(code, fold, bytes: Self.estimatedBytes(fold, encodedCount: encodedCounts[code] ?? 0)) }
        }
    }

    /// Once `log` (which folded the log from the store up to its head `seq`, alone) commits,
    /// appends are derived in memory from `seq` on.
    func goLiveOnCommit(at seq: UInt64, in log: LogTransaction) {
        log.afterCommit { [self] in
            lock.withLock {
                precondition(unstored.events == 0 && pending == nil, "nothing derived while not live")
                derivedSeq = seq
                storedSeq = seq
            }
        }
    }

    /// Keeps `fold` as stored by `log` (a fold of the catch-up), once `log` commits.
    func keepStoredOnCommit(_ folds: [String: (fold: EntityFold, encodedCount: Int)], in log: LogTransaction) {
        log.afterCommit { [self] in
            for (code, entry) in folds { stored.put(code, entry.fold, bytes: Self.estimatedBytes(entry.fold, encodedCount: entry.encodedCount)) }
        }
    }

    /// Stops deriving in memory and forgets every fold (the stored projections are dropped
    /// by `log`, or about to be folded again); takes effect when `log` commits.
    func stopOnCommit(_ log: LogTransaction) {
        log.afterCommit { [self] in
            lock.withLock { stopLocked() }
            stored.removeAll()
        }
    }

    /// The counters derived in memory and not yet stored, with the stored seq they add to
    /// (`nil` when not live).
    func unstoredCounts() -> (storedSeq: UInt64, counts: [[UInt8]: UInt64])? {
        lock.withLock { derivedSeq == nil ? nil : (storedSeq, unstored.counts) }
    }

    /// Entities whose name changed in memory since the stored name index.
    func unstoredRenames() -> [String] {
        lock.withLock { Array(unstored.namesBefore.keys) }
    }

    /// Memory a decoded fold holds, by estimate: its records' strings and structures take
    /// about four times their compact encoding.
    static func estimatedBytes(_ fold: EntityFold, encodedCount: Int) -> Int { 256 + 4 * encodedCount }
}
