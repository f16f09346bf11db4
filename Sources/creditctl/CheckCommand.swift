import ArgumentParser
import Foundation
import LedgerDocuments
import LedgerJSON

/// `creditctl check`: 逢办必查 — one measure for one entity, or for every bidder of a
/// procurement listed in a file, on one connection (anyone; public information only).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "逢办必查: whether a measure restricts an entity (or makes it eligible) on a day, and the records it rests on.",
        discussion: """
            Example — every bidder of a procurement, one code per line:
              creditctl check --entities bidders.txt \\
                --measure restrict.public-procurement
            In a file, blank lines and text after # are ignored. Each line is checked on its own: an invalid code \
            is reported on its line and the rest are still checked. Decisions: restricted (受限), eligible \
            (适用激励), none (不适用: the measure does not apply). Exit status: 1 when at least one entity is \
            restricted; else 65 when a line could not be checked; else 0. With --json, one entity prints the \
            daemon's answer; several print {measure, at, restricted, eligible, none, failed, results: [{line, entity, result | error}]}.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "USCCs or resident ID numbers (or use --entities).") var entities: [String] = []
    @Option(name: .customLong("entities"), help: ArgumentHelp("A file of codes, one per line (- for standard input).", valueName: "file"), completion: .file())
    var entitiesFile: String?
    @Option(name: .long, help: "The measure, e.g. restrict.public-procurement, restrict.market-entry, eligible.green-channel.")
    var measure: String
    @Option(name: .long, help: ArgumentHelp(DayArgument.help + " The day decided for (default today).", valueName: "day"))
    var at: DayArgument?
    @Option(name: .long, help: "The ban scope that matters (restrict.market-entry); a market-wide ban covers every scope.")
    var scope: String?

    /// Lines read from an entities file at most: a procurement's bidders, with room to spare.
    static let maximumFileLines = 100_000

    func validate() throws {
        guard entitiesFile != nil || !entities.isEmpty else { throw ValidationError("give an entity code, or --entities FILE") }
    }

    func run() throws {
        let lines = try Self.codes(arguments: entities, file: entitiesFile)
        let requests = lines.map { line -> JSONValue in
            var request: [(String, JSONValue)] = [("op", "check"), ("entity", .string(line.code)), ("measure", .string(measure))]
            if let at { request.append(("at", at.json)) }
            if let scope { request.append(("scope", .string(scope))) }
            return .object(request)
        }
        let client = try connection.connect()
        if entitiesFile == nil && entities.count == 1 {
            let result = try connection.call(client, requests[0])
            connection.json ? Output.json(result) : Self.single(result).forEach(Output.line)
            if result["decision"]?.stringValue == "restricted" { throw ExitCode(ExitStatus.found.rawValue) }
            return
        }
        let outcomes = try zip(lines, try connection.answers(client, requests)).map { line, answer in try Outcome(line: line, answer: answer) }
        let summary = Summary(outcomes)
        if connection.json {
            Output.json(summary.json(outcomes, measure: measure, at: at))
        } else {
            Self.batch(outcomes, summary: summary, measure: measure).forEach(Output.line)
        }
        if let status = summary.exitStatus { throw ExitCode(status.rawValue) }
    }

    /// One code to check and where it came from (a file line, or an argument's position).
    struct Line {
        let number: Int
        let code: String
    }

    /// The codes to check: the arguments, then the file's lines that hold one.
    /// - Throws: ``CtlError`` when the file cannot be read or is too long (65).
    static func codes(arguments: [String], file: String?) throws -> [Line] {
        var lines = arguments.enumerated().map { Line(number: $0.offset + 1, code: $0.element) }
        guard let file else { return lines }
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
        guard let data else { throw CtlError("cannot_read", "cannot read \(file)", exitStatus: .ioError) }
        guard let text = String(data: data, encoding: .utf8) else { throw CtlError("bad_input", "\(file) is not UTF-8 text", exitStatus: .dataError) }
        let fileLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard fileLines.count <= maximumFileLines else {
            throw CtlError("bad_input", "\(file) has \(fileLines.count) lines, more than \(maximumFileLines)", exitStatus: .dataError)
        }
        for (index, raw) in fileLines.enumerated() {
            // Text after # is a comment (a bidder's name, say); a byte-order mark and blanks are not part of a code.
            let code = raw.prefix { $0 != "#" }.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if !code.isEmpty { lines.append(Line(number: index + 1, code: code)) }
        }
        return lines
    }

    /// One line's answer: the daemon's result, or the error that concerns only this line.
    struct Outcome {
        let line: Line
        let result: JSONValue?
        let error: JSONValue?

        /// - Throws: ``CtlError`` for an error that is not about the line's code (an unknown
        ///   measure, a refused date …): it would be the same for every line.
        init(line: Line, answer: JSONValue) throws {
            self.line = line
            if answer["ok"]?.boolValue == true {
                result = try ConnectionOptions.result(of: answer)
                error = nil
            } else if answer["error"]?["field"]?.stringValue == "entity" {
                result = nil
                error = answer["error"]
            } else {
                throw CtlError(daemonError: answer["error"])
            }
        }

        var decision: String? { result?["decision"]?.stringValue }
    }

    /// How many lines came to each decision, and what the exit status says of them.
    struct Summary {
        var counts: [String: Int] = [:]
        var failed = 0

        init(_ outcomes: [Outcome]) {
            for outcome in outcomes {
                if let decision = outcome.decision { counts[decision, default: 0] += 1 } else { failed += 1 }
            }
        }

        /// 1 when any is restricted (what a procurement must act on), else 65 when a line could
        /// not be checked, else nil (0).
        var exitStatus: ExitStatus? {
            if counts["restricted", default: 0] > 0 { return .found }
            return failed > 0 ? .dataError : nil
        }

        func json(_ outcomes: [Outcome], measure: String, at: DayArgument?) -> JSONValue {
            let results: [JSONValue] = outcomes.map { outcome in
                var members: [(String, JSONValue)] = [("line", .int(Int64(outcome.line.number))), ("entity", .string(outcome.line.code))]
                if let result = outcome.result { members.append(("result", result)) }
                if let error = outcome.error { members.append(("error", error)) }
                return .object(members)
            }
            return .object([
                ("measure", .string(measure)), ("at", at?.json ?? outcomes.lazy.compactMap { $0.result?["at"] }.first ?? .null),
                ("restricted", .int(Int64(counts["restricted", default: 0]))), ("eligible", .int(Int64(counts["eligible", default: 0]))),
                ("none", .int(Int64(counts["none", default: 0]))), ("failed", .int(Int64(failed))), ("results", .array(results)),
            ])
        }
    }

    /// One entity: its decision, the rule and the records it rests on.
    static func single(_ check: JSONValue) -> [String] {
        Table.pairs([
            ("主体", Labels.text(check["entity"])),
            ("措施", Labels.text(check["measure"])),
            ("日期", Labels.text(check["at"])),
            ("结论", decision(check)),
            ("规则", "\(Labels.text(check["rule"]))：\(Labels.text(check["source"]))"),
            ("依据", basis(check)),
        ])
    }

    /// One row per line, then the summary.
    static func batch(_ outcomes: [Outcome], summary: Summary, measure: String) -> [String] {
        var table = Table(["行", "主体", "结论", "依据"], rightAligned: [0])
        for outcome in outcomes {
            if let result = outcome.result {
                table.add([String(outcome.line.number), outcome.line.code, decision(result), basis(result)])
            } else {
                table.add([String(outcome.line.number), outcome.line.code, "无法核查", "\(Labels.text(outcome.error?["code"]))：\(Labels.text(outcome.error?["message"]))"])
            }
        }
        let at = outcomes.lazy.compactMap { $0.result?["at"]?.stringValue }.first ?? "—"
        let counts = ["restricted", "eligible", "none"].map { "\(Labels.label($0, in: Labels.decisions)) \(summary.counts[$0, default: 0])" }
        return table.lines() + ["", "措施 \(measure)，日期 \(at)：共 \(outcomes.count) 个，" + (counts + ["无法核查 \(summary.failed)"]).joined(separator: "，")]
    }

    static func decision(_ check: JSONValue) -> String {
        let code = check["decision"]?.stringValue
        return "\(Labels.label(code, in: Labels.decisions))（\(code ?? "—")）"
    }

    /// The records a decision rests on: "eventId（rule）", or "—".
    static func basis(_ check: JSONValue) -> String {
        let items = (check["basis"]?.arrayValue ?? []).map { "\(Labels.text($0["eventId"]))（\(Labels.text($0["rule"]))）" }
        return items.isEmpty ? "—" : items.joined(separator: "；")
    }
}
