import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// `Tools/try-replica` run for a test: a leader and a follower, each with its HTTPS edge.
final class TryReplica: @unchecked Sendable {
    let leaderSocket: String
    let followerSocket: String
    let leaderURL: String
    private let tool: AnnouncingProcess

    init() throws {
        tool = try AnnouncingProcess(Daemon.repository.appendingPathComponent("Tools/try-replica").path, ["--binaries", Daemon.buildDirectory.path])
        let line = tool.line
        guard let leader = line["leader"]?["socket"]?.stringValue, let follower = line["follower"]?["socket"]?.stringValue,
            let url = line["leader"]?["url"]?.stringValue
        else { throw LineClient.Failure(description: "try-replica printed no usable line") }
        leaderSocket = leader
        followerSocket = follower
        leaderURL = url
    }

    func stop() -> Int32 { tool.stop() }

    static func client(_ socket: String) throws -> LineClient {
        let client = try LineClient(socketPath: socket)
        client.setReceiveTimeout(seconds: 120)
        return client
    }

    /// Waits until the follower's head reaches `seq` (bounded); its last `ping`.
    func followerReaches(_ seq: Int64, within seconds: Double = 60) throws -> JSONValue {
        try Replicas.waitForHead(followerSocket, seq, seconds: seconds)
        return try #require(result(try Self.client(followerSocket).call(["op": "ping"])))
    }

    /// Every record of a log, as `read` answers them (the stored bytes and hashes).
    static func records(_ socket: String) throws -> [JSONValue] {
        let client = try client(socket)
        var all: [JSONValue] = []
        var from: Int64 = 1
        while true {
            let page = try #require(result(try client.call(["op": "read", "purpose": "replication test", "from": .int(from), "limit": 1000])))
            let records = page["events"]?.arrayValue ?? []
            all += records
            guard let last = records.last?["seq"]?.intValue else { return all }
            from = last + 1
        }
    }
}

/// Followers (issue 15): the log copied record by record over the leader's edge.
@Suite(.serialized) struct ReplicationTests {
    static let writers = 8
    static let batchesPerWriter = 10

    @Test func aFollowerKeepsAByteIdenticalLogAndRefusesAppends() throws {
        let pair = try TryReplica()
        let leader = try TryReplica.client(pair.leaderSocket)
        // Some history before the follower catches up, then a burst from concurrent writers.
        #expect(result(try leader.call(appendRequest((0..<50).map { licenceEvent("before-\($0)") }))) != nil)
        DispatchQueue.concurrentPerform(iterations: Self.writers) { writer in
            guard let client = try? TryReplica.client(pair.leaderSocket) else { return }
            for batch in 0..<Self.batchesPerWriter {
                let events = (0..<5).map { licenceEvent("w\(writer)-\(batch)-\($0)", entity: $0 % 2 == 0 ? orgA : orgB) }
                _ = try? client.call(appendRequest(events))
            }
        }
        let leaderPing = try #require(result(try leader.call(["op": "ping"])))
        let head = try #require(leaderPing["head"]?.intValue)
        #expect(head == 50 + Int64(Self.writers * Self.batchesPerWriter * 5))
        let followerPing = try pair.followerReaches(head)
        #expect(followerPing["head"] == leaderPing["head"] && followerPing["headHash"] == leaderPing["headHash"])
        #expect(followerPing["role"] == "follower" && followerPing["replication"]?["state"] == "following")
        #expect(followerPing["replication"]?["leader"] == .string(pair.leaderURL))
        #expect(leaderPing["role"] == "leader")

        // Byte for byte: every record, its recordedAt and hash; verify agrees on both.
        #expect(try TryReplica.records(pair.followerSocket) == TryReplica.records(pair.leaderSocket))
        let follower = try TryReplica.client(pair.followerSocket)
        let verified = try #require(result(try follower.call(["op": "verify"])))
        #expect(verified["ok"] == true && verified["headHash"] == leaderPing["headHash"])
        // It answers reads from its own projections, and refuses appends, naming the leader.
        let status = try #require(result(try follower.call(["op": "status", "entity": .string(orgA), "purpose": "replication test"])))
        #expect((status["records"]?.arrayValue?.count ?? 0) > 0)
        let refused = try follower.call(appendRequest([licenceEvent("on-follower")]))
        #expect(errorCode(refused) == "unavailable" && refused["error"]?["message"]?.stringValue?.contains(pair.leaderURL) == true, "\(refused)")

        // The leader recorded the replica's stream once, under its certificate's name.
        let access = try #require(result(try leader.call(["op": "access-log", "purpose": "replication test"]))?["records"]?.arrayValue)
        let streams = access.filter { $0["op"] == "subscribe" }
        #expect(streams.count == 1 && streams.first?["certificate"] == "cn:follower-1" && streams.first?["role"] == "replica", "\(streams)")
        #expect(pair.stop() == 0)
    }

    /// A leader that meets a higher epoch in a writer's or an admin's request was replaced: it
    /// fences itself before answering, refuses every later append, and `ping` says so. A writer
    /// using creditctl gives the epoch it has seen with `--epoch` (or $CREDITLEDGER_EPOCH).
    @Test func aLeaderMeetingAHigherEpochFromAWriterRefusesAppends() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("before")]))) != nil)
        let file = daemon.directory + "/events.jsonl"
        FileManager.default.createFile(atPath: file, contents: Data((CanonicalJSON.string(licenceEvent("after")) + "\n").utf8))
        let current = try AuditorCommandTests.ctl(["append", file, "--socket", daemon.socketPath, "--epoch", "1"])
        #expect(current.status == 0 && current.stdout.contains("appended 1"), "the epoch served: \(current.stderr)")
        let stale = try AuditorCommandTests.ctl(["append", file, "--socket", daemon.socketPath, "--epoch", "2"])
        #expect(stale.status == 1 && stale.stderr.contains("epoch 2"), "\(stale.stderr)")
        #expect(errorCode(try client.call(appendRequest([licenceEvent("later")]))) == "unavailable", "every later append too")
        let ping = try #require(result(try client.call(["op": "ping"])))
        #expect(ping["fenced"] == true && ping["epoch"] == 1 && ping["head"] == 2, "\(ping)")
        #expect(try AuditorCommandTests.ctl(["ping", "--socket", daemon.socketPath, "--epoch", "0"]).status == 64, "no epoch 0")
        #expect(daemon.terminate() == 0)
    }
}
