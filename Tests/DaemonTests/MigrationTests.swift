import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 12, item 3: the disaster-recovery and migration path with the real daemon and
/// `creditctl` — backup → restore → verify, export → load → verify, and what each refuses.
@Suite(.serialized) struct MigrationTests {
    /// `creditctl ARGS`: its exit status, all it printed, and its last JSON line parsed.
    static func ctl(_ arguments: [String]) throws -> (status: Int32, output: String, json: JSONValue?) {
        let run = try ChildProcess.output(of: Daemon.binary("creditctl"), arguments)
        let last = run.output.split(separator: "\n").last { $0.hasPrefix("{") }
        return (run.status, run.output, last.flatMap { try? JSONParser.parse(String($0)) })
    }

    static func penalty(_ id: String, entity: String = orgA, on date: String = "2026-05-01") -> JSONValue {
        [
            "eventId": .string(id), "kind": "penalty.imposed", "entity": .string(entity), "occurredOn": .string(date),
            "source": ["authority": "北京市朝阳区市场监督管理局"],
            "body": ["decisionNo": .string("京朝市监罚〔2026〕\(id)号"), "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 80_000]], "violation": "销售过期食品", "legalBasis": "《食品安全法》第一百二十四条"],
        ]
    }

    /// A small ledger with several kinds, entities, quality figures and access records.
    static func fill(_ daemon: Daemon) throws {
        let client = try daemon.client()
        let fulfilled: JSONValue = [
            "eventId": "pf-1", "kind": "penalty.fulfilled", "entity": .string(orgA), "occurredOn": "2026-05-20",
            "source": ["authority": "北京市朝阳区市场监督管理局"], "refs": ["p-1"], "body": [:],
        ]
        for events in [[licenceEvent("l-1"), penalty("p-1")], [fulfilled, licenceEvent("l-2", entity: orgB)], [penalty("p-2", entity: orgB, on: "2025-11-03"), licenceEvent("l-3")]] {
            #expect(result(try client.call(appendRequest(events))) != nil)
        }
        #expect(result(try client.call(["op": "history", "entity": .string(orgA), "purpose": "迁移演练"])) != nil, "an access record")
    }

    /// The answers a client sees of `entity`, with the same question asked of both daemons.
    static func status(_ daemon: Daemon, _ entity: String) throws -> JSONValue? {
        result(try daemon.client().call(["op": "status", "entity": .string(entity), "at": "2026-06-01", "purpose": "迁移核对"]))
    }

    static func ping(_ daemon: Daemon) throws -> JSONValue? { result(try daemon.client().call(["op": "ping"])) }

    @Test func backupRestoreVerifyGivesTheSameHeadAndTheDaemonAnswersTheSame() throws {
        let source = Daemon()
        try source.start()
        try Self.fill(source)
        let backup = source.directory + "/backup"
        #expect(try Self.ctl(["backup", "--data-dir", source.dataDirectory, backup]).status == 0, "hot backup while the daemon runs")
        let head = try #require(try Self.ping(source))

        let target = Daemon()
        let restored = try Self.ctl(["restore", "--from", backup, "--data-dir", target.dataDirectory, "--json"])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.json?["head"] == head["head"] && restored.json?["headHash"] == head["headHash"], "\(restored.output)")
        #expect(OperatorTests.mode(target.dataDirectory) == 0o700 && OperatorTests.mode(target.dataDirectory + "/data.mdb") == 0o600)
        let verified = try Self.ctl(["verify", "--data-dir", target.dataDirectory, "--json"])
        #expect(verified.status == 0 && verified.json?["headHash"] == head["headHash"], "\(verified.output)")

        try target.start()
        #expect(try Self.ping(target)?["headHash"] == head["headHash"])
        for entity in [orgA, orgB] {
            let expected = try Self.status(source, entity)
            let restored = try Self.status(target, entity)
            #expect(expected != nil && restored == expected, "status of \(entity)")
        }
        #expect(result(try target.client().call(["op": "rebuild", "verify": true]))?["identical"] == true)
        #expect(source.terminate() == 0 && target.terminate() == 0)
    }

    @Test func restoreRefusesANonEmptyDirectoryADirectoryInUseAndADamagedBackup() throws {
        let daemon = Daemon()
        try daemon.start()
        try Self.fill(daemon)
        let backup = daemon.directory + "/backup"
        #expect(try Self.ctl(["backup", "--data-dir", daemon.dataDirectory, backup]).status == 0)

        let occupied = daemon.directory + "/occupied"
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: occupied + "/notes.txt", contents: Data("keep me".utf8))
        let refused = try Self.ctl(["restore", "--from", backup, "--data-dir", occupied])
        #expect(refused.status != 0 && refused.output.contains("not empty"), "\(refused.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied) == ["notes.txt"], "nothing written into it")

        let inUse = try Self.ctl(["restore", "--from", backup, "--data-dir", daemon.dataDirectory])
        #expect(inUse.status != 0 && inUse.output.contains("in use by a daemon"), "\(inUse.output)")
        #expect(try Self.ping(daemon) != nil)

        // A backup whose checkpoints say otherwise: refused with nothing restored.
        let checkpoints = daemon.directory + "/other.heads.jsonl"
        let other = String(repeating: "ab", count: 32)
        _ = FileManager.default.createFile(
            atPath: checkpoints, contents: Data(#"{"access":{"hash":"\#(other)","seq":1},"events":{"hash":"\#(other)","seq":2},"writtenAt":"2026-06-01T00:00:00.000Z"}"#.utf8 + [10]))
        let fresh = daemon.directory + "/fresh"
        let disagrees = try Self.ctl(["restore", "--from", backup, "--data-dir", fresh, "--checkpoints", checkpoints])
        #expect(disagrees.status == 2 && disagrees.output.contains("rewritten") && disagrees.output.contains("nothing was restored"), "\(disagrees.output)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(daemon.terminate() == 0)
    }

    /// The daemon's own checkpoint file, written after the backup: the restore names the events
    /// the backup lacks.
    @Test func restoreWithLaterCheckpointsSaysWhatTheBackupLacks() throws {
        let daemon = Daemon()
        try daemon.start()
        try Self.fill(daemon)
        let backup = daemon.directory + "/backup"
        #expect(try Self.ctl(["backup", "--data-dir", daemon.dataDirectory, backup]).status == 0)
        #expect(result(try daemon.client().call(appendRequest([licenceEvent("after-backup")]))) != nil)
        #expect(daemon.terminate() == 0, "the last checkpoint is written at stop")
        let checkpoints = daemon.directory + "/checkpoints/data.heads.jsonl"
        let restored = try Self.ctl(["restore", "--from", backup, "--data-dir", daemon.directory + "/restored", "--checkpoints", checkpoints, "--json"])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(restored.json?["checkpoints"]?["eventsAfterBackup"] == 1 && restored.output.contains("not in it"), "\(restored.output)")
    }

    @Test func exportLoadVerifyReproducesEveryRecordByteForByte() throws {
        let source = Daemon()
        try source.start()
        try Self.fill(source)
        let offline = source.directory + "/events.jsonl"
        let online = source.directory + "/events-online.jsonl"
        let access = source.directory + "/access.jsonl"
        #expect(try Self.ctl(["export", "--data-dir", source.dataDirectory, "--output", offline]).status == 0)
        let exported = try Self.ctl(["export", "--socket", source.socketPath, "--purpose", "迁移", "--output", online, "--json"])
        #expect(exported.status == 0, "\(exported.output)")
        #expect(FileManager.default.contents(atPath: offline) == FileManager.default.contents(atPath: online), "the same bytes offline and through the daemon")
        #expect(try Self.ctl(["export", "--data-dir", source.dataDirectory, "--log", "access", "--output", access]).status == 0)
        #expect(source.terminate() == 0)
        let sourceHead = try Self.ctl(["verify", "--data-dir", source.dataDirectory, "--json"]).json
        #expect(exported.json?["last"]?["hash"] == sourceHead?["headHash"])

        let target = Daemon()
        let loaded = try Self.ctl([
            "load", "--data-dir", target.dataDirectory, offline, "--access-log", access,
            "--schemas", Daemon.repository.appendingPathComponent("Schemas").path, "--json",
        ])
        #expect(loaded.status == 0, "\(loaded.output)")
        #expect(loaded.json?["records"] == 6 && loaded.json?["projections"]?["identical"] == true, "\(loaded.output)")
        let verified = try Self.ctl(["verify", "--data-dir", target.dataDirectory, "--json"]).json
        #expect(verified?["ok"] == true && verified?["headHash"] == sourceHead?["headHash"] && verified?["head"] == 6)
        #expect(OperatorTests.mode(target.dataDirectory) == 0o700 && OperatorTests.mode(target.dataDirectory + "/data.mdb") == 0o600)

        try source.start()
        try target.start()
        func read(_ daemon: Daemon) throws -> [UInt8]? {
            let client = try daemon.client()
            try client.send(["op": "read", "from": 1, "limit": 100, "purpose": "迁移核对"] as JSONValue)
            return try client.readLine()
        }
        let sourceRead = try #require(try read(source))
        #expect(try read(target) == sourceRead, "byte-identical records through read")
        for entity in [orgA, orgB] {
            let loadedStatus = try Self.status(target, entity)
            let sourceStatus = try Self.status(source, entity)
            #expect(loadedStatus != nil && loadedStatus == sourceStatus, "status of \(entity)")
        }
        // Counters and quality figures come along (no refusals were counted in the source).
        let sourceStats = try #require(result(try source.client().call(["op": "stats"])))
        let targetStats = try #require(result(try target.client().call(["op": "stats"])))
        for member in ["events", "entities", "byKind", "quality"] { #expect(targetStats[member] == sourceStats[member], "stats.\(member)") }
        // The access log came along: its first records are the source's.
        let sourceAccess = try #require(result(try source.client().call(["op": "access-log", "from": 1, "limit": 1, "purpose": "迁移核对"])))
        let targetAccess = try #require(result(try target.client().call(["op": "access-log", "from": 1, "limit": 1, "purpose": "迁移核对"])))
        #expect(targetAccess["records"] == sourceAccess["records"])
        #expect(source.terminate() == 0 && target.terminate() == 0)
    }

    @Test func loadRefusesATamperedExportNamingItsSeqAndWritesNothing() throws {
        let source = Daemon()
        try source.start()
        try Self.fill(source)
        let exported = source.directory + "/events.jsonl"
        #expect(try Self.ctl(["export", "--data-dir", source.dataDirectory, "--output", exported]).status == 0)
        var lines = try #require(FileManager.default.contents(atPath: exported).flatMap { String(data: $0, encoding: .utf8) }).split(separator: "\n").map(String.init)
        // One byte of record 3 changed: its date.
        #expect(lines[2].contains("\"occurredOn\":\"2026-05-20\""))
        lines[2] = lines[2].replacingOccurrences(of: "\"occurredOn\":\"2026-05-20\"", with: "\"occurredOn\":\"2026-05-21\"")
        let tampered = source.directory + "/tampered.jsonl"
        _ = FileManager.default.createFile(atPath: tampered, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let schemas = ["--schemas", Daemon.repository.appendingPathComponent("Schemas").path]
        let target = source.directory + "/loaded"
        let refused = try Self.ctl(["load", "--data-dir", target, tampered] + schemas)
        #expect(refused.status == 2, "\(refused.output)")
        #expect(refused.output.contains("line 3: seq 3: hash does not match"), "\(refused.output)")
        #expect(refused.output.contains("nothing was loaded") && !FileManager.default.fileExists(atPath: target))

        // A record left out breaks the chain at the next one.
        let gap = source.directory + "/gap.jsonl"
        _ = FileManager.default.createFile(atPath: gap, contents: Data((lines[0..<2] + lines[3...]).map { $0 + "\n" }.joined().utf8))
        let broken = try Self.ctl(["load", "--data-dir", target, gap] + schemas)
        #expect(broken.status == 2 && broken.output.contains("seq 4: record 4 cannot follow seq 2"), "\(broken.output)")

        // Not into a store that holds records, nor one a daemon runs on.
        let notEmpty = try Self.ctl(["load", "--data-dir", source.dataDirectory, exported] + schemas)
        #expect(notEmpty.status != 0 && notEmpty.output.contains("in use by a daemon"), "\(notEmpty.output)")
        #expect(source.terminate() == 0)
        let stopped = try Self.ctl(["load", "--data-dir", source.dataDirectory, exported] + schemas)
        #expect(stopped.status != 0 && stopped.output.contains("not empty"), "\(stopped.output)")
    }

    /// A valid USCC for `number` (region 110000, organisation digits from `number`).
    static func organisation(_ number: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        let body = Array("91110000" + String(format: "%09d", number))
        let sum = zip(body, weights).reduce(0) { $0 + alphabet.firstIndex(of: $1.0)! * $1.1 }
        return String(body) + String(alphabet[(31 - sum % 31) % 31])
    }

    @Test func appendStreamsALargeInputInPipelinedBatches() throws {
        let daemon = Daemon()
        try daemon.start()
        let file = daemon.directory + "/bulk.jsonl"
        let count = 12_000
        var text = ""
        for index in 0..<count { text += CanonicalJSON.string(licenceEvent("bulk-\(index)", entity: Self.organisation(index / 10))) + "\n" }
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        let first = try Self.ctl(["append", file, "--socket", daemon.socketPath, "--batch-size", "500", "--in-flight", "4", "--json"])
        #expect(first.status == 0 && first.json?["appended"] == .int(Int64(count)), "\(first.output)")
        #expect(try Self.ping(daemon)?["head"] == .int(Int64(count)))
        // From standard input, again: every event already stored.
        let again = try ChildProcess.output(of: "/bin/sh", ["-c", "exec \"$0\" append - --socket \"$1\" --json < \"$2\"", Daemon.binary("creditctl"), daemon.socketPath, file])
        #expect(again.status == 0 && again.output.contains(#""duplicates":\#(count)"#) && again.output.contains(#""appended":0"#), "\(again.output)")
        #expect(result(try daemon.client().call(["op": "verify"]))?["ok"] == true)
        #expect(daemon.terminate() == 0)
    }

    @Test func appendStopsAtARefusedBatchAndNamesItsLine() throws {
        let daemon = Daemon()
        try daemon.start()
        var lines = (1...9).map { CanonicalJSON.string(licenceEvent("line-\($0)")) }
        lines[4] = CanonicalJSON.string(licenceEvent("line-5", entity: "91110000600037341N"))
        let file = daemon.directory + "/events.jsonl"
        _ = FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let run = try Self.ctl(["append", file, "--socket", daemon.socketPath, "--batch-size", "3", "--in-flight", "1", "--json"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.json?["appended"] == 3 && run.output.contains("the batch from line 4 was refused, line 5: invalid_entity"), "\(run.output)")
        #expect(try Self.ping(daemon)?["head"] == 3, "the batch after the refused one was not sent")
        #expect(daemon.terminate() == 0)
    }

    @Test func loadEventsAppendsOfflineAsTheDaemonDoesAndStopsAtARefusedBatch() throws {
        let showcase = Daemon.repository.appendingPathComponent("Tools/samples/showcase.jsonl").path
        let schemas = ["--schemas", Daemon.repository.appendingPathComponent("Schemas").path]
        let online = Daemon()
        try online.start()
        #expect(try Self.ctl(["append", showcase, "--socket", online.socketPath]).status == 0)
        // Not into a store a daemon runs on.
        let inUse = try Self.ctl(["load", "--data-dir", online.dataDirectory, "--events", showcase] + schemas)
        #expect(inUse.status != 0 && inUse.output.contains("in use by a daemon"), "\(inUse.output)")

        let offline = Daemon()
        let loaded = try Self.ctl(["load", "--data-dir", offline.dataDirectory, "--events", showcase, "--json"] + schemas)
        #expect(loaded.status == 0, "\(loaded.output)")
        #expect(loaded.json?["appended"] == 26 && loaded.json?["head"] == 26 && loaded.json?["verified"] == true, "\(loaded.output)")
        #expect(loaded.json?["projections"]?["identical"] == true)
        // A daemon on the loaded store answers what the one that took the same events online answers.
        try offline.start()
        for entity in ["911101054423232294", "91110105183406299G"] {
            let question: JSONValue = ["op": "display", "entity": .string(entity), "at": "2026-06-01"]
            let expected = try #require(result(try online.client().call(question)))
            #expect(result(try offline.client().call(question))?["records"] == expected["records"])
            #expect(try Self.status(offline, entity)?["records"] == Self.status(online, entity)?["records"])
        }
        #expect(online.terminate() == 0 && offline.terminate() == 0)

        // A refused event refuses its batch and stops the load, naming the line.
        var lines = (1...9).map { CanonicalJSON.string(licenceEvent("offline-\($0)")) }
        lines[4] = CanonicalJSON.string(licenceEvent("offline-5", entity: "91110000600037341N"))
        let file = offline.directory + "/refused.jsonl"
        _ = FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let refused = try Self.ctl(["load", "--data-dir", offline.directory + "/other", "--events", file, "--json"] + schemas)
        #expect(refused.status == 1 && refused.json?["appended"] == 0, "\(refused.output)")
        #expect(refused.output.contains("the batch from line 1 was refused, line 5: invalid_entity"), "\(refused.output)")
    }

    /// `iconv` of the fixture into `encoding`.
    static func converted(_ source: String, to encoding: String, in directory: String) throws -> String {
        let path = directory + "/converted-\(encoding).csv"
        let run = try ChildProcess.output(of: "/bin/sh", ["-c", "iconv -f UTF-8 -t \"$0\" \"$1\" > \"$2\"", encoding, source, path])
        #expect(run.status == 0, "\(run.output)")
        return path
    }

    @Test func importsAGB18030FileAndWritesTheRejectedRowsForTheSourceOffice() throws {
        let daemon = Daemon()
        try daemon.start()
        let csv = try Self.converted(ImportTests.sample, to: "GB18030", in: daemon.directory)
        let bytes = try #require(FileManager.default.contents(atPath: csv))
        #expect(String(data: bytes, encoding: .utf8) == nil, "the file is not UTF-8")
        let rejects = daemon.directory + "/rejects.csv"
        let run = try Self.ctl(["import", csv, "--rejects", rejects, "--socket", daemon.socketPath, "--json"])
        #expect(run.status == 1, "rows were rejected: \(run.output)")
        #expect(run.json?["encoding"] == "gb18030" && run.json?["appended"] == 3 && run.json?["rejected"] == 4, "\(run.output)")
        let stored = try #require(result(try daemon.client().call(["op": "get", "seq": 1, "purpose": "核对"])))
        #expect(stored["event"]?["source"]?["authority"] == "北京市朝阳区市场监督管理局" && stored["event"]?["body"]?["decisionNo"] == "京朝市监罚〔2025〕101号")

        // The rejects file: GB18030 like its input, the header, the rejected rows, their lines and reasons.
        #expect(OperatorTests.mode(rejects) == 0o600)
        let decoded = try Self.converted(rejects, from: "GB18030", in: daemon.directory)
        let text = try #require(FileManager.default.contents(atPath: decoded).flatMap { String(data: $0, encoding: .utf8) })
        let rows = text.split(separator: "\r\n").map(String.init)
        #expect(rows.count == 5, "\(text)")
        #expect(rows[0].hasPrefix("行政相对人名称,") && rows[0].hasSuffix(",原文件行号,拒绝原因"))
        #expect(rows[1].hasPrefix("错码公司,") && rows[1].contains(",6,") && rows[1].contains("91110000600037341X"), "\(rows[1])")
        #expect(rows.dropFirst().map { $0.contains("invalid_entity") || $0.contains("统一社会信用代码") || $0.contains("处罚决定日期") || $0.contains("罚款") }.allSatisfy { $0 }, "\(text)")
        #expect(daemon.terminate() == 0)
    }

    static func converted(_ source: String, from encoding: String, in directory: String) throws -> String {
        let path = directory + "/decoded-\(UUID().uuidString.prefix(6)).csv"
        let run = try ChildProcess.output(of: "/bin/sh", ["-c", "iconv -f \"$0\" -t UTF-8 \"$1\" > \"$2\"", encoding, source, path])
        #expect(run.status == 0, "\(run.output)")
        return path
    }

    @Test func aUTF8FileGetsItsRejectsWithAByteOrderMarkForExcel() throws {
        let daemon = Daemon()
        try daemon.start()
        let rejects = daemon.directory + "/rejects.csv"
        let run = try Self.ctl(["import", ImportTests.sample, "--encoding", "utf8", "--rejects", rejects, "--socket", daemon.socketPath, "--json"])
        #expect(run.status == 1 && run.json?["rejected"] == 4, "\(run.output)")
        let bytes = try #require(FileManager.default.contents(atPath: rejects))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(data: bytes.dropFirst(3), encoding: .utf8)?.contains("拒绝原因") == true)
        #expect(daemon.terminate() == 0)
    }

    @Test func historicalImportsAreMarkedAndCountInNoTimelinessFigure() throws {
        let historical = Daemon()
        try historical.start()
        let run = try Self.ctl(["import", ImportTests.sample, "--historical", "--socket", historical.socketPath, "--json"])
        #expect(run.json?["appended"] == 3 && run.json?["historical"] == true, "\(run.output)")
        let event = try #require(result(try historical.client().call(["op": "get", "seq": 1, "purpose": "核对"]))?["event"])
        #expect(event["source"]?["historical"] == true)
        let march = try #require(result(try historical.client().call(["op": "stats"]))?["quality"]?.arrayValue?.first { $0["month"] == "2025-03" })
        #expect(march["historical"] == 1 && march["received"] == 0 && march["publishedLate"] == 0, "\(march)")

        // The same rows without the mark are late (decided in 2025, entered now).
        let current = Daemon()
        try current.start()
        _ = try Self.ctl(["import", ImportTests.sample, "--socket", current.socketPath, "--json"])
        let late = try #require(result(try current.client().call(["op": "stats"]))?["quality"]?.arrayValue?.first { $0["month"] == "2025-03" })
        #expect(late["received"] == 1 && late["publishedLate"] == 1 && late["historical"] == 0, "\(late)")
        // The mark is part of the record: the same rows with it conflict with those without.
        let conflicting = try Self.ctl(["import", ImportTests.sample, "--historical", "--socket", current.socketPath, "--json"])
        #expect(conflicting.output.contains("conflict"), "\(conflicting.output)")
        #expect(historical.terminate() == 0 && current.terminate() == 0)
    }
}
