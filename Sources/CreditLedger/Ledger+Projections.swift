import CreditDomain
import CreditProjection
import Crypto
import Foundation
import LedgerJSON
import LedgerStore

/// What `rebuild` found: the projections rebuilt from the log alone, compared with the stored ones.
public struct RebuildReport: Sendable {
    /// The seq compared up to: the one the stored projections reach.
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
    /// Events folded from the log per persisting transaction while not live (start, rebuild).
    static let catchUpEventsPerCommit = 20_000
    /// Mismatching entities a rebuild report names at most.
    static let reportedMismatches = 20

    /// The date in China Standard Time (UTC+8) of an instant.
    static func chinaDate(millisecondsSinceEpoch milliseconds: Int64) -> CivilDate {
        let shifted = milliseconds + 8 * 3_600_000
        return CivilDate(dayNumber: Int((shifted - ((shifted % 86_400_000) + 86_400_000) % 86_400_000) / 86_400_000))
    }

    /// The entity's fold ending at its last seq in `log` (`lastSeq`, or read), or `nil` when
    /// it has no events: from memory when the derived fold ends there; else the stored fold
    /// (or an older one in memory) with the entity's later events folded from the log; a
    /// stored fold past the snapshot (a persist not yet durable) is not used.
    /// - Parameter writer: `log` is the writer's transaction (its own changes count).
    func currentFold(_ entity: EntityCode, lastSeq known: UInt64? = nil, in log: LogTransaction, writer: Bool = false) throws -> EntityFold? {
        try Self.currentFold(entity, lastSeq: known, in: log, derivation: derivation, writer: writer)
    }

    static func currentFold(_ entity: EntityCode, lastSeq known: UInt64? = nil, in log: LogTransaction, derivation: Derivation, writer: Bool) throws -> EntityFold? {
        let lastSeq = try known ?? log.lastSeq(stream: entity.code)
        guard lastSeq > 0 else { return nil }
        let memory = writer ? derivation.writerFold(entity.code, in: log) : derivation.committedFold(entity.code)
        if let memory, memory.lastSeq == lastSeq { return memory }
        var fold: EntityFold
        if let memory, memory.lastSeq < lastSeq {
            fold = memory
        } else if let stored = try storedFold(entity.code, in: log), stored.lastSeq <= lastSeq {
            fold = stored
        } else {
            fold = EntityFold(entity: entity)
        }
        for seq in try log.seqs(stream: entity.code, after: fold.lastSeq, upTo: lastSeq) {
            fold.apply(try storedEvent(seq: seq, in: log))
        }
        return fold
    }

    /// The entity's stored projection, or `nil` when it has no events.
    static func storedFold(_ code: String, in log: LogTransaction) throws -> EntityFold? {
        try log.withView(code) { bytes in try bytes.map { try EntityFold(encoded: $0) } }
    }

    /// Drops every stored projection and derives them again from the log.
    public func rebuildProjections() throws -> Int {
        guard let writer else { throw LedgerError(.unavailable, "the ledger is open read-only") }
        try waitFor(writer, alone: true) { [derivation] log in
            try log.clearViews()
            derivation.stopOnCommit(log)
        }
        return try catchUpProjections()
    }

    /// Rebuilds every entity's projection from the log alone and compares each with the
    /// stored one byte for byte. The work is split over `workers` threads, each with its own
    /// read snapshot of the same head. What was derived in memory is persisted first (a
    /// writable ledger); the comparison covers the log up to the seq the stored projections
    /// reach in the snapshots (the head, unless appends landed meanwhile).
    ///
    /// The digests are SHA-256 over, for every entity in key order, its code, a NUL byte
    /// and the SHA-256 of its projection's bytes; then, for every name index key in byte
    /// order, its length (4 bytes, big-endian) and its bytes. A name key stored but not
    /// derived, or derived but not stored, counts as a mismatch of its entity.
    public func verifyProjections(workers: Int = min(4, max(1, Ledger.processorCount))) throws -> RebuildReport {
        precondition(workers >= 1)
        let started = DispatchTime.now()
        if derivation.isLive { try persistDerived() }
        let snapshots = try consistentSnapshots(workers)
        defer { snapshots.forEach { $0.close() } }
        // The stored projections reach `viewsSeq` (at most the head): compared with the log up to it.
        let head = min(try snapshots[0].log.viewsSeq(), snapshots[0].log.head.seq)
        let results = UnsafeMutableBufferPointer<Result<[EntityCheck], Error>?>.allocate(capacity: workers)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            shared[worker] = Result { try Self.checkProjections(in: snapshots[worker].log, upTo: head, worker: worker, of: workers) }
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

    /// Rebuilds the projections of every `workers`-th entity, starting at the `worker`-th, from
    /// the log up to `head`.
    static func checkProjections(in log: LogTransaction, upTo head: UInt64, worker: Int, of workers: Int) throws -> [EntityCheck] {
        var checks: [EntityCheck] = []
        var order = -1
        try log.forEachStream { code, allSeqs in
            let seqs = allSeqs.last! <= head ? allSeqs : allSeqs.filter { $0 <= head }
            guard !seqs.isEmpty else { return true }
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
    func waitFor<R: Sendable>(_ writer: GroupCommitWriter, alone: Bool = false, _ job: @escaping (LogTransaction) throws -> R) throws -> R {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<R, Error>?
        try writer.submit(weight: Self.catchUpEventsPerCommit, alone: alone, apply: job) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        return try outcome!.get()
    }
}
