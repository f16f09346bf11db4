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
    static let configuration = CommandConfiguration(abstract: "List an entity's events in log order (auditors).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The USCC or resident ID number.") var entity: String
    @Option(name: .long, help: KnownAtArgument.help) var knownAt: KnownAtArgument?

    func run() throws {
        var request: [(String, JSONValue)] = [("entity", .string(entity))]
        if let knownAt { request.append(("knownAt", knownAt.json)) }
        // Every page, bound to the first page's knownAt.
        let result = try Pages.joined(connection, try connection.connect(), .history, request: request)
        if connection.json { return Output.json(result) }
        let events = result["events"]?.arrayValue ?? []
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

struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make this follower the leader (admins): it stops following, verifies its log and takes a new epoch.",
        discussion: "The former leader, should it come back, refuses appends once it meets the new epoch. Deploy/running.md has the runbook.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.call(try connection.connect(), ["op": "promote"])
        if connection.json { return Output.json(result) }
        Output.line(
            "promoted: leader at epoch \(CanonicalJSON.string(result["epoch"] ?? .null)), log verified to seq \(CanonicalJSON.string(result["head"] ?? .null)) (\(result["headHash"]?.stringValue ?? ""))")
        let notice = result["formerLeaderNotice"]
        let fenced = notice?["fenced"]?.boolValue == true
        Output.line(
            "former leader \(result["formerLeader"]?.stringValue ?? ""): "
                + (fenced ? "fenced (it refuses appends)" : "not fenced (\(notice?["reason"]?.stringValue ?? "no answer")): keep it from taking appends (Deploy/running.md, Promotion)"))
        Output.line("next: remove \"follow\" from this daemon's config (a restart would follow again), point writers here")
    }
}
