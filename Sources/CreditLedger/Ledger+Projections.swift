import CreditDomain
import CreditProjection
import Crypto
import Foundation
import LedgerJSON
import LedgerStore

/// What `rebuild` found: the projections rebuilt from the log alone, compared with the stored ones.
public struct RebuildReport: Sendable {
    public let headSeq: UInt64
    public let entities: Int
    public let events: Int
    public let seconds: Double
    /// SHA-256 over every entity's stored projection, in entity order (hex).
    public let storedDigest: String
    /// The same over the projections rebuilt from the log.
    public let rebuiltDigest: String
    /// Entities whose stored projection differs from the rebuilt one (the first few).
    public let mismatches: [String]
    public let mismatchCount: Int

    public var identical: Bool { mismatchCount == 0 && storedDigest == rebuiltDigest }
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

extension Ledger {
    /// The layout of the stored projections (`EntityFold.encoded`) and the name index kept
    /// with them (`names-1`: a store without it derives its views again on start).
    static let viewsFormat = "entity-fold-\(EntityFold.binaryFormat)+names-1"
    /// Events folded per catch-up commit.
    static let catchUpEventsPerCommit = 20_000
    /// Mismatching entities a rebuild report names at most.
    static let reportedMismatches = 20

    /// Folds this commit's new events (in log order) into their entities' stored projections.
    /// Runs in the writer's transaction, after the appends.
    /// - Parameter quality: the rules to find data-quality figures with (appends); `nil` when
    ///   catching up, which must not count an event twice.
    ///   - cache: the decoded folds of recent entities, read instead of the stored bytes and
    ///     given the folds written here (published when the transaction commits).
    ///
    /// While the stored projections lag behind the log (a `rebuild` or a start-up catch-up is
    /// folding it again, one commit at a time), appends leave them to that catch-up, which
    /// folds every event up to the head; readers replay meanwhile. Quality is still counted
    /// here, with the entity's fold replayed from the log.
    static func updateProjections(_ events: [RecordedEvent], in log: LogTransaction, quality: RuleSet? = nil, cache: FoldCache) throws {
        guard let first = events.first else { return }
        let viewsSeq = try log.viewsSeq()
        guard viewsSeq <= first.seq - 1 else {
            throw LedgerError(.internal, "projections are derived up to seq \(viewsSeq), past the commit's first seq \(first.seq)")
        }
        let catchingUp = viewsSeq < first.seq - 1
        if catchingUp && quality == nil {
            throw LedgerError(.internal, "projections are derived up to seq \(viewsSeq), the catch-up starts at \(first.seq)")
        }
        var folds: [String: EntityFold] = Dictionary(minimumCapacity: events.count)
        // Keyed by bytes: hashing a String that is not ASCII normalises it first.
        var counts: [[UInt8]: UInt64] = [:]
        // Each entity whose profile name this commit may change, with its name before it.
        var namesBefore: [String: String?] = [:]
        for recorded in events {
            let entity = recorded.event.entity
            // Taken out of `folds` (and the cache) so that `apply` changes the only copy.
            var fold =
                try folds.removeValue(forKey: entity.code)
                ?? (catchingUp ? replayedFold(entity, before: recorded.seq, in: log) : writerFold(entity.code, in: log, cache: cache))
                ?? EntityFold(entity: entity)
            // The entity's name before this event, read once for the 重码 check and the name index.
            let renaming = !catchingUp && namesBefore.index(forKey: entity.code) == nil && fold.mayChangeProfileName(recorded.event)
            let profiling = recorded.event.kind == .entityProfiled && quality != nil
            let nameBefore = renaming || profiling ? try fold.profileName(body: bodyReader(in: log, batch: [])) : nil
            if renaming { namesBefore[entity.code] = .some(nameBefore) }
            if let rules = quality {
                let recordedOn = Timestamp.parse(recorded.recordedAt).map { chinaDate(millisecondsSinceEpoch: $0) } ?? recorded.event.occurredOn
                let storedProfileName = recorded.event.kind == .entityProfiled ? nameBefore : nil
                for finding in Quality.findings(for: recorded.event, recordedOn: recordedOn, fold: fold, rules: rules, storedProfileName: storedProfileName) {
                    counts[Array(Counters.quality(authority: recorded.event.authority, month: finding.month, metric: finding.metric).utf8), default: 0] += 1
                }
            }
            fold.apply(recorded)
            folds[entity.code] = fold
        }
        for (name, added) in counts { try log.increment(String(decoding: name, as: UTF8.self), by: added) }
        guard !catchingUp else { return }
        for (code, fold) in folds {
            let encoded = fold.encoded
            try log.setView(code, encoded)
            cache.wrote(fold, encodedCount: encoded.count, for: code, in: log)
        }
        try updateNameIndex(namesBefore, folds: folds, in: log)
        try log.setViewsSeq(events.last!.seq)
    }

    /// The date in China Standard Time (UTC+8) of an instant.
    static func chinaDate(millisecondsSinceEpoch milliseconds: Int64) -> CivilDate {
        let shifted = milliseconds + 8 * 3_600_000
        return CivilDate(dayNumber: Int((shifted - ((shifted % 86_400_000) + 86_400_000) % 86_400_000) / 86_400_000))
    }

    /// The entity's fold of its events before `seq`, replayed from the log (while the stored
    /// projections are being derived again).
    static func replayedFold(_ entity: EntityCode, before seq: UInt64, in log: LogTransaction) throws -> EntityFold? {
        let seqs = try log.seqs(stream: entity.code, upTo: seq - 1)
        guard !seqs.isEmpty else { return nil }
        var fold = EntityFold(entity: entity)
        for earlier in seqs { fold.apply(try storedEvent(seq: earlier, in: log)) }
        return fold
    }

    /// The entity's fold as the writer's transaction sees it: from memory when there, else
    /// the stored one. (Debug builds check that memory and store agree.)
    static func writerFold(_ code: String, in log: LogTransaction, cache: FoldCache) throws -> EntityFold? {
        guard let cached = cache.takeForWriting(code, in: log) else { return try storedFold(code, in: log) }
        #if DEBUG
            let storedBytes = try log.withView(code) { $0.map(Array.init) }
            assert(storedBytes == cached.encoded, "the cached fold of \(code) is not the stored one")
        #endif
        return cached
    }

    /// The entity's fold in a read snapshot: from memory when the cached one ends at the
    /// entity's last seq in `log`, else the stored one.
    func snapshotFold(_ code: String, lastSeq: UInt64, in log: LogTransaction) throws -> EntityFold? {
        if let cached = foldCache.committedFold(code), cached.lastSeq == lastSeq { return cached }
        return try Self.storedFold(code, in: log)
    }

    /// The entity's stored projection, or `nil` when it has no events.
    static func storedFold(_ code: String, in log: LogTransaction) throws -> EntityFold? {
        try log.withView(code) { bytes in try bytes.map { try EntityFold(encoded: $0) } }
    }

    /// Brings the stored projections up to the head (a store from before they existed, or
    /// after `rebuild`): folds the missing events in commits of ``catchUpEventsPerCommit``.
    /// - Returns: the events folded.
    @discardableResult
    public func catchUpProjections() throws -> Int {
        guard let writer else { return 0 }
        // Folds stored in another layout (an older version) are derived again.
        try waitFor(writer) { [foldCache] log in
            if try log.viewsFormat() != Self.viewsFormat {
                try Self.dropProjections(in: log, cache: foldCache)
                try log.setViewsFormat(Self.viewsFormat)
            }
        }
        var folded = 0
        while true {
            let (done, count) = try waitFor(writer) { [foldCache] log -> (Bool, Int) in
                let from = try log.viewsSeq() + 1
                guard from <= log.head.seq else { return (true, 0) }
                var batch: [RecordedEvent] = []
                try log.forEachRecord(from: from) { seq, _, canonical in
                    batch.append(try Self.recordedEvent(seq: seq, canonical: canonical))
                    return batch.count < Self.catchUpEventsPerCommit
                }
                try Self.updateProjections(batch, in: log, cache: foldCache)
                return (false, batch.count)
            }
            folded += count
            if done { return folded }
            logger.info("projections.catch_up", metadata: ["folded": "\(folded)"])
        }
    }

    /// Drops every stored projection and derives them again from the log.
    public func rebuildProjections() throws -> Int {
        guard let writer else { throw LedgerError(.unavailable, "the ledger is open read-only") }
        try waitFor(writer) { [foldCache] log in try Self.dropProjections(in: log, cache: foldCache) }
        return try catchUpProjections()
    }

    /// Drops every stored projection, and the decoded ones with them once `log` commits.
    /// Appends go on meanwhile (``updateProjections(_:in:quality:cache:)``).
    static func dropProjections(in log: LogTransaction, cache: FoldCache) throws {
        try log.clearViews()
        log.afterCommit { cache.removeAll() }
    }

    /// Rebuilds every entity's projection from the log alone and compares each with the
    /// stored one byte for byte; writes nothing. The work is split over `workers` threads,
    /// each with its own read snapshot of the same head.
    ///
    /// The digests are SHA-256 over, for every entity in key order, its code, a NUL byte
    /// and the SHA-256 of its projection's bytes; then, for every name index key in byte
    /// order, its length (4 bytes, big-endian) and its bytes. A name key stored but not
    /// derived, or derived but not stored, counts as a mismatch of its entity.
    public func verifyProjections(workers: Int = min(4, max(1, Ledger.processorCount))) throws -> RebuildReport {
        precondition(workers >= 1)
        let started = DispatchTime.now()
        let snapshots = try consistentSnapshots(workers)
        defer { snapshots.forEach { $0.close() } }
        let head = snapshots[0].log.head.seq
        let viewsSeq = try snapshots[0].log.viewsSeq()
        guard viewsSeq == head else {
            throw LedgerError(.internal, "projections are derived up to seq \(viewsSeq), the head is \(head): run rebuild")
        }
        let results = UnsafeMutableBufferPointer<Result<[EntityCheck], Error>?>.allocate(capacity: workers)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            shared[worker] = Result { try Self.checkProjections(in: snapshots[worker].log, worker: worker, of: workers) }
        }
        var checks: [EntityCheck] = []
        for result in results { checks += try result!.get() }
        checks.sort { $0.order < $1.order }

        var stored = SHA256()
        var rebuilt = SHA256()
        var mismatches: [String] = []
        var mismatchCount = 0
        var events = 0
        for check in checks {
            let key = Array(check.code.utf8) + [0]
            rebuilt.update(data: key)
            rebuilt.update(data: check.rebuiltHash)
            if let storedHash = check.storedHash {
                stored.update(data: key)
                stored.update(data: storedHash)
            }
            if check.storedHash != check.rebuiltHash {
                mismatchCount += 1
                if mismatches.count < Self.reportedMismatches { mismatches.append(check.code) }
            }
            events += check.events
        }
        // A stored projection of an entity the log does not have is a mismatch too.
        var storedCount = 0
        try snapshots[0].log.forEachView { _, _ in
            storedCount += 1
            return true
        }
        if storedCount > checks.count { mismatchCount += storedCount - checks.count }
        // The name index: the keys of the rebuilt folds' names against the stored keys, both in
        // byte order, each key's length (4 bytes) and bytes after the views in the digests.
        let rebuiltKeys = checks.compactMap(\.nameKey).sorted { $0.lexicographicallyPrecedes($1) }
        var storedKeys: [[UInt8]] = []
        try snapshots[0].log.forEachViewKey { key in
            storedKeys.append(Array(key))
            return true
        }
        for key in rebuiltKeys { Self.updateDigest(&rebuilt, key: key) }
        for key in storedKeys { Self.updateDigest(&stored, key: key) }
        for key in Self.symmetricDifference(rebuiltKeys, storedKeys) {
            mismatchCount += 1
            let code = try key.withUnsafeBytes { try Self.splitNameKey($0).code }
            if mismatches.count < Self.reportedMismatches, !mismatches.contains(code) { mismatches.append(code) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        return RebuildReport(
            headSeq: head, entities: checks.count, events: events, seconds: seconds,
            storedDigest: Self.hex(stored.finalize()), rebuiltDigest: Self.hex(rebuilt.finalize()),
            mismatches: mismatches, mismatchCount: mismatchCount)
    }

    /// Adds a name index key to a digest: its length (4 bytes, big-endian), then its bytes.
    static func updateDigest(_ digest: inout SHA256, key: [UInt8]) {
        let count = UInt32(key.count)
        digest.update(data: [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)])
        digest.update(data: key)
    }

    /// The keys in one of two byte-ordered lists and not in the other.
    static func symmetricDifference(_ left: [[UInt8]], _ right: [[UInt8]]) -> [[UInt8]] {
        var output: [[UInt8]] = []
        var leftIndex = 0
        var rightIndex = 0
        while leftIndex < left.count || rightIndex < right.count {
            if rightIndex == right.count || (leftIndex < left.count && left[leftIndex].lexicographicallyPrecedes(right[rightIndex])) {
                output.append(left[leftIndex])
                leftIndex += 1
            } else if leftIndex == left.count || right[rightIndex].lexicographicallyPrecedes(left[leftIndex]) {
                output.append(right[rightIndex])
                rightIndex += 1
            } else {
                leftIndex += 1
                rightIndex += 1
            }
        }
        return output
    }

    /// One entity's rebuilt projection against its stored one, by digest.
    struct EntityCheck {
        let order: Int
        let code: String
        let events: Int
        let rebuiltHash: [UInt8]
        let storedHash: [UInt8]?
        /// The entity's key in the name index, from the rebuilt fold (`nil`: no profile name).
        let nameKey: [UInt8]?
    }

    /// Rebuilds the projections of every `workers`-th entity, starting at the `worker`-th.
    static func checkProjections(in log: LogTransaction, worker: Int, of workers: Int) throws -> [EntityCheck] {
        var checks: [EntityCheck] = []
        var order = -1
        try log.forEachStream { code, seqs in
            order += 1
            guard order % workers == worker else { return true }
            guard let entity = try? EntityCode(validating: code) else { throw LedgerError(.internal, "stream '\(code)' is not an entity code") }
            var fold = EntityFold(entity: entity)
            // The latest profile's body, kept from the replay: the name index key needs no read.
            var profile: (seq: UInt64, body: JSONValue)?
            for seq in seqs {
                let recorded = try storedEvent(seq: seq, in: log)
                if recorded.event.kind == .entityProfiled { profile = (seq, recorded.event.body) }
                fold.apply(recorded)
            }
            let rebuiltHash = Array(SHA256.hash(data: fold.encoded))
            let storedHash = try log.withView(code) { view in view.map { Array(SHA256.hash(data: $0)) } }
            let reader = bodyReader(in: log, batch: [])
            let name = try fold.profileName { seq in seq == profile?.seq ? profile!.body : try reader(seq) }
            checks.append(EntityCheck(
                order: order, code: code, events: seqs.count, rebuiltHash: rebuiltHash, storedHash: storedHash,
                nameKey: name.flatMap { nameKey($0, code: code) }))
            return true
        }
        return checks
    }

    /// `count` read snapshots of one and the same head (retried while commits land between them).
    func consistentSnapshots(_ count: Int) throws -> [LogSnapshot] {
        for _ in 0..<100 {
            let snapshots = try (0..<count).map { _ in try store.snapshot(durableOnly: false) }
            if Set(snapshots.map(\.log.head.seq)).count == 1 { return snapshots }
            snapshots.forEach { $0.close() }
        }
        throw LedgerError(.unavailable, "the log moves too fast to take consistent snapshots; retry")
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Runs `job` on the writer and waits for its durable commit.
    func waitFor<R: Sendable>(_ writer: GroupCommitWriter, _ job: @escaping (LogTransaction) throws -> R) throws -> R {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<R, Error>?
        try writer.submit(weight: Self.catchUpEventsPerCommit, apply: job) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }
}
