import Foundation
import NIOCore
import NIOPosix

/// Drives many connections from one event-loop thread, one request outstanding per
/// connection (like redis-benchmark's clients with no pipelining), so the load generator
/// costs little CPU on a machine it shares with the daemon.
final class EventLoopLoad: @unchecked Sendable {
    struct Outcome {
        var latenciesNanoseconds: [UInt64] = []
        var failures: [String] = []
    }

    private let makeRequest: @Sendable (_ connection: Int, _ number: Int) -> [UInt8]
    private let requestsPerConnection: Int
    /// Requests one connection keeps in flight (1 = no pipelining).
    let depth: Int
    private let deadline: NIODeadline
    private var outcome = Outcome()
    private let lock = NSLock()

    init(requestsPerConnection: Int, maxSeconds: Double, depth: Int = 1, makeRequest: @escaping @Sendable (Int, Int) -> [UInt8]) {
        precondition(depth >= 1)
        self.depth = depth
        self.requestsPerConnection = requestsPerConnection
        self.deadline = .now() + .nanoseconds(Int64(maxSeconds * 1e9))
        self.makeRequest = makeRequest
    }

    func run(socketPath: String, connections: Int) throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        var finished: [EventLoopFuture<Void>] = []
        for connection in 0..<connections {
            let done = group.next().makePromise(of: Void.self)
            let handler = LoadHandler(connection: connection, load: self, done: done)
            _ = try ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NewlineDecoder()))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(unixDomainSocketPath: socketPath).wait()
            finished.append(done.futureResult)
        }
        for future in finished { try? future.wait() }
        return lock.withLock { outcome }
    }

    fileprivate func record(latencies: [UInt64], failure: String?) {
        lock.withLock {
            outcome.latenciesNanoseconds += latencies
            if let failure { outcome.failures.append(failure) }
        }
    }

    fileprivate func request(connection: Int, number: Int) -> [UInt8]? {
        guard number < requestsPerConnection, NIODeadline.now() < deadline else { return nil }
        return makeRequest(connection, number)
    }
}

private struct NewlineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let line = buffer.readSlice(length: newline - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

private final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let okPrefix = Array(#"{"id":null,"ok":true"#.utf8)
    let connection: Int
    let load: EventLoopLoad
    let done: EventLoopPromise<Void>
    private var sent = 0
    private var sentAt: [UInt64] = []
    private var answered = 0
    private var latencies: [UInt64] = []

    init(connection: Int, load: EventLoopLoad, done: EventLoopPromise<Void>) {
        self.connection = connection
        self.load = load
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        for _ in 0..<load.depth { sendNext(context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        latencies.append(DispatchTime.now().uptimeNanoseconds - sentAt[answered])
        answered += 1
        let line = unwrapInboundIn(data)
        guard line.readableBytesView.starts(with: Self.okPrefix) else {
            finish(context: context, failure: line.getString(at: line.readerIndex, length: min(line.readableBytes, 300)))
            return
        }
        sendNext(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) { finish(context: context, failure: "connection closed") }

    func errorCaught(context: ChannelHandlerContext, error: Error) { finish(context: context, failure: "\(error)") }

    private func sendNext(context: ChannelHandlerContext) {
        guard let bytes = load.request(connection: connection, number: sent) else {
            if answered == sent { finish(context: context, failure: nil) }
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        sentAt.append(DispatchTime.now().uptimeNanoseconds)
        sent += 1
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private var finished = false
    private func finish(context: ChannelHandlerContext, failure: String?) {
        guard !finished else { return }
        finished = true
        load.record(latencies: latencies, failure: failure)
        context.close(promise: nil)
        done.succeed(())
    }
}
