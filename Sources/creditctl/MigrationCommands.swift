import ArgumentParser
import CreditDomain
import CreditLedger
import CreditProjection
import Foundation
import LedgerJSON
import LedgerStore
import Logging

/// `creditctl restore`: a backup into a data directory, verified first.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup (creditctl backup) into an empty data dir, verified before and after the copy.",
        discussion: """
            The backup is checked first: both chains (events and access log), and with --checkpoints the heads the \
            original daemon published (every checkpoint up to the backup's head must match it; checkpoints beyond it \
            tell how many events are missing from the backup). Then it is copied (compacted) into --data-dir, which \
            must be new or empty and not in use by a daemon, made private (0700/0600) and flushed, and the copy is \
            verified again. Prints the restored heads. Exit status 2 when the backup is damaged or disagrees with the \
            checkpoints: nothing is restored then.
            """)
    @Option(name: .long, help: "The backup directory (made by creditctl backup).") var from: String
    @Option(name: .long, help: "The data dir to restore into (new or empty; no daemon on it).") var dataDir: String
    @Option(name: .long, help: "The original daemon's checkpoint file, to check the backup against.") var checkpoints: String?
    @Flag(name: .long, help: "Print JSON for scripts.") var json = false

    func run() throws {
        let fromPath = URL(fileURLWithPath: from).standardizedFileURL.resolvingSymlinksInPath().path
        let toPath = URL(fileURLWithPath: dataDir).standardizedFileURL.resolvingSymlinksInPath().path
        guard fromPath != toPath else { throw ValidationError("--from and --data-dir are the same directory") }
        guard FileManager.default.fileExists(atPath: from + "/data.mdb") else { throw ValidationError("\(from) holds no store (no data.mdb): not a backup") }
        let backup = try LogStore(directory: from, readOnly: true)
        let events = try Self.verified(backup, label: "verified backup")
        let access = try backup.verify(accessLog: true)
        for (name, report) in [("event log", events), ("access log", access)] where !report.ok {
            Output.line("the backup's \(name) is damaged at seq \(report.firstBadSeq.map(String.init) ?? "?"): \(report.problem ?? "")")
            Output.line("nothing was restored")
            throw ExitCode(2)
        }
        var checkpointMembers: [(String, JSONValue)] = []
        var warning: String?
        if let checkpoints {
            let published = try CheckpointFile.read(checkpoints)
            if let problem = try backup.disagreement(with: published, asCopy: true) {
                Output.line("the backup disagrees with \(checkpoints): \(problem)")
                Output.line("nothing was restored")
                throw ExitCode(2)
            }
            checkpointMembers = [("file", .string(checkpoints)), ("checked", .int(Int64(published.count)))]
            if let latest = CheckpointFile.latest(published) {
                let missing = latest.events.seq > events.headSeq ? latest.events.seq - events.headSeq : 0
                checkpointMembers += [("latestSeq", .int(Int64(latest.events.seq))), ("eventsAfterBackup", .int(Int64(missing)))]
                if missing > 0 || latest.access.seq > access.headSeq {
                    warning = """
                        the checkpoints saw the event log up to seq \(latest.events.seq) (access log \(latest.access.seq)): \
                        \(missing) event(s) committed after this backup are not in it. A daemon that uses \(checkpoints) refuses \
                        this store: once that loss is accepted, move the file aside (keep it for the audit).
                        """
                }
            }
        }
        let restored = try backup.restore(into: dataDir) { copy in
            let copied = try Self.verified(copy, label: "verified copy")
            let copiedAccess = try copy.verify(accessLog: true)
            guard copied.ok, copiedAccess.ok, copied.headHashHex == events.headHashHex, copiedAccess.headHashHex == access.headHashHex else {
                throw ValidationError("the copy in \(dataDir) does not verify as the backup did (\(copied.problem ?? copiedAccess.problem ?? "other heads")): nothing was restored")
            }
            return copiedAccess
        }
        let result: JSONValue = .object(
            [
                ("restored", .string(dataDir)), ("from", .string(from)),
                ("head", .int(Int64(restored.head.seq))), ("headHash", .string(restored.head.hashHex)),
                ("accessHead", .int(Int64(restored.report.headSeq))), ("accessHeadHash", .string(restored.report.headHashHex)),
                ("verified", .int(Int64(events.checked))),
            ] + (checkpointMembers.isEmpty ? [] : [("checkpoints", .object(checkpointMembers))]))
        json ? Output.json(result) : Output.human(result)
        if let warning { FileHandle.standardError.write(Data("creditctl restore: \(warning)\n".utf8)) }
    }

    /// The event log's verification, with progress.
    static func verified(_ store: LogStore, label: String) throws -> VerificationReport {
        var progress = Progress(label: label, total: Int(try store.head().seq))
        let report = try store.verify { progress.update(Int($0)) }
        progress.finish(Int(report.checked))
        return report
    }
}

/// `creditctl load`: an export into an empty store, record for record.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an export (creditctl export) into an empty data dir, byte for byte; or --events: append JSON Lines of events offline.",
        discussion: """
            --events FILE appends events (as creditctl append takes them) to a store with no daemon on it, through the \
            ledger's own append path: the same checks, rules, chain, quality figures and projections as online appends, \
            in batches of \(OfflineAppend.eventsPerBatch), \(OfflineAppend.batchesInFlight) in flight, without a socket. The path \
            a province takes to migrate years of history. At the end the chain is verified and the projections compared \
            with a rebuild. A refused batch stops it (exit status 1, naming the batch's first line and the line at fault); \
            the batches before it, and those in flight, stay appended.

            An export: \
            The migration path. The export is read twice, in constant memory: first every record is checked (its form, \
            its hash, its link to the one before, from seq 1), and nothing is written if one fails (exit status 2, \
            naming its line and seq); then the records are stored as they are — same seq, recordedAt, prevHash and \
            hash — in commits of at most \(Ledger.loadRecordsPerCommit) records, with the counters, quality figures \
            and stored projections derived as appends derive them. At the end the projections are compared with a \
            rebuild from the log (as `rebuild --verify`), both chains are verified, and the heads are printed: they \
            must equal `creditctl verify` on the source. The data dir must be new, empty, or an empty store, and no \
            daemon may run on it. Refused appends counted by the source (quality `rejected`) are not in the log and \
            do not come along.
            """)
    @Option(name: .long, help: "The data dir to fill (new, empty, or an empty store; no daemon on it).") var dataDir: String
    @Argument(help: "The export of the event log.") var file: String?
    @Option(name: .long, help: ArgumentHelp("JSON Lines of events to append offline instead of loading an export.", valueName: "file")) var events: String?
    @Option(name: .long, help: "An export of the access log (creditctl export --log access) to load as well.") var accessLog: String?
    @Option(name: .long, help: "The Schemas folder (for the rules the quality figures use).") var schemas: String = SchemaCatalogue.defaultDirectory()
    @Option(name: .long, help: "The source's checkpoint file: the loaded store must agree with it.") var checkpoints: String?
    @Flag(name: .long, help: "Print JSON for scripts.") var json = false

    func validate() throws {
        guard (file == nil) != (events == nil) else { throw ValidationError("give an export FILE or --events FILE, not both") }
        guard events == nil || (accessLog == nil && checkpoints == nil) else {
            throw ValidationError("--access-log and --checkpoints belong to loading an export, not to --events")
        }
    }

    /// The ledger on the data dir, opened offline (refused while a daemon holds it).
    func openLedger() throws -> Ledger {
        let catalogue = try SchemaCatalogue(directory: schemas + "/events")
        let rules = try RuleSet(directory: schemas + "/rules")
        var logger = Logger(label: "creditctl.load") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        do {
            return try Ledger(directory: dataDir, schemas: catalogue, rules: rules, logger: logger)
        } catch let ExclusiveLock.Failure.held(_, holder) {
            throw ValidationError("\(dataDir) is in use by a daemon (\(holder)): load works offline; stop it, or load into another directory")
        }
    }

    func run() throws {
        if let events { return try appendOffline(events) }
        guard let file else { return }
        try refuseANonEmptyDirectory()
        // First pass: every record checked, nothing written.
        let events = try Self.check(file, events: true)
        let access = try accessLog.map { try Self.check($0, events: false) }
        let ledger = try openLedger()
        defer { ledger.shutdown() }
        let heads = try ledger.chainHeads()
        guard heads.events.seq == 0, access == nil || heads.access.seq == 0 else {
            throw ValidationError("\(dataDir) is not empty (event log head \(heads.events.seq), access log head \(heads.access.seq)): load only into an empty store")
        }
        // Second pass: stored in commits, each record checked again as it is appended.
        let loadedEvents = try store(file, total: events.count) { batch in
            try ledger.loadEvents(try batch.map { try ExportedRecord.event(line: $0) })
        }
        let loadedAccess = try accessLog.map { path in
            try store(path, total: access?.count ?? 0) { batch in try ledger.loadAccessRecords(try batch.map { try ExportedRecord.record(line: $0).record }) }
        }
        let verified = try ledger.verify()
        let verifiedAccess = try ledger.verifyAccessLog()
        let projections = try ledger.verifyProjections()
        var members: [(String, JSONValue)] = [
            ("dataDir", .string(dataDir)), ("records", .int(Int64(loadedEvents))),
            ("head", .int(Int64(verified.headSeq))), ("headHash", .string(verified.headHashHex)),
            ("accessRecords", .int(Int64(loadedAccess ?? 0))),
            ("accessHead", .int(Int64(verifiedAccess.headSeq))), ("accessHeadHash", .string(verifiedAccess.headHashHex)),
            ("verified", .bool(verified.ok && verifiedAccess.ok)),
            ("projections", ["identical": .bool(projections.identical), "entities": .int(Int64(projections.entities)), "digest": .string(projections.rebuiltDigest)]),
        ]
        var agrees = true
        if let checkpoints {
            let problem = try ledger.disagreement(with: try CheckpointFile.read(checkpoints), asCopy: true)
            agrees = problem == nil
            members.append(("checkpoints", .object([("file", .string(checkpoints)), ("ok", .bool(agrees))] + (problem.map { [("problem", .string($0))] } ?? []))))
        }
        json ? Output.json(.object(members)) : Output.human(.object(members))
        guard verified.ok, verifiedAccess.ok, projections.identical, agrees, verified.headHashHex == events.head.hashHex,
            access.map({ $0.head.hashHex == verifiedAccess.headHashHex }) ?? true
        else { throw ExitCode(2) }
    }

    /// `--events`: the file appended through the ledger, then the chain and the projections checked.
    func appendOffline(_ path: String) throws {
        let ledger = try openLedger()
        defer { ledger.shutdown() }
        let started = Date()
        let outcome = try OfflineAppend(ledger: ledger, path: path).run()
        let seconds = Date().timeIntervalSince(started)
        let verified = try ledger.verify()
        let projections = try ledger.verifyProjections()
        var members: [(String, JSONValue)] = [
            ("dataDir", .string(dataDir)), ("appended", .int(Int64(outcome.appended))), ("duplicates", .int(Int64(outcome.duplicates))),
            ("seconds", .double((seconds * 100).rounded() / 100)), ("eventsPerSecond", .int(Int64(Double(outcome.appended) / max(seconds, 0.001)))),
            ("head", .int(Int64(verified.headSeq))), ("headHash", .string(verified.headHashHex)), ("verified", .bool(verified.ok)),
            ("projections", ["identical": .bool(projections.identical), "entities": .int(Int64(projections.entities)), "digest": .string(projections.rebuiltDigest)]),
        ]
        if let refusal = outcome.refusal {
            members.append(("refused", ["firstLine": .int(Int64(refusal.firstLine)), "line": refusal.line.map { .int(Int64($0)) } ?? .null, "error": .string(refusal.error)]))
        }
        json ? Output.json(.object(members)) : Output.human(.object(members))
        if let refusal = outcome.refusal {
            let at = refusal.line.map { ", line \($0)" } ?? ""
            Output.errorLine("creditctl load: the batch from line \(refusal.firstLine) was refused\(at): \(refusal.error)")
            throw ExitCode(ExitStatus.found.rawValue)
        }
        guard verified.ok, projections.identical else { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// Refuses a data dir holding anything but an empty store (a daemon's files included).
    func refuseANonEmptyDirectory() throws {
        guard FileManager.default.fileExists(atPath: dataDir) else { return }
        let others = try FileManager.default.contentsOfDirectory(atPath: dataDir).filter { !["data.mdb", "lock.mdb", LogStore.writerLockName].contains($0) }
        guard others.isEmpty else {
            throw ValidationError("\(dataDir) holds other files (\(others.sorted().prefix(5).joined(separator: ", "))): load only into a new or empty directory")
        }
        if FileManager.default.fileExists(atPath: dataDir + "/" + LogStore.writerLockName),
            let holder = ExclusiveLock.holder(of: dataDir + "/" + LogStore.writerLockName)
        {
            throw ValidationError("\(dataDir) is in use by a daemon (\(holder)): load works offline, into an empty store")
        }
        guard FileManager.default.fileExists(atPath: dataDir + "/data.mdb") else { return }
        let store = try LogStore(directory: dataDir, readOnly: true)
        let head = try store.head()
        guard head.seq == 0 else { throw ValidationError("\(dataDir) is not empty: its event log holds \(head.seq) record(s); load only into an empty store") }
    }

    /// The first pass over an export: every line a record that chains onto the one before, from seq 1.
    /// - Returns: the records and the last one's head.
    static func check(_ path: String, events: Bool) throws -> (count: Int, head: LogHead) {
        let reader = try LineReader(path: path)
        var head = LogHead.empty
        var count = 0
        var progress = Progress(label: "checked \(events ? "records" : "access records")", total: nil)
        while let line = try reader.nextLine() {
            if LineReader.isBlank(line) { continue }
            do {
                let record = events ? try ExportedRecord.event(line: line).record : try ExportedRecord.record(line: line).record
                head = try head.chained(record)
            } catch {
                let described = (error as? LogError).map { LoadError($0).description } ?? "\(error)"
                Output.line("\(path) line \(reader.lineNumber): \(described)")
                Output.line("nothing was loaded")
                throw ExitCode(2)
            }
            count += 1
            if count % 65_536 == 0 { progress.update(count) }
        }
        progress.finish(count)
        return (count, head)
    }

    /// The second pass: the lines in batches of at most ``Ledger/loadRecordsPerCommit`` records
    /// and ``Ledger/loadBytesPerCommit`` bytes, each stored by `commit`.
    /// - Returns: the records stored.
    func store(_ path: String, total: Int, commit: ([[UInt8]]) throws -> LogHead) throws -> Int {
        let reader = try LineReader(path: path)
        var progress = Progress(label: "loaded", total: total)
        var batch: [[UInt8]] = []
        var bytes = 0
        var stored = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            do {
                _ = try commit(batch)
            } catch {
                // The first pass found the export sound: it changed since, or the store refused it.
                Output.line("\(path): \(error); the store in \(dataDir) holds the \(stored) record(s) before this batch: remove it before loading again")
                throw ExitCode(2)
            }
            stored += batch.count
            progress.update(stored)
            batch.removeAll(keepingCapacity: true)
            bytes = 0
        }
        while let line = try reader.nextLine() {
            if LineReader.isBlank(line) { continue }
            if batch.count == Ledger.loadRecordsPerCommit || bytes + line.count > Ledger.loadBytesPerCommit { try flush() }
            batch.append(Array(line))
            bytes += line.count
        }
        try flush()
        progress.finish(stored)
        return stored
    }
}
