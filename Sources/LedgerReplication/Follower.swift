import AsyncHTTPClient
import CreditLedger
import Foundation
import LedgerJSON
import LedgerStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Keeps this daemon's log a byte-identical copy of a leader's (issue 15).
///
/// Asks the leader's edge to `subscribe` from this log's head + 1 (an audited read, recorded
/// once per connection there, under a certificate granted `replica`), naming the hash of its
/// head so that a leader with a different history refuses, and stores each record it streams
/// as it is — same seq, `recordedAt`, content and hash — through ``Ledger/loadEvents(_:)``:
/// each record must chain onto the head (its seq, its `prevHash` the head's hash, its hash
/// recomputed), so a tampered or forked record is refused, never stored. Records that arrive
/// while a commit runs are stored together in the next one; after each, the follower reports
/// its durable head to the leader (`replicated`: what synchronous replication counts).
/// Projections are derived by the same code as on the leader.
///
/// A record that does not chain, or a leader of an older epoch than this log has followed,
/// stops the follower for good (logged `critical`; the state says why): what it holds is
/// never overwritten. A lost connection is retried.
public final class Follower: Service, Sendable {
    /// What the follower is doing, for `ping`, `stats` and the logs.
    public enum State: Sendable, Equatable {
        case connecting
        case following
        /// Stopped for good: why (a refused record, an older leader, promotion).
        case stopped(String)
    }

    /// The longest refusal or report answer read from the leader.
    static let maximumAnswerBytes = 1 << 16
    /// How long one subscription may stream (it ends when either side closes).
    static let streamTimeout: TimeAmount = .hours(24 * 365)
    /// How long a report of the durable head may take.
    static let reportTimeout: TimeAmount = .seconds(10)
    /// How long connecting to the leader may take before it counts as a lost connection.
    static let connectTimeout: TimeAmount = .seconds(10)
    /// How long promotion waits to tell the former leader its new epoch (a lost machine
    /// must not hold the promotion up for long).
    static let noticeTimeout: TimeAmount = .seconds(3)

    public let configuration: FollowConfiguration
    private let ledger: Ledger
    private let logger: Logger
    private let current = Mutex<State>(.connecting)
    /// The following loop, once running (``stop()`` cancels it).
    private let loop = Mutex<Task<Void, Never>?>(nil)
    /// Set by ``stop()``: no new connection is made.
    private let stopRequested = Mutex(false)
    /// The last seq reported to the leader as durable here.
    private let reported = Mutex<UInt64>(0)

    public init(configuration: FollowConfiguration, ledger: Ledger, logger: Logger) {
        precondition(configuration.recordsPerCommit <= Ledger.loadRecordsPerCommit, "a load commit's bound")
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
    }

    public var state: State { current.withLock { $0 } }

    /// The `replication` block of the public `ping`: the leader and the state, never why
    /// following stopped (that text may quote a record: admins read it in `stats`).
    public var publicStatusJSON: JSONValue {
        let name: String
        switch state {
        case .connecting: name = "connecting"
        case .following: name = "following"
        case .stopped: name = "stopped"
        }
        return ["leader": .string(configuration.leaderURL), "state": .string(name)]
    }

    /// The follower's part of `stats` (admins): the state, why it stopped, the last seq reported.
    public var adminStatusJSON: JSONValue {
        var members: [(String, JSONValue)] = [
            ("leader", .string(configuration.leaderURL)), ("state", publicStatusJSON["state"] ?? .null),
            ("reportedSeq", .int(Int64(reported.withLock { $0 }))),
        ]
        if case let .stopped(reason) = state { members.append(("reason", .string(reason))) }
        return .object(members)
    }

    /// Why following ended for good.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Why the leader could not serve now (busy, stopping): asked again after a pause.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    public func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: try clientConfiguration())
        let work = Task { await followUntilStopped(with: client) }
        loop.withLock { $0 = work }
        await withGracefulShutdownHandler {
            await work.value
        } onGracefulShutdown: {
            work.cancel()
        }
        try await client.shutdown()
        // A stopped follower stays up for reads until the daemon stops.
        if !Task.isCancelled { try? await gracefulShutdown() }
    }

    /// Stops following for good (promotion): returns once nothing more will be stored.
    public func stop() async {
        stopRequested.withLock { $0 = true }
        guard let work = loop.withLock({ $0 }) else { return }
        work.cancel()
        await work.value
        current.withLock { $0 = .stopped("stopped for promotion") }
    }

    /// Tells the former leader, after promotion, the epoch that replaced it: a `ping` carrying
    /// `epoch` under this follower's certificate (a `replica`'s epoch counts there), so a
    /// leader that still runs fences itself durably before it takes another append. Best
    /// effort, bounded by ``noticeTimeout``: a lost leader is not reached (the runbook keeps it
    /// from coming back as it was).
    /// - Returns: `fenced` (whether its answer says it is fenced now) and, when it was not
    ///   reached, `reason`.
    public func tellFormerLeader(epoch: UInt64) async -> JSONValue {
        let outcome: JSONValue
        do {
            var settings = try clientConfiguration()
            settings.timeout.connect = Self.noticeTimeout
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            do {
                let response = try await client.execute(post("ping", [("epoch", .int(Int64(epoch)))]), timeout: Self.noticeTimeout)
                let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
                let answer = try? JSONParser.parse(Array(body.readableBytesView))
                let fenced = answer?["result"]?["fenced"]?.boolValue == true
                outcome = fenced ? ["fenced": true] : ["fenced": false, "reason": .string("it answered \(response.status.code) and is not fenced")]
            } catch {
                outcome = ["fenced": false, "reason": .string("not reached: \(error)")]
            }
            try? await client.shutdown()
        } catch {
            outcome = ["fenced": false, "reason": .string("no client: \(error)")]
        }
        logger.notice("leadership.former_leader_told", metadata: ["epoch": "\(epoch)", "leader": "\(configuration.leaderURL)", "outcome": "\(outcome)"])
        return outcome
    }

    func clientConfiguration() throws -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(configuration.caFile)
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem))
        var settings = HTTPClient.Configuration(tlsConfiguration: tls)
        settings.timeout.connect = Self.connectTimeout
        return settings
    }

    /// Follows, reconnecting after a lost connection, until stopped or refused.
    private func followUntilStopped(with client: HTTPClient) async {
        while !Task.isCancelled && !stopRequested.withLock({ $0 }) {
            do {
                try await follow(with: client)
            } catch let refused as Refused {
                current.withLock { $0 = .stopped(refused.description) }
                logger.critical("replication.stopped", metadata: ["leader": "\(configuration.leaderURL)", "reason": "\(refused.description)"])
                // Nothing more is taken from the leader; reads go on from what is held.
                return
            } catch {
                if Task.isCancelled { return }
                current.withLock { $0 = .connecting }
                logger.warning("replication.connection_lost", metadata: ["leader": "\(configuration.leaderURL)", "error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(configuration.retrySeconds))
        }
    }

    /// One subscription: from the head on, until the stream ends or fails.
    func follow(with client: HTTPClient) async throws {
        let head = try ledger.head()
        var body: [(String, JSONValue)] = [
            ("from", .int(Int64(head.seq + 1))), ("purpose", .string(configuration.purpose)), ("epoch", .int(Int64(ledger.leadership.epoch))),
        ]
        if head.seq > 0 { body.append(("prevHash", .string(head.hashHex))) }
        let response = try await client.execute(post("subscribe", body), timeout: Self.streamTimeout)
        guard response.status == .ok else {
            var answer = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            let text = "the leader refused the subscription (\(response.status.code)): \(answer.readString(length: answer.readableBytes) ?? "")"
            // Busy or stopping: asked again. Anything else (a different history, no grant) stops.
            if response.status.code == 429 || response.status.code >= 500 { throw Unavailable(description: text) }
            throw Refused(description: text)
        }
        let handoff = RecordHandoff(capacity: configuration.recordsHeld)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.read(response.body, from: head.seq + 1, into: handoff) }
            group.addTask { try await handoff.storeEach { try await self.store($0, client: client) } }
            do {
                try await group.waitForAll()
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Reads the stream's answer line, then its records into `handoff`, until the stream ends.
    private func read(_ body: HTTPClientResponse.Body, from: UInt64, into handoff: RecordHandoff) async {
        var pending: [UInt8] = []
        var answered = false
        do {
            for try await chunk in body {
                pending += chunk.readableBytesView
                var start = pending.startIndex
                var records: [ExportedEvent] = []
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[start..<newline]
                    start = newline + 1
                    if answered {
                        do {
                            records.append(try Self.record(line))
                        } catch {
                            // The records before a refused line are the leader's: stored first.
                            _ = await handoff.add(records)
                            throw error
                        }
                    } else {
                        try accept(answer: line, from: from)
                        answered = true
                    }
                }
                pending.removeSubrange(pending.startIndex..<start)
                guard await handoff.add(records) else { return handoff.finish() }
            }
            handoff.finish(answered ? nil : Unavailable(description: "the leader closed the stream before answering"))
        } catch {
            // A refused line (its records before it were added) or a lost connection.
            handoff.finish(error)
        }
    }

    /// The subscription's answer line: `ok` from a leader of an epoch no older than this
    /// log's (stored, lifting a fence), or the leader's refusal.
    func accept(answer line: ArraySlice<UInt8>, from: UInt64) throws {
        let answer = try JSONParser.parse(line)
        guard answer["ok"]?.boolValue == true else {
            throw Refused(description: "the leader refused the subscription: \(CanonicalJSON.string(answer["error"] ?? answer))")
        }
        let known = ledger.leadership
        let epoch = UInt64(max(answer["served"]?["epoch"]?.intValue ?? 1, 1))
        guard epoch >= max(known.epoch, known.met) else {
            throw Refused(description: "the leader serves epoch \(epoch), older than epoch \(max(known.epoch, known.met)) this log has known: it was replaced; follow the current leader")
        }
        let following = Leadership(epoch: epoch, met: epoch, following: true)
        if following != known { try ledger.setLeadership(following) }
        current.withLock { $0 = .following }
        logger.info("replication.following", metadata: ["leader": "\(configuration.leaderURL)", "from": "\(from)", "epoch": "\(epoch)"])
    }

    /// One streamed `{"event": record}` line as a record to store.
    static func record(_ line: ArraySlice<UInt8>) throws -> ExportedEvent {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { throw Refused(description: "a line from the leader is not JSON: \(error)") }
        guard let record = value["event"] else { throw Refused(description: "a line from the leader holds no event") }
        do {
            return try ExportedRecord.event(line: CanonicalJSON.encode(record))
        } catch {
            throw Refused(description: "a record from the leader was refused: \(error)")
        }
    }

    /// Stores `records` in durable commits of at most `recordsPerCommit`, then reports the new
    /// head to the leader. A record that does not chain stops following, once the records
    /// before it are stored.
    func store(_ records: [ExportedEvent], client: HTTPClient) async throws {
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + configuration.recordsPerCommit, records.endIndex)
            let batch = Array(records[start..<end])
            try await NIOThreadPool.singleton.runIfActive { [ledger] in
                do {
                    _ = try ledger.loadEvents(batch)
                } catch let error as LoadError {
                    if let seq = error.seq, let index = batch.firstIndex(where: { $0.record.seq == seq }), index > 0 {
                        _ = try ledger.loadEvents(Array(batch[..<index]))
                    }
                    throw Refused(description: "a record from the leader does not follow this log: \(error)")
                }
            }
            start = end
        }
        if let last = records.last { await report(last.record.seq, client: client) }
    }

    /// Tells the leader the seq held durably here (`replicated`); a failure is only logged:
    /// the next report carries a later seq.
    func report(_ seq: UInt64, client: HTTPClient) async {
        do {
            let response = try await client.execute(post("replicated", [("seq", .int(Int64(seq))), ("epoch", .int(Int64(ledger.leadership.epoch)))]), timeout: Self.reportTimeout)
            var answer = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            guard response.status == .ok else {
                logger.warning("replication.report_refused", metadata: ["status": "\(response.status.code)", "answer": "\(answer.readString(length: answer.readableBytes) ?? "")"])
                return
            }
            reported.withLock { $0 = max($0, seq) }
        } catch {
            logger.debug("replication.report_failed", metadata: ["seq": "\(seq)", "error": "\(error)"])
        }
    }

    /// A POST of `members` to the leader's `/v1/<op>`.
    private func post(_ op: String, _ members: [(String, JSONValue)]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: configuration.leaderURL + "/v1/" + op)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encode(.object(members))))
        return request
    }
}
