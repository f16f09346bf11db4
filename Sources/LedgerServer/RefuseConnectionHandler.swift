import CreditDomain
import LedgerProtocol
import NIOCore

/// Answers a connection refused admission with `unavailable` and why, then closes it.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let message: String
    /// What the refusing daemon serves (every answer says).
    let served: Served

    init(message: String, served: Served) {
        self.message = message
        self.served = served
    }

    private var answered = false

    // Added once the caller is known, which may be after the channel became active.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
        context.fireChannelActive()
    }

    private func refuse(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let answer = failureAnswer(id: nil, error: LedgerError(.unavailable, message), served: served).bytes
        var buffer = context.channel.allocator.buffer(capacity: answer.count)
        buffer.writeBytes(answer)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
