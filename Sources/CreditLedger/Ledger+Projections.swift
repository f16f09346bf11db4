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
    /// Events folded per catch-up commit.
    static let catchUpEventsPerCommit = 20_000
    /// Mismatching entities a rebuild report names at most.
    static let reportedMismatches = 20

    /// Folds this commit's new events (in log order) into their entities' stored projections.
    /// Runs in the writer's transaction, after the appends.
    static func updateProjections(_ events: [RecordedEvent], in log: LogTransaction) throws {
        guard let first = events.first else { return }
        let viewsSeq = try log.viewsSeq()
        guard viewsSeq == first.seq - 1 else {
            throw LedgerError(.internal, "projections are derived up to seq \(viewsSeq), the commit starts at \(first.seq)")
        }
        var folds: [String: EntityFold] = [:]
        for recorded in events {
            let entity = recorded.event.entity
            var fold = try folds[entity.code] ?? storedFold(entity.code, in: log) ?? EntityFold(entity: entity)
            fold.apply(recorded)
            folds[entity.code] = fold
        }
        for (code, fold) in folds { try log.setView(code, CanonicalJSON.encode(fold.json)) }
        try log.setViewsSeq(events.last!.seq)
    }

    /// The entity's stored projection, or `nil` when it has no events.
    static func storedFold(_ code: String, in log: LogTransaction) throws -> EntityFold? {
        let value = try log.withView(code) { bytes in try bytes.map { try JSONParser.parse($0) } }
        return try value.map { try EntityFold(json: $0) }
    }

    /// Brings the stored projections up to the head (a store from before they existed, or
    /// after `rebuild`): folds the missing events in commits of ``catchUpEventsPerCommit``.
    /// - Returns: the events folded.
    @discardableResult
    public func catchUpProjections() throws -> Int {
        guard let writer else { return 0 }
        var folded = 0
        while true {
            let (done, count) = try waitFor(writer) { log -> (Bool, Int) in
                let from = try log.viewsSeq() + 1
                guard from <= log.head.seq else { return (true, 0) }
                var batch: [RecordedEvent] = []
                try log.forEachRecord(from: from) { seq, _, canonical in
                    batch.append(try Self.recordedEvent(seq: seq, canonical: canonical))
                    return batch.count < Self.catchUpEventsPerCommit
                }
                try Self.updateProjections(batch, in: log)
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
        try waitFor(writer) { log in try log.clearViews() }
        return try catchUpProjections()
    }

    /// Rebuilds every entity's projection from the log alone, in one read snapshot, and
    /// compares each with the stored one byte for byte. Writes nothing.
    public func verifyProjections(progress: ((Int) -> Void)? = nil) throws -> RebuildReport {
        let started = DispatchTime.now()
        return try store.read { log in
            var stored = SHA256()
            var rebuilt = SHA256()
            var entities = 0
            var events = 0
            var mismatches: [String] = []
            var mismatchCount = 0
            let viewsSeq = try log.viewsSeq()
            guard viewsSeq == log.head.seq else {
                throw LedgerError(.internal, "projections are derived up to seq \(viewsSeq), the head is \(log.head.seq): run rebuild")
            }
            try log.forEachStream { code, seqs in
                guard let entity = try? EntityCode(validating: code) else { throw LedgerError(.internal, "stream '\(code)' is not an entity code") }
                var fold = EntityFold(entity: entity)
                for seq in seqs {
                    guard let record = try log.record(seq: seq) else { throw LedgerError(.internal, "index names missing seq \(seq)") }
                    fold.apply(try Self.recordedEvent(record))
                }
                let bytes = CanonicalJSON.encode(fold.json)
                let key = Array(code.utf8) + [0]
                rebuilt.update(data: key)
                rebuilt.update(data: bytes)
                let same = try log.withView(code) { view -> Bool in
                    guard let view else { return false }
                    stored.update(data: key)
                    stored.update(data: view)
                    return view.elementsEqual(bytes)
                }
                if !same {
                    mismatchCount += 1
                    if mismatches.count < Self.reportedMismatches { mismatches.append(code) }
                }
                entities += 1
                events += seqs.count
                if entities % 10_000 == 0 { progress?(events) }
                return true
            }
            // A stored projection of an entity the log does not have is a mismatch too.
            var storedCount = 0
            try log.forEachView { _, _ in
                storedCount += 1
                return true
            }
            if storedCount != entities { mismatchCount += abs(storedCount - entities) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            return RebuildReport(
                headSeq: log.head.seq, entities: entities, events: events, seconds: seconds,
                storedDigest: stored.finalize().map { String(format: "%02x", $0) }.joined(),
                rebuiltDigest: rebuilt.finalize().map { String(format: "%02x", $0) }.joined(),
                mismatches: mismatches, mismatchCount: mismatchCount)
        }
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
