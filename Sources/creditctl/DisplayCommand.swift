import ArgumentParser
import LedgerDocuments
import LedgerJSON

/// `creditctl display`: the public view of an entity on a day, as a channel shows it (anyone).
struct DisplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "display",
        abstract: "The public view of an entity on a day: only what the channel shows then, personal data masked (anyone).",
        discussion: """
            As known now (the public sites show the current record). A long view comes in pages, joined here; \
            with --json the joined answer is printed without its page member.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The USCC or resident ID number.") var entity: String
    @Option(name: .long, help: ArgumentHelp(DayArgument.help + " The day shown (default today).", valueName: "day"))
    var at: DayArgument?
    @Option(name: .long, help: "creditchina (信用中国, the default) or gsxt (国家企业信用信息公示系统).")
    var channel: ChannelArgument?
    @Option(name: .long, help: "Records asked for per request (1-5000, default the daemon's 1000); the pages are joined.")
    var pageSize: Int?

    /// The daemon's largest page (`Page.maximumLimit`).
    static let maximumPageSize = 5000

    func validate() throws {
        if let pageSize, !(1...Self.maximumPageSize).contains(pageSize) { throw ValidationError("--page-size must be 1 to \(Self.maximumPageSize)") }
    }

    func run() throws {
        var request: [(String, JSONValue)] = [("entity", .string(entity))]
        if let at { request.append(("at", at.json)) }
        if let channel { request.append(("channel", .string(channel.rawValue))) }
        if let pageSize { request.append(("limit", .int(Int64(pageSize)))) }
        let result = try Pages.joined(connection, try connection.connect(), .display, request: request)
        if connection.json { return Output.json(result) }
        for line in Self.lines(result) { Output.line(line) }
    }

    static func lines(_ display: JSONValue) -> [String] {
        let shown = display["records"]?.arrayValue ?? []
        var lines = Table.pairs([
            ("主体", Labels.text(display["entity"])),
            ("名称", Labels.text(display["profile"]?["name"])),
            ("日期", Labels.text(display["at"])),
            ("渠道", Labels.label(display["channel"]?.stringValue, in: Labels.channels)),
        ])
        var records = Table(["类别", "决定日期", "文号/内容", "严重程度", "公示期", "异议", "事件"])
        for record in shown {
            let kind = record["kind"]?.stringValue
            // A listing names its list, a ban its scope; a record its decision.
            let what = record["list"]?.stringValue.map { Labels.label($0, in: Labels.lists) } ?? record["scope"]?.stringValue ?? Labels.what(record)
            records.add([
                Labels.label(kind, in: Labels.kinds), Labels.text(record["occurredOn"]), what,
                Labels.label(record["severity"]?.stringValue, in: Labels.severities), Labels.window(record["window"]),
                record["underObjection"]?.boolValue == true ? "异议中" : "—", Labels.text(record["eventId"]),
            ])
        }
        lines += StatusTables.section("公示信息", records)
        return lines
    }
}

/// `--channel`: one of the two publication channels.
enum ChannelArgument: String, ExpressibleByArgument, CaseIterable {
    case creditchina
    case gsxt
}
