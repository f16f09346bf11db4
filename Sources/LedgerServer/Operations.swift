import CreditDomain
import CreditLedger
import CreditProjection
import Dispatch
import LedgerJSON
import LedgerProtocol
import LedgerStore
import Logging

/// The protocol's operations over a ledger: each request in, one answer line out.
package struct Operations: Sendable {
    static let version = CreditLedgerVersion.current
    static let defaultReadLimit: Int64 = 1000
    /// The largest answer sent; a bigger one is refused with `too_large` (ask a smaller page).
    static let maximumAnswerBytes = 16 << 20

    /// `offset` and `limit` of a paged list (display's and report's records).
    static func page(_ request: Request) throws -> Page {
        let offset = try request.integer("offset", in: 0...Int64(Int32.max)) ?? 0
        let limit = try request.integer("limit", in: 1...Int64(Page.maximumLimit)) ?? Int64(Page.defaultLimit)
        return Page(offset: Int(offset), limit: Int(limit))
    }

    package let ledger: Ledger
    let connectionCount: @Sendable () -> Int
    /// Today in China Standard Time: the default `at` (the only clock a projection sees).
    let today: @Sendable () -> CivilDate
    let logger: Logger
    let metricsText: (@Sendable () -> String)?
    /// The checkpoint file, for `verify` with `checkpoints`.
    let checkpointFile: String?
    /// Leader or follower; followers' confirmations; the head `minSeq` waits for.
    let replication: Replication
    /// The region prefixes this shard holds (empty: all).
    let regions: [String]
    /// Where recorded reads are computed once their records are durable.
    let computations = ReadComputations()

    /// Answers an op answered at once, or a recorded read once its record is durable (not
    /// `append` or `subscribe`).
    /// - Parameter started: when the request was taken up (for a recorded read, before its
    ///   access record: that commit counts in its latency).
    /// - Parameter caller: who asks (`replicated` names the follower by it).
    package func answer(_ request: Request, caller: Caller? = nil, startedAt started: ContinuousClock.Instant = .now) -> Answer {
        // Before the answer is computed: it reflects at least this head.
        let served = served()
        do {
            let result: [UInt8]
            switch request.operation {
            case .ping: result = try ping()
            case .replicated: result = try replicated(request, caller: caller)
            case .get: result = try get(request)
            case .read: result = try read(request)
            case .history: result = try history(request)
            case .verify: result = try verify(request)
            case .rebuild: result = try rebuild(request)
            case .accessLog: result = try accessLog(request)
            case .metrics: result = CanonicalJSON.encode(["format": "prometheus-text-0.0.4", "text": .string(metrics())])
            case .stats: result = try stats()
            case .status: result = try status(request)
            case .display: result = try display(request)
            case .check: result = try check(request)
            case .report: result = try report(request)
            case .find: result = try find(request)
            case .append, .subscribe, .promote:
                assertionFailure("\(request.op) is answered after a commit, not at once")
                throw LedgerError(.internal, "\(request.op) is not answered at once")
            }
            guard result.count <= Self.maximumAnswerBytes else {
                throw LedgerError(.tooLarge, "the answer would be \(result.count) bytes, over the cap of \(Self.maximumAnswerBytes): ask for a smaller page (limit)", field: "limit")
            }
            return finish(request, startedAt: started, .success(result), served: served)
        } catch {
            return finish(request, startedAt: started, .failure(Self.protocolError(error)), served: served)
        }
    }

    /// The answer line of `request`: its result, or the error. Every answer computed for an
    /// admitted request comes through here, counted by op and outcome and timed from `started`,
    /// saying what `served` it (the epoch and the head now, unless given).
    func finish(_ request: Request, startedAt started: ContinuousClock.Instant, _ outcome: Result<[UInt8], LedgerError>, served: Served? = nil) -> Answer {
        let failure: LedgerError? = if case let .failure(error) = outcome { error } else { nil }
        ServerMetrics.answered(request.operation, error: failure?.code, duration: started.duration(to: .now))
        let served = served ?? self.served()
        switch outcome {
        case let .success(result): return .success(Response.success(id: request.id, resultJSON: result, served: served))
        case let .failure(error): return failureAnswer(id: request.id, error: error, served: served)
        }
    }

    /// Runs a request answered after a commit: an append, or a read recorded in the access
    /// log (answered once the record is durable).
    package func submit(_ request: Request, caller: Caller, completion: @escaping @Sendable (Answer) -> Void) {
        switch request.operation {
        case .append: return append(request, startedAt: .now, completion: completion)
        case .promote: return promote(request, completion: completion)
        default: break
        }
        submitReads([(request, completion)], caller: caller)
    }

    /// Records reads in one writer job (so in one commit: a pipelined burst of a connection),
    /// then computes each answer in turn (``ReadComputations``) — never before its record is
    /// durable. A read queued behind an append of the same connection sees it (the append
    /// commits in the same or an earlier commit).
    package func submitReads(_ reads: [(request: Request, completion: @Sendable (Answer) -> Void)], caller: Caller) {
        precondition(!reads.isEmpty && reads.allSatisfy { $0.request.operation.isAudited }, "recorded reads only")
        let started = ContinuousClock.now
        ledger.recordAccess(reads.map { OpAccess.record($0.request, caller: caller) }) { result in
            for (request, completion) in reads {
                switch result {
                case .success:
                    // Not on the thread that reported the commit (it flushes the next one).
                    computations.run { completion(answer(request, caller: caller, startedAt: started)) }
                case let .failure(error): completion(finish(request, startedAt: started, .failure(error)))
                }
            }
        }
    }

    /// Records an audited request (a subscription's start); `completion` gets `nil` once the
    /// record is durable, or the failure answer to send instead of any event.
    package func recordAccess(_ request: Request, caller: Caller, completion: @escaping @Sendable (Answer?) -> Void) {
        let logger = self.logger
        ledger.recordAccess(OpAccess.record(request, caller: caller)) { result in
            switch result {
            case .success: completion(nil)
            case let .failure(error):
                logger.error("access.record_failed", metadata: ["op": "\(request.op)", "caller": "\(caller)", "error": "\(error)"])
                completion(self.refusal(id: request.id, error))
            }
        }
    }

    /// A subscription's start (after its access record): the first seq it sends, the head it
    /// knows, and its answer line; or the failure answer (a bad `from`).
    package func subscriptionStart(_ request: Request) -> SubscriptionStart {
        do {
            let from = try request.integer("from", in: 1...Int64.max) ?? 1
            let head = try ledger.head().seq
            try checkContinuity(request, from: UInt64(from))
            let answer = Response.success(
                id: request.id, result: ["subscribed": true, "from": .int(from), "head": .int(Int64(head))], served: Served(epoch: ledger.leadership.epoch, seq: head))
            return .started(from: UInt64(from), head: head, answer: answer)
        } catch {
            return .refused(refusal(id: request.id, Self.protocolError(error)))
        }
    }

    /// One streamed event: `{"event":<stored event>}` and a newline.
    package static func eventLine(_ record: StoredRecord) -> [UInt8] {
        var line = Array(#"{"event":"#.utf8)
        line.append(contentsOf: record.jsonWithHash())
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The Prometheus text exposition, with the gauges read now.
    func metrics() -> String {
        ServerMetrics.sample(ledger: ledger, connectionCount: connectionCount(), replication: replication)
        return metricsText?() ?? "# no metrics backend\n"
    }

    /// `access-log`: the access records from `from` on (admin).
    func accessLog(_ request: Request) throws -> [UInt8] {
        let from = try request.integer("from", in: 1...Int64.max) ?? 1
        let limit = try request.integer("limit", in: 1...Int64(Ledger.maximumReadLimit)) ?? Self.defaultReadLimit
        let (records, head) = try ledger.accessRecords(from: UInt64(from), limit: Int(limit))
        var values: [JSONValue] = []
        for record in records {
            do {
                values.append(try JSONParser.parse(record.jsonWithHash()))
            } catch {
                throw LedgerError(.internal, "access record \(record.seq) does not read back")
            }
        }
        return CanonicalJSON.encode([
            "records": .array(values), "next": .int(Int64((records.last?.seq ?? UInt64(from) - 1) + 1)),
            "head": .int(Int64(head.seq)), "headHash": .string(head.hashHex),
        ])
    }

    /// Starts an append; `completion` gets the answer line once the commit is durable.
    func append(_ request: Request, startedAt started: ContinuousClock.Instant = .now, completion: @escaping @Sendable (Answer) -> Void) {
        let refuse: @Sendable (LedgerError) -> Void = { completion(finish(request, startedAt: started, .failure($0))) }
        if let refusal = writeRefusal() { return refuse(refusal) }
        if let refusal = regionRefusal(events: request["events"]) { return refuse(refusal) }
        guard let eventsValue = request["events"] else {
            return refuse(LedgerError(.missingField, "events is required", field: "events"))
        }
        guard let events = eventsValue.arrayValue else {
            return refuse(LedgerError(.invalidField, "events must be an array", field: "events"))
        }
        var expected: [(String, Int64)] = []
        if let versions = request["expectedVersion"], !versions.isNull {
            guard let members = versions.objectValue else {
                return refuse(LedgerError(.invalidField, "expectedVersion must be an object {entity: count}", field: "expectedVersion"))
            }
            for (entity, count) in members {
                guard let count = count.intValue, count >= 0 else {
                    return refuse(LedgerError(.invalidField, "expected counts must be non-negative integers", field: "expectedVersion.\(entity)"))
                }
                expected.append((entity, count))
            }
        }
        ledger.append(events: events, expectedVersion: expected) { result in
            switch result {
            case let .success(appended):
                let last = appended.appended.map(\.seq).max() ?? 0
                let served = Served(epoch: ledger.leadership.epoch, seq: last)
                // Acknowledged only once `syncReplicas` followers hold it durably too.
                whenReplicated(last) { refusal in
                    if let refusal { return completion(finish(request, startedAt: started, .failure(refusal), served: served)) }
                    completion(finish(request, startedAt: started, .success(CanonicalJSON.encode(Self.encode(appended))), served: served))
                }
            case let .failure(error): refuse(Self.protocolError(error))
            }
        }
    }

    static func encode(_ result: AppendResult) -> JSONValue {
        .object([
            ("appended", .array(result.appended.map { event in
                var members: [(String, JSONValue)] = [
                    ("eventId", .string(event.eventId)), ("seq", .int(Int64(event.seq))),
                    ("recordedAt", .string(event.recordedAt)), ("hash", .string(event.hashHex)),
                    ("duplicate", .bool(event.duplicate)),
                ]
                if !event.warnings.isEmpty { members.append(("warnings", .array(event.warnings.map { .string($0) }))) }
                return .object(members)
            }))
        ])
    }

    static func protocolError(_ error: Error) -> LedgerError {
        (error as? LedgerError) ?? LedgerError(.internal, "internal error: \(error)")
    }

    func ping() throws -> [UInt8] {
        let head = try ledger.head()
        var members: [(String, JSONValue)] = [
            ("version", .string(Self.version)), ("protocol", 1), ("head", .int(Int64(head.seq))), ("headHash", .string(head.hashHex)),
            ("rulesDigest", .string(ledger.rules.digest)), ("role", .string(roleName)), ("epoch", .int(Int64(ledger.leadership.epoch))),
            ("fenced", .bool(ledger.leadership.isFenced)),
        ]
        if let status = replication.publicFollowerStatus { members.append(("replication", status)) }
        return CanonicalJSON.encode(.object(members))
    }

    func get(_ request: Request) throws -> [UInt8] {
        let record: StoredRecord?
        if let seq = try request.integer("seq", in: 1...Int64.max) {
            record = try ledger.record(seq: UInt64(seq))
        } else if request["eventId"] != nil {
            record = try ledger.record(eventId: try request.string("eventId"))
        } else {
            throw LedgerError(.missingField, "get needs seq or eventId", field: "seq")
        }
        guard let record else { throw LedgerError(.notFound, "no such event") }
        var builder = JSONObjectBuilder()
        builder.addRaw("event", record.jsonWithHash())
        return builder.finish()
    }

    func read(_ request: Request) throws -> [UInt8] {
        let from = try request.integer("from", in: 1...Int64.max) ?? 1
        let limit = try request.integer("limit", in: 1...Int64(Ledger.maximumReadLimit)) ?? Self.defaultReadLimit
        let records = try ledger.records(from: UInt64(from), limit: Int(limit))
        var builder = JSONObjectBuilder()
        builder.addRawArray("events", records.map { $0.jsonWithHash() })
        builder.add("next", .int(Int64((records.last?.seq ?? UInt64(from) - 1) + 1)))
        return builder.finish()
    }

    /// `history`: the entity's events in log order from seq `from`, `limit` at most; `next` is
    /// the `from` of the following page (pass the answer's `knownAt` with it), `null` at the end.
    func history(_ request: Request) throws -> [UInt8] {
        let entity = try request.entity()
        let knownAt = try Self.knownAt(request)
        let from = try request.integer("from", in: 1...Int64.max) ?? 1
        let limit = try request.integer("limit", in: 1...Int64(Ledger.maximumReadLimit)) ?? Self.defaultReadLimit
        let (records, bound, next) = try ledger.history(entity: entity, knownAt: knownAt, from: UInt64(from), limit: Int(limit))
        var builder = JSONObjectBuilder()
        builder.add("entity", .string(entity.code))
        builder.add("knownAt", .int(Int64(bound)))
        builder.addRawArray("events", records.map { $0.jsonWithHash() })
        builder.add("next", next.map { .int(Int64($0)) } ?? .null)
        return builder.finish()
    }

    /// `knownAt`: a seq, or an RFC 3339 timestamp; absent means everything committed.
    static func knownAt(_ request: Request) throws -> KnownAt {
        guard let value = request["knownAt"], !value.isNull else { return .head }
        if let seq = value.intValue {
            guard seq >= 0 else { throw LedgerError(.invalidField, "knownAt must be a seq ≥ 0 or an RFC 3339 timestamp", field: "knownAt") }
            return .seq(UInt64(seq))
        }
        if let text = value.stringValue, let milliseconds = Timestamp.parse(text) { return .timestamp(milliseconds) }
        throw LedgerError(.invalidField, "knownAt must be a seq or an RFC 3339 timestamp such as 2026-01-31T16:00:00Z", field: "knownAt")
    }

    /// `at`: a date, default today (China time).
    func at(_ request: Request) throws -> CivilDate { try Self.date(request, "at") ?? today() }

    /// The date parameter `name`, or `nil` when absent.
    static func date(_ request: Request, _ name: String) throws -> CivilDate? {
        guard let value = request[name], !value.isNull else { return nil }
        guard let text = value.stringValue, let date = CivilDate(text), CivilDate.plausibleRange.contains(date) else {
            throw LedgerError(.invalidField, "\(name) must be a date as YYYY-MM-DD between 1900-01-01 and 2199-12-31", field: name)
        }
        return date
    }

    func status(_ request: Request) throws -> [UInt8] {
        let entity = try request.entity()
        let at = try at(request)
        let knownAt: KnownAtQuery = request["knownAt"]?.stringValue == "at" ? .endOfAtDay : .bound(try Self.knownAt(request))
        return CanonicalJSON.encode(try ledger.state(of: entity, at: at, knownAt: knownAt).statusJSON())
    }

    func display(_ request: Request) throws -> [UInt8] {
        let entity = try request.entity()
        let at = try at(request)
        var channel = Channel.creditchina
        if let value = request["channel"], !value.isNull {
            guard let name = value.stringValue, let parsed = Channel(rawValue: name) else {
                throw LedgerError(.invalidField, "channel must be creditchina or gsxt", field: "channel")
            }
            channel = parsed
        }
        // The public view is what is known now (the public site shows the current record).
        let state = try ledger.state(of: entity, at: at, knownAt: .bound(.head), bodies: .shown(on: at, channels: [channel]))
        return CanonicalJSON.encode(state.displayJSON(channel: channel, page: try Self.page(request)))
    }

    /// `check`: one measure for one entity on `at` (today by default), as known now.
    func check(_ request: Request) throws -> [UInt8] {
        let entity = try request.entity()
        guard let name = request["measure"] else { throw LedgerError(.missingField, "measure is required", field: "measure") }
        guard let measureId = name.stringValue, let measure = ledger.rules.measures.measures[measureId] else {
            throw LedgerError(.invalidField, "measure must be one of: \(ledger.rules.measures.ids.joined(separator: ", "))", field: "measure")
        }
        var scope: String?
        if let value = request["scope"], !value.isNull {
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 100 else {
                throw LedgerError(.invalidField, "scope must be a short string (a ban scope)", field: "scope")
            }
            scope = text
        }
        let at = try at(request)
        let facts = try ledger.checkFacts(of: entity, at: at)
        return CanonicalJSON.encode(facts.checkJSON(facts.check(measure, at: at, scope: scope, rules: ledger.rules), at: at))
    }

    /// `report`: the public credit report over `from...to`, pinned to the head (or `head`).
    func report(_ request: Request) throws -> [UInt8] {
        let entity = try request.entity()
        func required(_ name: String) throws -> CivilDate {
            guard let date = try Self.date(request, name) else { throw LedgerError(.missingField, "\(name) is required", field: name) }
            return date
        }
        let head = try request.integer("head", in: 1...Int64.max).map { UInt64($0) }
        var rulesDigest: String?
        if let value = request["rulesDigest"], !value.isNull {
            guard let text = value.stringValue, text.utf8.count == 64, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw LedgerError(.invalidField, "rulesDigest must be the 64 hex digits a report printed", field: "rulesDigest")
            }
            rulesDigest = text
        }
        let report = try ledger.report(of: entity, from: try required("from"), to: try required("to"), headSeq: head, expectedRulesDigest: rulesDigest)
        return CanonicalJSON.encode(report.json(page: try Self.page(request)))
    }

    /// The most bytes of `find`'s `name`: an access record keeps it whole
    /// (``OpAccess/maximumRecordedValueBytes``).
    static let maximumFindNameBytes = 200
    /// The fewest visible characters of `find`'s `name`: a single character would list a
    /// large part of the register.
    static let minimumFindNameCharacters = 2

    /// `find`'s `name` and `limit`, validated (also before the access record is written).
    static func findQuery(_ request: Request) throws(LedgerError) -> (name: String, limit: Int) {
        let name = try request.string("name")
        guard name.saysSomething(minimumCharacters: minimumFindNameCharacters, maximumBytes: maximumFindNameBytes) else {
            throw LedgerError(
                .invalidField, "name must be \(minimumFindNameCharacters) or more visible characters of an entity's name, at most \(maximumFindNameBytes) bytes, no control characters",
                field: "name")
        }
        let limit = try request.integer("limit", in: 1...Int64(Ledger.maximumFindLimit)) ?? Int64(Ledger.defaultFindLimit)
        return (name, Int(limit))
    }

    /// `find`: the entities whose current profile name contains `name` (an exact substring
    /// of the stored text), by name then code; `more` when there were more than `limit`.
    func find(_ request: Request) throws -> [UInt8] {
        let (name, limit) = try Self.findQuery(request)
        let (entities, more) = try ledger.entities(nameContaining: name, limit: limit)
        let items: [JSONValue] = entities.map {
            ["entity": .string($0.entity.code), "name": .string($0.name), "entityKind": .string($0.entity.kind.rawValue)]
        }
        return CanonicalJSON.encode(["entities": .array(items), "more": .bool(more)])
    }

    func verify(_ request: Request) throws -> [UInt8] {
        let from = try request.integer("from", in: 1...Int64.max) ?? 1
        let to = try request.integer("to", in: 1...Int64.max)
        if let log = request["log"], !log.isNull {
            guard log.stringValue == "access" || log.stringValue == "events" else { throw LedgerError(.invalidField, "log must be events or access", field: "log") }
            if log.stringValue == "access" { return CanonicalJSON.encode(Self.encode(try ledger.verifyAccessLog())) }
        }
        if let value = request["checkpoints"], !value.isNull {
            guard let flag = value.boolValue else { throw LedgerError(.invalidField, "checkpoints must be true or false", field: "checkpoints") }
            if flag { return CanonicalJSON.encode(try verifyCheckpoints()) }
        }
        let report = try ledger.verify(from: UInt64(from), to: to.map { UInt64($0) })
        return CanonicalJSON.encode(Self.encode(report))
    }

    /// Both chains against the checkpoints published outside the store.
    func verifyCheckpoints() throws -> JSONValue {
        guard let path = checkpointFile else { throw LedgerError(.unavailable, "this daemon writes no checkpoints") }
        do { return try ledger.checkpointReport(file: path) } catch { throw LedgerError(.internal, "\(error)") }
    }

    /// `rebuild`: with `verify` (the default), rebuilds every projection from the log in one
    /// snapshot and compares it with the stored one; with `verify: false`, first drops the
    /// stored projections and derives them again (through the writer), then compares.
    func rebuild(_ request: Request) throws -> [UInt8] {
        var verifyOnly = true
        if let value = request["verify"], !value.isNull {
            guard let flag = value.boolValue else { throw LedgerError(.invalidField, "verify must be true or false", field: "verify") }
            verifyOnly = flag
        }
        var rewritten: Int?
        if !verifyOnly { rewritten = try ledger.rebuildProjections() }
        let report = try ledger.verifyProjections()
        var members: [(String, JSONValue)] = [
            ("identical", .bool(report.identical)), ("head", .int(Int64(report.headSeq))), ("entities", .int(Int64(report.entities))),
            ("events", .int(Int64(report.events))), ("seconds", .double((report.seconds * 1000).rounded() / 1000)),
            ("eventsPerSecond", .int(Int64(report.eventsPerSecond))),
            ("storedDigest", .string(report.storedDigest)), ("rebuiltDigest", .string(report.rebuiltDigest)),
            ("mismatches", .int(Int64(report.mismatchCount))), ("mismatchedEntities", .array(report.mismatches.map { .string($0) })),
        ]
        if let rewritten { members.append(("rewritten", .int(Int64(rewritten)))) }
        return CanonicalJSON.encode(.object(members))
    }

    /// One authority's month: the counts, and the ratios the credit office ranks on.
    static func encode(_ figures: QualityFigures) -> JSONValue {
        let counts = figures.counts
        func count(_ name: String) -> Int64 { Int64(counts[name] ?? 0) }
        func ratio(_ part: Int64, _ whole: Int64) -> JSONValue { whole > 0 ? .double((Double(part) / Double(whole) * 10_000).rounded() / 10_000) : .null }
        let rejected = counts.filter { $0.key.hasPrefix("rejected.") }.sorted { $0.key < $1.key }
        let rejectedTotal = rejected.reduce(Int64(0)) { $0 + Int64($1.value) }
        let received = count(Quality.Metric.received)
        return .object([
            ("authority", .string(figures.authority)), ("month", .string(figures.month)),
            ("received", .int(received)), ("publishedOnTime", .int(count(Quality.Metric.onTime))), ("publishedLate", .int(count(Quality.Metric.late))),
            ("deadlineUnknown", .int(count(Quality.Metric.deadlineUnknown))), ("historical", .int(count(Quality.Metric.historical))),
            ("onTimeRatio", ratio(count(Quality.Metric.onTime), count(Quality.Metric.onTime) + count(Quality.Metric.late))),
            ("revocations", .int(count(Quality.Metric.revocations))), ("revocationsWithdrawnLate", .int(count(Quality.Metric.revocationsLate))),
            ("repairAcceptanceLate", .int(count(Quality.Metric.repairAcceptanceLate))), ("repairDecisionLate", .int(count(Quality.Metric.repairDecisionLate))),
            ("objectionCheckLate", .int(count(Quality.Metric.objectionLate))),
            ("rejected", .object(rejected.map { (String($0.key.dropFirst("rejected.".count)), .int(Int64($0.value))) })),
            ("unknownRegionCode", .int(count(Quality.Metric.unknownRegionCode))), ("duplicateCode", .int(count(Quality.Metric.duplicateCode))),
            // 重错码率: refused codes, accepted codes with an unknown region, and 重码.
            ("invalidCodeRate", ratio(
                count(Quality.Metric.rejected(ErrorCode.invalidEntity.rawValue)) + count(Quality.Metric.unknownRegionCode) + count(Quality.Metric.duplicateCode),
                received + rejectedTotal)),
        ])
    }

    static func encode(_ report: VerificationReport) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("ok", .bool(report.ok)), ("checked", .int(Int64(report.checked))), ("bytes", .int(Int64(report.bytes))),
            ("head", .int(Int64(report.headSeq))), ("headHash", .string(report.headHashHex)),
        ]
        if let bad = report.firstBadSeq { members.append(("firstBadSeq", .int(Int64(bad)))) }
        if let problem = report.problem { members.append(("problem", .string(problem))) }
        return .object(members)
    }

    func stats() throws -> [UInt8] {
        let counts = try ledger.counts()
        let commits = ledger.commitStatistics()
        let latencies = commits.recentCommitMicroseconds.sorted()
        func percentile(_ fraction: Double) -> JSONValue {
            latencies.isEmpty ? .null : .int(Int64(latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]))
        }
        let batches = commits.recentBatchJobs
        return CanonicalJSON.encode([
            "head": .int(Int64(counts.head.seq)), "headHash": .string(counts.head.hashHex),
            "events": .int(Int64(counts.events)), "entities": .int(Int64(counts.entities)),
            "byKind": .object(counts.byKind.map { ($0.0, .int(Int64($0.1))) }),
            "storeBytes": .int(Int64(counts.usedBytes)), "mapSizeBytes": .int(Int64(counts.mapSizeBytes)),
            "connections": .int(Int64(connectionCount())),
            "replication": replicationStatsJSON(),
            "quality": .array(try ledger.quality().map(Self.encode)),
            "commits": [
                "count": .int(Int64(commits.commits)), "failed": .int(Int64(commits.failedCommits)),
                "requests": .int(Int64(commits.jobs)),
                "latencyMicroseconds": ["p50": percentile(0.5), "p99": percentile(0.99), "max": latencies.last.map { .int(Int64($0)) } ?? .null],
                "requestsPerCommit": [
                    "mean": batches.isEmpty ? .null : .double(Double(batches.reduce(0, +)) / Double(batches.count)),
                    "max": batches.max().map { .int(Int64($0)) } ?? .null,
                ],
            ],
        ])
    }
}

/// How a subscription starts: streaming from `from` with the head it knows and its answer
/// line, or refused with an answer.
package enum SubscriptionStart {
    case started(from: UInt64, head: UInt64, answer: [UInt8])
    case refused(Answer)
}
