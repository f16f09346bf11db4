import CreditDomain
import Logging
import CreditProjection
import LedgerJSON
import TestSupport
import Testing

@testable import CreditLedger

/// The stored projections against replay: whatever the order and batching of appends,
/// the projection kept up to date commit by commit equals the one rebuilt from the log,
/// and answers the same as a replay.
@Suite struct ProjectionStoreTests {
    /// Appends a random history of legal and illegal events (the ledger refuses the
    /// illegal ones) in batches of 1-4, over two entities.
    /// - Parameter afterCommit: called after each accepted request with the number of them so far.
    static func appendRandomHistory(_ fixture: LedgerFixture, seed: UInt64, count: Int, afterCommit: (Int) throws -> Void = { _ in }) throws -> Int {
        let catalogue = try SchemaCatalogue(directory: schemaDirectory)
        var random = SeededGenerator(state: seed)
        let entities = [orgA, "91350100M000100Y43"]
        var accepted: [EventKind: [(id: String, entity: String)]] = [:]
        var stored = 0
        var commits = 0
        var index = 0
        while index < count {
            var batch: [JSONValue] = []
            var kinds: [(String, EventKind, String)] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                index += 1
                let kind = EventKind.allCases.randomElement(using: &random)!
                let entity = entities.randomElement(using: &random)!
                var refs: [JSONValue] = []
                if kind.refRule.minimum > 0 {
                    let candidates = kind.refRule.targets.flatMap { accepted[$0] ?? [] }.filter { $0.entity == entity }
                    guard let target = candidates.randomElement(using: &random) else { continue }
                    refs = [.string(target.id)]
                }
                let day = CivilDate(dayNumber: CivilDate("2019-01-01")!.dayNumber + Int.random(in: 0..<(8 * 365), using: &random))
                let id = "s\(seed)-\(index)"
                let body = catalogue.examples[kind]!.randomElement(using: &random)!
                batch.append([
                    "eventId": .string(id), "kind": .string(kind.rawValue), "entity": .string(entity), "occurredOn": .string(day.description),
                    "source": ["authority": "市场监管局"], "refs": .array(refs), "body": body,
                ])
                kinds.append((id, kind, entity))
            }
            guard !batch.isEmpty else { continue }
            fixture.milliseconds += 1000
            if case .success = fixture.append(batch) {
                for (id, kind, entity) in kinds { accepted[kind, default: []].append((id, entity)) }
                stored += batch.count
                commits += 1
                try afterCommit(commits)
            }
        }
        return stored
    }

    @Test(arguments: Array(UInt64(1)...8))
    func theProjectionKeptCommitByCommitEqualsTheRebuiltOne(seed: UInt64) throws {
        let fixture = try LedgerFixture()
        let stored = try Self.appendRandomHistory(fixture, seed: seed, count: 160)
        #expect(stored > 40, "enough events get in to mean something")
        let report = try fixture.ledger.verifyProjections()
        #expect(report.identical, "mismatches: \(report.mismatches)")
        #expect(report.events == stored && report.entities == 2)
        #expect(report.storedDigest == report.rebuiltDigest)
    }

    @Test(arguments: Array(UInt64(11)...18))
    func anAnswerFromTheStoredProjectionEqualsAReplay(seed: UInt64) throws {
        let fixture = try LedgerFixture()
        _ = try Self.appendRandomHistory(fixture, seed: seed, count: 120)
        let entity = try EntityCode(validating: orgA)
        let (records, head) = try fixture.ledger.history(entity: entity, knownAt: .head)
        let events = try records.map { try Ledger.recordedEvent($0) }
        let latest = events.map(\.event.occurredOn).max() ?? CivilDate("2019-01-01")!
        for at in [latest, latest.adding(days: 400), CivilDate("2030-06-30")!] where at >= latest {
            let fromStore = try #require(try fixture.ledger.stateFromCurrentFold(of: entity, at: at, knownAt: .head, bodies: .all))
            let replayed = Projector.project(entity: entity, events: events, at: at, knownAtSeq: head, rules: fixture.ledger.rules)
            #expect(CanonicalJSON.string(fromStore.statusJSON()) == CanonicalJSON.string(replayed.statusJSON()))
            for channel in Channel.allCases {
                // The public view reads only the bodies it shows, and says the same.
                let shownOnly = try #require(try fixture.ledger.stateFromCurrentFold(of: entity, at: at, knownAt: .head, bodies: .shown(on: at, channels: [channel])))
                #expect(CanonicalJSON.string(shownOnly.displayJSON(channel: channel)) == CanonicalJSON.string(replayed.displayJSON(channel: channel)))
            }
        }
        // Before the latest date the stored projection does not answer: the ledger replays.
        if let earliest = events.map(\.event.occurredOn).min(), earliest < latest {
            #expect(try fixture.ledger.stateFromCurrentFold(of: entity, at: earliest, knownAt: .head, bodies: .all) == nil)
        }
    }

    @Test func rebuildDerivesTheSameProjectionsAgain() throws {
        let fixture = try LedgerFixture()
        _ = try Self.appendRandomHistory(fixture, seed: 99, count: 150)
        let before = try fixture.ledger.verifyProjections()
        let folded = try fixture.ledger.rebuildProjections()
        let after = try fixture.ledger.verifyProjections()
        #expect(folded == before.events)
        #expect(after.identical && after.storedDigest == before.storedDigest)
        // Appends go on folding into the rebuilt projections.
        _ = try Self.appendRandomHistory(fixture, seed: 100, count: 40)
        #expect(try fixture.ledger.verifyProjections().identical)
    }

    @Test(arguments: Array(UInt64(21)...26))
    func checkFromMemoryAnswersAsFromAReplayAndForgetsOnANewEvent(seed: UInt64) throws {
        let fixture = try LedgerFixture()
        _ = try Self.appendRandomHistory(fixture, seed: seed, count: 100)
        let entity = try EntityCode(validating: orgA)
        let rules = fixture.ledger.rules
        func decisions(_ facts: CheckFacts, at: CivilDate) -> [String] {
            rules.measures.ids.map { id in
                let finding = facts.check(rules.measures.measures[id]!, at: at, scope: nil, rules: rules)
                return "\(id)=\(finding.decision.rawValue):\(finding.basis.map(\.eventId).joined(separator: ","))"
            }
        }
        for at in [CivilDate("2026-12-31")!, CivilDate("2024-06-30")!, CivilDate("2030-01-01")!] {
            let replayed = CheckFacts(try fixture.ledger.state(of: entity, at: at, knownAt: .bound(.head)))
            #expect(decisions(try fixture.ledger.checkFacts(of: entity, at: at), at: at) == decisions(replayed, at: at), "first ask")
            #expect(decisions(try fixture.ledger.checkFacts(of: entity, at: at), at: at) == decisions(replayed, at: at), "from memory")
        }
        // A new event makes the remembered facts stale: the next check sees it.
        let at = CivilDate("2030-01-01")!
        _ = try fixture.ledger.checkFacts(of: entity, at: at)
        fixture.milliseconds += 1000
        _ = try fixture.append([event("ban-\(seed)", "ban.imposed", on: "2029-06-01", body: ["scope": "market", "permanent": true])]).get()
        let after = try fixture.ledger.checkFacts(of: entity, at: at)
        #expect(after.check(rules.measures.measures["restrict.market-entry"]!, at: at, scope: nil, rules: rules).decision == .restricted)
    }
}

@Suite struct ProjectionFormatTests {
    /// Folds stored in another layout (an older version of the daemon) are derived again at start.
    @Test func anotherLayoutIsDerivedAgainAtStart() throws {
        let fixture = try LedgerFixture()
        _ = try ProjectionStoreTests.appendRandomHistory(fixture, seed: 5, count: 60)
        let before = try fixture.ledger.verifyProjections()
        try fixture.ledger.waitFor(fixture.ledger.writer!) { log in
            try log.setViewsFormat("entity-fold-json")
            try log.setView(orgA, [0xFF, 0x00])  // what the new code could not read
        }
        fixture.ledger.shutdown()
        let reopened = try Ledger(
            directory: fixture.path, schemas: try SchemaCatalogue(directory: schemaDirectory),
            rules: fixture.ledger.rules, mapSizeBytes: 64 << 20, logger: Logger(label: "test"))
        defer { reopened.shutdown() }
        let after = try reopened.verifyProjections()
        #expect(after.identical && after.storedDigest == before.storedDigest)
        #expect(try reopened.store.read { try $0.viewsFormat() } == Ledger.viewsFormat)
    }
}
