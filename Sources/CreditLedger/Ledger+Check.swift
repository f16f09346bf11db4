import CreditDomain
import CreditProjection
import Foundation
import LedgerStore

/// Recent entities' check facts, keyed by entity and valid while the entity's last seq is
/// unchanged. Two generations bound its memory: when the young one reaches half the byte
/// budget, the old one is dropped and the young one ages (an approximate LRU with no per-hit
/// bookkeeping).
final class CheckFactsCache: @unchecked Sendable {
    struct Entry {
        let lastSeq: UInt64
        /// The facts answer for any date from this one on (the entity's latest event date).
        let validFrom: CivilDate?
        let facts: CheckFacts
    }

    /// The most memory the cache holds, by estimate (``CheckFacts/estimatedBytes``).
    static let budgetBytes = 64 << 20
    private let lock = NSLock()
    private var young: [String: Entry] = [:]
    private var old: [String: Entry] = [:]
    private var youngBytes = 0

    func get(_ entity: String) -> Entry? {
        lock.withLock {
            if let entry = young[entity] { return entry }
            guard let entry = old[entity] else { return nil }
            insertLocked(entity, entry)
            return entry
        }
    }

    func put(_ entity: String, _ entry: Entry) { lock.withLock { insertLocked(entity, entry) } }

    private func insertLocked(_ entity: String, _ entry: Entry) {
        if youngBytes >= Self.budgetBytes / 2 {
            old = young
            young = [:]
            youngBytes = 0
        }
        if young.updateValue(entry, forKey: entity) == nil { youngBytes += entry.facts.estimatedBytes + 64 + entity.utf8.count }
    }
}

extension Ledger {
    /// What `check` needs of `entity` on `at`, as known now: from memory while the entity has
    /// no new event, else from its stored projection (one lookup), else by replay (an `at`
    /// before its latest event).
    public func checkFacts(of entity: EntityCode, at: CivilDate) throws -> CheckFacts {
        try store.read { log in
            let lastSeq = try log.lastSeq(stream: entity.code)
            if let entry = checkCache.get(entity.code), entry.lastSeq == lastSeq, entry.validFrom.map({ $0 <= at }) ?? true {
                return entry.facts
            }
            let fold = try Self.storedFold(entity.code, in: log) ?? EntityFold(entity: entity)
            guard try log.viewsSeq() == log.head.seq, fold.lastSeq == lastSeq, fold.latestOccurredOn.map({ $0 <= at }) ?? true else {
                return CheckFacts(try state(of: entity, at: at, knownAt: .bound(.head)))
            }
            let facts = CheckFacts(try finish(fold, at: at, knownAtSeq: log.head.seq, in: log))
            checkCache.put(entity.code, CheckFactsCache.Entry(lastSeq: lastSeq, validFrom: fold.latestOccurredOn, facts: facts))
            return facts
        }
    }
}
