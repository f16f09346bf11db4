import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Start, stop and crash the real daemon.
@Suite(.serialized) struct LifecycleTests {
    @Test func sigtermAnswersInFlightAppendsAndExitsZero() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let requests = (0..<200).map { appendRequest([licenceEvent("t-\($0)")], id: .int(Int64($0))) }
        try client.send(requests.flatMap { CanonicalJSON.encode($0) + [UInt8(ascii: "\n")] })
        _ = try client.readValue()  // the first is committed: the rest are in flight or queued
        let status = daemon.terminate()
        #expect(status == 0)
        var acknowledged = [String]()
        while let line = try? client.readLine() {
            let answer = try JSONParser.parse(line)
            if let row = answer["result"]?["appended"]?[0]?["eventId"]?.stringValue { acknowledged.append(row) }
        }
        try daemon.start()
        let check = try daemon.client()
        for eventId in acknowledged {
            #expect(result(try check.call(["op": "get", "purpose": "test", "eventId": .string(eventId)])) != nil, "\(eventId) acknowledged but lost")
        }
        #expect(result(try check.call(["op": "verify"]))?["ok"] == true)
        daemon.terminate()
    }

    /// Concurrent appenders; the daemon is SIGKILLed at random instants and restarted.
    /// Rounds: 3 by default, `CREDITLEDGER_CRASH_ROUNDS` for a longer run.
    @Test func sigkillLosesNoAcknowledgedEvent() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["CREDITLEDGER_CRASH_ROUNDS"] ?? "") ?? 3
        let daemon = Daemon()
        let acknowledged = Acknowledged()
        for round in 0..<rounds {
            try daemon.start()
            let group = DispatchGroup()
            for writer in 0..<4 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    guard let client = try? daemon.client() else { return }
                    for n in 0..<100_000 {
                        let id = "r\(round)-w\(writer)-\(n)"
                        guard let answer = try? client.call(appendRequest([licenceEvent(id, entity: writer % 2 == 0 ? orgA : orgB)])) else { return }
                        guard let seq = answer["result"]?["appended"]?[0]?["seq"]?.intValue else { return }
                        acknowledged.add(id, seq: seq)
                    }
                }.start()
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.2...0.8))
            daemon.kill()
            group.wait()
        }
        try daemon.start()
        let client = try daemon.client()
        let all = acknowledged.all()
        #expect(all.count > 0)
        for (eventId, seq) in all {
            let stored = result(try client.call(["op": "get", "purpose": "test", "eventId": .string(eventId)]))?["event"]
            #expect(stored?["seq"] == .int(seq), "\(eventId) acknowledged at seq \(seq) but stored as \(stored.map { CanonicalJSON.string($0["seq"] ?? nil) } ?? "nothing")")
        }
        let verify = try #require(result(try client.call(["op": "verify"])))
        #expect(verify["ok"] == true)
        // Gap-free: the head equals the number of records, and every acknowledged seq is within it.
        let stats = try #require(result(try client.call(["op": "stats"])))
        #expect(stats["head"] == stats["events"])
        #expect((stats["head"]?.intValue ?? 0) >= Int64(all.count))
        daemon.terminate()
    }

    @Test func restartsOnItsDataAndKeepsTheChain() throws {
        let daemon = Daemon()
        try daemon.start()
        let first = try #require(result(try daemon.client().call(appendRequest([licenceEvent("k-1")]))))
        #expect(daemon.terminate() == 0)
        try daemon.start()
        let second = try #require(result(try daemon.client().call(appendRequest([licenceEvent("k-2")]))))
        #expect(second["appended"]?[0]?["seq"] == 2)
        let stored = try #require(result(try daemon.client().call(["op": "get", "purpose": "test", "seq": 2]))?["event"])
        #expect(stored["prevHash"] == first["appended"]?[0]?["hash"])
        daemon.terminate()
    }

    @Test func aBadSchemaStopsStartUpWithAClearMessage() throws {
        let daemon = Daemon()
        let schemas = daemon.directory + "/schemas"
        try FileManager.default.createDirectory(atPath: schemas + "/events", withIntermediateDirectories: true)
        let run = try ChildProcess.output(
            of: Daemon.binary("creditledgerd"), ["--data-dir", daemon.dataDirectory, "--socket", daemon.socketPath, "--schemas", schemas])
        #expect(run.status == 78)
        #expect(run.output.contains("no schema for kind"))
    }
}

final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var seqs: [String: Int64] = [:]
    func add(_ id: String, seq: Int64) { lock.withLock { seqs[id] = seq } }
    func all() -> [String: Int64] { lock.withLock { seqs } }
}
