import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, first items: files private by construction, configuration errors that stop
/// systemd's restart loop, SIGHUP, `--version`, and bounded work on a hostile line.
@Suite(.serialized) struct OperatorTests {
    static func mode(_ path: String) -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0o7777 }
        return status.st_mode & 0o777
    }

    static func ctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try AccessControlTests.run(Daemon.binary("creditctl"), arguments)
    }

    @Test func theStoreIsPrivateWhateverTheUmask() throws {
        let daemon = Daemon()
        try daemon.start(umask: "000")
        #expect(Self.mode(daemon.dataDirectory) == 0o700)
        #expect(Self.mode(daemon.dataDirectory + "/data.mdb") == 0o600)
        #expect(Self.mode(daemon.dataDirectory + "/lock.mdb") == 0o600)
        daemon.terminate()
        // A store left readable by an older version is made private at the next start.
        chmod(daemon.dataDirectory, 0o755)
        chmod(daemon.dataDirectory + "/data.mdb", 0o644)
        try daemon.start(umask: "000")
        #expect(Self.mode(daemon.dataDirectory) == 0o700 && Self.mode(daemon.dataDirectory + "/data.mdb") == 0o600)
        daemon.terminate()
    }

    /// A user who may connect (in the socket's group) still cannot read the store's files:
    /// the socket's group is not the store's owner (issue 11's first attack, as a real uid).
    @Test func aSocketClientCannotReadTheStore() throws {
        let client = try AccessControlTests.systemUser("cl-test-client")
        let clients = try AccessControlTests.systemGroup("cl-test-clients")
        let daemon = Daemon()
        chmod(daemon.directory, 0o755)
        try daemon.start(config: ["socketMode": "0660", "socketGroup": "cl-test-clients"], umask: "000")
        #expect(result(try daemon.client().call(appendRequest([licenceEvent("private-1")]))) != nil)
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try AccessControlTests.run("/usr/bin/setpriv", ["--reuid=\(client.uid)", "--regid=\(client.gid)", "--groups=\(clients)", "--"] + arguments)
        }
        #expect(try run([Daemon.binary("creditctl"), "ping", "--socket", daemon.socketPath]).status == 0, "a member of the socket's group connects")
        for file in ["data.mdb", "lock.mdb", "writer.lock"] {
            let read = try run(["/bin/cat", daemon.dataDirectory + "/" + file])
            #expect(read.status != 0 && read.output.contains("Permission denied"), "\(file): \(read.output.prefix(200))")
        }
        #expect(daemon.terminate() == 0)
    }

    @Test func backupsExportsAndReportsArePrivate() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let event: JSONValue = [
            "eventId": "p-1", "kind": "penalty.imposed", "entity": "91110000600037341L", "occurredOn": "2026-05-01",
            "source": ["authority": "北京市朝阳区市场监督管理局"],
            "body": ["decisionNo": "京朝市监罚〔2026〕1号", "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 80_000]], "violation": "v", "legalBasis": "b"],
        ]
        #expect(result(try client.call(appendRequest([event]))) != nil)
        let backup = daemon.directory + "/backup"
        let exported = daemon.directory + "/export.jsonl"
        let reports = daemon.directory + "/reports"
        let umask000 = { (arguments: [String]) in
            try AccessControlTests.run("/bin/sh", ["-c", "umask 000; exec \"$0\" \"$@\"", Daemon.binary("creditctl")] + arguments)
        }
        #expect(try umask000(["backup", "--data-dir", daemon.dataDirectory, backup]).status == 0)
        #expect(Self.mode(backup) == 0o700 && Self.mode(backup + "/data.mdb") == 0o600)
        #expect(try umask000(["export", "--data-dir", daemon.dataDirectory, "--output", exported]).status == 0)
        #expect(Self.mode(exported) == 0o600)
        #expect(try umask000(["report", "91110000600037341L", "--from", "2026-01-01", "--to", "2026-06-01", "--output", reports, "--socket", daemon.socketPath]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: reports)
        #expect(files.count == 2 && files.allSatisfy { Self.mode(reports + "/" + $0) == 0o600 } && Self.mode(reports) == 0o700)
        daemon.terminate()
    }

    @Test func configurationErrorsExit78WithOneLine() throws {
        let daemon = Daemon()
        let config = daemon.directory + "/bad.json"
        FileManager.default.createFile(atPath: config, contents: Data(#"{"socketMode": "0660", "unknownKey": 1}"#.utf8))
        for arguments in [["--config", config], ["--log-level", "loud"], ["--schemas", daemon.directory + "/nowhere"]] {
            let run = try AccessControlTests.run(
                Daemon.binary("creditledgerd"), ["--data-dir", daemon.dataDirectory, "--socket", daemon.socketPath] + arguments)
            #expect(run.status == 78, "\(arguments): \(run.output)")
            let lines = run.output.split(separator: "\n").filter { $0.hasPrefix("creditledgerd: ") }
            #expect(lines.count == 1, "one line giving the reason: \(run.output)")
        }
    }

    /// When systemd connects stderr to the journal (JOURNAL_STREAM names it), each line carries
    /// its syslog priority, so a critical line is not filed as "info".
    @Test func logLinesCarryJournalPrioritiesWhenStderrIsTheJournal() throws {
        let daemon = Daemon()
        let output = daemon.directory + "/journal.txt"
        #expect(FileManager.default.createFile(atPath: output, contents: nil))
        let script = #"exec 2>>"$1" 1>&2; JOURNAL_STREAM=$(stat -c %d:%i "$1") exec "$2" --data-dir "$3" --socket "$4" --schemas /nowhere"#
        let run = try AccessControlTests.run("/bin/sh", ["-c", script, "sh", output, Daemon.binary("creditledgerd"), daemon.dataDirectory, daemon.socketPath])
        #expect(run.status == 78)
        let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<2>critical start.schemas_invalid") }, "\(lines)")
    }

    @Test func bothBinariesPrintTheirVersion() throws {
        for binary in ["creditledgerd", "creditctl"] {
            let run = try AccessControlTests.run(Daemon.binary(binary), ["--version"])
            #expect(run.status == 0 && run.output.trimmingCharacters(in: .whitespacesAndNewlines) == CreditLedgerVersion.current, "\(binary): \(run.output)")
        }
    }

    @Test func sighupDoesNotStopTheDaemon() throws {
        let daemon = Daemon()
        try daemon.start()
        let process = try #require(daemon.process)
        ChildProcess.send(SIGHUP, to: process)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(ChildProcess.isRunning(process))
        #expect(result(try daemon.client().call(["op": "ping"]))?["version"] == .string(CreditLedgerVersion.current))
        #expect(daemon.terminate() == 0)
    }

    /// One public line with 60,000 distinct keys is refused by a named bound after linear work,
    /// and the connection goes on serving.
    @Test func aLineWithSixtyThousandKeysIsRefusedAndTheConnectionGoesOn() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let keys = (0..<60_000).map { "\"k\($0)\":1" }.joined(separator: ",")
        try client.send(Array("{\"op\":\"ping\",\(keys)}\n".utf8))
        let answer = try JSONParser.parse(try #require(try client.readLine()))
        #expect(errorCode(answer) == "bad_json", "\(CanonicalJSON.string(answer))")
        #expect(answer["error"]?["message"]?.stringValue?.contains("too many members") == true)
        #expect(result(try client.call(["op": "ping"])) != nil)
        daemon.terminate()
    }
}
