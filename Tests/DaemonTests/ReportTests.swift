import Foundation
import LedgerJSON
import Testing

/// `report`: pinned to a head (same head, same bytes), statements, masking, and the printable page.
@Suite(.serialized) struct ReportTests {
    static let person = "11010519491231002X"

    func penalty(_ id: String, entity: String, on date: String, amount: Int64 = 20_000) -> JSONValue {
        ["eventId": .string(id), "kind": "penalty.imposed", "entity": .string(entity), "occurredOn": .string(date),
         "source": ["authority": "北京市朝阳区市场监督管理局"],
         "body": ["decisionNo": .string("罚-\(id)"), "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": .int(amount)]],
                  "violation": "销售过期食品", "legalBasis": "食品安全法第一百二十四条"]]
    }

    @Test func theSameHeadGivesTheSameBytesAndStatementsSayWhatHappened() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1"), penalty("p-1", entity: orgA, on: "2024-05-10")]))) != nil)
        let request: JSONValue = ["op": "report", "entity": .string(orgA), "from": "2024-01-01", "to": "2024-12-31"]
        let first = try client.call(request)
        let report = try #require(result(first))
        #expect(report["head"]?["seq"] == 2 && report["statements"]?["noPenaltyDecided"] == false)
        #expect(report["statements"]?["notOnSeriousDishonestyList"] == true && report["statements"]?["noNegativeRecordDisplayed"] == false)
        #expect(report["records"]?.arrayValue?.map { $0["eventId"] } == ["l-1", "p-1"])
        // Later events move the head; the report pinned at seq 2 stays byte for byte.
        #expect(result(try client.call(appendRequest([penalty("p-2", entity: orgA, on: "2024-07-01")]))) != nil)
        var pinned = request.objectValue!
        pinned.append(("head", 2))
        #expect(CanonicalJSON.encode(try client.call(.object(pinned))) == CanonicalJSON.encode(first))
        #expect(try client.call(request) != first, "at the new head the report shows p-2")
        // A quiet period says so.
        let quiet = try #require(result(try client.call(["op": "report", "entity": .string(orgA), "from": "2020-01-01", "to": "2020-12-31"])))
        #expect(quiet["statements"]?["noPenaltyDecided"] == true && quiet["records"] == [])
        #expect(errorCode(try client.call(["op": "report", "entity": .string(orgA), "from": "2024-02-01", "to": "2024-01-01"])) == "invalid_field")
        #expect(errorCode(try client.call(["op": "report", "entity": .string(orgA), "from": "2024-02-01"])) == "missing_field")
        #expect(daemon.terminate() == 0)
    }

    @Test func aPersonsReportIsMaskedAndTheCommandWritesJSONAndAPrintablePage() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let profile: JSONValue = [
            "eventId": "pr-1", "kind": "entity.profiled", "entity": .string(Self.person), "occurredOn": "2024-01-02",
            "source": ["authority": "北京市朝阳区市场监督管理局"], "body": ["name": "张三丰", "entityType": "natural-person", "region": "110105", "address": "北京市朝阳区某路1号"],
        ]
        #expect(result(try client.call(appendRequest([profile, penalty("pp-1", entity: Self.person, on: "2024-03-01")]))) != nil)
        let output = daemon.directory + "/reports"
        let run = try AccessControlTests.run(
            Daemon.binary("creditctl"), ["report", Self.person, "--from", "2024-01-01", "--to", "2024-12-31", "--output", output, "--socket", daemon.socketPath])
        #expect(run.status == 0, "\(run.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(files.count == 2 && files[0].hasSuffix(".html") && files[1].hasSuffix(".json"))
        let json = try String(contentsOfFile: output + "/" + files[1], encoding: .utf8)
        let html = try String(contentsOfFile: output + "/" + files[0], encoding: .utf8)
        for text in [json, html] {
            #expect(!text.contains(Self.person) && !text.contains("张三丰") && !text.contains("某路1号"), "personal data masked")
        }
        #expect(json.contains("110105********002X") && json.contains("张**"))
        #expect(html.contains("<svg") && html.contains("公共信用信息报告") && html.contains("信用声明"))
        #expect(daemon.terminate() == 0)
    }
}
