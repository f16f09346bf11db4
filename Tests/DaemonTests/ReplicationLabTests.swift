import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Leader and followers on separate network stacks (issue 15): each daemon in its own network
/// namespace, their HTTPS edges joined by veth pairs on a bridge (`NetworkLab`).
@Suite(.serialized) struct ReplicationLabTests {
    /// Short waits, so that a refusal is seen quickly.
    static let quickWaits: [(String, JSONValue)] = [("minSeqWaitMilliseconds", 500), ("syncWaitMilliseconds", 3000)]

    /// `creditctl promote` on the daemon at `socket`: its answer and how long it took.
    static func promote(_ socket: String) throws -> (result: JSONValue, seconds: Double) {
        let started = Date()
        let (status, output) = try ChildProcess.output(of: Daemon.binary("creditctl"), ["promote", "--socket", socket, "--json"])
        let seconds = Date().timeIntervalSince(started)
        guard status == 0 else { throw LineClient.Failure(description: "creditctl promote exited \(status): \(output)") }
        return (try JSONParser.parse(Array(output.utf8)), seconds)
    }

    @Test func aFollowerCatchesUpFromEmptyThenLiveAndAnswersWithTheSeqItReflects() throws {
        let lab = try NetworkLab(nodes: 2)
        let leader = lab.daemon(0)
        try leader.start(config: lab.config(0))
        let writer = try leader.client()
        for batch in 0..<6 {
            #expect(result(try writer.call(appendRequest((0..<50).map { licenceEvent("pre-\(batch)-\($0)", entity: $0 % 2 == 0 ? orgA : orgB) }))) != nil)
        }
        // A follower from empty: it catches up with the 300 events, over the bridge.
        let follower = lab.daemon(1)
        try follower.start(config: lab.config(1, following: 0, Self.quickWaits))
        #expect(try Replicas.waitForHead(follower.socketPath, 300) == 300)
        // Then live: a burst of concurrent appends.
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            guard let client = try? leader.client() else { return }
            for batch in 0..<10 {
                _ = try? client.call(appendRequest((0..<5).map { licenceEvent("live-\(writer)-\(batch)-\($0)", entity: $0 % 2 == 0 ? orgA : orgB) }))
            }
        }
        let leaderHead = try Replicas.head(leader.socketPath)
        #expect(leaderHead.seq == 700)
        // A read that must reflect the leader's head: answered once the follower holds it.
        let reader = try follower.client()
        let status = try reader.call(["op": "status", "entity": .string(orgA), "purpose": "replication test", "minSeq": .int(leaderHead.seq)])
        #expect(result(status) != nil && (status["served"]?["seq"]?.intValue ?? 0) >= leaderHead.seq, "\(status)")
        #expect(status["served"]?["epoch"] == 1)
        // One the follower cannot reach in the wait: unavailable, naming minSeq.
        let ahead = try reader.call(["op": "status", "entity": .string(orgA), "purpose": "replication test", "minSeq": .int(leaderHead.seq + 1000)])
        #expect(errorCode(ahead) == "unavailable" && ahead["error"]?["field"] == "minSeq", "\(ahead)")

        #expect(try Replicas.head(follower.socketPath) == leaderHead)
        #expect(try TryReplica.records(follower.socketPath) == TryReplica.records(leader.socketPath))
        let verified = try #require(result(try reader.call(["op": "verify"])))
        #expect(verified["ok"] == true && verified["headHash"] == .string(leaderHead.hash))
        // The leader knows the follower's durable seq (its reports).
        let stats = try #require(result(try writer.call(["op": "stats"])))
        #expect(stats["replication"]?["followers"]?["cn:follower-1"]?["seq"]?.intValue == leaderHead.seq, "\(stats["replication"] ?? .null)")
        let metrics = try #require(result(try writer.call(["op": "metrics"]))?["text"]?.stringValue)
        #expect(metrics.contains("creditledger_replica_seq{follower=\"cn:follower-1\"} \(leaderHead.seq)"), "\(metrics)")
        #expect(metrics.contains("creditledger_leadership_epoch 1") && metrics.contains("creditledger_leadership_fenced 0"))
        let followerMetrics = try #require(result(try reader.call(["op": "metrics"]))?["text"]?.stringValue)
        #expect(followerMetrics.contains("creditledger_follower_stopped 0"), "\(followerMetrics)")
        #expect(follower.terminate() == 0 && leader.terminate() == 0)
    }

    @Test func killingTheFollowerMidStreamAndTheLeaderMidCommitLosesNoAcknowledgedEvent() throws {
        let lab = try NetworkLab(nodes: 2)
        let leader = lab.daemon(0)
        try leader.start(config: lab.config(0))
        let follower = lab.daemon(1)
        try follower.start(config: lab.config(1, following: 0))
        let socket = leader.socketPath
        let writers = Replicas.Writers(socket: { socket }, writers: 6, prefix: "k")
        // The follower killed while records stream to it, then started again.
        Thread.sleep(forTimeInterval: 1.5)
        follower.kill()
        Thread.sleep(forTimeInterval: 0.5)
        try follower.start(config: lab.config(1, following: 0))
        // The leader killed while appends commit, then started again; the writers go on.
        Thread.sleep(forTimeInterval: 1.5)
        let acknowledgedBeforeCrash = writers.acknowledgedIds
        leader.kill()
        try leader.start(config: lab.config(0))
        Thread.sleep(forTimeInterval: 1.5)
        let acknowledged = writers.stop()
        #expect(acknowledgedBeforeCrash.count > 0 && acknowledged.count > acknowledgedBeforeCrash.count, "writes went on around the crashes")

        let head = try Replicas.head(leader.socketPath)
        #expect(try Replicas.waitForHead(follower.socketPath, head.seq) == head.seq)
        #expect(try Replicas.missing(acknowledged, at: leader.socketPath).isEmpty)
        #expect(try Replicas.missing(acknowledged, at: follower.socketPath).isEmpty)
        #expect(try TryReplica.records(follower.socketPath) == TryReplica.records(leader.socketPath))
        #expect(try Replicas.head(follower.socketPath) == head)
        #expect(follower.terminate() == 0 && leader.terminate() == 0)
    }

    @Test func withSyncReplicasLosingTheLeadersStoreAndPromotingLosesNoAcknowledgedEvent() throws {
        let lab = try NetworkLab(nodes: 2)
        let leader = lab.daemon(0)
        try leader.start(config: lab.config(0, [("syncReplicas", 1)] + Self.quickWaits))
        // No follower yet: the append commits on the leader but is not acknowledged.
        let client = try leader.client()
        let alone = try client.call(appendRequest([licenceEvent("alone")]))
        #expect(errorCode(alone) == "unavailable" && alone["error"]?["message"]?.stringValue?.contains("same eventIds") == true, "\(alone)")

        let follower = lab.daemon(1)
        try follower.start(config: lab.config(1, following: 0, Self.quickWaits))
        // Sent again once the follower is there: acknowledged (the same seq, now held by both).
        let again = try client.call(appendRequest([licenceEvent("alone")]))
        #expect(result(again)?["appended"]?[0]?["duplicate"] == true, "\(again)")
        let socket = leader.socketPath
        let writers = Replicas.Writers(socket: { socket }, writers: 6, prefix: "s")
        Thread.sleep(forTimeInterval: 2)
        // The leader's machine is lost: the process and its disk.
        leader.kill()
        let acknowledged = writers.stop() + ["alone"]
        #expect(acknowledged.count > 1)
        try FileManager.default.removeItem(atPath: leader.dataDirectory)

        let (promoted, seconds) = try Self.promote(follower.socketPath)
        #expect(promoted["epoch"] == 2 && promoted["formerLeader"] == .string(lab.url(0)), "\(promoted)")
        // The lost leader could not be told the new epoch, and the answer says so.
        #expect(promoted["formerLeaderNotice"]?["fenced"] == false && promoted["formerLeaderNotice"]?["reason"]?.stringValue?.contains("not reached") == true, "\(promoted)")
        print("promotion took \(String(format: "%.3f", seconds)) s (creditctl promote, head \(CanonicalJSON.string(promoted["head"] ?? .null)))")
        #expect(try Replicas.missing(acknowledged, at: follower.socketPath).isEmpty, "every acknowledged event is on the promoted follower")
        // The new leader takes appends (its answers say epoch 2); it has no follower, and its
        // config asks none.
        let newLeader = try follower.client()
        let appended = try newLeader.call(appendRequest([licenceEvent("after-promotion")]))
        #expect(result(appended) != nil && appended["served"]?["epoch"] == 2, "\(appended)")
        let ping = try #require(result(try newLeader.call(["op": "ping"])))
        #expect(ping["role"] == "leader" && ping["epoch"] == 2 && ping["replication"] == nil)
        // Promoting a leader is refused.
        let twice = try newLeader.call(["op": "promote"])
        #expect(errorCode(twice) == "conflict")
        // The runbook's next step: its config without follow, restarted, it leads at epoch 2.
        #expect(follower.terminate() == 0)
        try follower.start(config: lab.config(1, Self.quickWaits))
        let restarted = try #require(result(try follower.client().call(["op": "ping"])))
        #expect(restarted["role"] == "leader" && restarted["epoch"] == 2)
        #expect(try Replicas.missing(acknowledged + ["after-promotion"], at: follower.socketPath).isEmpty)
        #expect(follower.terminate() == 0)
    }

    @Test func aFormerLeaderMeetingAHigherEpochRefusesWritesUntilItFollows() throws {
        let lab = try NetworkLab(nodes: 2)
        let old = lab.daemon(0)
        try old.start(config: lab.config(0))
        let oldClient = try old.client()
        #expect(result(try oldClient.call(appendRequest((0..<20).map { licenceEvent("e-\($0)") }))) != nil)
        let standby = lab.daemon(1)
        try standby.start(config: lab.config(1, following: 0))
        try Replicas.waitForHead(standby.socketPath, 20)
        // Planned switchover: the standby is promoted while the old leader still runs; promotion
        // tells the old leader epoch 2 over the network, and it fences itself, durably.
        let (promoted, _) = try Self.promote(standby.socketPath)
        #expect(promoted["formerLeaderNotice"] == ["fenced": true], "\(promoted)")
        let newClient = try standby.client()
        #expect(result(try newClient.call(appendRequest([licenceEvent("on-new")]))) != nil)

        // The old leader refuses appends from writers that never saw epoch 2.
        let plain = try oldClient.call(appendRequest([licenceEvent("on-old")]))
        #expect(errorCode(plain) == "unavailable" && plain["error"]?["message"]?.stringValue?.contains("epoch 2") == true, "\(plain)")
        #expect(result(try oldClient.call(["op": "ping"]))?["fenced"] == true)
        #expect(result(try oldClient.call(["op": "stats"]))?["replication"]?["fenced"] == true)
        #expect(result(try oldClient.call(["op": "metrics"]))?["text"]?.stringValue?.contains("creditledger_leadership_fenced 1") == true)
        // Reads go on, saying which epoch served them.
        #expect(try oldClient.call(["op": "ping"])["served"]?["epoch"] == 1)
        // Restarted: still fenced (kept with the log).
        #expect(old.terminate() == 0)
        try old.start(config: lab.config(0))
        #expect(errorCode(try old.client().call(appendRequest([licenceEvent("on-old-3")]))) == "unavailable")
        #expect(old.terminate() == 0)

        // Made a follower of the new leader: it copies the new history and serves epoch 2.
        try old.start(config: lab.config(0, following: 1, as: "replica2"))
        let head = try Replicas.head(standby.socketPath)
        #expect(try Replicas.waitForHead(old.socketPath, head.seq) == head.seq)
        #expect(try TryReplica.records(old.socketPath) == TryReplica.records(standby.socketPath))
        let ping = try #require(result(try old.client().call(["op": "ping"])))
        #expect(ping["epoch"] == 2 && ping["role"] == "follower" && ping["replication"]?["state"] == "following", "\(ping)")
        // A follower's store is not started as a leader without promotion (two leaders at one epoch).
        #expect(old.terminate() == 0)
        #expect(throws: (any Error).self) { try old.start(config: lab.config(0)) }
        #expect(old.log().contains("creditctl promote"))
        #expect(standby.terminate() == 0)
    }

    @Test func aFollowerHoldingEventsItsLeaderLacksIsRefused() throws {
        let lab = try NetworkLab(nodes: 2)
        // Two ledgers with different histories: the second may not follow the first.
        let first = lab.daemon(0)
        try first.start(config: lab.config(0))
        #expect(result(try first.client().call(appendRequest((0..<5).map { licenceEvent("a-\($0)") }))) != nil)
        let second = lab.daemon(1)
        try second.start()
        #expect(result(try second.client().call(appendRequest((0..<3).map { licenceEvent("b-\($0)") }))) != nil)
        #expect(second.terminate() == 0)
        try second.start(config: lab.config(1, following: 0))
        let client = try second.client()
        try Replicas.waitUntilStopped(second.socketPath)
        let stats = try #require(result(try client.call(["op": "stats"])))
        let follower = stats["replication"]?["follower"]
        #expect(follower?["state"] == "stopped" && follower?["reason"]?.stringValue?.contains("histories differ") == true, "\(stats)")
        #expect(try Replicas.head(second.socketPath).seq == 3, "nothing it held was overwritten")
        #expect(second.terminate() == 0 && first.terminate() == 0)
    }

    /// A leader whose third record is changed on the wire: the follower (on another node)
    /// stores the two before it, refuses it, stops following and says why.
    @Test func aTamperedRecordOnTheWireIsRefused() throws {
        let lab = try NetworkLab(nodes: 2)
        let source = Daemon()
        try source.start()
        #expect(result(try source.client().call(appendRequest((0..<5).map { licenceEvent("t-\($0)") }))) != nil)
        let records = try TryReplica.records(source.socketPath)
        #expect(source.terminate() == 0 && records.count == 5)

        let scratch = NSTemporaryDirectory() + "cl-fake-leader-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let recordsFile = scratch + "/records.jsonl"
        FileManager.default.createFile(atPath: recordsFile, contents: Data(records.map { CanonicalJSON.string($0) + "\n" }.joined().utf8))
        let fake = try AnnouncingProcess(
            "/usr/sbin/ip",
            ["netns", "exec", lab.namespace(0), "/usr/bin/python3", Daemon.repository.appendingPathComponent("Tests/Fixtures/fake-leader.py").path, recordsFile,
             "--tamper", "3", "--dir", scratch, "--address", lab.address(0)])
        let leader = fake.line

        let follower = lab.daemon(1)
        try follower.start(config: ["follow": ["leader": leader["url"]!, "ca": leader["ca"]!, "certificate": leader["cert"]!, "key": leader["key"]!]])
        let client = try follower.client()
        let ping = try Replicas.waitUntilStopped(follower.socketPath)
        #expect(ping["replication"]?["state"] == "stopped", "\(ping)")
        // Why is for admins (it may quote the record); the public ping says only that it stopped.
        #expect(ping["replication"]?["reason"] == nil, "\(ping)")
        let stats = try #require(result(try client.call(["op": "stats"])))
        #expect(stats["replication"]?["follower"]?["reason"]?.stringValue?.contains("seq 3") == true, "\(stats)")
        #expect(result(try client.call(["op": "metrics"]))?["text"]?.stringValue?.contains("creditledger_follower_stopped 1") == true)
        #expect(ping["head"] == 2 && ping["headHash"] == records[1]["hash"], "the records before it are kept, nothing after")
        #expect(follower.log().contains("replication.stopped"))
        #expect(result(try client.call(["op": "verify"]))?["ok"] == true)
        #expect(try TryReplica.records(follower.socketPath) == Array(records.prefix(2)))
        #expect(follower.terminate() == 0)
        _ = fake.stop()
    }
}
