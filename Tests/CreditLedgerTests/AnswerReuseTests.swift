import CreditDomain
import CreditProjection
import LedgerJSON
import Testing

@testable import CreditLedger

/// A question as known now reuses its finished state while the entity has no new event, and
/// answers exactly what a fresh computation answers (issue 14, part 4).
@Suite struct AnswerReuseTests {
    static func fresh(_ ledger: Ledger, _ entity: EntityCode, at: CivilDate) throws -> String {
        let (records, head) = try ledger.history(entity: entity, knownAt: .head)
        let events = try records.map { try Ledger.recordedEvent($0) }
        return CanonicalJSON.string(Projector.project(entity: entity, events: events, at: at, knownAtSeq: head, rules: ledger.rules).statusJSON())
    }

    @Test func aRepeatedQuestionIsAnsweredAsIfComputedAgain() throws {
        let fixture = try LedgerFixture()
        let entity = try EntityCode(validating: orgA)
        let at = try #require(CivilDate("2026-06-01"))
        _ = try fixture.append([penalty("p-1"), licence("l-1")]).get()
        let asked = { try CanonicalJSON.string(fixture.ledger.state(of: entity, at: at, knownAt: .bound(.head)).statusJSON()) }
        let first = try asked()
        let freshFirst = try Self.fresh(fixture.ledger, entity, at: at)
        #expect(first == freshFirst)
        #expect(try asked() == first, "the same question at the same head")
        #expect(fixture.ledger.stateCache.get(Ledger.questionKey(entity, at: at, bodies: .all)) != nil, "kept")

        // Another entity's event moves the head only: the reused answer echoes the new head.
        _ = try fixture.append([penalty("p-b", entity: orgB)]).get()
        let afterOther = try asked()
        let freshAfterOther = try Self.fresh(fixture.ledger, entity, at: at)
        #expect(afterOther != first && afterOther == freshAfterOther)

        // The entity's own event: computed again, and it shows.
        _ = try fixture.append([event("f-1", "penalty.fulfilled", refs: ["p-1"], body: [:])]).get()
        let afterOwn = try asked()
        let freshAfterOwn = try Self.fresh(fixture.ledger, entity, at: at)
        #expect(afterOwn == freshAfterOwn)
        #expect(afterOwn.contains("\"fulfilled\":true") && !afterOther.contains("\"fulfilled\":true"))
    }
}
