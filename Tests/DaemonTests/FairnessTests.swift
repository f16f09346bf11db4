import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 4: no caller can starve the others — per-uid caps, capacity held back for
/// writers and admins, an idle timeout and one bound on what all connections buffer.
@Suite(.serialized) struct FairnessTests {
    /// A process of `user` holding up to `count` connections; its report once they are open.
    final class Holder {
        let process = Process()
        let input = Pipe()
        let report: JSONValue

        init(_ user: (uid: UInt32, gid: UInt32), socket: String, count: Int, directory: String) throws {
            let output = directory + "/holder-\(user.uid).out"
            FileManager.default.createFile(atPath: output, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", "/usr/bin/python3",
                Daemon.repository.appendingPathComponent("Tests/Fixtures/hold-connections.py").path, socket, "\(count)",
            ]
            process.standardInput = input
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = process.standardOutput
            try ChildProcess.run(process)
            let deadline = Date().addingTimeInterval(60)
            var line: String?
            while Date() < deadline, line == nil {
                // A whole first line (a read may catch it half-written).
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                line = text.contains("\n") ? text.split(separator: "\n").first.map(String.init) : nil
                if line == nil { Thread.sleep(forTimeInterval: 0.05) }
            }
            let text = line ?? "(nothing within 60 s)"
            report = (try? JSONParser.parse(Array(text.utf8))) ?? ["output": .string((try? String(contentsOfFile: output, encoding: .utf8)) ?? text)]
        }

        var admitted: Int64 { report["ok"]?.intValue ?? -1 }
        var refusals: [String] { report["refused"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

        func close() {
            try? input.fileHandleForWriting.close()
            ChildProcess.wait(process)
        }
    }

    @Test func perUidCapsAndReservedCapacityKeepWritersAndAdminsIn() throws {
        let outsider = try AccessControlTests.systemUser("cl-test-public")
        let other = try AccessControlTests.systemUser("cl-test-client")
        let daemon = Daemon()
        chmod(daemon.directory, 0o755)
        try daemon.start(config: ["socketMode": "0666", "maximumConnections": 20, "reservedConnections": 5, "maximumConnectionsPerUid": 10])
        // One uid gets 10 of its 15; another public uid fills up to the reserve (5 more).
        let first = try Holder(outsider, socket: daemon.socketPath, count: 15, directory: daemon.directory)
        defer { first.close() }
        #expect(first.admitted == 10 && first.refusals.count == 5 && first.refusals.allSatisfy { $0.contains("holds 10 connections") }, "\(first.report)")
        let second = try Holder(other, socket: daemon.socketPath, count: 8, directory: daemon.directory)
        defer { second.close() }
        #expect(second.admitted == 5 && second.refusals.allSatisfy { $0.contains("held for writers and admins") }, "\(second.report)")
        // The admin (and writer) still gets in, over the public limit.
        let admin = try daemon.client()
        #expect(result(try admin.call(appendRequest([licenceEvent("still-served")]))) != nil)
        #expect(result(try admin.call(["op": "stats"]))?["connections"] == 16)
        #expect(daemon.terminate() == 0)
    }

    @Test func anIdleConnectionIsClosedAndASubscriberStays() throws {
        let daemon = Daemon()
        try daemon.start(config: ["idleTimeoutSeconds": 1])
        let idle = try daemon.client()
        #expect(result(try idle.call(["op": "ping"])) != nil)
        let subscriber = try daemon.client()
        try subscriber.send(Array(#"{"op":"subscribe","from":1,"purpose":"idle test"}"#.utf8) + [0x0A])
        #expect(try subscriber.readLine().map { String(decoding: $0, as: UTF8.self) }?.contains("subscribed") == true)
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try idle.readLine() == nil, "the idle connection is closed")
        #expect(result(try daemon.client().call(appendRequest([licenceEvent("after-idle")]))) != nil)
        let streamed = try #require(try subscriber.readLine())
        #expect(String(decoding: streamed, as: UTF8.self).contains("after-idle"))
        #expect(daemon.terminate() == 0)
    }

    @Test func partialLinesAreBoundTogether() throws {
        let daemon = Daemon()
        try daemon.start(config: ["maximumBufferedBytes": .int(3 << 20), "maximumLineBytes": .int(2 << 20)])
        // 1.5 MB of one line without its end: held. Another 1.7 MB: over the shared bound.
        let first = try daemon.client()
        try first.send(Array(#"{"op":"ping","pad":""#.utf8) + [UInt8](repeating: 0x61, count: 1_500_000))
        Thread.sleep(forTimeInterval: 0.3)
        let second = try daemon.client()
        try second.send(Array(#"{"op":"ping","pad":""#.utf8) + [UInt8](repeating: 0x61, count: 1_700_000))
        let refused = try JSONParser.parse(try #require(try second.readLine()))
        #expect(errorCode(refused) == "unavailable" && refused["error"]?["message"]?.stringValue?.contains("unread input") == true, "\(refused)")
        // Its line is dropped to its end; the connection goes on.
        try second.send(Array(#""}"#.utf8) + [0x0A])
        #expect(result(try second.call(["op": "ping"])) != nil)
        // The first finishes its line and is answered; new connections are served.
        try first.send(Array(#""}"#.utf8) + [0x0A])
        #expect(result(try JSONParser.parse(try #require(try first.readLine()))) != nil)
        #expect(result(try daemon.client().call(["op": "ping"])) != nil)
        #expect(daemon.terminate() == 0)
    }

    /// Slow readers together hold about the shared budget, not what they asked for; a client
    /// that reads its answers is served meanwhile.
    @Test func slowReadersTogetherStayWithinTheBudget() throws {
        let daemon = Daemon()
        try daemon.start(config: ["maximumBufferedBytes": .int(8 << 20), "stalledReaderSeconds": 1])
        let writer = try daemon.client()
        for batch in 0..<2 {
            #expect(result(try writer.call(appendRequest((0..<500).map { licenceEvent("s-\(batch)-\($0)") }))) != nil)
        }
        // 40 connections × 20 reads of ~0.5 MB: 400 MB asked for, never read.
        let request = Array(#"{"op":"read","limit":1000,"purpose":"slow reader"}"#.utf8) + [0x0A]
        var slow: [LineClient] = []
        for _ in 0..<40 {
            let client = try daemon.client()
            try client.send(Array((0..<20).map { _ in request }.joined()))
            slow.append(client)
        }
        Thread.sleep(forTimeInterval: 3)
        let good = try daemon.client()
        let display = try good.call(["op": "display", "entity": .string(orgA), "at": "2024-06-01", "limit": 10])
        #expect(result(display) != nil, "a reading client is served: \(CanonicalJSON.string(display).prefix(300))")
        #expect(result(try good.call(["op": "read", "limit": 10, "purpose": "good reader"])) != nil)
        let residentMegabytes = try SlowReaderTests.residentMegabytes(pid: daemon.process!.processIdentifier)
        #expect(residentMegabytes < 200, "daemon RSS \(residentMegabytes) MB with 400 MB of answers asked for and unread")
        slow.removeAll()
        #expect(daemon.terminate() == 0)
    }
    /// Hundreds of new connections that never read keep the budget at its ceiling; a client
    /// that has taken an answer is still served (appends and recorded reads), because those
    /// holding unread answers at the ceiling are closed, not after `stalledReaderSeconds`
    /// (an hour here: without that, the good client would wait past its receive timeout).
    @Test func aClientThatReadsIsServedWhileManySlowReadersHoldTheCeiling() throws {
        let daemon = Daemon()
        try daemon.start(config: ["maximumBufferedBytes": .int(8 << 20), "stalledReaderSeconds": 3600])
        let writer = try daemon.client()
        for batch in 0..<4 {
            #expect(result(try writer.call(appendRequest((0..<500).map { licenceEvent("c-\(batch)-\($0)") }))) != nil)
        }
        let good = try daemon.client()
        good.setReceiveTimeout(seconds: 60)
        #expect(result(try good.call(["op": "ping"])) != nil)
        // 150 connections × 3 reads of ~1 MB, never read: a few answers computed at once
        // take the budget past its ceiling.
        let request = Array(#"{"op":"read","limit":2000,"purpose":"slow reader"}"#.utf8) + [0x0A]
        var slow: [LineClient] = []
        for _ in 0..<150 {
            let client = try daemon.client()
            try client.send(Array((0..<3).map { _ in request }.joined()))
            slow.append(client)
        }
        for round in 0..<20 {
            let append = try good.call(appendRequest([licenceEvent("good-\(round)")]))
            #expect(result(append) != nil, "append \(round): \(CanonicalJSON.string(append).prefix(300))")
            let read = try good.call(["op": "read", "from": .int(Int64(round * 20 + 1)), "limit": 20, "purpose": "good reader"])
            #expect(result(read) != nil, "read \(round): \(CanonicalJSON.string(read).prefix(300))")
        }
        let residentMegabytes = try SlowReaderTests.residentMegabytes(pid: daemon.process!.processIdentifier)
        #expect(residentMegabytes < 200, "daemon RSS \(residentMegabytes) MB with 450 MB of answers asked for and unread")
        slow.removeAll()
        #expect(daemon.terminate() == 0)
    }
}
