import ArgumentParser
import LedgerDocuments
import LedgerJSON

/// `creditctl find`: entities whose current profile name contains a text (auditors and
/// admins; the look-up is recorded in the access log with its purpose).
struct FindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Entities whose current profile name contains a text, by name (auditors).",
        discussion: """
            Example — every entity whose name contains 某某科技:
              creditctl find 某某科技 --purpose 专项检查
            The text is matched exactly as stored (no normalisation of case, width or Unicode form), at least 2 \
            characters and at most 200 bytes. Matches come in the order of their names, then codes; --limit (default \
            20, at most 100) bounds them, and a note says when there were more.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A part of the entity's name (2 or more characters).") var name: String
    @Option(name: .long, help: "The most entities to list (1 to 100, default 20).") var limit: Int?

    func run() throws {
        var request: [(String, JSONValue)] = [("op", "find"), ("name", .string(name))]
        if let limit { request.append(("limit", .int(Int64(limit)))) }
        let result = try connection.call(try connection.connect(), .object(request))
        if connection.json { return Output.json(result) }
        for line in Self.lines(result) { Output.line(line) }
    }

    /// The readable form of a `find` answer: one row per entity, and a note when there were more.
    static func lines(_ result: JSONValue) -> [String] {
        let entities = result["entities"]?.arrayValue ?? []
        guard !entities.isEmpty else { return ["无匹配主体"] }
        var table = Table(["主体", "类型", "名称"])
        for entity in entities {
            table.add([Labels.text(entity["entity"]), Labels.label(entity["entityKind"]?.stringValue, in: Labels.entityKinds), Labels.text(entity["name"])])
        }
        var lines = table.lines()
        if result["more"]?.boolValue == true { lines += ["", "另有更多匹配：请用更长的名称片段或 --limit 列出更多"] }
        return lines
    }
}
