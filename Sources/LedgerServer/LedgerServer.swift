import CreditDomain
import CreditLedger
import Foundation
import LedgerProtocol
import LedgerStore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Unix-socket server of the line protocol.
public final class LedgerServer: Sendable {
    private let configuration: ServerConfiguration
    private let ledger: Ledger
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let hub = SubscriptionHub()
    private let connections: ConnectionTable
    /// Partial lines and unsent answers of every connection together.
    private let budget: BufferBudget
    private let listener = NIOLockedValueBox<Channel?>(nil)
    private let metricsListener = NIOLockedValueBox<Channel?>(nil)
    /// The lock beside the socket, held while serving.
    private let socketLock = NIOLockedValueBox<ExclusiveLock?>(nil)
    private let today: @Sendable () -> CivilDate
    private let operations: Operations

    /// - Parameter today: the date in China Standard Time, the default `at` of queries.
    public init(configuration: ServerConfiguration, ledger: Ledger, logger: Logger, today: @escaping @Sendable () -> CivilDate) {
        self.today = today
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        self.connections = ConnectionTable(limits: configuration.connectionLimits, ownUid: getuid())
        self.budget = BufferBudget(limitBytes: configuration.maximumBufferedBytes)
        let connections = self.connections
        self.operations = Operations(
            ledger: ledger, connectionCount: { connections.count }, today: today, logger: logger, metricsText: configuration.metricsText,
            checkpointFile: configuration.checkpointFile, replication: configuration.replication,
            regions: configuration.regions)
        let hub = self.hub
        let replication = configuration.replication
        ledger.onCommit { head in
            replication.head.advance(to: head.seq)
            hub.committed(headSeq: head.seq)
        }
        if let head = try? ledger.head() { replication.head.advance(to: head.seq) }
    }

    /// The ops, the subscription hub and the answer budget, shared with the HTTPS edge so
    /// that both listeners answer alike within one bound.
    package var shared: (operations: Operations, hub: SubscriptionHub, budget: BufferBudget) { (operations, hub, budget) }

    /// The number of open connections.
    public var connectionCount: Int { connections.count }

    /// Binds the socket (replacing a stale socket file, never a served one) and starts accepting.
    /// - Throws: when another daemon serves the path, or the socket cannot be bound.
    public func start() async throws {
        let directory = (configuration.socketPath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let claimed = try SocketPath.claim(configuration.socketPath)
        socketLock.withLockedValue { $0 = claimed }
        let operations = self.operations
        let configuration = self.configuration
        let hub = self.hub
        let logger = self.logger
        let connections = self.connections
        let budget = self.budget
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            // A client that sends its last request and shuts down its side still gets every answer.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // Answers waiting to leave above 1 MiB make the channel unwritable: reading pauses.
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelInitializer { channel in
                // The kernel says who is calling; the policy grants; the table admits.
                let credentials: EventLoopFuture<PeerCredentials> = (channel as? SocketOptionProvider)?
                    .unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
                    ?? channel.eventLoop.makeSucceededFuture(PeerCredentials())
                // Supplementary groups count too; a peer in more than PeerGroups.maximumCount
                // (the read fails) is counted by its uid and primary gid.
                let groups: EventLoopFuture<[UInt32]> = ((channel as? SocketOptionProvider)?
                    .unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(PeerGroups.option)) as EventLoopFuture<PeerGroups>?)
                    .map { $0.map(\.list).recover { _ in [] } } ?? channel.eventLoop.makeSucceededFuture([])
                return credentials.and(groups).flatMapThrowing { (peer: PeerCredentials, groups: [UInt32]) throws -> Void in
                    let grant = configuration.access.grant(uid: peer.uid, gid: peer.gid, groups: groups)
                    let caller = Caller(uid: peer.uid, gid: peer.gid, pid: peer.pid, groups: groups, grant: grant)
                    do throws(ConnectionTable.Refusal) {
                        try connections.admit(channel, caller: caller)
                    } catch {
                        ServerMetrics.refusedConnections.increment()
                        try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(message: error.message, served: operations.served()))
                        return
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    // A connection with nothing unanswered that sends nothing for this long is closed.
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(configuration.idleTimeoutSeconds)))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        LineFramer(maximumLineBytes: configuration.maximumLineBytes, budget: budget)))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(
                        operations: operations, hub: hub, caller: caller, maximumPipelinedRequests: configuration.maximumPipelinedRequests,
                        stalledReaderSeconds: configuration.stalledReaderSeconds, budget: budget, logger: logger))
                }
            }
            .bind(unixDomainSocketPath: configuration.socketPath)
            .get()
        chmod(configuration.socketPath, mode_t(configuration.socketMode))
        if let group = configuration.socketGroup, chown(configuration.socketPath, uid_t.max, group) != 0 {
            let reason = String(cString: strerror(errno))
            try? await channel.close()
            throw SocketPath.Failure.group("cannot give \(configuration.socketPath) to group \(group) (\(reason)): the daemon's user must be a member of it")
        }
        listener.withLockedValue { $0 = channel }
        if let address = configuration.metricsHTTP {
            let http = try await ServerBootstrap(group: group)
                // A restart while a scrape's connection lingers in TIME_WAIT must still bind.
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: { operations.metrics() }))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
            metricsListener.withLockedValue { $0 = http }
            logger.info("metrics.listening", metadata: ["address": "\(address.host):\(address.port)"])
        }
        logger.info("server.listening", metadata: ["socket": "\(configuration.socketPath)"])
    }

    /// SIGTERM: stop accepting, let every connection finish and receive its answers, commit
    /// what is queued, then close. Waits at most `drainTimeoutSeconds` for connections.
    public func drain() async {
        if let channel = listener.withLockedValue({ $0 }) {
            try? await channel.close()
        }
        if let channel = metricsListener.withLockedValue({ $0 }) {
            try? await channel.close()
        }
        let open = connections.channels
        logger.info("server.draining", metadata: ["connections": "\(open.count)"])
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
        ledger.shutdown()
        let deadline = NIODeadline.now() + .seconds(configuration.drainTimeoutSeconds)
        for channel in open {
            let closed = channel.closeFuture
            let timeout = channel.eventLoop.scheduleTask(deadline: deadline) { channel.close(promise: nil) }
            try? await closed.get()
            timeout.cancel()
        }
        try? FileManager.default.removeItem(atPath: configuration.socketPath)
        try? await group.shutdownGracefully()
        logger.info("server.stopped")
    }
}
