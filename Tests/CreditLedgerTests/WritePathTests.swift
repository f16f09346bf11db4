import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import Testing

@testable import CreditLedger

/// The write path's shortcuts: requests validated on several threads, decoded folds kept in
/// memory, one-byte kind tags. Each must give what the plain path gives.
@Suite struct WritePathTests {
    @Test func aLargeRequestIsCheckedInOrderAcrossThreads() throws {
        let fixture = try LedgerFixture()
        var events = (0..<1000).map { penalty("p-\($0)", entity: $0 % 2 == 0 ? orgA : orgB) }
        // Two bad events in different chunks: the first one is named.
        events[700] = event("bad-700", "penalty.imposed", body: ["decisionNo": "x"])
        events[900] = event("bad-900", "no.such.kind", body: [:])
        let error = try #require(fixture.append(events).failure)
        #expect(error.field?.hasPrefix("events[700]") == true, "got \(error.field ?? "nil")")
        #expect(try fixture.ledger.store.head().seq == 0)

        events[700] = penalty("p-700", entity: orgA)
        events[900] = penalty("p-900", entity: orgA)
        let appended = try fixture.append(events).get().appended
        #expect(appended.map(\.seq) == Array(1...1000), "seqs follow the request's order")
        #expect(appended.map(\.eventId) == events.map { $0["eventId"]!.stringValue! })
    }

    @Test func foldsInMemoryMatchTheStoredOnesAfterManyCommits() throws {
        let fixture = try LedgerFixture()
        for round in 0..<30 {
            let entity = round % 3 == 0 ? orgB : orgA
            _ = try fixture.append([penalty("p-\(round)", entity: entity), licence("l-\(round)", entity: entity)]).get()
        }
        // A failed request in between must leave the cached folds as they were.
        #expect(fixture.append([penalty("p-x"), event("f-x", "penalty.fulfilled", refs: ["nowhere"], body: [:])]).failure != nil)
        _ = try fixture.append([penalty("p-last")]).get()
        try fixture.ledger.persistDerived()
        for code in [orgA, orgB] {
            let cached = try #require(fixture.ledger.derivation.committedFold(code))
            let stored = try fixture.ledger.store.read { try Ledger.storedFold(code, in: $0) }
            #expect(cached.encoded == stored?.encoded)
        }
        let report = try fixture.ledger.verifyProjections()
        #expect(report.identical)
    }

    @Test func appendsGoOnWhileTheProjectionsAreDerivedAgain() throws {
        var manual = Ledger.DerivationLimits()
        manual.automatic = false
        let lagging = try LedgerFixture(derivation: manual), steady = try LedgerFixture()
        let before: [JSONValue] = [penalty("p-1"), licence("l-1")]
        let during: [JSONValue] = [penalty("p-2"), event("f-2", "penalty.fulfilled", refs: ["p-2"], body: [:]), penalty("p-3", entity: orgB)]
        for fixture in [lagging, steady] { _ = try fixture.append(before).get() }
        // A rebuild's first step: the stored projections dropped; its catch-up not yet run.
        let writer = try #require(lagging.ledger.writer)
        try lagging.ledger.waitFor(writer, alone: true) { [derivation = lagging.ledger.derivation] log in
            try log.clearViews()
            derivation.stopOnCommit(log)
        }
        for fixture in [lagging, steady] { #expect(try fixture.append(during).get().appended.map(\.seq) == [3, 4, 5]) }
        // Readers replay meanwhile and see the same answer.
        let at = try #require(CivilDate("2026-01-01"))
        let code = try EntityCode(validating: orgA)
        #expect(
            CanonicalJSON.encode(try lagging.ledger.state(of: code, at: at, knownAt: .bound(.head)).statusJSON())
                == CanonicalJSON.encode(try steady.ledger.state(of: code, at: at, knownAt: .bound(.head)).statusJSON()))
        #expect(try lagging.ledger.catchUpProjections() == 5)
        let rebuilt = try lagging.ledger.verifyProjections(), reference = try steady.ledger.verifyProjections()
        #expect(rebuilt.identical && rebuilt.storedDigest == reference.storedDigest)
        // Quality was counted once per event, as without the lag.
        let counters = { (fixture: LedgerFixture) in try fixture.ledger.derivedCounters(prefixes: [Counters.qualityPrefix, Counters.kindPrefix, Counters.entities]) }
        #expect(try counters(lagging).map { "\($0)=\($1)" }.sorted() == counters(steady).map { "\($0)=\($1)" }.sorted())
    }

    @Test func kindTagsReadInBothLayouts() throws {
        for kind in EventKind.allCases {
            let tag = IdTag(kind: kind, entity: orgA)
            #expect(tag.bytes.count == 1 + orgA.utf8.count)
            let read = try #require(IdTag(tag.bytes))
            #expect(read.kind == kind && read.entity == orgA)
            let legacy = try #require(IdTag(Array(kind.rawValue.utf8) + [0] + Array(orgA.utf8)))
            #expect(legacy.kind == kind && legacy.entity == orgA)
        }
        #expect(IdTag([0x7F, 0x41]) == nil)
    }
}

@Suite struct RecentCacheTests {
    @Test func staysWithinItsBudgetAndTakesFromBothGenerations() {
        let cache = RecentCache<Int>(budgetBytes: 10_000)
        for n in 0..<1000 { cache.put("k\(n)", n, bytes: 100) }
        // Each entry counts 100 + 64 + its key: two generations hold at most ~60 of them.
        let kept = (0..<1000).filter { cache.get("k\($0)") != nil }
        #expect(!kept.isEmpty && kept.count < 100)
        #expect(kept.contains(999), "the newest entry stays")
        #expect(cache.take("k999") == 999)
        #expect(cache.get("k999") == nil, "taken from every generation")
        cache.removeAll()
        #expect(cache.get("k998") == nil)
    }
}
