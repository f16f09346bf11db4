import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 8: fail closed on storage errors. A failed flush stops every write, is
/// never retried, and ends the process for its supervisor; a full disk is named as such.
@Suite(.serialized) struct StorageFailureTests {
    /// Builds the LD_PRELOAD shim that fails fdatasync/fsync while a flag file exists.
    static func failFlushShim(in directory: String) throws -> String {
        let library = directory + "/fail-flush.so"
        let source = Daemon.repository.appendingPathComponent("Tests/Fixtures/fail-flush.c").path
        let build = try AccessControlTests.run("/usr/bin/gcc", ["-shared", "-fPIC", "-O1", "-o", library, source, "-ldl"])
        try #require(build.status == 0, "gcc: \(build.output)")
        return library
    }

    @Test func aFailedFlushStopsAllWritesAndTheDaemonExitsForItsSupervisor() throws {
        let daemon = Daemon()
        let flag = daemon.directory + "/fail-now"
        try daemon.start(environment: ["LD_PRELOAD": try Self.failFlushShim(in: daemon.directory), "CREDITLEDGER_FAIL_FLUSH": flag])
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("before")]))) != nil)

        #expect(FileManager.default.createFile(atPath: flag, contents: nil))
        let failed = try client.call(appendRequest([licenceEvent("during")]))
        #expect(errorCode(failed) == "unavailable", "\(CanonicalJSON.string(failed))")
        // Never "ok" again from this process: the next append is refused too (or the process is gone).
        if let next = try? daemon.client().call(appendRequest([licenceEvent("after")])) {
            #expect(errorCode(next) == "unavailable", "\(CanonicalJSON.string(next))")
        }
        // A subscription's access record cannot be made durable: it streams nothing.
        if let subscriber = try? daemon.client(), (try? subscriber.send(Array(#"{"op":"subscribe","from":1,"purpose":"after the failure"}"#.utf8) + [0x0A])) != nil,
            let line = try? subscriber.readLine()
        {
            let answer = try JSONParser.parse(line)
            #expect(errorCode(answer) == "unavailable", "\(CanonicalJSON.string(answer))")
            #expect((try? subscriber.readLine()) ?? nil == nil, "no event follows")
        }
        let status = daemon.waitForExit()
        #expect(status == 74, "exit status \(status): \(daemon.log())")
        #expect(daemon.log().contains("store.failed") && daemon.log().contains("critical"), "\(daemon.log())")

        // Restarted without the fault: the acknowledged event is there, the chain verifies,
        // and "after" (refused) is not.
        try FileManager.default.removeItem(atPath: flag)
        try daemon.start()
        let admin = try daemon.client()
        #expect(result(try admin.call(["op": "get", "eventId": "before", "purpose": "check after restart"])) != nil)
        #expect(errorCode(try admin.call(["op": "get", "eventId": "after", "purpose": "check after restart"])) == "not_found")
        #expect(result(try admin.call(["op": "verify"]))?["ok"] == true)
        #expect(daemon.terminate() == 0)
    }

    @Test func aFullDiskIsReportedAsSuchAndTheStoreStaysReadable() throws {
        let daemon = Daemon()
        try FileManager.default.createDirectory(atPath: daemon.dataDirectory, withIntermediateDirectories: true)
        let mount = try AccessControlTests.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", daemon.dataDirectory])
        try #require(mount.status == 0, "mount: \(mount.output)")
        defer { _ = try? AccessControlTests.run("/bin/umount", ["-l", daemon.dataDirectory]) }
        try daemon.start()
        let client = try daemon.client()
        var accepted = 0
        var refusal: JSONValue?
        // 6 KB events: a 2 MiB disk is full after a few hundred (the map is far larger).
        let padding = String(repeating: "许", count: 2_000)
        for n in 0..<2_000 {
            let event: JSONValue = [
                "eventId": .string("big-\(n)"), "kind": "license.granted", "entity": .string(orgA), "occurredOn": "2024-03-01",
                "source": ["authority": "北京市市场监督管理局"],
                "body": ["decisionNo": .string("京市监许〔2024〕\(n)号"), "category": "普通", "content": .string(padding), "validFrom": "2024-03-01"],
            ]
            let answer = try client.call(appendRequest([event]))
            if result(answer) != nil {
                accepted += 1
            } else {
                refusal = answer
                break
            }
        }
        let error = try #require(refusal, "the disk never filled")
        #expect(errorCode(error) == "unavailable" && error["error"]?["message"]?.stringValue?.contains("disk is full") == true, "\(CanonicalJSON.string(error))")
        // Still serving: reads answer, the chain verifies, the head is the last accepted event.
        let ping = try #require(result(try client.call(["op": "ping"])))
        #expect(ping["head"] == .int(Int64(accepted)))
        #expect(result(try client.call(["op": "verify"]))?["ok"] == true)
        #expect(daemon.terminate() == 0)
    }
}
