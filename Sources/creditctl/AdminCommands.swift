import ArgumentParser
import Foundation
import LedgerJSON
import LedgerProtocol
import LedgerStore
import CreditLedger

/// Where an admin command reads from: the daemon, or a data dir opened read-only.
struct SourceOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Read this data dir directly (offline; safe while the daemon runs) instead of asking the daemon.")
    var dataDir: String?
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the log as JSON Lines: each stored record as it is hashed, with seq, recordedAt, prevHash and hash.",
        discussion: """
            Every line is the stored record's canonical bytes with its hash added last (Schemas/canonical-encoding.md), \
            the same bytes offline (--data-dir) or through the daemon, so `creditctl load` can store them again byte for \
            byte. --log access writes the access log instead (its own chain). With --output, the file is private (0600) \
            and flushed, and the last record's seq and hash are printed to compare with `verify` on the loaded store.
            """)
    @OptionGroup var source: SourceOptions
    @Option(name: .long, help: "The first seq.") var from: Int64 = 1
    @Option(name: .long, help: "Write here instead of standard output.") var output: String?
    @Option(name: .long, help: "events (the event log, default) or access (the access log).") var log: ExportedLog = .events

    enum ExportedLog: String, ExpressibleByArgument {
        case events
        case access
    }

    /// Records per page read (a read transaction offline, a request online).
    static let pageRecords = 10_000

    func run() throws {
        let path = output
        // An export holds personal data: private (0600) whatever the umask, flushed at the end.
        let sink = try path.map { path in
            do { return try PrivateFiles.openOutput(path) } catch { throw ValidationError("\(error)") }
        } ?? .standardOutput
        var written = 0
        var last: StoredRecord?
        var progress = Progress(label: "exported", total: nil)
        var pending = Data()
        func emit(_ record: StoredRecord) {
            pending.append(contentsOf: record.jsonWithHash())
            pending.append(UInt8(ascii: "\n"))
            written += 1
            last = record
            if pending.count > 1 << 20 {
                sink.write(pending)
                pending.removeAll(keepingCapacity: true)
                if path != nil { progress.update(written) }
            }
        }
        if let dataDir = source.dataDir {
            let store = try LogStore(directory: dataDir, readOnly: true)
            var next = UInt64(max(from, 1))
            while true {
                let records = try store.read { events in try (log == .access ? events.accessLog() : events).records(from: next, limit: Self.pageRecords) }
                guard let lastOfPage = records.last else { break }
                for record in records { emit(record) }
                next = lastOfPage.seq + 1
            }
        } else {
            let client = try source.connection.connect()
            var next = max(from, 1)
            let (op, member) = log == .access ? ("access-log", "records") : ("read", "events")
            while true {
                let result = try source.connection.call(client, ["op": .string(op), "from": .int(next), "limit": .int(Int64(Self.pageRecords))])
                let values = result[member]?.arrayValue ?? []
                if values.isEmpty { break }
                // Answers are canonical JSON (members sorted): back to the stored byte form.
                for value in values {
                    do {
                        emit(try ExportedRecord.record(line: CanonicalJSON.encode(value)).record)
                    } catch {
                        throw ValidationError("the daemon's record \(CanonicalJSON.string(value["seq"] ?? .null)) does not read as a stored record: \(error)")
                    }
                }
                next = result["next"]?.intValue ?? next + Int64(values.count)
            }
        }
        sink.write(pending)
        if let path {
            // Flushed through the path (a regular file; a device is left as it is).
            try PrivateFiles.seal(path)
            progress.finish(written)
            let summary: JSONValue = [
                "output": .string(path), "log": .string(log.rawValue), "records": .int(Int64(written)),
                "last": last.map { ["seq": .int(Int64($0.seq)), "hash": .string($0.hashHex)] } ?? .null,
            ]
            source.connection.json ? Output.json(summary) : Output.human(summary)
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the hash chain: every record intact, gap-free and chained.")
    @OptionGroup var source: SourceOptions
    @Option(name: .long) var from: Int64 = 1
    @Option(name: .long) var to: Int64?
    @Option(name: .long, help: "With --data-dir: check both chains offline against this checkpoint file (the heads the daemon published outside the store).")
    var checkpoints: String?
    @Flag(name: .long, help: "Through the daemon: check both chains against the daemon's own checkpoint file.")
    var ownCheckpoints = false

    func validate() throws {
        if checkpoints != nil && source.dataDir == nil {
            throw ValidationError("--checkpoints FILE checks a data dir offline: add --data-dir DIR (or use --own-checkpoints through the daemon)")
        }
    }

    func run() throws {
        let result: JSONValue
        if let checkpoints, let dataDir = source.dataDir {
            result = try LogStore(directory: dataDir, readOnly: true).checkpointReport(file: checkpoints)
        } else if ownCheckpoints {
            result = try source.connection.call(try source.connection.connect(), ["op": "verify", "checkpoints": true])
        } else if let dataDir = source.dataDir {
            let store = try LogStore(directory: dataDir, readOnly: true)
            let head = try store.head()
            var progress = Progress(label: "verified", total: Int(head.seq))
            let started = Date()
            let report = try store.verify(from: UInt64(max(from, 1)), to: to.map { UInt64($0) }) { progress.update(Int($0)) }
            progress.finish(Int(report.checked))
            let seconds = max(Date().timeIntervalSince(started), 0.000_001)
            var members: [(String, JSONValue)] = [
                ("ok", .bool(report.ok)), ("checked", .int(Int64(report.checked))), ("bytes", .int(Int64(report.bytes))),
                ("head", .int(Int64(report.headSeq))), ("headHash", .string(report.headHashHex)),
                ("megabytesPerSecond", .double((Double(report.bytes) / 1e6 / seconds * 10).rounded() / 10)),
            ]
            if let bad = report.firstBadSeq { members.append(("firstBadSeq", .int(Int64(bad)))) }
            if let problem = report.problem { members.append(("problem", .string(problem))) }
            result = .object(members)
        } else {
            var request: [(String, JSONValue)] = [("op", "verify"), ("from", .int(from))]
            if let to { request.append(("to", .int(to))) }
            result = try source.connection.call(try source.connection.connect(), .object(request))
        }
        source.connection.json ? Output.json(result) : Output.human(result)
        if result["ok"]?.boolValue != true { throw ExitCode(2) }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hot backup: a compacted, consistent copy of a data dir, safe while the daemon writes.",
        discussion: "Start a daemon with --data-dir DEST to restore it; `creditctl verify --data-dir DEST` checks it.")
    @Option(name: .long, help: "The live data dir.") var dataDir: String = "var/data"
    @Argument(help: "An empty or new directory for the copy.") var destination: String
    @Flag(name: .long) var json = false

    func run() throws {
        try PrivateFiles.directory(destination)
        guard (try FileManager.default.contentsOfDirectory(atPath: destination)).isEmpty else {
            throw ValidationError("\(destination) is not empty")
        }
        let store = try LogStore(directory: dataDir, readOnly: true)
        try store.backup(to: destination)
        let head = try LogStore(directory: destination, readOnly: true).head()
        let result: JSONValue = ["destination": .string(destination), "head": .int(Int64(head.seq)), "headHash": .string(head.hashHex)]
        json ? Output.json(result) : Output.human(result)
    }
}

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild every entity's projection from the log alone and prove it byte-identical to the stored one.",
        discussion: """
            With --verify (what an auditor runs) nothing is written: the daemon rebuilds in one snapshot and compares \
            digests over all entities. Without it, the stored projections are dropped and derived again first \
            (appends wait meanwhile). Exit status 2 when they differ.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Flag(name: .long, help: "Compare only; write nothing.") var verify = false

    func run() throws {
        let result = try connection.call(try connection.connect(), ["op": "rebuild", "verify": .bool(verify)])
        connection.json ? Output.json(result) : Output.human(result)
        if result["identical"]?.boolValue != true { throw ExitCode(2) }
    }
}

struct AccessLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-log",
        abstract: "Who read non-public data, when, and why (admins): the access log, with its chain checked.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The first access record.") var from: Int64 = 1
    @Option(name: .long, help: "Records at most.") var limit: Int64 = 1000

    func run() throws {
        let client = try connection.connect()
        let result = try connection.call(client, ["op": "access-log", "from": .int(from), "limit": .int(limit)])
        let verified = try connection.call(client, ["op": "verify", "log": "access"])
        if connection.json {
            Output.json(["records": result["records"] ?? [], "head": result["head"] ?? 0, "chain": verified])
        } else {
            for record in result["records"]?.arrayValue ?? [] {
                let seq = record["seq"].map { CanonicalJSON.string($0) } ?? "?"
                let entity = record["entity"]?.stringValue ?? "-"
                let purpose = record["purpose"]?.stringValue ?? "-"
                let role = record["role"]?.stringValue ?? "?"
                let uid = record["uid"].map { CanonicalJSON.string($0) } ?? "?"
                Output.line("#\(seq) \(record["recordedAt"]?.stringValue ?? "") uid \(uid) (\(role)) \(record["op"]?.stringValue ?? "") \(entity) — \(purpose)")
            }
            Output.line("access log: \(CanonicalJSON.string(result["head"] ?? 0)) records, chain \(verified["ok"] == true ? "intact" : "BROKEN: \(CanonicalJSON.string(verified))")")
        }
        if verified["ok"]?.boolValue != true { throw ExitCode(2) }
    }
}

struct QualityReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Timeliness and correctness per source authority and month (the credit office's monthly ranking).",
        discussion: "On time: received within 7 working days of the decision (20 for market regulators' records, GSXT). Late revocation withdrawals, late repair and objection decisions, refused events by error code, accepted codes with an unknown GB/T 2260 region, and profiles renaming a code's entity (重码). Invalid-code rate (重错码率): invalid_entity refusals, unknown regions and 重码 over received and refused events.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Only this month (YYYY-MM).") var month: String?
    @Option(name: .long, help: "Only authorities whose name contains this.") var authority: String?

    func run() throws {
        let stats = try connection.call(try connection.connect(), ["op": "stats"])
        let rows = (stats["quality"]?.arrayValue ?? []).filter { row in
            (month.map { row["month"]?.stringValue == $0 } ?? true) && (authority.map { row["authority"]?.stringValue?.contains($0) == true } ?? true)
        }
        if connection.json { return Output.json(.array(rows)) }
        func text(_ value: JSONValue?) -> String { value.map { $0.isNull ? "-" : CanonicalJSON.string($0) } ?? "-" }
        Output.line(["month", "received", "on time", "late", "on-time ratio", "revoc. late", "repair late", "objection late", "rejected", "unknown region", "duplicate code", "invalid-code rate", "authority"].joined(separator: "\t"))
        for row in rows {
            let rejected = (row["rejected"]?.objectValue ?? []).reduce(Int64(0)) { $0 + ($1.1.intValue ?? 0) }
            let repairLate = (row["repairAcceptanceLate"]?.intValue ?? 0) + (row["repairDecisionLate"]?.intValue ?? 0)
            Output.line([
                text(row["month"]).replacingOccurrences(of: "\"", with: ""), text(row["received"]), text(row["publishedOnTime"]), text(row["publishedLate"]),
                text(row["onTimeRatio"]), text(row["revocationsWithdrawnLate"]), String(repairLate), text(row["objectionCheckLate"]), String(rejected),
                text(row["unknownRegionCode"]), text(row["duplicateCode"]), text(row["invalidCodeRate"]), row["authority"]?.stringValue ?? "",
            ].joined(separator: "\t"))
        }
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print the daemon's metrics in the Prometheus text format (admins).")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.call(try connection.connect(), ["op": "metrics"])
        connection.json ? Output.json(result) : FileHandle.standardOutput.write(Data((result["text"]?.stringValue ?? "").utf8))
    }
}
