import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import Logging
import Testing

@testable import CreditLedger

/// The name index `find` scans: kept with the stored projections commit by commit, checked
/// by `rebuild --verify`, derived again with them.
@Suite struct NameIndexTests {
    static func profile(_ id: String, _ entity: String, _ name: String, on day: String = "2024-01-02") -> JSONValue {
        event(id, "entity.profiled", entity: entity, on: day, body: ["name": .string(name), "entityType": "enterprise", "region": "110105"])
    }

    static func names(_ ledger: Ledger, _ text: String, limit: Int = Ledger.maximumFindLimit) throws -> [String] {
        try ledger.entities(nameContaining: text, limit: limit).entities.map(\.name)
    }

    @Test func aRenameInOneCommitMovesTheKeyAndALongNameIsCutAtACharacter() throws {
        let fixture = try LedgerFixture()
        let long = String(repeating: "长", count: 150) + "尾巴"  // 456 bytes: indexed by its first 133 characters
        // Profiled, renamed and corrected in one commit: only the last name is indexed.
        _ = try fixture.append([
            Self.profile("a-1", orgA, "甲公司"), Self.profile("a-2", orgA, "乙公司", on: "2024-02-01"),
            event("a-3", "record.corrected", entity: orgA, on: "2024-02-02", refs: ["a-2"], body: ["fields": ["name": "丙公司"]]),
            Self.profile("b-1", orgB, long),
        ]).get()
        #expect(try Self.names(fixture.ledger, "公司") == ["丙公司"])
        // The long name is answered in full, found by its indexed part only.
        #expect(try Self.names(fixture.ledger, "长长") == [long])
        #expect(try Self.names(fixture.ledger, "尾巴").isEmpty)
        try fixture.ledger.persistDerived()
        #expect(try Self.names(fixture.ledger, "长长") == [long] && Self.names(fixture.ledger, "尾巴").isEmpty)
        let keys = try fixture.ledger.store.read { log in
            var keys: [[UInt8]] = []
            try log.forEachViewKey { key in
                keys.append(Array(key))
                return true
            }
            return keys
        }
        #expect(keys.count == 2 && keys.allSatisfy { String(validating: $0.prefix { $0 != 0 }, as: UTF8.self) != nil })
        #expect(try fixture.ledger.verifyProjections().identical)
    }

    @Test func verifyNamesAnEntityWhoseIndexKeyIsMissingOrExtra() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([Self.profile("a-1", orgA, "甲公司"), Self.profile("b-1", orgB, "乙公司")]).get()
        let good = try fixture.ledger.verifyProjections()
        #expect(good.identical)
        try fixture.ledger.waitFor(fixture.ledger.writer!) { log in
            _ = try log.removeViewKey(Ledger.nameKey("甲公司", code: orgA)!)
            try log.addViewKey(Ledger.nameKey("假公司", code: orgB)!)
        }
        let bad = try fixture.ledger.verifyProjections()
        #expect(!bad.identical && bad.mismatchCount == 2 && Set(bad.mismatches) == [orgA, orgB])
        #expect(bad.rebuiltDigest == good.rebuiltDigest && bad.storedDigest != good.storedDigest)
        // A rebuild derives the index again.
        _ = try fixture.ledger.rebuildProjections()
        #expect(try fixture.ledger.verifyProjections().storedDigest == good.storedDigest)
        #expect(try Self.names(fixture.ledger, "公司") == ["乙公司", "甲公司"].sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func aStoreFromBeforeTheIndexDerivesItAtStart() throws {
        let fixture = try LedgerFixture()
        _ = try fixture.append([Self.profile("a-1", orgA, "甲公司"), Self.profile("b-1", orgB, "乙公司")]).get()
        let before = try fixture.ledger.verifyProjections()
        // As the previous version left it: the folds in their format, no name keys.
        try fixture.ledger.waitFor(fixture.ledger.writer!) { log in
            try log.setViewsFormat("entity-fold-\(EntityFold.binaryFormat)")
            _ = try log.removeViewKey(Ledger.nameKey("甲公司", code: orgA)!)
            _ = try log.removeViewKey(Ledger.nameKey("乙公司", code: orgB)!)
        }
        fixture.ledger.shutdown()
        let reopened = try Ledger(
            directory: fixture.path, schemas: try SchemaCatalogue(directory: schemaDirectory),
            rules: fixture.ledger.rules, mapSizeBytes: 64 << 20, logger: Logger(label: "test"))
        defer { reopened.shutdown() }
        #expect(try reopened.verifyProjections().storedDigest == before.storedDigest)
        #expect(try Self.names(reopened, "公司").count == 2)
        #expect(try reopened.entities(nameContaining: "公司", limit: 1).more)
    }
}
