import AsyncHTTPClient
import CreditLedger
import Foundation
import LedgerJSON
import LedgerStore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Keeps this daemon's log a byte-identical copy of a leader's (issue 15).
///
/// Asks the leader's edge to `subscribe` from this log's head + 1 (an audited read, recorded
/// once per connection there, under a certificate granted `replica`), and stores each record
/// it streams as it is — same seq, `recordedAt`, content and hash — through
/// ``Ledger/loadEvents(_:)``: each record must chain onto the head (its seq, its `prevHash`
/// the head's hash, its hash recomputed), so a tampered or forked record is refused, never
/// stored. Projections are derived by the same code as on the leader. A record that does not
/// chain stops the follower for good (logged `critical`; ``state`` says why): what it holds
/// is never overwritten. A lost connection is retried.
public final class Follower: Service, Sendable {
    /// What the follower is doing, for `ping` and the logs.
    public enum State: Sendable, Equatable {
        case connecting
        case following
        /// Stopped for good: a record from the leader was refused; the reason.
        case stopped(String)
    }

    public let configuration: FollowConfiguration
    private let ledger: Ledger
    private let logger: Logger
    private let current = Mutex<State>(.connecting)

    public init(configuration: FollowConfiguration, ledger: Ledger, logger: Logger) {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
    }

    public var state: State { current.withLock { $0 } }

    /// The replication block of `ping`: the leader, the state and, once stopped, why.
    public var statusJSON: JSONValue {
        var members: [(String, JSONValue)] = [("leader", .string(configuration.leaderURL))]
        switch state {
        case .connecting: members.append(("state", "connecting"))
        case .following: members.append(("state", "following"))
        case let .stopped(reason):
            members.append(("state", "stopped"))
            members.append(("reason", .string(reason)))
        }
        return .object(members)
    }

    /// Why following ended for good.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    public func run() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(configuration.caFile)
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem))
        var settings = HTTPClient.Configuration(tlsConfiguration: tls)
        settings.timeout.connect = .seconds(10)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        // The stream is cancelled when the daemon stops.
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
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
                try await Task.sleep(for: .seconds(configuration.retrySeconds))
            }
        }
        try await client.shutdown()
        // A stopped follower stays up for reads until the daemon stops.
        if case .stopped = state { try? await gracefulShutdown() }
    }

    /// One subscription: from the head on, until the stream ends or fails.
    func follow(with client: HTTPClient) async throws {
        let from = try ledger.head().seq + 1
        var request = HTTPClientRequest(url: configuration.leaderURL + "/v1/subscribe")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encode(["from": .int(Int64(from)), "purpose": .string(configuration.purpose)])))
        let response = try await client.execute(request, timeout: .hours(24 * 365))
        guard response.status == .ok else {
            var body = try await response.body.collect(upTo: 1 << 16)
            throw Refused(description: "the leader refused the subscription (\(response.status.code)): \(body.readString(length: body.readableBytes) ?? "")")
        }
        var pending: [UInt8] = []
        var answered = false
        var batch: [ExportedEvent] = []
        for try await chunk in response.body {
            pending += chunk.readableBytesView
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                start = newline + 1
                if !answered {
                    try checkAnswer(line)
                    answered = true
                    current.withLock { $0 = .following }
                    logger.info("replication.following", metadata: ["leader": "\(configuration.leaderURL)", "from": "\(from)"])
                    continue
                }
                do {
                    batch.append(try Self.record(line))
                } catch {
                    // The records before the refused one are the leader's: kept.
                    try store(&batch)
                    throw error
                }
                if batch.count == configuration.recordsPerCommit { try store(&batch) }
            }
            pending.removeSubrange(pending.startIndex..<start)
            // The stream paused (the chunk is used up): store what came.
            try store(&batch)
        }
        try store(&batch)
    }

    /// The subscription's answer line: `ok`, or the leader's refusal.
    func checkAnswer(_ line: ArraySlice<UInt8>) throws {
        let answer = try JSONParser.parse(line)
        guard answer["ok"]?.boolValue == true else {
            throw Refused(description: "the leader refused the subscription: \(CanonicalJSON.string(answer["error"] ?? answer))")
        }
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

    /// Stores the batch in one durable commit; a record that does not chain stops following,
    /// once the records before it are stored.
    func store(_ batch: inout [ExportedEvent]) throws {
        guard !batch.isEmpty else { return }
        defer { batch.removeAll(keepingCapacity: true) }
        do {
            try ledger.loadEvents(batch)
        } catch let error as LoadError {
            if let seq = error.seq, let index = batch.firstIndex(where: { $0.record.seq == seq }), index > 0 {
                try ledger.loadEvents(Array(batch[..<index]))
            }
            throw Refused(description: "a record from the leader does not follow this log: \(error)")
        }
    }
}
