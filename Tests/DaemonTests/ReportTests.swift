import Foundation
import LedgerDocuments
import LedgerJSON
import TestSupport
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
        // (The envelope's `served.seq` is the daemon's head at each answer; the result is the report.)
        #expect(CanonicalJSON.encode(try #require(result(try client.call(.object(pinned))))) == CanonicalJSON.encode(report))
        #expect(result(try client.call(request)) != report, "at the new head the report shows p-2")
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
        let written = try Self.report(daemon, Self.person, from: "2024-01-01", to: "2024-12-31", into: output)
        let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(files == ["report-\(written.number).html", "report-\(written.number).json"])
        let json = try String(contentsOfFile: written.json, encoding: .utf8)
        let html = try String(contentsOfFile: written.html, encoding: .utf8)
        for text in [json, html] {
            #expect(!text.contains(Self.person) && !text.contains("张三丰") && !text.contains("某路1号"), "personal data masked")
        }
        #expect(json.contains("110105********002X") && json.contains("张**"))
        #expect(html.contains("110105********002X") && html.contains("张**") && html.contains("公民身份号码") && html.contains("个人信息已按规定作遮蔽处理"))
        #expect(html.contains("<svg") && html.contains("公共信用信息报告") && html.contains("信用状况"))
        // A masked code cannot be asked about: --verify needs the full one.
        let withoutCode = try Self.creditctl(daemon, ["report", "--verify", written.json])
        #expect(withoutCode.status == 64 && withoutCode.output.contains("masked"), "\(withoutCode.output)")
        let verified = try Self.creditctl(daemon, ["report", "--verify", written.json, Self.person])
        #expect(verified.status == 0 && verified.output.contains("报告真实"), "\(verified.output)")
        #expect(daemon.terminate() == 0)
    }

    static let documents = Daemon.repository.appendingPathComponent("Deploy/documents.json").path

    /// `creditctl ARGS` on `daemon`'s socket; `report` with the source tree's document settings.
    static func creditctl(_ daemon: Daemon, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let settings = arguments.first == "report" ? ["--documents", documents] : []
        return try AccessControlTests.run(Daemon.binary("creditctl"), arguments + ["--socket", daemon.socketPath] + settings)
    }

    /// `creditctl report` into `folder`: the files it wrote and the number it printed.
    static func report(_ daemon: Daemon, _ entity: String, from: String, to: String, head: Int? = nil, into folder: String) throws
        -> (json: String, html: String, number: String)
    {
        var arguments = ["report", entity, "--from", from, "--to", to, "--output", folder, "--json"]
        if let head { arguments += ["--head", String(head)] }
        let run = try creditctl(daemon, arguments)
        let answer = try JSONParser.parse(run.output)
        guard run.status == 0, let json = answer["json"]?.stringValue, let html = answer["html"]?.stringValue, let number = answer["number"]?.stringValue else {
            throw CtlFailure(output: run.output)
        }
        return (json, html, number)
    }

    struct CtlFailure: Error { let output: String }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func theSameQuestionAtTheSameHeadGivesTheSameFilesAndNumberAndVerifyTellsGenuineFromChanged() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1"), penalty("p-1", entity: orgA, on: "2024-05-10")]))) != nil)
        let first = try Self.report(daemon, orgA, from: "2024-01-01", to: "2024-12-31", into: daemon.directory + "/first")
        // Another entity's event moves the head; the report pinned at seq 2 is the same document.
        #expect(result(try client.call(appendRequest([penalty("p-9", entity: Self.person, on: "2024-06-01")]))) != nil)
        let again = try Self.report(daemon, orgA, from: "2024-01-01", to: "2024-12-31", head: 2, into: daemon.directory + "/again")
        #expect(again.number == first.number)
        #expect(try Self.bytes(again.json) == Self.bytes(first.json) && Self.bytes(again.html) == Self.bytes(first.html))
        let moved = try Self.report(daemon, orgA, from: "2024-01-01", to: "2024-12-31", into: daemon.directory + "/moved")
        #expect(moved.number != first.number, "a report at another head is another report")

        let genuine = try Self.creditctl(daemon, ["report", "--verify", first.json])
        #expect(genuine.status == 0 && genuine.output.contains("报告真实") && genuine.output.contains(first.number), "\(genuine.output)")

        // One changed byte: a decision date 2024-05-10 → 2024-05-11.
        let original = try Self.bytes(first.json)
        let text = String(decoding: original, as: UTF8.self)
        let changed = text.replacingOccurrences(of: "\"occurredOn\":\"2024-05-10\"", with: "\"occurredOn\":\"2024-05-11\"")
        #expect(changed.utf8.count == original.count && changed != text)
        let changedPath = daemon.directory + "/changed.json"
        try Data(changed.utf8).write(to: URL(fileURLWithPath: changedPath))
        let refused = try Self.creditctl(daemon, ["report", "--verify", changedPath])
        #expect(refused.status == 2 && refused.output.contains("报告不真实"), "\(refused.output)")

        // A forger who recomputes the number and code (they are not secret) is still found out:
        // the content is not what the ledger gives at that head.
        let forged = try #require(try ReportDocument(fileBytes: Array(changed.utf8), path: changedPath))
        let issuer = try DocumentSettings(path: Self.documents).issuer
        let forgedPath = daemon.directory + "/forged.json"
        try Data(ReportDocument(report: forged.report, issuer: issuer).fileBytes).write(to: URL(fileURLWithPath: forgedPath))
        let found = try Self.creditctl(daemon, ["report", "--verify", forgedPath])
        #expect(found.status == 2 && found.output.contains("不一致") && found.output.contains("records[1].occurredOn"), "\(found.output)")

        // Every single byte changed anywhere is refused (a sample across the file).
        for offset in stride(from: 0, to: original.count, by: max(1, original.count / 40)) {
            var bytes = original
            bytes[offset] = bytes[offset] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            try Data(bytes).write(to: URL(fileURLWithPath: changedPath))
            let run = try Self.creditctl(daemon, ["report", "--verify", changedPath, "--json"])
            #expect(run.status == 2 && run.output.contains("\"genuine\":false"), "byte \(offset): \(run.output)")
        }
        #expect(daemon.terminate() == 0)
    }

    @Test func theShowcaseReportIsChineseOnlyAndSaysWhatThePublicRecordShows() throws {
        let daemon = Daemon()
        try daemon.start()
        let showcase = Daemon.repository.appendingPathComponent("Tools/samples/showcase.jsonl").path
        let appended = try Self.creditctl(daemon, ["append", showcase])
        #expect(appended.status == 0, "\(appended.output)")
        let written = try Self.report(daemon, "911101054423232294", from: "2024-01-01", to: "2026-12-01", into: daemon.directory + "/reports")
        let page = try String(contentsOfFile: written.html, encoding: .utf8)
        #expect(VisibleText.latinWords(in: page).isEmpty, "Latin words: \(VisibleText.latinWords(in: page))")
        for expected in ["北京示例食品科技有限公司", "王建国", "报告期内，公示信息中查询到行政处罚记录", "严重违法失信名单", "食品生产经营", "承诺",
                         "决定机关：北京市朝阳区市场监督管理局", "决定机关：北京市朝阳区应急管理局"] {
            #expect(page.contains(expected), "\(expected)")
        }
        // Repaired (p-3), revoked (p-rev) and expired records are not public on the report's date.
        for absent in ["京朝市监罚〔2025〕506号", "京朝市监罚〔2024〕5号", "京朝市监罚〔2025〕77号"] {
            #expect(!page.contains(absent), "\(absent) is not public on 2026-12-01")
        }
        #expect(daemon.terminate() == 0)

        // Printed by Chromium to A4: every page carries the number, the code and its page number.
        let pdf = daemon.directory + "/report.pdf"
        let printed = try AccessControlTests.run(Daemon.repository.appendingPathComponent("Tools/report-pdf").path, [written.html, pdf])
        #expect(printed.status == 0, "\(printed.output)")
        let code = try JSONParser.parse(String(contentsOfFile: written.json, encoding: .utf8))["document"]?["verificationCode"]?.stringValue ?? "?"
        let info = try AccessControlTests.run("/usr/bin/pdfinfo", [pdf]).output
        #expect(info.contains("pts (A4)"), "\(info)")
        let pages = Int(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last ?? "") ?? 0
        #expect(pages >= 2)
        for number in 1...max(pages, 1) {
            let text = try AccessControlTests.run("/usr/bin/pdftotext", ["-f", String(number), "-l", String(number), "-layout", pdf, "-"]).output
            for expected in [written.number, code, "第 \(number) 页，共 \(pages) 页"] {
                #expect(text.contains(expected), "page \(number) lacks \(expected)")
            }
        }
    }
}
