import CreditDomain
import Foundation
import Logging
import TestSupport
import Testing

@testable import CreditLedger

/// Only the log is written before an append's answer; what is derived from it is stored
/// later (README, "Only the log on the acknowledgement path"). After a crash the start folds
/// the log from wherever the stored projections stopped: the outcome must not depend on where.
@Suite struct DerivationRecoveryTests {
    static var manual: Ledger.DerivationLimits {
        var limits = Ledger.DerivationLimits()
        limits.automatic = false
        return limits
    }

    /// Everything derived that a reader can see: the projections' digest, every counter, a name look-up.
    static func derived(_ ledger: Ledger) throws -> [String] {
        let report = try ledger.verifyProjections()
        #expect(report.identical, "mismatches: \(report.mismatches)")
        let counters = try ledger.derivedCounters(prefixes: [Counters.entities, Counters.kindPrefix, Counters.qualityPrefix])
        let found = try ledger.entities(nameContaining: "公司", limit: Ledger.maximumFindLimit).entities.map { "\($0.entity.code)=\($0.name)" }
        return ["head=\(report.headSeq)", "digest=\(report.storedDigest)"] + counters.map { "\($0)=\($1)" } + found
    }

    @Test(arguments: Array(UInt64(21)...28))
    func recoveryFromAnyStoredPrefixEqualsACleanRebuild(seed: UInt64) throws {
        // The reference: the history, then every projection and counter rebuilt from the log alone.
        let reference = try LedgerFixture(derivation: Self.manual)
        let events = try ProjectionStoreTests.appendRandomHistory(reference, seed: seed, count: 120)
        _ = try reference.ledger.rebuildProjections()
        let expected = try Self.derived(reference.ledger)

        // The same history with the derived state stored once, after a random commit (0: never),
        // then a crash: the writer stops without storing what memory holds.
        var random = SeededGenerator(state: seed)
        let storedAfter = Int.random(in: 0..<30, using: &random)
        let crashed = try LedgerFixture(derivation: Self.manual)
        #expect(try ProjectionStoreTests.appendRandomHistory(crashed, seed: seed, count: 120) { commits in
            if commits == storedAfter { try crashed.ledger.persistDerived() }
        } == events)
        crashed.ledger.writer!.shutdown()
        let (head, viewsSeq) = try crashed.ledger.store.read { log in (log.head.seq, try log.viewsSeq()) }
        #expect(viewsSeq < head, "the crash left derived state unstored")
        crashed.ledger.store.releaseWriterLock()

        let reopened = try Ledger(
            directory: crashed.path, schemas: try SchemaCatalogue(directory: schemaDirectory), rules: crashed.ledger.rules,
            mapSizeBytes: 64 << 20, derivationLimits: Self.manual, logger: Logger(label: "test"))
        defer { reopened.shutdown() }
        #expect(try reopened.store.read { try $0.viewsSeq() } == head, "the start folded the rest of the log")
        #expect(try Self.derived(reopened) == expected)
    }

    @Test func readersSeeAnAppendBeforeItsDerivedStateIsStored() throws {
        let fixture = try LedgerFixture(derivation: Self.manual)
        _ = try fixture.append([NameIndexTests.profile("a-1", orgA, "甲公司"), penalty("p-1")]).get()
        #expect(try fixture.ledger.store.read { try $0.viewsSeq() } == 0, "nothing derived is stored yet")
        let entity = try EntityCode(validating: orgA)
        let state = try fixture.ledger.state(of: entity, at: CivilDate("2026-06-01")!, knownAt: .bound(.head))
        #expect(state.records.map(\.eventId) == ["p-1"])
        #expect(try fixture.ledger.entities(nameContaining: "甲", limit: 5).entities.map(\.name) == ["甲公司"])
        #expect(try fixture.ledger.counts().byKind.map { "\($0)=\($1)" } == ["entity.profiled=1", "penalty.imposed=1"])
        #expect(try fixture.ledger.counts().entities == 1)
        // Stored, the same answers from the store.
        try fixture.ledger.persistDerived()
        #expect(try fixture.ledger.store.read { try $0.viewsSeq() } == 2)
        #expect(try fixture.ledger.counts().entities == 1 && fixture.ledger.counts().byKind.count == 2)
        #expect(try fixture.ledger.entities(nameContaining: "甲", limit: 5).entities.map(\.name) == ["甲公司"])
    }
}
