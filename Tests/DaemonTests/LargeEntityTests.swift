import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 4: the answers about an entity with 20,000 records come in bounded pages.
@Suite(.serialized) struct LargeEntityTests {
    static let recordCount = 20_000

    @Test func historyDisplayAndReportOfATwentyThousandRecordEntityArePaged() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        for batch in 0..<(Self.recordCount / 1000) {
            let events = (0..<1000).map { licenceEvent("big-\(batch)-\($0)") }
            #expect(result(try client.call(appendRequest(events))) != nil)
        }
        // history: pages of `limit` events, `next` until the end, every event once.
        var seen = Set<String>()
        var from: JSONValue = 1
        var pages = 0
        var answerBytes: [Int] = []
        while !from.isNull {
            let answer = try client.call(["op": "history", "entity": .string(orgA), "from": from, "knownAt": .int(Int64(Self.recordCount)), "purpose": "paging test"])
            answerBytes.append(CanonicalJSON.encode(answer).count)
            let page = try #require(result(answer))
            for event in page["events"]?.arrayValue ?? [] { seen.insert(event["eventId"]?.stringValue ?? "") }
            from = page["next"] ?? .null
            pages += 1
        }
        #expect(seen.count == Self.recordCount && pages == Self.recordCount / 1000)
        #expect(answerBytes.allSatisfy { $0 < 2 << 20 }, "\(answerBytes.max() ?? 0) bytes")

        // display and report: `page` says where a page is and what follows.
        let display = try #require(result(try client.call(["op": "display", "entity": .string(orgA), "at": "2024-06-01", "limit": 5000, "offset": 15_000])))
        #expect(display["page"]?["total"] == .int(Int64(Self.recordCount)) && display["page"]?["next"] == .null)
        #expect(display["records"]?.arrayValue?.count == 5000)
        let first = try #require(result(try client.call(["op": "display", "entity": .string(orgA), "at": "2024-06-01"])))
        #expect(first["records"]?.arrayValue?.count == 1000 && first["page"]?["next"] == 1000)
        let report = try #require(result(try client.call(["op": "report", "entity": .string(orgA), "from": "2024-01-01", "to": "2024-06-01"])))
        #expect(report["records"]?.arrayValue?.count == 1000 && report["page"]?["total"] == .int(Int64(Self.recordCount)))
        #expect(errorCode(try client.call(["op": "display", "entity": .string(orgA), "limit": 50_000])) == "invalid_field")

        // creditctl joins the pages.
        let history = try OperatorTests.ctl(["history", orgA, "--purpose", "paging test", "--socket", daemon.socketPath, "--json"])
        let joined = try JSONParser.parse(Array(history.output.utf8))
        #expect(joined["events"]?.arrayValue?.count == Self.recordCount)
        #expect(daemon.terminate() == 0)
    }
}
