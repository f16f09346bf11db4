import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import Logging
import Testing

@testable import CreditLedger

let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Schemas/events").path

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z

    var milliseconds: Int64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// A ledger in a fresh temp dir, with a clock the test sets.
final class LedgerFixture: @unchecked Sendable {
    let path: String
    let ledger: Ledger
    let clock = TestClock()

    var milliseconds: Int64 {
        get { clock.milliseconds }
        set { clock.milliseconds = newValue }
    }

    /// - Parameters:
    ///   - path: the data directory (a new temporary one by default).
    ///   - derivation: when the ledger persists what it derives (by itself, by default).
    init(path: String = NSTemporaryDirectory() + "creditledger-ledger-" + UUID().uuidString, derivation: Ledger.DerivationLimits = .init()) throws {
        self.path = path
        let clock = self.clock
        ledger = try Ledger(
            directory: path, schemas: try SchemaCatalogue(directory: schemaDirectory),
            rules: try RuleSet(directory: schemaDirectory.replacingOccurrences(of: "/events", with: "/rules")), mapSizeBytes: 64 << 20,
            derivationLimits: derivation, logger: Logger(label: "test"), clock: { clock.milliseconds })
    }

    deinit {
        ledger.shutdown()
        try? FileManager.default.removeItem(atPath: path)
    }

    func append(_ events: [JSONValue], expected: [(String, Int64)] = []) -> Result<AppendResult, LedgerError> {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<AppendResult, LedgerError>?
        ledger.append(events: events, expectedVersion: expected) { result in
            outcome = result
            done.signal()
        }
        done.wait()
        return outcome!
    }
}

let orgA = "91110000600037341L"
let orgB = "9115220107837757XE"

func event(_ id: String, _ kind: String, entity: String = orgA, on date: String = "2024-05-10", refs: [String] = [], body: JSONValue) -> JSONValue {
    var members: [(String, JSONValue)] = [
        ("eventId", .string(id)), ("kind", .string(kind)), ("entity", .string(entity)), ("occurredOn", .string(date)),
        ("source", ["authority": "北京市市场监督管理局"]), ("body", body),
    ]
    if !refs.isEmpty { members.append(("refs", .array(refs.map { .string($0) }))) }
    return .object(members)
}

func penalty(_ id: String, entity: String = orgA) -> JSONValue {
    event(id, "penalty.imposed", entity: entity, body: [
        "decisionNo": .string("京市监罚〔2024〕\(id)号"), "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 20000]],
        "violation": "销售过期食品", "legalBasis": "食品安全法第一百二十四条",
    ])
}

func licence(_ id: String, entity: String = orgA) -> JSONValue {
    event(id, "license.granted", entity: entity, body: ["decisionNo": "许-1", "category": "普通", "content": "食品经营", "validFrom": "2024-01-01"])
}

@Suite struct LedgerAppendTests {
    @Test func answersAnIdenticalResubmissionWithTheOriginalSeq() throws {
        let fixture = try LedgerFixture()
        let first = try fixture.append([penalty("p-1")]).get()
        #expect(first.appended[0].seq == 1 && !first.appended[0].duplicate)
        // Same content, entity in lower case: still the same event.
        var lower = penalty("p-1").objectValue!
        lower.removeAll { $0.0 == "entity" }
        lower.append(("entity", .string(orgA.lowercased())))
        let again = try fixture.append([.object(lower)]).get()
        #expect(again.appended[0] == AppendedEvent(eventId: "p-1", seq: 1, recordedAt: first.appended[0].recordedAt, hashHex: first.appended[0].hashHex, duplicate: true, warnings: []))
        #expect(try fixture.ledger.store.head().seq == 1)
    }

    @Test func refusesTheSameIdWithOtherContent() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1")]).get()
        let error = try #require(fixture.append([licence("p-1")]).failure)
        #expect(error.code == .conflict)
        #expect(error.field == "events[0].eventId")
    }

    @Test func aFailingEventLeavesNothingOfItsBatch() throws {
        let fixture = try LedgerFixture()
        let error = try #require(fixture.append([penalty("p-1"), licence("l-1"), event("f-1", "penalty.fulfilled", refs: ["nowhere"], body: [:])]).failure)
        #expect(error.code == .unknownRef)
        #expect(error.field == "events[2].refs[0]")
        #expect(try fixture.ledger.store.head().seq == 0)
        #expect(try fixture.ledger.record(eventId: "p-1") == nil)
    }

    @Test func refsMustPointToAKindTheEventCanActOn() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1"), licence("l-1")]).get()
        let wrongKind = try #require(fixture.append([event("f-1", "penalty.fulfilled", refs: ["l-1"], body: [:])]).failure)
        #expect(wrongKind.code == .unknownRef)
        #expect(wrongKind.message.contains("license.granted"))
        // A ref to an event earlier in the same batch counts.
        let sameBatch = try fixture.append([penalty("p-2"), event("f-2", "penalty.fulfilled", refs: ["p-2"], body: [:])]).get()
        #expect(sameBatch.appended.map(\.seq) == [3, 4])
    }

    @Test func anEventCannotActOnAnotherEntitysRecord() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1", entity: orgB)]).get()
        let error = try #require(fixture.append([event("f-1", "penalty.fulfilled", refs: ["p-1"], body: [:])]).failure)
        #expect(error.code == .ruleViolation)
    }

    @Test func checksExpectedVersions() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1"), penalty("p-2")]).get()
        let stale = try #require(fixture.append([penalty("p-3")], expected: [(orgA, 1)]).failure)
        #expect(stale.code == .versionMismatch)
        #expect(try fixture.append([penalty("p-3")], expected: [(orgA, 2), (orgB, 0)]).get().appended[0].seq == 3)
    }

    @Test func boundsTheBatch() throws {
        let fixture = try LedgerFixture()
        #expect(try #require(fixture.append([]).failure).code == .missingField)
        let many = (0...Ledger.maximumEventsPerAppend).map { licence("l-\($0)") }
        #expect(try #require(fixture.append(many).failure).code == .tooLarge)
    }

    @Test func historyRespectsKnownAtAsSeqAndTimestamp() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1")]).get()
        fixture.milliseconds += 60_000
        _ = try fixture.append([licence("l-1"), penalty("p-x", entity: orgB)]).get()
        let entity = try EntityCode(validating: orgA)
        #expect(try fixture.ledger.history(entity: entity, knownAt: .head).records.count == 2)
        #expect(try fixture.ledger.history(entity: entity, knownAt: .seq(1)).records.count == 1)
        let (beforeSecond, bound) = try fixture.ledger.history(entity: entity, knownAt: .timestamp(1_767_225_600_000 + 59_999))
        #expect(beforeSecond.count == 1 && bound == 1)
        #expect(try fixture.ledger.history(entity: entity, knownAt: .timestamp(0)).records.isEmpty)
    }

    @Test func keepsCountsInStepWithTheLog() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1"), licence("l-1"), penalty("p-2", entity: orgB)]).get()
        _ = fixture.append([penalty("p-1")])  // duplicate: counts nothing
        let counts = try fixture.ledger.counts()
        #expect(counts.events == 3)
        #expect(counts.entities == 2)
        #expect(counts.byKind.map { "\($0.0)=\($0.1)" } == ["license.granted=1", "penalty.imposed=2"])
    }

    @Test func personsAndOrganisationsAreBothAccepted() throws {
        let fixture = try LedgerFixture()
        let result = try fixture.append([penalty("p-person", entity: "11010519491231002x")]).get()
        #expect(result.appended[0].seq == 1)
        let stored = try #require(try fixture.ledger.record(seq: 1))
        #expect(String(decoding: stored.canonical, as: UTF8.self).contains("11010519491231002X"))
    }
}

@Suite struct LedgerStateTests {
    @Test func whatThePublicSawOnADayIsWhatWasKnownAtItsEnd() throws {
        let fixture = try LedgerFixture()
        fixture.milliseconds = 1_748_707_200_000  // 2025-05-31T16:00:00Z = 2025-06-01 00:00 in China
        _ = try fixture.append([penalty("p-1")]).get()  // decided 2024-05-10
        fixture.milliseconds += 3 * 86_400_000  // revoked three days later
        _ = try fixture.append([event("x-1", "record.revoked", refs: ["p-1"], body: ["reason": "decision-revoked"])]).get()
        let entity = try EntityCode(validating: orgA)
        let day = CivilDate("2025-06-01")!

        let sawThen = try fixture.ledger.state(of: entity, at: day, knownAt: .endOfAtDay)
        #expect(sawThen.knownAtSeq == 1)
        #expect(sawThen.records[0].windows[.creditchina]?.isShown(on: day) == true)
        let knownNow = try fixture.ledger.state(of: entity, at: day, knownAt: .bound(.head))
        #expect(knownNow.knownAtSeq == 2)
        #expect(knownNow.records[0].revoked)
        #expect(knownNow.records[0].windows[.creditchina]?.isShown(on: day) == false)
    }
}

extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}

@Suite struct BatchAdmissionTests {
    /// Found by Tools/gen: a state-dependent event must see this request's earlier events of
    /// its entity even when they are of kinds that need no state check.
    @Test func aLaterEventOfARequestSeesTheEarlierOnes() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([penalty("p-1")]).get()
        let filed = event("o-1", "objection.filed", on: "2024-05-20", refs: ["p-1"], body: ["grounds": "g"])
        let resolved = event("r-1", "objection.resolved", on: "2024-06-01", refs: ["o-1"], body: ["outcome": "rejected"])
        #expect(try fixture.append([filed, resolved]).get().appended.count == 2)
        // And all in one request, the record included.
        let filed2 = event("o-2", "objection.filed", on: "2024-05-20", refs: ["p-2"], body: ["grounds": "g"])
        let resolved2 = event("r-2", "objection.resolved", on: "2024-06-01", refs: ["o-2"], body: ["outcome": "rejected"])
        #expect(try fixture.append([penalty("p-2"), filed2, resolved2]).get().appended.count == 3)
        // A second resolution in the same request is still refused.
        let filed3 = event("o-3", "objection.filed", on: "2024-05-20", refs: ["p-1"], body: ["grounds": "g"])
        let twice = [filed3, event("r-3", "objection.resolved", on: "2024-06-01", refs: ["o-3"], body: ["outcome": "rejected"]),
                     event("r-4", "objection.resolved", on: "2024-06-02", refs: ["o-3"], body: ["outcome": "rejected"])]
        #expect(fixture.append(twice).failure?.code == .ruleViolation)
    }
}
