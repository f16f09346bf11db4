import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// The 重错码率 of `stats` and `creditctl quality`: refused codes, accepted codes with an
/// unknown region, and renamed profiles (重码), over received and refused events.
@Suite(.serialized) struct QualityStatsTests {
    static let authority = "北京市市场监督管理局"

    func profile(_ id: String, _ name: String) -> JSONValue {
        [
            "eventId": .string(id), "kind": "entity.profiled", "entity": .string(orgA), "occurredOn": "2024-03-01",
            "source": ["authority": .string(Self.authority)], "body": ["name": .string(name), "entityType": "enterprise", "region": "110000"],
        ]
    }

    @Test func invalidCodeRateCountsRefusedCodesUnknownRegionsAndDuplicateCodes() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        // 110199 is no GB/T 2260 code: accepted, with a warning.
        let appended = try #require(result(try client.call(appendRequest([
            licenceEvent("l-1"), licenceEvent("l-2", entity: "110199199003071001"), profile("p-1", "北京甲有限公司"), profile("p-2", "北京乙有限公司"),
        ]))))
        let warnings = try #require(appended["appended"]?.arrayValue).map { $0["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(warnings[0].isEmpty && warnings[2].isEmpty)
        #expect(warnings[1].count == 1 && warnings[1][0].hasPrefix("region: "), "\(warnings)")
        #expect(warnings[3].count == 1 && warnings[3][0].contains("(重码)"), "\(warnings)")
        // Refused: counted in the month of the refusal.
        #expect(errorCode(try client.call(appendRequest([licenceEvent("bad", entity: "91110000600037341X")]))) == "invalid_entity")

        var rows: [JSONValue] = []
        for _ in 0..<200 {
            rows = try #require(result(try client.call(["op": "stats"]))?["quality"]?.arrayValue)
            if rows.contains(where: { $0["rejected"]?["invalid_entity"] == 1 }) { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let march = try #require(rows.first { $0["month"] == "2024-03" })
        #expect(march["received"] == 2 && march["unknownRegionCode"] == 1 && march["duplicateCode"] == 1)
        #expect(march["invalidCodeRate"] == .double(1), "(0 refused + 1 unknown region + 1 重码) / (2 received + 0 refused)")
        let refusals = try #require(rows.first { $0["rejected"]?["invalid_entity"] == 1 })
        #expect(refusals["received"] == 0 && refusals["invalidCodeRate"] == .double(1))

        let table = try AccessControlTests.run(Daemon.binary("creditctl"), ["quality", "--socket", daemon.socketPath, "--month", "2024-03"])
        let lines = table.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(table.status == 0 && lines.count == 2, "\(table.output)")
        let header = lines[0]
        if lines.count == 2, let unknown = header.firstIndex(of: "unknown region"), let duplicate = header.firstIndex(of: "duplicate code") {
            #expect(lines[1][unknown] == "1" && lines[1][duplicate] == "1")
        } else {
            Issue.record("creditctl quality lists no unknown-region or duplicate-code column: \(table.output)")
        }
        #expect(daemon.terminate() == 0)
    }
}
