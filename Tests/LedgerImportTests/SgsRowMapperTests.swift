import CreditDomain
import Foundation
import LedgerJSON
import Testing

@testable import LedgerImport

let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/sgs-penalties.csv").path

/// 双公示 rows to events: the sample file's good, bad and repeated rows.
@Suite struct SgsRowMapperTests {
    func rows() throws -> (SgsFile, [(line: Int, fields: [String])]) {
        let file = try SgsFile(path: fixture)
        var rows: [(Int, [String])] = []
        while let row = file.next() { rows.append(row) }
        #expect(file.error == nil)
        return (file, rows)
    }

    @Test func mapsAPenaltyRowWithSeveralMeasuresAndAmountsInTenThousandYuan() throws {
        let (file, rows) = try rows()
        #expect(file.mapper.kind == .penalties && rows.count == 8)
        let first = try file.mapper.event(for: rows[0].fields)
        #expect(first["kind"] == "penalty.imposed" && first["entity"] == "91110000600037341L" && first["occurredOn"] == "2025-03-12")
        #expect(first["body"]?["measures"] == [["type": "warning"], ["type": "fine", "amountYuan": 20_000]])
        #expect(first["body"]?["decisionNo"] == "京朝市监罚〔2025〕101号" && first["source"]?["authority"] == "北京市朝阳区市场监督管理局")
        let second = try file.mapper.event(for: rows[1].fields)
        #expect(second["occurredOn"] == "2025-04-01", "YYYY/MM/DD")
        #expect(second["body"]?["measures"] == [["type": "fine", "amountYuan": 55_000], ["type": "confiscation", "amountYuan": .double(1234.56)]])
        #expect(second["body"]?["violation"] == #"虚假宣传：在其网店宣称"全网最低价"无事实依据"#, "quoted field with quotes inside")
        let person = try file.mapper.event(for: rows[2].fields)
        #expect(person["entity"] == "11010519491231002X" && person["occurredOn"] == "2025-04-20", "ID number when there is no USCC; YYYYMMDD")
    }

    @Test func theSameDecisionGetsTheSameEventId() throws {
        let (file, rows) = try rows()
        #expect(rows[3].line == 5)
        let original = try file.mapper.event(for: rows[0].fields)["eventId"]
        #expect(try file.mapper.event(for: rows[3].fields)["eventId"] == original)
        #expect(original?.stringValue?.hasPrefix("sgs-") == true && original?.stringValue?.count == 36)
        #expect(try file.mapper.event(for: rows[1].fields)["eventId"] != original)
    }

    @Test func badRowsSayWhichColumnAndWhy() throws {
        let (file, rows) = try rows()
        let problems = rows[4...].map { row -> SgsRowMapper.RowProblem? in
            do { _ = try file.mapper.event(for: row.fields); return nil } catch { return error as? SgsRowMapper.RowProblem }
        }
        #expect(problems.map { $0?.column } == ["统一社会信用代码", "罚款金额（万元）", "处罚决定日期", "统一社会信用代码"])
        #expect(problems[0]?.reason.contains("check character") == true)
        #expect(rows[4...].map(\.line) == [6, 7, 8, 9])
    }

    @Test func refusesAFileThatIsNeitherKind() throws {
        let path = NSTemporaryDirectory() + "sgs-" + UUID().uuidString + ".csv"
        try Data("名称,金额\n甲,1\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SgsFile.OpenError.self) { try SgsFile(path: path) }
        #expect(SgsRowMapper(header: ["\u{FEFF}行政相对人名称", "行政许可决定文书号", "许可内容", "许可决定日期", "许可机关"])?.kind == .licences, "BOM dropped")
    }

    @Test func mapsALicenceRow() throws {
        let mapper = try #require(SgsRowMapper(header: ["行政相对人名称", "统一社会信用代码", "行政许可决定文书号", "许可类别", "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关"]))
        let event = try mapper.event(for: ["某公司", "91350100M000100Y43", "闽食许〔2025〕1号", "普通", "食品经营许可", "2025年3月1日", "2025-03-01", "2030-02-28", "福州市市场监督管理局"])
        #expect(event["kind"] == "license.granted" && event["occurredOn"] == "2025-03-01")
        #expect(event["body"] == ["decisionNo": "闽食许〔2025〕1号", "category": "普通", "content": "食品经营许可", "validFrom": "2025-03-01", "validUntil": "2030-02-28"])
    }
}
