import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

/// The fold the ledger stores: written and read back at every step, it stays equal to the
/// fold of the whole history, and finished on a date past its events it answers as a replay.
@Suite struct IncrementalFoldTests {
    @Test(arguments: ProjectionPropertyTests.seeds)
    func theBinaryLayoutStoredAndReadBackAtEveryStepEqualsTheWholeFold(seed: UInt64) throws {
        let events = HistoryGenerator.history(seed: seed, count: 60)
        var whole = EntityFold(entity: HistoryGenerator.entity)
        for event in events { whole.apply(event) }
        var stored = EntityFold(entity: HistoryGenerator.entity).encoded
        for event in events {
            var fold = try EntityFold(encoded: stored)
            fold.apply(event)
            stored = fold.encoded
        }
        #expect(stored == whole.encoded)
        #expect(CanonicalJSON.encode(try EntityFold(encoded: stored).json) == CanonicalJSON.encode(whole.json), "every field survives")
        #expect(stored.count < CanonicalJSON.encode(whole.json).count)
        // A damaged value is an error, not a crash.
        #expect(throws: LedgerError.self) { try EntityFold(encoded: stored.dropLast()) }
        #expect(throws: LedgerError.self) { try EntityFold(encoded: [9] + stored.dropFirst()) }
    }

    @Test(arguments: ProjectionPropertyTests.seeds)
    func aFinishedFoldAnswersAsAReplayFromItsLatestDateOn(seed: UInt64) throws {
        let events = HistoryGenerator.history(seed: seed, count: 60)
        var fold = EntityFold(entity: HistoryGenerator.entity)
        for event in events { fold.apply(event) }
        let latest = try #require(fold.latestOccurredOn)
        let bodies = Dictionary(uniqueKeysWithValues: events.map { ($0.seq, $0.event.body) })
        for at in [latest, latest.adding(months: 40)] {
            let finished = fold.state(at: at, knownAtSeq: fold.lastSeq, rules: rules) { bodies[$0]! }
            let replayed = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
            #expect(CanonicalJSON.string(finished.statusJSON()) == CanonicalJSON.string(replayed.statusJSON()))
        }
    }
}
