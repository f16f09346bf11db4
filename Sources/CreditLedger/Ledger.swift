import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import LedgerStore
import Logging
import Metrics

/// The credit ledger: validated events in a durable, hash-chained log.
///
/// Appends are checked twice: the envelope and body on the caller's thread, then refs,
/// idempotency and expected versions inside the writer's transaction, where they see
/// every earlier commit and every earlier event of the same commit.
public final class Ledger: Sendable {
    /// Events newly stored (swift-metrics).
    static let appendedEvents = Counter(label: "creditledger_appended_events_total")

    /// Events in one `append` request at most.
    public static let maximumEventsPerAppend = 1000
    /// Records one `read` returns at most.
    public static let maximumReadLimit = 10_000

    /// The log and its projections; only the ledger reads and writes them.
    let store: LogStore
    public let envelope: EventEnvelope
    /// The rules the projections and the append-time state checks use.
    public let rules: RuleSet
    let writer: GroupCommitWriter?
    let logger: Logger
    /// Milliseconds since the epoch: `recordedAt`, and the month of a refusal.
    let now: @Sendable () -> Int64
    let rejections = RejectionTally()
    /// Finished states of recent questions as known now (``stateFromCurrentFold(of:at:knownAt:bodies:)``).
    let stateCache = RecentCache<CachedState>(budgetBytes: 16 << 20)
    /// `check`'s facts of recent entities (``checkFacts(of:at:)``).
    let checkCache = RecentCache<CheckCacheEntry>(budgetBytes: 32 << 20)
    /// The projections derived in memory ahead of the stored ones (``Derivation``).
    let derivation = Derivation()
    let derivationLimits: DerivationLimits
    /// Held while a persisting transaction is queued (``requestPersist()``).
    let persistQueued = ClaimFlag()
    /// The stored leadership epoch and fence (``Leadership``).
    let leadershipBox: LeadershipBox
    /// Looks every ``DerivationLimits/checkIntervalMilliseconds`` whether a persist is due.
    /// (Set once in `init`; a timer source is safe to cancel from any thread.)
    nonisolated(unsafe) private let persistTimer: DispatchSourceTimer?

    /// Opens the ledger in `directory`.
    /// - Parameters:
    ///   - readOnly: open a stopped data dir for offline reads and verification; no writer.
    ///   - clock: milliseconds since the epoch, read only to stamp `recordedAt`.
    public init(
        directory: String, schemas: SchemaCatalogue, rules: RuleSet, mapSizeBytes: Int = LogStore.defaultMapSizeBytes,
        readOnly: Bool = false, writerLimits: GroupCommitWriter.Limits = .init(), derivationLimits: DerivationLimits = .init(),
        logger: Logger, clock: (@Sendable () -> Int64)? = nil
    ) throws {
        store = try LogStore(directory: directory, mapSizeBytes: mapSizeBytes, readOnly: readOnly)
        leadershipBox = LeadershipBox(try Self.storedLeadership(store))
        envelope = EventEnvelope(schemas: schemas)
        self.rules = rules
        self.logger = logger
        self.derivationLimits = derivationLimits
        now = clock ?? { Int64(Date().timeIntervalSince1970 * 1000) }
        if readOnly {
            writer = nil
        } else if let clock {
            writer = GroupCommitWriter(store: store, limits: writerLimits, logger: logger, clock: clock)
        } else {
            writer = GroupCommitWriter(store: store, limits: writerLimits, logger: logger)
        }
        persistTimer = writer == nil || !derivationLimits.automatic ? nil : DispatchSource.makeTimerSource(queue: DispatchQueue(label: "ledger-persist"))
        do {
            try catchUpProjections()
        } catch {
            writer?.shutdown()
            throw error
        }
        if let persistTimer {
            let interval = DispatchTimeInterval.milliseconds(derivationLimits.checkIntervalMilliseconds)
            persistTimer.schedule(deadline: .now() + interval, repeating: interval)
            persistTimer.setEventHandler { [weak self] in self?.persistIfDue() }
            persistTimer.resume()
        }
    }

    /// Stores what was derived in memory, commits what is queued, stops the writer and gives
    /// up the store's writer lock.
    public func shutdown() {
        persistTimer?.cancel()
        if let writer, writer.failureReason == nil, derivation.isLive {
            do {
                try persistDerived()
            } catch {
                logger.warning("projections.not_persisted", metadata: ["error": "\(error)", "recovery": "folded from the log at the next start"])
            }
        }
        writer?.shutdown()
        store.releaseWriterLock()
    }

    /// Why a storage error stopped all writes for good, or `nil`.
    public var storageFailureReason: String? { writer?.failureReason }

    /// Calls `observer` once when a storage error stops all writes for good (fail closed).
    public func onStorageFailure(_ observer: @escaping @Sendable (String) -> Void) { writer?.onFailure(observer) }

    /// Calls `observer` after every durable commit with the new head.
    public func onCommit(_ observer: @escaping @Sendable (LogHead) -> Void) { writer?.onCommit(observer) }

    /// Figures about commits (latency, batch sizes).
    public func commitStatistics() -> CommitStatistics { writer?.commitStatistics() ?? CommitStatistics() }

    /// Appends `events` all-or-nothing; `completion` runs once the commit is durable, or
    /// with the error that kept every one of them out of the log.
    /// - Parameters:
    ///   - events: 1 to ``maximumEventsPerAppend`` events as submitted.
    ///   - expectedVersion: for each entity named, the number of its events the caller
    ///     expects in the log before this append (optimistic concurrency).
    public func append(
        events: [JSONValue], expectedVersion: [(String, Int64)] = [],
        completion answer: @escaping @Sendable (Result<AppendResult, LedgerError>) -> Void
    ) {
        let completion: @Sendable (Result<AppendResult, LedgerError>) -> Void = { [self] result in
            switch result {
            case let .success(outcome):
                Self.appendedEvents.increment(by: outcome.appended.count { !$0.duplicate })
                persistIfDue()
            case let .failure(error):
                countRejection(error, events: events)
            }
            answer(result)
        }
        guard let writer else { return completion(.failure(LedgerError(.unavailable, "the ledger is open read-only"))) }
        guard !events.isEmpty else { return completion(.failure(LedgerError(.missingField, "events must hold at least one event", field: "events"))) }
        guard events.count <= Self.maximumEventsPerAppend else {
            return completion(.failure(LedgerError(.tooLarge, "at most \(Self.maximumEventsPerAppend) events per append", field: "events")))
        }
        let prepared: [PreparedEvent]
        switch prepare(events) {
        case let .success(events): prepared = events
        case let .failure(error): return completion(.failure(error))
        }
        var versions: [(EntityCode, Int64)] = []
        for (entity, count) in expectedVersion {
            do {
                versions.append((try EntityCode(validating: entity), count))
            } catch {
                return completion(.failure(error.prefixed("expectedVersion.\(entity)")))
            }
        }
        let batch = prepared
        let expected = versions
        do {
            try writer.submit(
                weight: batch.count,
                apply: { [rules, derivation, envelope] log in
                    try Self.apply(batch, expected: expected, rules: rules, schemas: envelope.schemas, derivation: derivation, to: log)
                },
                completion: { result in
                    completion(result.mapError { error in
                        switch error {
                        case let error as LedgerError: return error
                        case let error as WriterError: return LedgerError(error)
                        default: return LedgerError(.internal, "append failed: \(error)")
                        }
                    })
                })
        } catch {
            completion(.failure(LedgerError(error)))
        }
    }

    /// Events per thread above which ``prepare(_:)`` splits a request over threads.
    static let preparedEventsPerThread = 128
    /// Read once: Foundation reads the cgroup files for it on every call.
    public static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    /// Validates and encodes a request's events; a large request is split over up to
    /// `activeProcessorCount` threads (a batch of 1000 waits for this before the writer's
    /// turn). The error is the first invalid event's, as if checked in order.
    func prepare(_ events: [JSONValue]) -> Result<[PreparedEvent], LedgerError> {
        let threads = max(1, min(Self.processorCount, events.count / Self.preparedEventsPerThread))
        let chunkSize = (events.count + threads - 1) / threads
        let chunks: [Range<Int>] = stride(from: 0, to: events.count, by: chunkSize).map { $0..<min($0 + chunkSize, events.count) }
        let prepareChunk: @Sendable (Range<Int>) -> Result<[PreparedEvent], LedgerError> = { [envelope] range in
            var prepared: [PreparedEvent] = []
            prepared.reserveCapacity(range.count)
            for index in range {
                do throws(LedgerError) {
                    let (event, warnings) = try envelope.validate(events[index])
                    prepared.append(PreparedEvent(event: event, content: event.canonicalContent(), warnings: warnings))
                } catch {
                    return .failure(error.prefixed("events[\(index)]"))
                }
            }
            return .success(prepared)
        }
        guard chunks.count > 1 else { return prepareChunk(0..<events.count) }
        let results = ChunkResults(count: chunks.count)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in results.set(chunk, prepareChunk(chunks[chunk])) }
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(events.count)
        for result in results.all() {
            switch result {
            case let .success(part): prepared += part
            case let .failure(error): return .failure(error)
            }
        }
        return .success(prepared)
    }

    /// The chunks' results of ``prepare(_:)``, each set once by its thread.
    private final class ChunkResults: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<[PreparedEvent], LedgerError>?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<[PreparedEvent], LedgerError>) { lock.withLock { results[index] = result } }
        func all() -> [Result<[PreparedEvent], LedgerError>] { lock.withLock { results.map { $0! } } }
    }

    struct PreparedEvent: Sendable {
        let event: CreditEvent
        let content: [UInt8]
        let warnings: [String]
    }

    /// Runs on the writer thread inside the commit's transaction. Every check comes
    /// before the first write, so a request that fails leaves nothing behind.
    static func apply(
        _ batch: [PreparedEvent], expected: [(EntityCode, Int64)], rules: RuleSet, schemas: SchemaCatalogue, derivation: Derivation, to log: LogTransaction
    ) throws -> AppendResult {
        for (entity, count) in expected {
            let actual = try log.seqs(stream: entity.code).count
            guard actual == count else {
                throw LedgerError(.versionMismatch, "entity \(entity.code) has \(actual) event(s), expected \(count)", field: "expectedVersion.\(entity.code)")
            }
        }
        // Phase 1: checks. `earlier` holds this request's new events, which later ones may reference.
        var earlier: [String: IdTag] = Dictionary(minimumCapacity: batch.count)
        var duplicates: [Int: StoredRecord] = [:]
        var warnings: [Int: [String]] = [:]
        /// Per entity: its fold with this request's earlier events applied (admission reads it).
        var folds: [String: EntityFold] = [:]
        /// This request's events so far, per entity (a later event's admission sees them).
        var batchEvents: [String: [RecordedEvent]] = Dictionary(minimumCapacity: batch.count)
        for (index, item) in batch.enumerated() {
            let event = item.event
            guard earlier[event.eventId] == nil else {
                throw LedgerError(.invalidField, "eventId '\(event.eventId)' appears twice in this request", field: "events[\(index)].eventId")
            }
            if let existing = try log.lookup(id: event.eventId) {
                guard try log.storedContent(of: existing, equals: item.content) else {
                    throw LedgerError(.conflict, "eventId '\(event.eventId)' is stored (seq \(existing.seq)) with different content", field: "events[\(index)].eventId")
                }
                guard let record = try log.record(seq: existing.seq) else {
                    throw LedgerError(.internal, "eventId '\(event.eventId)' points to a missing record")
                }
                duplicates[index] = record
                continue
            }
            for (refIndex, ref) in event.refs.enumerated() {
                let field = "events[\(index)].refs[\(refIndex)]"
                guard let tag = try earlier[ref] ?? log.lookup(id: ref).flatMap({ IdTag($0.tag) }) else {
                    throw LedgerError(.unknownRef, "no event '\(ref)' in the ledger", field: field)
                }
                guard event.kind.refRule.targets.contains(tag.kind) else {
                    let allowed = event.kind.refRule.targets.map(\.rawValue).sorted().joined(separator: ", ")
                    throw LedgerError(.unknownRef, "\(event.kind.rawValue) cannot act on a \(tag.kind.rawValue) event (allowed: \(allowed))", field: field)
                }
                guard tag.entity == event.entity.code else {
                    throw LedgerError(.ruleViolation, "'\(ref)' is a record of another entity (\(tag.entity))", field: field)
                }
            }
            let recorded = RecordedEvent(seq: log.head.seq + UInt64(index) + 1, recordedAt: "", event: event)
            let code = event.entity.code
            do {
                if event.kind == .recordCorrected { try checkCorrection(event, schemas: schemas, in: log, batch: batchEvents[code] ?? []) }
            } catch let error as LedgerError {
                throw error.prefixed("events[\(index)]")
            }
            if AdmissionRules.stateDependentKinds.contains(event.kind) || folds[code] != nil {
                // Taken out of `folds` so that `apply` changes the only copy.
                var fold: EntityFold
                if let folded = folds.removeValue(forKey: code) {
                    fold = folded
                } else {
                    fold = try currentFold(event.entity, in: log, derivation: derivation, writer: true) ?? EntityFold(entity: event.entity)
                    for earlierEvent in batchEvents[code] ?? [] { fold.apply(earlierEvent) }
                }
                do {
                    warnings[index] = try admit(event, fold: fold, rules: rules, in: log, batch: batchEvents[code] ?? [])
                } catch let error as LedgerError {
                    throw error.prefixed("events[\(index)]")
                }
                fold.apply(recorded)
                folds[code] = fold
            }
            if let warning = try duplicateCodeWarning(for: event, after: batchEvents[event.entity.code] ?? [], in: log, derivation: derivation) { warnings[index, default: []].append(warning) }
            batchEvents[event.entity.code, default: []].append(recorded)
            earlier[event.eventId] = IdTag(kind: event.kind, entity: event.entity.code)
        }

        // Phase 2: writes.
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(batch.count)
        var newEvents: [RecordedEvent] = []
        for (index, item) in batch.enumerated() {
            let event = item.event
            if let record = duplicates[index] {
                appended.append(AppendedEvent(eventId: event.eventId, seq: record.seq, recordedAt: record.header!.recordedAt, hashHex: record.hashHex, duplicate: true, warnings: []))
                continue
            }
            let record = try log.append(
                id: event.eventId, stream: event.entity.code, content: item.content,
                tag: IdTag(kind: event.kind, entity: event.entity.code).bytes)
            newEvents.append(RecordedEvent(seq: record.seq, recordedAt: record.header!.recordedAt, event: event))
            appended.append(AppendedEvent(
                eventId: event.eventId, seq: record.seq, recordedAt: record.header!.recordedAt,
                hashHex: record.hashHex, duplicate: false, warnings: item.warnings + (warnings[index] ?? [])))
        }
        try deriveAppended(newEvents, rules: rules, derivation: derivation, in: log)
        return AppendResult(appended: appended)
    }
}

/// What the ledger keeps with each eventId in the id index: its kind and entity.
struct IdTag {
    let kind: EventKind
    let entity: String

    init(kind: EventKind, entity: String) {
        self.kind = kind
        self.entity = entity
    }

    /// Reads a tag: one byte naming the kind (its place in ``codes``, from 1), then the
    /// entity; or, as written before, the kind's name, a NUL byte and the entity.
    init?(_ bytes: [UInt8]) {
        if let first = bytes.first, first >= 1, Int(first) <= Self.codes.count {
            kind = Self.codes[Int(first) - 1]
            entity = String(decoding: bytes[1...], as: UTF8.self)
            return
        }
        guard let separator = bytes.firstIndex(of: 0),
            let kind = EventKind(rawValue: String(decoding: bytes[..<separator], as: UTF8.self))
        else { return nil }
        self.kind = kind
        self.entity = String(decoding: bytes[(separator + 1)...], as: UTF8.self)
    }

    var bytes: [UInt8] { [Self.code[kind]!] + Array(entity.utf8) }

    /// The kinds in the order of their one-byte codes. Stored in every id entry: append new
    /// kinds at the end, never reorder. Codes stay below 0x20, so they never read as the
    /// first letter of an older tag's kind name.
    static let codes: [EventKind] = [
        .entityProfiled, .entityDeregistered, .licenseGranted, .licenseEnded, .penaltyImposed, .penaltyFulfilled,
        .adminAction, .commitmentMade, .commitmentFulfilled, .commitmentBreached, .listEntered, .listExited,
        .warningIssued, .interviewRecorded, .banImposed, .banLifted, .objectionFiled, .objectionResolved,
        .recordCorrected, .recordRevoked, .repairApplied, .repairAccepted, .repairGranted, .repairRejected,
        .repairRevoked, .gradeAssessed, .repairExtended, .shieldingStarted, .shieldingEnded,
    ]
    static let code: [EventKind: UInt8] = {
        precondition(Set(codes).count == EventKind.allCases.count && codes.count < 0x20, "every kind has one code")
        return Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, UInt8($0 + 1)) })
    }()
}

/// Names of the counters the ledger keeps in step with the log.
enum Counters {
    static let entities = "entities"
    static let kindPrefix = "kind."
    static func kind(_ kind: EventKind) -> String { kindPrefix + kind.rawValue }
    /// Data-quality counters: "q." + authority + US + month + US + metric.
    static let qualityPrefix = "q."
    static let separator: Character = "\u{1F}"
    static func quality(authority: String, month: String, metric: String) -> String {
        qualityPrefix + authority + String(separator) + month + String(separator) + metric
    }
}
