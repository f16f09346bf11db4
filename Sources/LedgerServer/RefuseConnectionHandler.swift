import CreditDomain
import LedgerProtocol
import NIOCore

/// Answers a connection refused admission with `unavailable` and why, then closes it.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let message: String

    init(message: String) { self.message = message }

    func channelActive(context: ChannelHandlerContext) {
        let answer = failureAnswer(id: nil, error: LedgerError(.unavailable, message))
        var buffer = context.channel.allocator.buffer(capacity: answer.count)
        buffer.writeBytes(answer)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
