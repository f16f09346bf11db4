import CreditDomain
import Foundation
import LedgerJSON
import Testing

@testable import CreditLedger

/// Timeliness and correctness per authority and month, on a crafted history with known
/// late and on-time items (2026 calendar: Spring Festival 2026-02-15..23 off, 02-14 and 02-28 worked).
@Suite struct QualityTests {
    static let samr = "北京市朝阳区市场监督管理局"
    static let transport = "北京市交通委员会"

    func withAuthority(_ value: JSONValue, _ authority: String) -> JSONValue {
        guard case var .object(members) = value else { return value }
        members.removeAll { $0.0 == "source" }
        members.append(("source", ["authority": .string(authority)]))
        return .object(members)
    }

    func penaltyOn(_ id: String, _ date: String, by authority: String, publishedOn: String? = nil) -> JSONValue {
        var body: [(String, JSONValue)] = [
            ("decisionNo", .string("罚-\(id)")), ("procedure", "ordinary"), ("measures", [["type": "fine", "amountYuan": 20000]]),
            ("violation", "v"), ("legalBasis", "b"),
        ]
        if let publishedOn { body.append(("publishedOn", .string(publishedOn))) }
        return withAuthority(event(id, "penalty.imposed", on: date, body: .object(body)), authority)
    }

    /// Sets the test clock to noon, China time, of `date`.
    func recordOn(_ fixture: LedgerFixture, _ date: String) {
        fixture.milliseconds = Int64(CivilDate(date)!.dayNumber) * 86_400_000 + 4 * 3_600_000
    }

    func figures(_ fixture: LedgerFixture, _ authority: String, _ month: String) throws -> [String: UInt64] {
        try fixture.ledger.quality().first { $0.authority == authority && $0.month == month }?.counts ?? [:]
    }

    @Test func countsLatePublicationRevocationAndObjectionPerAuthorityAndMonth() throws {
        let fixture = try LedgerFixture()
        // recordedAt never goes back in the log: record in date order.
        // 7 working days after 2026-02-12 (a Thursday before the Spring Festival) end 2026-02-28.
        recordOn(fixture, "2026-02-27")
        _ = try fixture.append([penaltyOn("t-3", "2026-02-12", by: Self.transport)]).get()
        recordOn(fixture, "2026-03-02")
        _ = try fixture.append([penaltyOn("t-4", "2026-02-12", by: Self.transport)]).get()
        recordOn(fixture, "2026-03-20")
        // SAMR record: 20 working days (GSXT) from 2026-03-02 end 2026-03-30: on time.
        _ = try fixture.append([penaltyOn("s-1", "2026-03-02", by: Self.samr)]).get()
        // Other authority: 7 working days from 2026-02-02 end 2026-02-11: late on 03-20 …
        _ = try fixture.append([penaltyOn("t-1", "2026-02-02", by: Self.transport)]).get()
        // … unless the upstream system says it published on time.
        _ = try fixture.append([penaltyOn("t-2", "2026-02-03", by: Self.transport, publishedOn: "2026-02-10")]).get()

        // A revocation decided 2026-03-10 is due within 3 working days (2026-03-13); recorded 03-20: late.
        _ = try fixture.append([withAuthority(event("x-1", "record.revoked", on: "2026-03-10", refs: ["s-1"], body: ["reason": "decision-revoked"]), Self.samr)]).get()
        // An objection filed 2026-03-02 is due 2026-03-11; resolved 03-20: late.
        _ = try fixture.append([withAuthority(event("o-1", "objection.filed", on: "2026-03-02", refs: ["t-1"], body: ["grounds": "g"]), Self.transport)]).get()
        _ = try fixture.append([withAuthority(event("r-1", "objection.resolved", on: "2026-03-20", refs: ["o-1"], body: ["outcome": "rejected"]), Self.transport)]).get()

        #expect(try figures(fixture, Self.samr, "2026-03") == ["received": 1, "publishedOnTime": 1, "revocations": 1, "revocationsWithdrawnLate": 1])
        let february = try figures(fixture, Self.transport, "2026-02")
        #expect(february == ["received": 4, "publishedLate": 2, "publishedOnTime": 2], "\(february)")
        #expect(try figures(fixture, Self.transport, "2026-03") == ["objectionCheckLate": 1])
        // Rebuilding the projections does not count anything twice.
        _ = try fixture.ledger.rebuildProjections()
        #expect(try figures(fixture, Self.transport, "2026-02")["received"] == 4)
    }

    func profile(_ id: String, _ name: String, on date: String = "2026-05-04") -> JSONValue {
        withAuthority(event(id, "entity.profiled", on: date, body: ["name": .string(name), "entityType": "enterprise", "region": "110000"]), Self.samr)
    }

    func renameWarning(_ name: String, stored: String) -> String {
        "entity.profiled: name '\(name)' differs from the stored profile's name '\(stored)' for this code (重码)"
    }

    @Test func countsUnknownRegionCodesAndRenamedProfilesAndWarnsOnTheRename() throws {
        let fixture = try LedgerFixture()
        recordOn(fixture, "2026-05-06")
        // A person's number whose first six digits (110199) are no GB/T 2260 code: accepted with a warning, counted.
        var unknownRegion = penaltyOn("u-1", "2026-05-01", by: Self.transport).objectValue!
        unknownRegion.removeAll { $0.0 == "entity" }
        unknownRegion.append(("entity", "110199199003071001"))
        let warned = try fixture.append([.object(unknownRegion)]).get()
        #expect(warned.appended[0].warnings.count == 1 && warned.appended[0].warnings[0].hasPrefix("region: "), "\(warned.appended[0].warnings)")

        #expect(try fixture.append([profile("pr-1", "北京甲有限公司")]).get().appended[0].warnings.isEmpty)
        #expect(try fixture.append([profile("pr-2", "北京甲有限公司")]).get().appended[0].warnings.isEmpty, "the same name again is no 重码")
        let renamed = try fixture.append([profile("pr-3", "北京乙有限公司")]).get()
        #expect(renamed.appended[0].warnings == [renameWarning("北京乙有限公司", stored: "北京甲有限公司")])
        // Within one request, a profile is compared with the request's earlier one.
        let batch = try fixture.append([profile("pr-4", "北京丙有限公司"), profile("pr-5", "北京丁有限公司")]).get()
        #expect(batch.appended.map(\.warnings) == [[renameWarning("北京丙有限公司", stored: "北京乙有限公司")], [renameWarning("北京丁有限公司", stored: "北京丙有限公司")]])
        // A correction of the stored profile's name is what the next profile is compared with.
        _ = try fixture.append([withAuthority(event("c-1", "record.corrected", on: "2026-05-05", refs: ["pr-5"], body: ["fields": ["name": "北京戊有限公司"], "reason": "名称录入错误"]), Self.samr)]).get()
        #expect(try fixture.append([profile("pr-6", "北京戊有限公司")]).get().appended[0].warnings.isEmpty)
        // A resubmitted profile is a duplicate: no warning, not counted again.
        #expect(try fixture.append([profile("pr-3", "北京乙有限公司")]).get().appended[0].warnings.isEmpty)

        #expect(try figures(fixture, Self.transport, "2026-05") == ["received": 1, "publishedOnTime": 1, "unknownRegionCode": 1])
        #expect(try figures(fixture, Self.samr, "2026-05") == ["duplicateCode": 3])
        // Rebuilding the projections does not count anything twice.
        _ = try fixture.ledger.rebuildProjections()
        #expect(try figures(fixture, Self.samr, "2026-05") == ["duplicateCode": 3])
    }

    @Test func refusedEventsAreCountedByCodeWithoutBeingStored() throws {
        let fixture = try LedgerFixture()
        recordOn(fixture, "2026-05-06")
        var badCode = penaltyOn("b-1", "2026-05-01", by: Self.transport).objectValue!
        badCode.removeAll { $0.0 == "entity" }
        badCode.append(("entity", "91110000600037341X"))
        #expect(fixture.append([.object(badCode)]).failure?.code == .invalidEntity)
        #expect(fixture.append([withAuthority(event("f-1", "penalty.fulfilled", refs: ["nowhere"], body: [:]), Self.transport)]).failure?.code == .unknownRef)
        _ = try fixture.append([penaltyOn("g-1", "2026-05-01", by: Self.transport)]).get()
        // Refusals reach the store through the writer a moment later.
        var counts: [String: UInt64] = [:]
        for _ in 0..<200 {
            counts = try figures(fixture, Self.transport, "2026-05")
            if counts["rejected.unknown_ref"] != nil && counts["rejected.invalid_entity"] != nil { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(counts["rejected.invalid_entity"] == 1 && counts["rejected.unknown_ref"] == 1 && counts["received"] == 1)
        #expect(try fixture.ledger.store.head().seq == 1, "refused events are not in the log")
    }
}
