import CreditDomain
import Foundation
import LedgerJSON
import Testing

@testable import CreditProjection

/// Every measure of `Schemas/rules/measures.json`, decided both ways, with its basis.
@Suite struct CheckTests {
    static let entity = HistoryGenerator.entity
    static let fine: JSONValue = ["procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 80_000]]]

    static func event(_ seq: UInt64, _ id: String, _ kind: EventKind, _ date: String, refs: [String] = [], body: JSONValue) -> RecordedEvent {
        RecordedEvent(seq: seq, recordedAt: "", event: CreditEvent(
            eventId: id, kind: kind, entity: entity, occurredOn: CivilDate(date)!, source: ["authority": "a"], authority: "a", refs: refs, body: body))
    }

    static func decide(_ measure: String, _ events: [RecordedEvent], at: String = "2026-06-01", scope: String? = nil) -> MeasureCatalogue.Finding {
        let state = Projector.project(entity: entity, events: events, at: CivilDate(at)!, knownAtSeq: .max, rules: rules)
        return state.check(rules.measures.measures[measure]!, scope: scope, rules: rules)
    }

    static let clean = [Self.event(1, "lic", .licenseGranted, "2025-01-10", body: ["validFrom": "2025-01-10", "validUntil": "2030-01-09"])]
    static let listed = [
        Self.event(1, "p", .penaltyImposed, "2026-03-01", body: fine),
        Self.event(2, "s", .listEntered, "2026-03-01", refs: ["p"], body: ["list": "serious-dishonesty"]),
    ]

    @Test(arguments: ["restrict.notify-commit", "restrict.public-procurement", "restrict.fiscal-funds", "restrict.honours"])
    func theSeriousDishonestyListRestricts(measure: String) {
        let restricted = Self.decide(measure, Self.listed)
        #expect(restricted.decision == .restricted)
        #expect(restricted.basis.map(\.eventId) == ["s"])
        #expect(restricted.basis[0].rule.hasPrefix("samr-44"))
        #expect(Self.decide(measure, Self.clean).decision == MeasureCatalogue.Decision.none)
        // Four years on the listing has ended by itself (3-year term): no restriction.
        #expect(Self.decide(measure, Self.listed, at: "2030-06-01").decision == MeasureCatalogue.Decision.none)
    }

    @Test func aBanInForceRestrictsMarketEntryForItsScope() {
        let ban = [Self.event(1, "b", .banImposed, "2026-01-01", body: ["scope": "drugs", "termUntil": "2031-01-01"])]
        #expect(Self.decide("restrict.market-entry", ban).decision == .restricted)
        #expect(Self.decide("restrict.market-entry", ban, scope: "drugs").basis.map(\.eventId) == ["b"])
        #expect(Self.decide("restrict.market-entry", ban, scope: "food").decision == MeasureCatalogue.Decision.none)
        #expect(Self.decide("restrict.market-entry", ban, at: "2031-06-01").decision == MeasureCatalogue.Decision.none, "term over")
        let market = [Self.event(1, "m", .banImposed, "2026-01-01", body: ["scope": "market", "permanent": true])]
        #expect(Self.decide("restrict.market-entry", market, scope: "food").decision == .restricted, "a market ban covers every scope")
        let lifted = market + [Self.event(2, "l", .banLifted, "2026-04-01", refs: ["m"], body: [:])]
        #expect(Self.decide("restrict.market-entry", lifted).decision == MeasureCatalogue.Decision.none)
    }

    @Test(arguments: ["eligible.green-channel", "eligible.tolerance-acceptance"])
    func incentivesNeedACleanRecordOrTheRedList(measure: String) {
        #expect(Self.decide(measure, Self.clean).decision == .eligible)
        let penalty = [Self.event(1, "p", .penaltyImposed, "2025-06-01", body: Self.fine)]
        let blocked = Self.decide(measure, penalty)
        #expect(blocked.decision == MeasureCatalogue.Decision.none)
        #expect(blocked.basis.map(\.eventId) == ["p"], "the answer names what blocks it")
        #expect(Self.decide(measure, penalty, at: "2028-07-01").decision == .eligible, "more than 3 years later")
        let red = penalty + [Self.event(2, "r", .listEntered, "2026-01-01", body: ["list": "red"])]
        #expect(Self.decide(measure, red).decision == .eligible && Self.decide(measure, red).basis.map(\.eventId) == ["r"])
        #expect(Self.decide(measure, Self.listed).decision == MeasureCatalogue.Decision.none)
        let revoked = penalty + [Self.event(2, "x", .recordRevoked, "2026-02-01", refs: ["p"], body: ["reason": "decision-revoked"])]
        #expect(Self.decide(measure, revoked).decision == .eligible, "a revoked record never counted")
    }

    @Test func fundingNeedsNoNegativeRecordOnDisplay() {
        #expect(Self.decide("eligible.funding", Self.clean).decision == .eligible)
        let penalty = [Self.event(1, "p", .penaltyImposed, "2026-03-01", body: Self.fine)]
        let blocked = Self.decide("eligible.funding", penalty)
        #expect(blocked.decision == MeasureCatalogue.Decision.none && blocked.basis.map(\.eventId) == ["p"])
        #expect(Self.decide("eligible.funding", penalty, at: "2029-06-01").decision == .eligible, "display over")
    }

    @Test func aBadMeasureFileStopsStartUp() throws {
        let directory = NSTemporaryDirectory() + "measures-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: rulesDirectory, toPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(#"{"measures": [{"id": "restrict.honours", "decision": "maybe", "when": {"banInForce": true}, "rule": "r", "source": "s"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: directory + "/measures.json"))
        #expect(throws: RuleSet.LoadError.self) { try RuleSet(directory: directory) }
    }
}
