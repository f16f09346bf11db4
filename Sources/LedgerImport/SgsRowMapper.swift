import CreditDomain
import Foundation
import Crypto
import LedgerJSON

/// Maps the rows of a 双公示 file (administrative penalties or licences, with the Chinese
/// column names upstream systems export; domain-rules.md §6) to ledger events.
///
/// Each event's `eventId` is derived from what identifies the decision (kind, entity,
/// decision number, authority), so importing the same file again appends nothing.
public struct SgsRowMapper: Sendable {
    /// Which kind of file, told by its header.
    public enum FileKind: String, Sendable {
        case penalties
        case licences
    }

    /// Why a row cannot become an event.
    public struct RowProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public let column: String?
        public let reason: String
        public var description: String { column.map { "\($0): \(reason)" } ?? reason }
    }

    public let kind: FileKind
    /// Header name → column index.
    let columns: [String: Int]
    /// Marks every event historical (`source.historical`): records of the past entered now,
    /// which count in no publication-timeliness figure.
    public var historical = false

    /// Reads the header; `nil` when it is neither a penalty nor a licence file.
    public init?(header: [String]) {
        var columns: [String: Int] = [:]
        for (index, raw) in header.enumerated() {
            // A UTF-8 byte-order mark, spaces, and the ASCII parentheses some exports use.
            let name = raw.replacingOccurrences(of: "\u{FEFF}", with: "").trimmingCharacters(in: .whitespaces)
                .replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            if columns[name] == nil { columns[name] = index }
        }
        self.columns = columns
        if columns["行政处罚决定书文号"] != nil {
            kind = .penalties
        } else if columns["行政许可决定文书号"] != nil {
            kind = .licences
        } else {
            return nil
        }
    }

    /// The columns a file of this kind must have.
    public var missingColumns: [String] {
        let required = kind == .penalties
            ? ["行政相对人名称", "行政处罚决定书文号", "处罚类别", "处罚决定日期", "处罚机关"]
            : ["行政相对人名称", "行政许可决定文书号", "许可内容", "许可决定日期", "许可机关"]
        return required.filter { columns[$0] == nil }
    }

    func value(_ row: [String], _ names: String...) -> String? {
        for name in names {
            if let index = columns[name], index < row.count {
                let text = row[index].trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { return text }
            }
        }
        return nil
    }

    func required(_ row: [String], _ name: String) throws(RowProblem) -> String {
        guard let text = value(row, name) else { throw RowProblem(column: name, reason: "is empty") }
        return text
    }

    /// The event for one data row.
    public func event(for row: [String]) throws(RowProblem) -> JSONValue {
        let entity = try entityCode(row)
        let authority = try required(row, kind == .penalties ? "处罚机关" : "许可机关")
        var source: [(String, JSONValue)] = [("authority", .string(value(row, "数据来源单位") ?? authority))]
        if let code = value(row, "数据来源单位统一社会信用代码", kind == .penalties ? "处罚机关统一社会信用代码" : "许可机关统一社会信用代码"),
            let valid = try? EntityCode(validating: code), valid.kind == .organisation
        {
            source.append(("authorityCode", .string(valid.code)))
        }
        switch kind {
        case .penalties:
            let decisionNo = try required(row, "行政处罚决定书文号")
            let decidedOn = try date(row, "处罚决定日期")
            let violation = [value(row, "违法行为类型"), value(row, "违法事实")].compactMap { $0 }.joined(separator: "：")
            var body: [(String, JSONValue)] = [
                ("decisionNo", .string(decisionNo)),
                // 双公示 publishes decisions of the ordinary procedure (simple ones are not published).
                ("procedure", "ordinary"),
                ("measures", .array(try measures(row))),
                ("violation", .string(violation.isEmpty ? "（未填写）" : String(violation.prefix(2000)))),
                ("legalBasis", .string(String((value(row, "处罚依据") ?? "（未填写）").prefix(2000)))),
            ]
            if let severity = value(row, "失信严重程度").flatMap(Self.severity) { body.append(("severity", .string(severity))) }
            return envelope(kind: "penalty.imposed", entity: entity, decisionNo: decisionNo, authority: authority, on: decidedOn, source: source, body: body)
        case .licences:
            let decisionNo = try required(row, "行政许可决定文书号")
            let decidedOn = try date(row, "许可决定日期")
            var body: [(String, JSONValue)] = [
                ("decisionNo", .string(decisionNo)),
                ("category", .string(value(row, "许可类别") ?? "其他")),
                ("content", .string(String(try required(row, "许可内容").prefix(2000)))),
                ("validFrom", .string((try optionalDate(row, "有效期自") ?? decidedOn).description)),
            ]
            if let until = try optionalDate(row, "有效期至") { body.append(("validUntil", .string(until.description))) }
            return envelope(kind: "license.granted", entity: entity, decisionNo: decisionNo, authority: authority, on: decidedOn, source: source, body: body)
        }
    }

    func envelope(
        kind: String, entity: EntityCode, decisionNo: String, authority: String, on date: CivilDate, source: [(String, JSONValue)],
        body: [(String, JSONValue)]
    ) -> JSONValue {
        .object([
            ("eventId", .string(Self.eventId(kind: kind, entity: entity.code, decisionNo: decisionNo, authority: authority))),
            ("kind", .string(kind)), ("entity", .string(entity.code)), ("occurredOn", .string(date.description)),
            ("source", .object(historical ? source + [("historical", true)] : source)), ("refs", []), ("body", .object(body)),
        ])
    }

    /// `sgs-` + the first 32 hex digits of SHA-256(kind, entity, decision number, authority).
    public static func eventId(kind: String, entity: String, decisionNo: String, authority: String) -> String {
        let digest = SHA256.hash(data: Array([kind, entity, decisionNo, authority].joined(separator: "\u{1F}").utf8))
        return "sgs-" + digest.prefix(16).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    func entityCode(_ row: [String]) throws(RowProblem) -> EntityCode {
        if let code = value(row, "统一社会信用代码", "行政相对人代码_1", "行政相对人代码_1（统一社会信用代码）") {
            do { return try EntityCode(validating: code) } catch { throw RowProblem(column: "统一社会信用代码", reason: "'\(code)' is not valid: \(error.message)") }
        }
        if let number = value(row, "证件号码") {
            do { return try EntityCode(validating: number) } catch { throw RowProblem(column: "证件号码", reason: "'\(number)' is not valid: \(error.message)") }
        }
        throw RowProblem(column: "统一社会信用代码", reason: "is empty, and so is 证件号码 (no other code identifies the party in this ledger)")
    }

    /// 处罚类别 to measures: several categories in one decision, separated by 、，,；; or /.
    func measures(_ row: [String]) throws(RowProblem) -> [JSONValue] {
        let text = try required(row, "处罚类别")
        let names = text.split { "、，,；;/ ".contains($0) }.map(String.init)
        var measures: [JSONValue] = []
        var seen: Set<String> = []
        for name in names {
            let type = Self.measureType(name)
            guard !seen.contains(type) else { continue }
            seen.insert(type)
            switch type {
            case "fine":
                guard let amount = try amountYuan(row, "罚款金额（万元）") else { throw RowProblem(column: "罚款金额（万元）", reason: "is empty for a fine") }
                measures.append(["type": "fine", "amountYuan": amount])
            case "confiscation":
                let amount = try amountYuan(row, "没收违法所得、没收非法财物的金额（万元）") ?? .int(0)
                measures.append(["type": "confiscation", "amountYuan": amount])
            default:
                measures.append(["type": .string(type)])
            }
        }
        guard !measures.isEmpty else { throw RowProblem(column: "处罚类别", reason: "names no penalty") }
        return measures
    }

    static func measureType(_ name: String) -> String {
        let table: [(String, String)] = [
            ("警告", "warning"), ("通报批评", "criticism"), ("罚款", "fine"), ("没收", "confiscation"), ("暂扣", "license-suspension"),
            ("降低资质", "qualification-downgrade"), ("吊销", "license-revocation"), ("限制开展", "business-restriction"),
            ("停产停业", "production-suspension"), ("责令关闭", "closure"), ("限制从业", "practice-restriction"), ("拘留", "detention"),
        ]
        return table.first { name.contains($0.0) }?.1 ?? "other"
    }

    static func severity(_ text: String) -> String? {
        if text.contains("严重") { return "serious" }
        if text.contains("一般") { return "general" }
        if text.contains("轻微") { return "minor" }
        return nil
    }

    /// 万元 (10,000 yuan) to yuan, exactly: up to 6 decimals as the exports carry.
    func amountYuan(_ row: [String], _ column: String) throws(RowProblem) -> JSONValue? {
        guard let text = value(row, column) else { return nil }
        let parts = text.replacingOccurrences(of: ",", with: "").split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0, whole < 1_000_000_000,
            parts.count == 1 || (parts[1].count <= 6 && parts[1].allSatisfy(\.isASCII) && Int64(parts[1]) != nil)
        else { throw RowProblem(column: column, reason: "'\(text)' is not an amount in 万元") }
        let fraction = parts.count == 2 ? String(parts[1]).padding(toLength: 6, withPad: "0", startingAt: 0) : "000000"
        // 1 万元 = 10,000 yuan: 6 decimals of 万元 are 0.01 yuan.
        let cents = whole * 1_000_000 + Int64(fraction)!
        return cents % 100 == 0 ? .int(cents / 100) : .double(Double(cents) / 100)
    }

    func date(_ row: [String], _ column: String) throws(RowProblem) -> CivilDate {
        guard let date = try optionalDate(row, column) else { throw RowProblem(column: column, reason: "is empty") }
        return date
    }

    /// YYYY-MM-DD, YYYY/M/D, YYYYMMDD, YYYY年M月D日, with an optional time after a space.
    func optionalDate(_ row: [String], _ column: String) throws(RowProblem) -> CivilDate? {
        guard let raw = value(row, column) else { return nil }
        let text = String(raw.split(separator: " ").first ?? "")
        let numbers = text.split { !$0.isNumber }.map(String.init)
        var parts: [Int] = []
        if numbers.count == 1, numbers[0].count == 8 {
            let digits = Array(numbers[0])
            parts = [String(digits[0..<4]), String(digits[4..<6]), String(digits[6..<8])].compactMap { Int($0) }
        } else if numbers.count == 3 {
            parts = numbers.compactMap { Int($0) }
        }
        guard parts.count == 3, let date = CivilDate(year: parts[0], month: parts[1], day: parts[2]), CivilDate.plausibleRange.contains(date) else {
            throw RowProblem(column: column, reason: "'\(raw)' is not a date")
        }
        return date
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
