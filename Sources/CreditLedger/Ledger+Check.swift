import CreditDomain
import CreditProjection
import Foundation
import LedgerStore

/// What `check` keeps in memory per entity: facts valid while the entity's last seq is
/// unchanged, for any date from `validFrom` on.
struct CheckCacheEntry {
    let lastSeq: UInt64
    /// The facts answer for any date from this one on (the entity's latest event date).
    let validFrom: CivilDate?
    let facts: CheckFacts
}

extension Ledger {
    /// What `check` needs of `entity` on `at`, as known now: from memory while the entity has
    /// no new event, else from its current fold (the stored one, with any later events from the log), else by replay (an `at`
    /// before its latest event).
    public func checkFacts(of entity: EntityCode, at: CivilDate) throws -> CheckFacts {
        try store.read { log in
            let lastSeq = try log.lastSeq(stream: entity.code)
            if let entry = checkCache.get(entity.code), entry.lastSeq == lastSeq, entry.validFrom.map({ $0 <= at }) ?? true {
                return entry.facts
            }
            let fold = try currentFold(entity, lastSeq: lastSeq, in: log) ?? EntityFold(entity: entity)
            guard fold.latestOccurredOn.map({ $0 <= at }) ?? true else {
                return CheckFacts(try state(of: entity, at: at, knownAt: .bound(.head), bodies: .none))
            }
            let facts = CheckFacts(try finish(fold, at: at, knownAtSeq: log.head.seq, bodies: .none, in: log))
            checkCache.put(entity.code, CheckCacheEntry(lastSeq: lastSeq, validFrom: fold.latestOccurredOn, facts: facts), bytes: facts.estimatedBytes)
            return facts
        }
    }
}
