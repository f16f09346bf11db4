import Foundation
import LedgerJSON
import TestSupport
import Testing

@testable import LedgerDocuments

/// The report document: number and code stable and sealing, dates in China time, and a page
/// in Chinese only, the same bytes every time.
struct ReportDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let settings = Result { try DocumentSettings(path: repository.appendingPathComponent("Deploy/documents.json").path) }

    /// A report as the daemon answers it: a licence, a penalty shown on both channels, a listing, a ban.
    static func report(entity: String = "911101054423232294", violation: String = "销售超过保质期的食品", seq: Int64 = 26) -> JSONValue {
        let window: JSONValue = ["from": "2026-02-15", "until": "2029-02-15", "endReason": nil, "repairableFrom": "2027-02-16", "rules": ["ndrc-36-art10-2-measures"]]
        return [
            "report": "public-credit-report", "entity": .string(entity), "entityKind": "organisation", "from": "2024-01-01", "to": "2026-12-01",
            "head": ["seq": .int(seq), "hash": "b78c950fab2f44baaaeae03d0902693bf3fc8806f0f331c487c644807e927e61", "recordedAt": "2026-12-01T17:30:05.120Z"],
            "profile": ["name": "北京示例食品科技有限公司", "entityType": "enterprise", "region": "110105", "legalRepresentative": ["name": "王建国"]],
            "records": [
                ["eventId": "l", "kind": "license.granted", "occurredOn": "2023-06-01", "negative": false, "severity": [:],
                 "windows": ["creditchina": ["from": "2023-06-01", "until": "2028-05-31"]],
                 "body": ["decisionNo": "JY11105000123456", "category": "食品经营许可", "content": "预包装食品销售", "validFrom": "2023-06-01", "validUntil": "2028-05-31"]],
                ["eventId": "p", "kind": "penalty.imposed", "occurredOn": "2026-02-15", "authority": "北京市朝阳区市场监督管理局", "negative": true,
                 "severity": ["creditchina": "serious", "gsxt": "general"], "windows": ["creditchina": window, "gsxt": window],
                 "body": ["decisionNo": "京朝市监罚〔2026〕102号", "procedure": "ordinary", "violation": .string(violation), "legalBasis": "《食品安全法》第一百二十四条",
                          "measures": [["type": "fine", "amountYuan": 1_234_567], ["type": "license-suspension", "termUntil": "2026-05-15"]]]],
            ],
            "lists": [["eventId": "s", "list": "serious-dishonesty", "since": "2026-04-01", "until": "2029-04-01", "channels": ["creditchina", "gsxt"], "rules": ["samr-44-art21-auto-exit"]]],
            "bans": [["eventId": "b", "scope": "食品生产经营", "since": "2026-04-01", "until": "2031-03-31", "permanent": false]],
            "commitments": [["eventId": "c", "type": "notify-commit", "outcome": "fulfilled", "dueOn": "2026-09-01"]],
            "statements": ["noPenaltyDecided": false, "notOnSeriousDishonestyList": false, "notOnKeyAttentionList": true, "notOnAbnormalOperationsList": true,
                           "noBanInForce": false, "noNegativeRecordDisplayed": false, "onRedList": false],
            "basis": ["knownAt": .int(seq), "at": "2026-12-01", "rulesDigest": "aeaad0c1", "note": "as known at head.seq"],
        ]
    }

    @Test func theSameReportGivesTheSameNumberAndCodeAndAnyChangeAnotherCode() throws {
        let issuer = try Self.settings.get().issuer
        let first = ReportDocument(report: Self.report(), issuer: issuer)
        let again = ReportDocument(report: Self.report(), issuer: issuer)
        #expect(first.identity == again.identity && first.fileBytes == again.fileBytes)
        // The number is the issue date in China time (17:30 UTC is the next day there) and ten digits.
        #expect(first.identity.number.hasPrefix("20261202-") && first.identity.number.count == 19)
        #expect(first.identity.verificationCode.count == 19 && first.identity.verificationCode.allSatisfy { $0.isNumber || $0 == " " })
        let changed = ReportDocument(report: Self.report(violation: "销售超过保质期的食品。"), issuer: issuer)
        #expect(changed.identity.number == first.identity.number, "the number names the question: entity, period, head")
        #expect(changed.identity.verificationCode != first.identity.verificationCode, "the code seals the content")
        #expect(ReportDocument(report: Self.report(seq: 27), issuer: issuer).identity.number != first.identity.number)
        #expect(ReportDocument(report: Self.report(entity: "91110105183406299G"), issuer: issuer).identity.number != first.identity.number)
    }

    @Test func aFileReadBackIsIntactAndAChangedByteBreaksTheSeal() throws {
        let document = ReportDocument(report: Self.report(), issuer: try Self.settings.get().issuer)
        let bytes = document.fileBytes
        let read = try ReportDocument(fileBytes: bytes, path: "r.json")
        #expect(read.sealIsIntact && read.printed == document.identity && read.fileBytes == bytes)
        // 2026-02-15 → 2026-02-16 in the penalty's decision date.
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"occurredOn\":\"2026-02-15\"", with: "\"occurredOn\":\"2026-02-16\"")
        #expect(text.utf8.count == bytes.count)
        #expect(try !ReportDocument(fileBytes: Array(text.utf8), path: "r.json").sealIsIntact)
        let issuer = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "朝阳区市场", with: "海淀区市场")
        #expect(try !ReportDocument(fileBytes: Array(issuer.utf8), path: "r.json").sealIsIntact, "the issuer is sealed too")
        #expect(throws: DocumentError.self) { try ReportDocument(fileBytes: Array(bytes.dropLast(3)), path: "r.json") }
    }

    @Test func thePageIsChineseExceptForCodesAndTheSameEveryTime() throws {
        let settings = try Self.settings.get()
        let document = ReportDocument(report: Self.report(), issuer: settings.issuer)
        let page = try document.html(template: settings.reportTemplate)
        #expect(try page == document.html(template: settings.reportTemplate))
        let words = VisibleText.latinWords(in: page)
        #expect(words.isEmpty, "Latin words on the page: \(words)")
        for expected in ["报告编号", document.identity.number, document.identity.verificationCode, "2026年12月2日 01:30", "北京市朝阳区市场监督管理局",
                         "法定代表人", "王建国", "决定机关：北京市朝阳区市场监督管理局", "罚款 1,234,567 元", "暂扣许可证件（至2026年5月15日）", "严重违法失信名单", "信用中国：严重，公示系统：一般",
                         "报告期内，公示信息中查询到行政处罚记录", "截至报告期末，未查询到该主体列入重点关注名单的信息。", "size: A4", "counter(page)", "<svg"] {
            #expect(page.contains(expected), "\(expected)")
        }
        #expect(!page.contains("否") && !page.contains("minor") && !page.contains("seq"))
    }

    @Test(arguments: [
        ("2026-12-01T15:59:59.999Z", "2026年12月1日 23:59"), ("2026-12-01T16:00:00.000Z", "2026年12月2日 00:00"),
        ("2024-02-28T20:00:00.000Z", "2024年2月29日 04:00"), ("2025-12-31T16:30:00.000Z", "2026年1月1日 00:30"), ("not a time", "not a time"),
    ])
    func timesAreWrittenInChinaTime(utc: String, written: String) {
        #expect(ChinaTime.written(utc: utc) == written)
    }

    @Test func amountsAreGroupedByThousands() {
        #expect([0, 999, 1000, 50_000, 1_234_567].map { ReportContent.groupedYuan($0) } == ["0", "999", "1,000", "50,000", "1,234,567"])
    }
}

/// Settings a province gets wrong are named with the file and the place.
struct DocumentSettingsTests {
    func write(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("documents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("templates"), withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory.appendingPathComponent("documents.json").path
    }

    @Test func aTemplateThatDoesNotParseIsNamedWithItsLine() throws {
        let path = try write(["documents.json": #"{"issuer":{"name":"某局"},"reportTemplate":"templates/r.mustache"}"#, "templates/r.mustache": "<p>{{#a}}\n{{/b}}</p>"])
        #expect {
            try DocumentSettings(path: path)
        } throws: { error in
            guard case .invalidTemplate(let file, let reason) = error as? DocumentError else { return false }
            return file.hasSuffix("templates/r.mustache") && reason.hasPrefix("line 2, column")
        }
    }

    @Test(arguments: [
        (#"{"reportTemplate":"t"}"#, "issuer"), (#"{"issuer":{"name":" "},"reportTemplate":"t"}"#, "issuer.name"),
        (#"{"issuer":{"name":"某局","telephone":110},"reportTemplate":"t"}"#, "issuer.telephone"), (#"{"issuer":{"name":"某局"}}"#, "reportTemplate"),
        (#"{"issuer":{"name":"某局"},"reportTemplate":"missing.mustache"}"#, "cannot read"), ("{", "not JSON"),
    ])
    func aWrongSettingIsNamed(settings: String, named: String) throws {
        let path = try write(["documents.json": settings])
        #expect {
            try DocumentSettings(path: path)
        } throws: { error in
            guard case .invalidSettings(_, let reason) = error as? DocumentError else { return false }
            return reason.contains(named)
        }
    }
}
