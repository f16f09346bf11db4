import NIOCore

/// A frame of the line protocol: one line, or word that a line was too long.
enum Frame {
    case line(ByteBuffer)
    /// A line exceeded the limit; its bytes up to the next `\n` are dropped.
    case tooLong
    /// The daemon holds as many partial lines as its budget allows: this connection's line is
    /// dropped up to its `\n` (the handler answers `unavailable`).
    case overBudget
}

/// Splits the byte stream at `\n`, enforcing the line limit without buffering past it.
final class LineFramer: ByteToMessageDecoder {
    typealias InboundOut = Frame

    private let maximumLineBytes: Int
    /// Shared by every connection: the bytes of partial lines held.
    private let budget: BufferBudget
    /// Bytes of this connection's partial line taken from the budget.
    private var heldBytes = 0
    /// True while skipping the rest of a line that was too long.
    private var discarding = false
    /// Bytes of the current partial line already searched for `\n` (not searched again).
    private var scanned = 0

    init(maximumLineBytes: Int, budget: BufferBudget) {
        precondition(maximumLineBytes > 0)
        self.maximumLineBytes = maximumLineBytes
        self.budget = budget
    }

    deinit { budget.giveBack(heldBytes) }

    /// Keeps the budget's share of this connection equal to its partial line; false when the
    /// line cannot grow (the budget is spent).
    private func hold(_ bytes: Int) -> Bool {
        if bytes > heldBytes {
            guard budget.tryTake(bytes - heldBytes) else { return false }
        } else {
            budget.giveBack(heldBytes - bytes)
        }
        heldBytes = bytes
        return true
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        if let newline = view[(view.startIndex + min(scanned, view.count))...].firstIndex(of: UInt8(ascii: "\n")) {
            scanned = 0
            let length = newline - buffer.readerIndex
            if discarding {
                buffer.moveReaderIndex(forwardBy: length + 1)
                discarding = false
            } else if length > maximumLineBytes {
                buffer.moveReaderIndex(forwardBy: length + 1)
                context.fireChannelRead(wrapInboundOut(.tooLong))
            } else {
                let line = buffer.readSlice(length: length)!
                buffer.moveReaderIndex(forwardBy: 1)
                context.fireChannelRead(wrapInboundOut(.line(line)))
            }
            return .continue
        }
        scanned = buffer.readableBytes
        if buffer.readableBytes > maximumLineBytes {
            if !discarding {
                discarding = true
                context.fireChannelRead(wrapInboundOut(.tooLong))
            }
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scanned = 0
        } else if discarding {
            // The rest of a dropped line: neither held nor answered again.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scanned = 0
        } else if !hold(buffer.readableBytes) {
            discarding = true
            context.fireChannelRead(wrapInboundOut(.overBudget))
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scanned = 0
        }
        if buffer.readableBytes == 0 { _ = hold(0) }
        return .needMoreData
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last request without its `\n` (as `echo -n … | nc -U` sends) is still a request.
        if buffer.readableBytes > 0, !discarding {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
