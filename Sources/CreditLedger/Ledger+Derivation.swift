import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import LedgerStore

/// Deriving the projections from the log: live in memory as appends commit, persisted by
/// transactions of their own, folded from the log at start (``Derivation``; README, "Only the
/// log on the acknowledgement path").
extension Ledger {
    /// When derived state waits in memory for its persisting transaction (``persistDerived()``).
    public struct DerivationLimits: Sendable {
        /// Derived events in memory at which a persisting transaction is queued.
        public var eventsPerPersist = 10_000
        /// The longest a derived event waits in memory before a persisting transaction is queued.
        public var persistDelayMilliseconds = 200
        /// The largest share of the writer's time persisting transactions take: after one that
        /// took d, the next waits d × (1 / share − 1) (a hot entity's long fold is encoded whole
        /// at each persist: this keeps it from slowing its own appends).
        public var maximumPersistShare = 0.05
        /// Entities with unstored changes at which a persisting transaction is queued regardless
        /// of its share: bounds the unstored folds' memory (each one stays in memory until
        /// stored; up to 100,000 held 480 MB after `Tools/bench/full`'s load).
        public var maximumUnstoredEntities = 20_000
        /// Derived events in memory at which a persisting transaction is queued regardless of
        /// its share: bounds what the start folds again after a crash (a hot entity's events
        /// cost one fold's memory, so this bound is looser).
        public var maximumUnstoredEvents = 200_000
        /// How often the ledger looks whether a persisting transaction is due.
        public var checkIntervalMilliseconds = 50
        /// False: persisted only when asked (``persistDerived()``, shutdown) — for tests that
        /// stop at a chosen point.
        public var automatic = true

        public init() {}
    }

    /// Folds `events` (in log order, each entity's run following the fold `foldBefore` gives)
    /// into the projections: the entities' folds, the names they had, and the counters —
    /// the entity and kind counts and the data-quality figures — of the events past `countedSeq`.
    /// Reads bodies from `log`, which holds the events.
    static func derive(
        _ events: [RecordedEvent], countingAfter countedSeq: UInt64, rules: RuleSet, in log: LogTransaction,
        foldBefore: (EntityCode) throws -> EntityFold?
    ) throws -> DerivedChanges {
        var changes = DerivedChanges()
        changes.events = events.count
        let body = bodyReader(in: log, batch: [])
        for recorded in events {
            let event = recorded.event
            // Taken out of `changes` so that `apply` changes the only copy.
            var fold = try changes.folds.removeValue(forKey: event.entity.code) ?? foldBefore(event.entity) ?? EntityFold(entity: event.entity)
            let counting = recorded.seq > countedSeq
            // The entity's name before this event, read once for the 重码 check and the name index.
            let renaming = changes.namesBefore.index(forKey: event.entity.code) == nil && fold.mayChangeProfileName(event)
            let profiling = counting && event.kind == .entityProfiled
            let nameBefore = renaming || profiling ? try fold.profileName(body: body) : nil
            if renaming { changes.namesBefore[event.entity.code] = .some(nameBefore) }
            if counting {
                if fold.lastSeq == 0 { changes.counts[Array(Counters.entities.utf8), default: 0] += 1 }
                changes.counts[Array(Counters.kind(event.kind).utf8), default: 0] += 1
                let recordedOn = Timestamp.parse(recorded.recordedAt).map { chinaDate(millisecondsSinceEpoch: $0) } ?? event.occurredOn
                let storedProfileName = event.kind == .entityProfiled ? nameBefore : nil
                for finding in Quality.findings(for: event, recordedOn: recordedOn, fold: fold, rules: rules, storedProfileName: storedProfileName) {
                    changes.counts[Array(Counters.quality(authority: event.authority, month: finding.month, metric: finding.metric).utf8), default: 0] += 1
                }
            }
            fold.apply(recorded)
            changes.folds[event.entity.code] = fold
        }
        return changes
    }

    /// Folds a commit's new events into the in-memory derivation, in the writer's transaction
    /// after their appends; nothing while not live (the persisting transactions fold them).
    static func deriveAppended(_ events: [RecordedEvent], rules: RuleSet, derivation: Derivation, in log: LogTransaction) throws {
        guard let first = events.first, let derivedSeq = derivation.derivedSeq(in: log) else { return }
        precondition(derivedSeq == first.seq - 1, "the live derivation reaches the head before the commit's events")
        let changes = try derive(events, countingAfter: derivedSeq, rules: rules, in: log) { entity in
            // Live: a fold not in memory is the stored one, current.
            try derivation.takeForWriting(entity.code, in: log) ?? storedFold(entity.code, in: log)
        }
        derivation.stage(changes, upTo: events.last!.seq, in: log)
    }

    /// Writes derived changes to the store: the folds, the name index, the counters.
    /// - Returns: each written fold with the size of its encoding.
    static func store(_ changes: DerivedChanges, in log: LogTransaction) throws -> [String: (fold: EntityFold, encodedCount: Int)] {
        var written: [String: (fold: EntityFold, encodedCount: Int)] = Dictionary(minimumCapacity: changes.folds.count)
        for (code, fold) in changes.folds {
            let encoded = fold.encoded
            try log.setView(code, encoded)
            written[code] = (fold, encoded.count)
        }
        try updateNameIndex(changes.namesBefore, folds: changes.folds, in: log)
        for (name, amount) in changes.counts { try log.increment(String(decoding: name, as: UTF8.self), by: amount) }
        return written
    }

    /// One persisting transaction (run alone): while live, stores what was derived in memory
    /// since the last one; otherwise folds up to ``catchUpEventsPerCommit`` events of the log
    /// from the stored seq into the store, and goes live once that reaches the head.
    /// - Returns: whether the store now reaches the head (or the live derivation was stored),
    ///   and the events folded from the log.
    static func persistStep(rules: RuleSet, derivation: Derivation, in log: LogTransaction) throws -> (done: Bool, folded: Int) {
        if let (changes, seq) = derivation.unstoredChanges(in: log) {
            precondition(seq == log.head.seq, "every commit is derived while live")
            guard changes.events > 0 else { return (true, 0) }
            derivation.timePersist(startedAt: DispatchTime.now().uptimeNanoseconds, in: log)
            let written = try store(changes, in: log)
            try log.setViewsSeq(seq)
            try log.setCountedSeq(seq)
            derivation.storedOnCommit(upTo: seq, encodedCounts: written.mapValues(\.encodedCount), in: log)
            return (true, 0)
        }
        // Folds stored in another layout (an older version) are derived again.
        if try log.viewsFormat() != viewsFormat {
            try log.clearViews()
            try log.setViewsFormat(viewsFormat)
        }
        let viewsSeq = try log.viewsSeq()
        let head = log.head.seq
        // No counted seq: counters kept in each append's transaction, in step with the head.
        let countedSeq = try log.countedSeq() ?? head
        precondition(countedSeq >= viewsSeq, "counters never lag the views")
        guard viewsSeq < head else {
            if try log.countedSeq() != head { try log.setCountedSeq(head) }
            derivation.goLiveOnCommit(at: head, in: log)
            return (true, 0)
        }
        var batch: [RecordedEvent] = []
        try log.forEachRecord(from: viewsSeq + 1) { seq, _, canonical in
            batch.append(try recordedEvent(seq: seq, canonical: canonical))
            return batch.count < catchUpEventsPerCommit
        }
        // The stored folds are those of `viewsSeq`: each entity's run starts from its stored one.
        let changes = try derive(batch, countingAfter: countedSeq, rules: rules, in: log) { entity in
            try derivation.takeStored(entity.code) ?? storedFold(entity.code, in: log)
        }
        let written = try store(changes, in: log)
        let last = batch.last!.seq
        try log.setViewsSeq(last)
        try log.setCountedSeq(max(countedSeq, last))
        derivation.keepStoredOnCommit(written, in: log)
        guard last == head else { return (false, batch.count) }
        derivation.goLiveOnCommit(at: head, in: log)
        return (true, batch.count)
    }

    /// Persists the derived projections and waits for the commit: what was derived in memory,
    /// or, while not live, the log folded from the stored seq up to the head (a start, a
    /// `rebuild`, an older store). After it the stored projections reach the head as of its
    /// last transaction.
    /// - Returns: the events folded from the log.
    @discardableResult
    public func persistDerived() throws -> Int {
        guard let writer else { return 0 }
        var folded = 0
        while true {
            let (done, count) = try waitFor(writer, alone: true) { [rules, derivation] log in
                try Self.persistStep(rules: rules, derivation: derivation, in: log)
            }
            folded += count
            if done { return folded }
            logger.info("projections.catch_up", metadata: ["folded": "\(folded)"])
        }
    }

    /// Brings the stored projections up to the head (the start, after `rebuild`): folds the
    /// missing events in commits of ``catchUpEventsPerCommit``, then derives live.
    /// - Returns: the events folded.
    @discardableResult
    public func catchUpProjections() throws -> Int { try persistDerived() }

    /// Queues one persisting transaction unless one is queued (and another after it while
    /// the store is still catching up).
    func requestPersist() {
        guard let writer, persistQueued.claim() else { return }
        do {
            try writer.submit(
                weight: Self.catchUpEventsPerCommit, alone: true,
                apply: { [rules, derivation] log in try Self.persistStep(rules: rules, derivation: derivation, in: log) },
                completion: { [weak self] result in
                    guard let self else { return }
                    persistQueued.release()
                    switch result {
                    case let .success(step): if !step.done { requestPersist() }
                    case let .failure(error): logger.warning("projections.persist_failed", metadata: ["error": "\(error)"])
                    }
                })
        } catch {
            persistQueued.release()
        }
    }

    /// Queues a persisting transaction when the derived events in memory are due
    /// (``DerivationLimits``), or while the store catches up.
    func persistIfDue() {
        guard writer != nil, derivationLimits.automatic else { return }
        let load = derivation.unstoredLoad(now: DispatchTime.now().uptimeNanoseconds)
        let limits = derivationLimits
        let wanted =
            load.events >= limits.eventsPerPersist || (load.events > 0 && load.waitedNanoseconds >= UInt64(limits.persistDelayMilliseconds) * 1_000_000)
        let rested = Double(load.sinceLastPersistNanoseconds) >= Double(load.lastPersistNanoseconds) * (1 / limits.maximumPersistShare - 1)
        let forced = load.entities >= limits.maximumUnstoredEntities || load.events >= limits.maximumUnstoredEvents
        if (wanted && rested) || forced || !derivation.isLive { requestPersist() }
    }
}
