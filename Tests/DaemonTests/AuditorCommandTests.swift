import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 12, item 3: `creditctl status`, `display`, `check` and `stats` against the real
/// daemon — the built binary, its tables, its `--json` (the daemon's answer unchanged), its
/// time forms, exit statuses and one-line runtime errors.
@Suite(.serialized) struct AuditorCommandTests {
    static let purpose = "专项检查"
    static let name = "北京某某食品有限公司"
    static let invalidCode = "91110000600037341N"

    /// `creditctl ARGS`: exit status, standard output and standard error apart.
    static func ctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let base = NSTemporaryDirectory() + "cl-ctl-" + UUID().uuidString
        let paths = [base + ".out", base + ".err"]
        for path in paths { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        let output = try #require(FileHandle(forWritingAtPath: paths[0]))
        let error = try #require(FileHandle(forWritingAtPath: paths[1]))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Daemon.binary("creditctl"))
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = error
        try ChildProcess.run(process)
        let status = ChildProcess.wait(process)
        try output.close()
        try error.close()
        func text(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return (status, text(paths[0]), text(paths[1]))
    }

    /// Terminal columns of `text` as an independent check of the tables' alignment: CJK
    /// ideographs, CJK punctuation and fullwidth forms take two.
    static func columns(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ((0x2E80...0x9FFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value) ? 2 : 1) }
    }

    /// A daemon holding: orgA's profile (seq 1), a penalty (2), its serious-dishonesty listing (3),
    /// orgB's licence (4), and three licences of orgA (5-7); each appended on its own.
    struct Ledger {
        let daemon = Daemon()
        let client: LineClient
        /// The append answers, by seq.
        var appended: [JSONValue] = []

        init() throws {
            try daemon.start()
            client = try daemon.client()
            let source: JSONValue = ["authority": "北京市朝阳区市场监督管理局"]
            let events: [JSONValue] = [
                ["eventId": "pf-1", "kind": "entity.profiled", "entity": .string(orgA), "occurredOn": "2024-01-02", "source": source,
                 "body": ["name": .string(AuditorCommandTests.name), "entityType": "enterprise", "region": "110000"]],
                ["eventId": "p-1", "kind": "penalty.imposed", "entity": .string(orgA), "occurredOn": "2024-05-10", "source": source,
                 "body": ["decisionNo": "京朝市监罚〔2024〕123号", "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 20_000]],
                          "violation": "销售过期食品", "legalBasis": "食品安全法第一百二十四条"]],
                ["eventId": "ls-1", "kind": "list.entered", "entity": .string(orgA), "occurredOn": "2024-05-10", "source": ["authority": "北京市市场监督管理局"],
                 "body": ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]],
                licenceEvent("lb-1", entity: orgB),
                licenceEvent("la-1"), licenceEvent("la-2"), licenceEvent("la-3"),
            ]
            for event in events {
                let answer = try client.call(appendRequest([event]))
                try #require(result(answer) != nil, "\(CanonicalJSON.string(answer))")
                appended.append(answer)
            }
        }

        var socket: [String] { ["--socket", daemon.socketPath] }

        /// The `result` of a request made directly over the line protocol, as canonical JSON.
        func direct(_ request: JSONValue) throws -> String {
            let answer = try client.call(request)
            return CanonicalJSON.string(try #require(result(answer), "\(CanonicalJSON.string(answer))"))
        }

        /// When seq `seq` was recorded (RFC 3339, UTC).
        func recordedAt(_ seq: Int) -> String { appended[seq - 1]["result"]?["appended"]?[0]?["recordedAt"]?.stringValue ?? "" }
    }

    /// The China-time day of an RFC 3339 UTC timestamp.
    static func chinaDay(_ timestamp: String) throws -> String {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let instant = try #require(parser.date(from: timestamp))
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: instant)
    }

    @Test func statusAnswersTheStateOnADayAsKnownAtAMomentInEveryForm() throws {
        let ledger = try Ledger()
        func status(at: String, knownAt: String?) throws -> String {
            let run = try Self.ctl(["status", orgA, "--at", at, "--purpose", Self.purpose, "--json"] + (knownAt.map { ["--known-at", $0] } ?? []) + ledger.socket)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
            #expect(run.stdout.hasSuffix("\n") && run.stdout.dropLast().split(separator: "\n").count == 1, "one line of JSON")
            return run.stdout.trimmingCharacters(in: .newlines)
        }
        func direct(at: String, knownAt: JSONValue?) throws -> String {
            var request: [(String, JSONValue)] = [("op", "status"), ("entity", .string(orgA)), ("at", .string(at)), ("purpose", .string(Self.purpose))]
            if let knownAt { request.append(("knownAt", knownAt)) }
            return try ledger.direct(.object(request))
        }

        // A seq: only the profile was known at seq 1; the listing from seq 3 on.
        let first = try status(at: "2024-06-01", knownAt: "1")
        #expect(try first == direct(at: "2024-06-01", knownAt: 1))
        let atOne = try JSONParser.parse(Array(first.utf8))
        #expect(atOne["knownAt"] == 1 && atOne["records"]?.arrayValue?.isEmpty == true && atOne["lists"]?.arrayValue?.isEmpty == true)
        let listed = try JSONParser.parse(Array(try status(at: "2024-06-01", knownAt: "3").utf8))
        #expect(listed["knownAt"] == 3 && listed["lists"]?[0]?["list"] == "serious-dishonesty")

        // An RFC 3339 timestamp: the same as the daemon answers for it.
        let recorded = ledger.recordedAt(1)
        let atTimestamp = try status(at: "2024-06-01", knownAt: recorded)
        #expect(try atTimestamp == direct(at: "2024-06-01", knownAt: .string(recorded)))
        #expect((try JSONParser.parse(Array(atTimestamp.utf8)))["knownAt"]?.intValue ?? 0 >= 1)
        let before = try JSONParser.parse(Array(try status(at: "2024-06-01", knownAt: "2020-01-01T00:00:00+08:00").utf8))
        #expect(before["knownAt"] == 0)

        // A day: its end in China time, exactly the daemon's own "known at the end of the at day".
        let day = try Self.chinaDay(ledger.recordedAt(7))
        let atDay = try status(at: day, knownAt: day)
        #expect(try atDay == direct(at: day, knownAt: "at"))
        #expect((try JSONParser.parse(Array(atDay.utf8)))["knownAt"] == 7)
        let dayBefore = try JSONParser.parse(Array(try status(at: day, knownAt: "2020-01-01").utf8))
        #expect(dayBefore["knownAt"] == 0)

        // No --known-at: everything recorded.
        #expect(try status(at: "2024-06-01", knownAt: nil) == direct(at: "2024-06-01", knownAt: nil))
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test func statusTableHasChineseLabelsAndAlignedColumns() throws {
        let ledger = try Ledger()
        let run = try Self.ctl(["status", orgA, "--at", "2024-06-01", "--known-at", "3", "--purpose", Self.purpose] + ledger.socket)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        for expected in [orgA, Self.name, "法人和其他组织", "seq 3（--known-at 3）", "严重违法失信名单", "行政处罚", "京朝市监罚〔2024〕123号", "公示中", "名单（1）", "记录（1）", "市场禁入：无", "严重失信"] {
            #expect(run.stdout.contains(expected), "\(expected) in:\n\(run.stdout)")
        }
        // The records table: the date column starts at the same terminal column in its header and row.
        let lines = run.stdout.split(separator: "\n")
        let header = try #require(lines.first { $0.hasPrefix("类别") && $0.contains("决定日期") })
        let row = try #require(lines.first { $0.hasPrefix("行政处罚") })
        let headerColumn = Self.columns(header[..<(try #require(header.range(of: "决定日期"))).lowerBound])
        let rowColumn = Self.columns(row[..<(try #require(row.range(of: "2024-05-10"))).lowerBound])
        #expect(headerColumn == rowColumn && headerColumn > Self.columns("行政处罚"), "\(header)\n\(row)")
        #expect(!lines.contains { $0.hasSuffix(" ") }, "no trailing blanks")
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test func displayJoinsItsPages() throws {
        let ledger = try Ledger()
        let run = try Self.ctl(["display", orgA, "--at", "2024-06-01", "--page-size", "2", "--json"] + ledger.socket)
        #expect(run.status == 0, "\(run)")
        let joined = try JSONParser.parse(Array(run.stdout.utf8))
        let whole = try JSONParser.parse(Array(try ledger.direct(["op": "display", "entity": .string(orgA), "at": "2024-06-01", "limit": 5000]).utf8))
        let records = try #require(joined["records"]?.arrayValue)
        #expect(records.count > 2, "more than one page of 2")
        #expect(joined["records"] == whole["records"] && joined["page"] == nil && whole["page"]?["total"] == .int(Int64(records.count)))
        #expect(joined["entity"] == whole["entity"] && joined["channel"] == "creditchina")

        let table = try Self.ctl(["display", orgA, "--at", "2024-06-01", "--page-size", "2"] + ledger.socket)
        #expect(table.status == 0, "\(table)")
        for expected in ["信用中国", "行政许可", "行政处罚", "严重违法失信名单", "公示信息（\(records.count)）", "2024-06-01"] {
            #expect(table.stdout.contains(expected), "\(expected) in:\n\(table.stdout)")
        }
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test func checkOneEntityOrABatchFromAFile() throws {
        let ledger = try Ledger()
        let procurement = ["--measure", "restrict.public-procurement", "--at", "2024-06-01"]
        // One entity: the daemon's answer; exit 1 when restricted.
        let restricted = try Self.ctl(["check", orgA, "--json"] + procurement + ledger.socket)
        #expect(restricted.status == 1, "\(restricted)")
        #expect(restricted.stdout.trimmingCharacters(in: .newlines)
            == (try ledger.direct(["op": "check", "entity": .string(orgA), "measure": "restrict.public-procurement", "at": "2024-06-01"])))
        let readable = try Self.ctl(["check", orgA] + procurement + ledger.socket)
        #expect(readable.status == 1 && readable.stdout.contains("受限") && readable.stdout.contains("ls-1"), "\(readable)")
        let eligible = try Self.ctl(["check", orgB, "--measure", "eligible.green-channel", "--at", "2024-06-01", "--json"] + ledger.socket)
        let eligibleAnswer = try JSONParser.parse(Array(eligible.stdout.utf8))
        #expect(eligible.status == 0 && eligibleAnswer["decision"] == "eligible", "\(eligible)")

        // A procurement's bidders: one restricted, one not, one invalid code; comments and blanks skipped.
        let file = ledger.daemon.directory + "/bidders.txt"
        let bidders = "# 某政府采购项目投标人\n\(orgA)  # \(Self.name)\n\n\(orgB)\n\(Self.invalidCode)\n"
        _ = FileManager.default.createFile(atPath: file, contents: Data(bidders.utf8))
        let batch = try Self.ctl(["check", "--entities", file] + procurement + ledger.socket)
        #expect(batch.status == 1, "restricted wins: \(batch)")
        let rows = batch.stdout.split(separator: "\n")
        #expect(rows.contains { $0.contains(orgA) && $0.contains("受限") && $0.contains("ls-1") }, "\(batch.stdout)")
        #expect(rows.contains { $0.contains(orgB) && $0.contains("不适用") }, "\(batch.stdout)")
        #expect(rows.contains { $0.contains(Self.invalidCode) && $0.contains("无法核查") && $0.contains("invalid_entity") }, "\(batch.stdout)")
        #expect(batch.stdout.contains("共 3 个") && batch.stdout.contains("受限 1") && batch.stdout.contains("无法核查 1"), "\(batch.stdout)")

        let json = try Self.ctl(["check", "--entities", file, "--json"] + procurement + ledger.socket)
        let summary = try JSONParser.parse(Array(json.stdout.utf8))
        #expect(json.status == 1 && summary["restricted"] == 1 && summary["none"] == 1 && summary["failed"] == 1, "\(json)")
        let results = try #require(summary["results"]?.arrayValue)
        #expect(results.map { $0["line"] } == [2, 4, 5])
        #expect(results[0]["result"]?["decision"] == "restricted" && results[2]["error"]?["code"] == "invalid_entity")

        // Nothing restricted but a line not checked: 65, not "all clear".
        _ = FileManager.default.createFile(atPath: file, contents: Data("\(orgB)\n\(Self.invalidCode)\n".utf8))
        #expect(try Self.ctl(["check", "--entities", file] + procurement + ledger.socket).status == 65)
        _ = FileManager.default.createFile(atPath: file, contents: Data("\(orgB)\n".utf8))
        #expect(try Self.ctl(["check", "--entities", file] + procurement + ledger.socket).status == 0)
        // An unknown measure is the same for every line: the batch fails on one line.
        let unknown = try Self.ctl(["check", orgA, orgB, "--measure", "restrict.nothing"] + ledger.socket)
        #expect(unknown.status == 65 && unknown.stderr.hasPrefix("creditctl: invalid_field: ") && unknown.stdout.isEmpty, "\(unknown)")
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test func statsTableAndJSON() throws {
        let ledger = try Ledger()
        let run = try Self.ctl(["stats", "--json"] + ledger.socket)
        #expect(run.status == 0, "\(run)")
        let stats = try JSONParser.parse(Array(run.stdout.utf8))
        let direct = try JSONParser.parse(Array(try ledger.direct(["op": "stats"]).utf8))
        for member in ["head", "headHash", "events", "entities", "byKind"] { #expect(stats[member] == direct[member], "\(member)") }
        #expect(stats["events"] == 7 && stats["entities"] == 2)
        let table = try Self.ctl(["stats"] + ledger.socket)
        #expect(table.status == 0, "\(table)")
        let kinds = table.stdout.split(separator: "\n")
        #expect(kinds.contains { $0.hasPrefix("行政许可") && $0.contains("license.granted") && $0.hasSuffix(" 4") }, "\(table.stdout)")
        #expect(kinds.contains { $0.hasPrefix("events") && $0.hasSuffix(" 7") }, "\(table.stdout)")
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test func runtimeErrorsAreOneLineWithTheirExitStatus() throws {
        let ledger = try Ledger()
        func expectOneLine(_ arguments: [String], status: Int32, prefix: String) throws {
            let run = try Self.ctl(arguments)
            #expect(run.status == status, "\(arguments): \(run)")
            #expect(run.stderr.hasPrefix(prefix) && run.stderr.split(separator: "\n").count == 1 && run.stdout.isEmpty, "\(arguments): \(run)")
            #expect(!run.stderr.contains("USAGE") && !run.stderr.contains("Usage"), "no usage for a runtime error")
        }
        try expectOneLine(["get", "--seq", "999", "--purpose", Self.purpose] + ledger.socket, status: 66, prefix: "creditctl: not_found: ")
        try expectOneLine(["status", Self.invalidCode, "--purpose", Self.purpose] + ledger.socket, status: 65, prefix: "creditctl: invalid_entity: ")
        try expectOneLine(["status", orgA] + ledger.socket, status: 77, prefix: "creditctl: missing_field: ")
        try expectOneLine(["status", orgA, "--socket", ledger.daemon.directory + "/absent.sock"], status: 69, prefix: "creditctl: cannot_connect: ")
        try expectOneLine(["check", orgA, "--measure", "restrict.public-procurement", "--socket", ledger.daemon.directory + "/absent.sock"], status: 69, prefix: "creditctl: cannot_connect: ")
        #expect(ledger.daemon.terminate() == 0)
    }

    @Test(arguments: [
        (["status", orgA, "--at", "2025-13-01"], "--at"),
        (["status", orgA, "--known-at", "yesterday"], "--known-at"),
        (["history", orgA, "--known-at", "-5"], "--known-at"),
        (["status", orgA, "--known-at", "2025-07-01T25:00:00Z"], "--known-at"),
        (["report", orgA, "--from", "2024-1-1", "--to", "2024-12-31"], "--from"),
        (["check", "--measure", "restrict.public-procurement"], "--entities"),
        (["display", orgA, "--page-size", "0"], "--page-size"),
    ])
    func badOptionsAreUsageErrors(arguments: [String], option: String) throws {
        // No daemon: options are checked before anything is sent.
        let run = try Self.ctl(arguments + ["--socket", "/nonexistent/ledger.sock"])
        #expect(run.status == 64, "\(arguments): \(run)")
        #expect(run.stderr.contains(option) && run.stderr.contains("Usage"), "\(arguments): \(run.stderr)")
    }

    @Test func completionScriptsAndHelpNameTheCommandsAndExitStatuses() throws {
        for shell in ["bash", "zsh"] {
            let script = try Self.ctl(["--generate-completion-script", shell])
            #expect(script.status == 0, "\(shell): \(script.stderr)")
            for word in ["status", "display", "check", "stats", "--known-at", "--entities"] {
                #expect(script.stdout.contains(word), "\(shell) completion names \(word)")
            }
        }
        let help = try Self.ctl(["--help"])
        #expect(help.status == 0 && help.stdout.contains("EXIT STATUS"), "\(help)")
        for status in ["64", "65", "66", "69", "70", "77"] { #expect(help.stdout.contains("  \(status) "), "help documents \(status)") }
        let statusHelp = try Self.ctl(["status", "--help"])
        #expect(statusHelp.stdout.contains("23:59:59.999"), "--known-at explains a day: \(statusHelp.stdout)")
    }
}
