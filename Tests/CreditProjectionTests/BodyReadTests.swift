import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

/// Answers read from the log only the bodies they show (issue 10, item 10).
@Suite struct BodyReadTests {
    /// 40 penalties a month apart: on 2026-06-15 only the last year's are shown.
    func history() -> HistoryBuilder {
        var history = HistoryBuilder()
        for month in 0..<40 {
            history.penalty("p\(month)", on: CivilDate("2023-03-01")!.adding(months: month).description)
        }
        return history
    }

    func fold(_ history: HistoryBuilder) -> EntityFold {
        var fold = EntityFold(entity: history.entity)
        for recorded in history.events { fold.apply(recorded) }
        return fold
    }

    @Test func displayReadsOnlyTheBodiesItShows() throws {
        let history = history()
        let bodies = Dictionary(uniqueKeysWithValues: history.events.map { ($0.seq, $0.event.body) })
        var reads: [UInt64] = []
        let at = CivilDate("2026-06-15")!
        let state = fold(history).state(at: at, knownAtSeq: 40, rules: rules, bodies: .shown(on: at, channels: [.gsxt])) { seq in
            reads.append(seq)
            return bodies[seq]!
        }
        let shown = state.records.filter { $0.windows[.gsxt]?.isShown(on: at) ?? false }
        #expect(!shown.isEmpty && shown.count < 40)
        #expect(reads.count == shown.count, "read \(reads.count) bodies to show \(shown.count)")
        let replayed = Projector.project(entity: history.entity, events: history.events, at: at, knownAtSeq: 40, rules: rules)
        #expect(CanonicalJSON.string(state.displayJSON(channel: .gsxt)) == CanonicalJSON.string(replayed.displayJSON(channel: .gsxt)))
    }

    @Test func checkReadsNoBody() throws {
        let history = history()
        var reads = 0
        let state = fold(history).state(at: CivilDate("2026-06-15")!, knownAtSeq: 40, rules: rules, bodies: .none) { _ in
            reads += 1
            return .object([])
        }
        #expect(reads == 0)
        let decision = state.check(rules.measures.measures["eligible.funding"]!, scope: nil, rules: rules)
        #expect(decision.decision == .none && !decision.basis.isEmpty, "shown penalties block funding")
    }
}
