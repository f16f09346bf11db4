import ArgumentParser
import LedgerDocuments
import LedgerJSON

/// `creditctl stats`: the ledger's size and commit figures, and its events by kind (admins).
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "The ledger's head, events, entities, store size, commit latency, and events by kind (admins).",
        discussion: "Per authority and month figures (timeliness, invalid-code rate): creditctl quality.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.call(try connection.connect(), ["op": "stats"])
        if connection.json { return Output.json(result) }
        for line in Self.lines(result) { Output.line(line) }
    }

    static let bytesPerMebibyte = 1 << 20

    static func lines(_ stats: JSONValue) -> [String] {
        let commits = stats["commits"]
        let latency = commits?["latencyMicroseconds"]
        func mebibytes(_ value: JSONValue?) -> String {
            guard let bytes = value?.intValue else { return "—" }
            return "\((Double(bytes) / Double(bytesPerMebibyte) * 10).rounded() / 10) MiB"
        }
        var lines = Table.pairs([
            ("head", "seq \(Labels.text(stats["head"])) \(Labels.text(stats["headHash"]))"),
            ("events", Labels.text(stats["events"])),
            ("entities", Labels.text(stats["entities"])),
            ("store", "\(mebibytes(stats["storeBytes"])) of a \(mebibytes(stats["mapSizeBytes"])) map"),
            ("connections", Labels.text(stats["connections"])),
            ("commits", "\(Labels.text(commits?["count"])) (\(Labels.text(commits?["failed"])) failed), \(Labels.text(commits?["requests"])) requests"),
            ("commit latency µs", "p50 \(Labels.text(latency?["p50"])), p99 \(Labels.text(latency?["p99"])), max \(Labels.text(latency?["max"]))"),
            ("requests per commit", "mean \(Labels.text(commits?["requestsPerCommit"]?["mean"])), max \(Labels.text(commits?["requestsPerCommit"]?["max"]))"),
        ])
        var kinds = Table(["事件类别", "kind", "events"], rightAligned: [2])
        for (kind, count) in stats["byKind"]?.objectValue ?? [] {
            kinds.add([Labels.label(kind, in: Labels.kinds), kind, Labels.text(count)])
        }
        lines += StatusTables.section("按类别", kinds)
        return lines
    }
}
