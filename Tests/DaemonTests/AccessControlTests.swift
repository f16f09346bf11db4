import Foundation
import Glibc
import LedgerJSON
import LedgerProtocol
import Testing

/// Roles from the peer's real uid (SO_PEERCRED): system users made for the test run
/// `creditctl` against the daemon through `setpriv`. Needs root (as CI runs).
@Suite(.serialized, .enabled(if: getuid() == 0, "creating users and switching uid needs root"))
struct AccessControlTests {
    /// Makes (once) a system user and returns its uid and gid.
    static func systemUser(_ name: String) throws -> (uid: UInt32, gid: UInt32) {
        if getpwnam(name) == nil {
            let result = try run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
            #expect(result.status == 0 || getpwnam(name) != nil, "useradd: \(result.output)")
        }
        guard let entry = getpwnam(name) else { throw LineClient.Failure(description: "no user \(name)") }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Makes (once) a system group and returns its gid.
    static func systemGroup(_ name: String) throws -> UInt32 {
        if getgrnam(name) == nil {
            let result = try run("/usr/sbin/groupadd", ["--system", name])
            #expect(result.status == 0 || getgrnam(name) != nil, "groupadd: \(result.output)")
        }
        guard let entry = getgrnam(name) else { throw LineClient.Failure(description: "no group \(name)") }
        return entry.pointee.gr_gid
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.output(of: executable, arguments)
    }

    /// `creditctl ARGS` run as `user`.
    static func creditctl(as user: (uid: UInt32, gid: UInt32), _ arguments: [String]) throws -> (status: Int32, output: String) {
        try run("/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", Daemon.binary("creditctl")] + arguments)
    }

    @Test func rolesComeFromTheCallersUidAndReadsAreRecorded() throws {
        let auditor = try Self.systemUser("cl-test-auditor")
        let outsider = try Self.systemUser("cl-test-public")
        let daemon = Daemon()
        chmod(daemon.directory, 0o755)
        try daemon.start(config: ["socketMode": "0666", "access": ["auditor": ["uids": [.int(Int64(auditor.uid))]]]])
        let admin = try daemon.client()
        #expect(result(try admin.call(appendRequest([licenceEvent("l-1")]))) != nil)
        let socket = ["--socket", daemon.socketPath, "--json"]

        // Public: ping yes; history, status, append, stats no.
        #expect(try Self.creditctl(as: outsider, ["ping"] + socket).status == 0)
        let refused = try Self.creditctl(as: outsider, ["history", orgA] + socket)
        #expect(refused.status != 0 && refused.output.contains("forbidden"), "\(refused.output)")
        // Auditor: history needs a purpose, and then works.
        let noPurpose = try Self.creditctl(as: auditor, ["history", orgA] + socket)
        #expect(noPurpose.status != 0 && noPurpose.output.contains("missing_field") && noPurpose.output.contains("purpose"), "\(noPurpose.output)")
        let read = try Self.creditctl(as: auditor, ["history", orgA, "--purpose", "行政许可审查 2026-0042"] + socket)
        #expect(read.status == 0 && read.output.contains("l-1"), "\(read.output)")
        let stats = try Self.creditctl(as: auditor, ["verify"] + socket)
        #expect(stats.status != 0 && stats.output.contains("forbidden"), "an auditor is not an admin")

        // Over the protocol as the outsider's uid would see it: every refusal is `forbidden` with the op.
        // The admin reads the access log: the auditor's read is there with uid and purpose; refusals are not.
        let log = try #require(result(try admin.call(["op": "access-log", "purpose": "test"])))
        let records = try #require(log["records"]?.arrayValue)
        let auditorReads = records.filter { $0["uid"] == .int(Int64(auditor.uid)) }
        #expect(auditorReads.count == 1)
        #expect(auditorReads.first?["op"] == "history" && auditorReads.first?["purpose"] == "行政许可审查 2026-0042")
        #expect(auditorReads.first?["entity"] == .string(orgA) && auditorReads.first?["role"] == "auditor")
        #expect(!records.contains { $0["uid"] == .int(Int64(outsider.uid)) })
        #expect(records.allSatisfy { $0["hash"]?.stringValue?.count == 64 && $0["recordedAt"] != nil })
        let chain = try #require(result(try admin.call(["op": "verify", "log": "access"])))
        #expect(chain["ok"] == true && chain["checked"] == log["head"])
        // The access-log command as an outsider is refused; as the admin it shows the chain intact.
        #expect(try Self.creditctl(as: outsider, ["access-log"] + socket).output.contains("forbidden"))
        #expect(daemon.terminate() == 0)
    }

    @Test func everyNonPublicReadSaysItsPurposeAdminsToo() throws {
        let daemon = Daemon()
        try daemon.start()
        let admin = try daemon.client()
        #expect(result(try admin.call(appendRequest([licenceEvent("l-1")]))) != nil)
        #expect(result(try admin.call(["op": "status", "entity": .string(orgA), "purpose": "audit"])) != nil)
        #expect(result(try admin.call(["op": "display", "entity": .string(orgA)])) != nil, "public reads are not recorded")
        // No purpose, or one that says nothing: refused before anything is read or recorded.
        #expect(errorCode(try admin.call(["op": "get", "seq": 1])) == "missing_field")
        for blank in ["", " ", "\u{3000}\u{3000}", "x", "a\u{7}b"] {
            let answer = try admin.call(["op": "status", "entity": .string(orgA), "purpose": .string(blank)])
            #expect(errorCode(answer) == "invalid_field" && answer["error"]?["field"] == "purpose", "\(blank.debugDescription)")
        }
        // A malformed entity is refused before its access record: records keep validated values.
        #expect(errorCode(try admin.call(["op": "history", "entity": .string(String(repeating: "9", count: 10_000)), "purpose": "audit"])) == "invalid_entity")
        // Every recorded parameter is checked first: a malformed one (of any size) is refused
        // and nothing is recorded for it.
        let malformed: [JSONValue] = [
            ["op": "read", "from": 1, "limit": .string(String(repeating: "x", count: 50_000)), "purpose": "audit"],
            ["op": "get", "seq": "one", "purpose": "audit"],
            ["op": "history", "entity": .string(orgA), "knownAt": "yesterday", "purpose": "audit"],
            ["op": "status", "entity": .string(orgA), "at": "2026-13-01", "purpose": "audit"],
            ["op": "read", "from": 0, "purpose": "audit"],
        ]
        for request in malformed {
            #expect(errorCode(try admin.call(request)) == "invalid_field", "\(CanonicalJSON.string(request).prefix(100))")
        }
        #expect(errorCode(try admin.call(["op": "subscribe", "from": 0, "purpose": "audit"])) == "invalid_field")
        let records = try #require(result(try admin.call(["op": "access-log", "purpose": "check the log"]))?["records"]?.arrayValue)
        #expect(records.map { $0["op"] } == ["status", "access-log"], "\(records)")
        #expect(records[0]["purpose"] == "audit" && records[0]["role"] == "admin")
        #expect(records.allSatisfy { CanonicalJSON.encode($0).count < 2_000 })
        #expect(daemon.terminate() == 0)
    }

    /// Writer, auditor and admin are independent grants; supplementary groups count; a writer
    /// files only for the authorities its grant lists.
    @Test func grantsAreIndependentAndWritersFileForTheirAuthoritiesOnly() throws {
        let auditor = try Self.systemUser("cl-test-auditor")
        let writer = try Self.systemUser("cl-test-writer")
        let outsider = try Self.systemUser("cl-test-public")
        let readers = try Self.systemGroup("cl-test-readers")
        let daemon = Daemon()
        chmod(daemon.directory, 0o755)
        try daemon.start(config: [
            "socketMode": "0666",
            "access": [
                "auditor": ["uids": [.int(Int64(auditor.uid))], "gids": [.int(Int64(readers))]],
                "writer": [["uids": [.int(Int64(writer.uid))], "authorities": ["北京市市场监督管理局"]]],
            ],
        ])
        let socket = ["--socket", daemon.socketPath, "--json"]
        let file = daemon.directory + "/events.jsonl"
        func events(_ lines: [JSONValue]) throws {
            FileManager.default.createFile(atPath: file, contents: Data(lines.map { CanonicalJSON.string($0) + "\n" }.joined().utf8))
            chmod(file, 0o644)
        }
        // The writer files for its authority, not for another; it may not read what is not public.
        try events([licenceEvent("w-1")])
        let filed = try Self.creditctl(as: writer, ["append", file] + socket)
        #expect(filed.status == 0, "\(filed.output)")
        var other = licenceEvent("w-2")
        if case var .object(members) = other, let index = members.firstIndex(where: { $0.0 == "source" }) {
            members[index].1 = ["authority": "上海市市场监督管理局"]
            other = .object(members)
        }
        try events([other])
        let refused = try Self.creditctl(as: writer, ["append", file] + socket)
        #expect(refused.status != 0 && refused.output.contains("forbidden") && refused.output.contains("events[0].source.authority"), "\(refused.output)")
        #expect(try Self.creditctl(as: writer, ["history", orgA, "--purpose", "look"] + socket).output.contains("forbidden"))
        // The auditor reads but may not append, nor run admin ops.
        let appended = try Self.creditctl(as: auditor, ["append", file] + socket)
        #expect(appended.status != 0 && appended.output.contains("forbidden"), "an auditor may not append: \(appended.output)")
        #expect(try Self.creditctl(as: auditor, ["history", orgA, "--purpose", "行政许可审查"] + socket).status == 0)
        // A supplementary group counts: the outsider in the readers' group reads; without it, not.
        let asReader = try Self.run("/usr/bin/setpriv", [
            "--reuid=\(outsider.uid)", "--regid=\(outsider.gid)", "--groups=\(readers)", "--", Daemon.binary("creditctl"), "history", orgA, "--purpose", "行政许可审查",
        ] + socket)
        #expect(asReader.status == 0, "\(asReader.output)")
        #expect(try Self.creditctl(as: outsider, ["history", orgA, "--purpose", "行政许可审查"] + socket).output.contains("forbidden"))
        #expect(daemon.terminate() == 0)
    }
}
