import ArgumentParser
import LedgerDocuments
import LedgerJSON

/// `creditctl status`: an entity's credit state on a day, as the ledger knew it at a moment
/// (auditors and admins; the read is recorded in the access log with its purpose).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "An entity's credit state on a day as known at a moment: records per channel, lists, bans, commitments, pending objections and repairs (auditors).",
        discussion: """
            Example — the state on 2025-06-01 as known at the end of 2025-07-01:
              creditctl status 91110000600037341L --at 2025-06-01 \\
                --known-at 2025-07-01 --purpose 专项检查
            --at is the day the state is computed for (default today, China time). --known-at limits the ledger to \
            what it had recorded then: a day means the end of that day in China time (23:59:59.999 +08:00), or give \
            an RFC 3339 timestamp or a seq. The answer names the seq it used.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The USCC or resident ID number.") var entity: String
    @Option(name: .long, help: ArgumentHelp(DayArgument.help + " The day the state is computed for (default today).", valueName: "day"))
    var at: DayArgument?
    @Option(name: .long, help: KnownAtArgument.help) var knownAt: KnownAtArgument?

    func run() throws {
        var request: [(String, JSONValue)] = [("op", "status"), ("entity", .string(entity))]
        if let at { request.append(("at", at.json)) }
        if let knownAt { request.append(("knownAt", knownAt.json)) }
        let result = try connection.call(try connection.connect(), .object(request))
        if connection.json { return Output.json(result) }
        for line in StatusTables.lines(result, knownAt: knownAt) { Output.line(line) }
    }
}

/// The readable form of a `status` answer: the entity's facts, then one table per section.
enum StatusTables {
    /// - Parameter knownAt: the `--known-at` given, shown beside the seq the daemon used.
    static func lines(_ status: JSONValue, knownAt: KnownAtArgument?) -> [String] {
        let spotCheck = status["spotCheck"]
        var facts: [(String, String)] = [
            ("主体", "\(Labels.text(status["entity"]))（\(Labels.label(status["entityKind"]?.stringValue, in: Labels.entityKinds))）"),
            ("名称", Labels.text(status["profile"]?["body"]?["name"])),
            ("状态日期", Labels.text(status["at"])),
            ("数据截至", "seq \(Labels.text(status["knownAt"]))" + (knownAt.map { "（--known-at \($0)）" } ?? "（全部已记录）")),
            ("信用风险分类", "\(Labels.text(status["supervisionClass"]))，双随机抽查比例 \(Labels.text(spotCheck?["ratioPercent"]))%，\(Labels.text(spotCheck?["frequency"]))"),
            ("标记", flags(status["flags"])),
        ]
        if let grade = status["grade"], !grade.isNull { facts.append(("信用评价", Labels.text(grade["body"]?["grade"] ?? grade["body"]))) }
        if let deregistered = status["deregisteredOn"], !deregistered.isNull { facts.append(("注销日期", Labels.text(deregistered))) }
        facts.append(("规则摘要", Labels.text(status["basis"]?["rulesDigest"])))
        var lines = Table.pairs(facts)

        var lists = Table(["名单", "列入日期", "移出日期", "最早可移出"] + Labels.channelColumns.map { $0.title } + ["事件"])
        for listing in status["lists"]?.arrayValue ?? [] {
            lists.add([
                Labels.label(listing["list"]?.stringValue, in: Labels.lists), Labels.text(listing["since"]), Labels.text(listing["until"]),
                Labels.text(listing["earliestRemoval"]),
            ] + Labels.channelColumns.map { listing["displayed"]?[$0.code]?.boolValue == true ? "公示" : "不公示" } + [Labels.text(listing["eventId"])])
        }
        lines += section("名单", lists)

        var records = Table(["类别", "决定日期", "文号/内容", "严重程度"] + Labels.channelColumns.map { "\($0.title)公示期" } + ["备注", "事件"])
        for record in status["records"]?.arrayValue ?? [] {
            let windows = Labels.channelColumns.map { channel -> String in
                let shown = record["displayed"]?[channel.code]?.boolValue == true
                return (shown ? "公示中 " : "") + Labels.window(record["windows"]?[channel.code])
            }
            records.add([
                Labels.label(record["kind"]?.stringValue, in: Labels.kinds), Labels.text(record["occurredOn"]), Labels.what(record),
                severity(record["severity"], channels: Labels.channelColumns.map { $0.code }),
            ] + windows + [remarks(record), Labels.text(record["eventId"])])
        }
        lines += section("记录", records)

        var bans = Table(["市场禁入范围", "起", "止", "事件"])
        for ban in status["bans"]?.arrayValue ?? [] {
            let until = ban["permanent"]?.boolValue == true ? "终身" : Labels.text(ban["until"])
            bans.add([Labels.text(ban["scope"]), Labels.text(ban["since"]), until, Labels.text(ban["eventId"])])
        }
        lines += section("市场禁入", bans)

        var commitments = Table(["信用承诺", "结果", "到期日", "事件"])
        for commitment in status["commitments"]?.arrayValue ?? [] {
            commitments.add([
                Labels.text(commitment["type"]), Labels.label(commitment["outcome"]?.stringValue, in: Labels.commitmentOutcomes),
                Labels.text(commitment["dueOn"]), Labels.text(commitment["eventId"]),
            ])
        }
        lines += section("信用承诺", commitments)

        var pending = Table(["待办", "阶段", "起算日", "期限", "逾期", "渠道", "对象", "事件"])
        for item in status["pending"]?.arrayValue ?? [] {
            let overdue = item["overdue"]?.boolValue.map { $0 ? "已逾期" : "未逾期" } ?? "—"
            pending.add([
                Labels.label(item["kind"]?.stringValue, in: Labels.pendingKinds), Labels.label(item["stage"]?.stringValue, in: Labels.pendingStages),
                Labels.text(item["since"]), Labels.text(item["deadline"]), overdue, Labels.label(item["channel"]?.stringValue, in: Labels.channels),
                Labels.text(item["target"]), Labels.text(item["eventId"]),
            ])
        }
        lines += section("待办（异议、信用修复）", pending)
        return lines
    }

    /// A blank line, the title with the row count, and the table (or "无").
    static func section(_ title: String, _ table: Table) -> [String] {
        guard !table.isEmpty else { return ["", "\(title)：无"] }
        return ["", "\(title)（\(table.rows.count)）"] + table.lines()
    }

    static func flags(_ value: JSONValue?) -> String {
        let names = (value?.arrayValue ?? []).compactMap(\.stringValue).map { Labels.label($0, in: Labels.flags) }
        return names.isEmpty ? "无" : names.joined(separator: "、")
    }

    /// One severity when the channels agree, else each channel's.
    static func severity(_ value: JSONValue?, channels: [String]) -> String {
        let found = channels.compactMap { channel in value?[channel]?["severity"]?.stringValue.map { (channel, Labels.label($0, in: Labels.severities)) } }
        if found.isEmpty { return "—" }
        if Set(found.map { $0.1 }).count == 1 { return found[0].1 }
        return found.map { "\(Labels.label($0.0, in: Labels.channels)) \($0.1)" }.joined(separator: " / ")
    }

    /// What else a person should know of a record: objection, fulfilment, what superseded it.
    static func remarks(_ record: JSONValue) -> String {
        var notes: [String] = []
        if record["underObjection"]?.boolValue == true { notes.append("异议中") }
        if let fulfilled = record["fulfilled"]?.boolValue { notes.append(fulfilled ? "已履行" : "未履行") }
        for superseding in record["supersededBy"]?.arrayValue ?? [] {
            notes.append("\(Labels.text(superseding["effect"]))（\(Labels.text(superseding["eventId"]))）")
        }
        return notes.isEmpty ? "—" : notes.joined(separator: "，")
    }
}
