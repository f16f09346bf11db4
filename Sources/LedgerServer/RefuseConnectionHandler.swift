import CreditDomain
import LedgerProtocol
import NIOCore

/// Answers a connection over the limit with `unavailable`, then closes it.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let limit: Int

    init(limit: Int) { self.limit = limit }

    func channelActive(context: ChannelHandlerContext) {
        let answer = failureAnswer(id: nil, error: LedgerError(.unavailable, "too many connections (limit \(limit)); retry later"))
        var buffer = context.channel.allocator.buffer(capacity: answer.count)
        buffer.writeBytes(answer)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
