import ArgumentParser
import Foundation
import LedgerJSON
import LedgerProtocol
import LedgerStore

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask the daemon for its version and head.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.call(try connection.connect(), ["op": "ping"])
        connection.json ? Output.json(result) : Output.human(result)
    }
}

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one stored event by seq or eventId.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long) var seq: Int64?
    @Option(name: .long) var eventId: String?

    func run() throws {
        var request: [(String, JSONValue)] = [("op", "get")]
        if let seq { request.append(("seq", .int(seq))) }
        if let eventId { request.append(("eventId", .string(eventId))) }
        guard request.count == 2 else { throw ValidationError("give exactly one of --seq or --event-id") }
        let result = try connection.call(try connection.connect(), .object(request))
        connection.json ? Output.json(result["event"] ?? .null) : Output.human(result["event"] ?? .null)
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List an entity's events in log order.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The USCC or resident ID number.") var entity: String
    @Option(name: .long, help: "A seq or an RFC 3339 timestamp: show what was known then.") var knownAt: String?

    func run() throws {
        var request: [(String, JSONValue)] = [("op", "history"), ("entity", .string(entity))]
        if let knownAt { request.append(("knownAt", Int64(knownAt).map { .int($0) } ?? .string(knownAt))) }
        let client = try connection.connect()
        var result = try connection.call(client, .object(request))
        // Every page, bound to the first page's knownAt.
        var events = result["events"]?.arrayValue ?? []
        var next = result["next"]?.intValue
        while let from = next {
            let page = try connection.call(client, .object(request.filter { $0.0 != "knownAt" } + [("knownAt", result["knownAt"] ?? .null), ("from", .int(from))]))
            events += page["events"]?.arrayValue ?? []
            next = page["next"]?.intValue
        }
        if case let .object(members) = result { result = .object(members.map { $0.0 == "events" ? ("events", .array(events)) : $0 }) }
        if connection.json { return Output.json(result) }
        Output.line("\(result["entity"]?.stringValue ?? entity): \(events.count) event(s) known at seq \(CanonicalJSON.string(result["knownAt"] ?? .null))")
        for event in events { Output.line("  " + Output.summary(event)) }
    }
}

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream events from a seq on, then new ones as they commit (Ctrl-C stops).")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The first seq (default: the next one to commit).") var from: Int64?
    @Option(name: .long, help: "Stop after this many events.") var count: Int?

    func run() throws {
        let client = try connection.connect()
        var start = from
        if start == nil {
            let ping = try connection.call(client, ["op": "ping"])
            start = (ping["head"]?.intValue ?? 0) + 1
        }
        _ = try connection.call(client, ["op": "subscribe", "from": .int(start!)])
        var seen = 0
        while count.map({ seen < $0 }) ?? true, let line = try client.readLine() {
            let value = try JSONParser.parse(line)
            if connection.json { Output.json(value["event"] ?? value) } else { Output.line(Output.summary(value["event"] ?? value)) }
            seen += 1
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The public credit report of an entity over a period, as JSON and as a printable HTML page with an SVG timeline.",
        discussion: "Pinned to the ledger head: running it again with --head SEQ gives the same bytes. Writes report-ENTITY-FROM-TO.json and .html.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The entity's USCC or ID number.") var entity: String
    @Option(name: .long, help: "The first day (YYYY-MM-DD).") var from: String
    @Option(name: .long, help: "The last day (YYYY-MM-DD).") var to: String
    @Option(name: .long, help: "Recompute at this ledger seq instead of the head.") var head: Int64?
    @Option(name: .long, help: "The folder to write into.") var output: String = "."

    func run() throws {
        var request: [(String, JSONValue)] = [("op", "report"), ("entity", .string(entity)), ("from", .string(from)), ("to", .string(to))]
        if let head { request.append(("head", .int(head))) }
        let client = try connection.connect()
        var report = try connection.call(client, .object(request))
        // A long report comes in pages: the rest pinned to the first page's head, then joined.
        var records = report["records"]?.arrayValue ?? []
        var next = report["page"]?["next"]?.intValue
        let pinned: [(String, JSONValue)] = [("head", report["head"]?["seq"] ?? .null), ("rulesDigest", report["basis"]?["rulesDigest"] ?? .null)]
        while let offset = next {
            let page = try connection.call(client, .object(request.filter { $0.0 != "head" } + pinned + [("offset", .int(offset))]))
            records += page["records"]?.arrayValue ?? []
            next = page["page"]?["next"]?.intValue
        }
        if case let .object(members) = report {
            report = .object(members.filter { $0.0 != "page" }.map { $0.0 == "records" ? ("records", .array(records)) : $0 })
        }
        if !FileManager.default.fileExists(atPath: output) { try PrivateFiles.directory(output) }
        let base = output + "/report-\(report["entity"]?.stringValue ?? entity)-\(from)-\(to)"
        try PrivateFiles.write(CanonicalJSON.encode(report) + [UInt8(ascii: "\n")], to: base + ".json")
        try PrivateFiles.write(Array(ReportPage.html(report).utf8), to: base + ".html")
        if connection.json {
            Output.json(["json": .string(base + ".json"), "html": .string(base + ".html"), "head": report["head"] ?? .null, "statements": report["statements"] ?? .null])
        } else {
            Output.line("wrote \(base).json and \(base).html (head seq \(CanonicalJSON.string(report["head"]?["seq"] ?? 0)))")
        }
    }
}
