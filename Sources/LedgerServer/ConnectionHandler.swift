import CreditDomain
import CreditLedger
import LedgerJSON
import LedgerProtocol
import Logging
import NIOCore

/// Asks a connection to finish what it has and close (sent on SIGTERM).
struct DrainEvent: Sendable {}

/// One client connection: requests in order, answers in the same order.
///
/// Reads are answered at once. Appends go to the writer and are answered when durable;
/// several appends of one connection may wait together (and so share a commit), but any
/// other request behind an unanswered append waits for it, so a client that pipelines
/// `append` then `get` reads its own write. Answers leave strictly in request order.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private enum Slot {
        case answered([UInt8])
        case appending
        case waiting(Request)
        /// A `subscribe` whose access record is durable: it streams once it reaches the front.
        case subscribing(Request)
    }

    private let operations: Operations
    private let hub: SubscriptionHub
    /// Who is on the other end, and with which role.
    private let caller: Caller
    private let maximumPipelinedRequests: Int
    /// Seconds a connection may hold unread answers, none of them taken, while the budget is spent.
    private let stalledReaderSeconds: Int64
    /// Shared by every connection: answers held (in slots or being written) take from it, and
    /// no new read is computed while it is spent.
    private let budget: BufferBudget
    /// True while a retry is scheduled for work held back by a spent budget.
    private var retryScheduled = false
    /// Bytes of this connection's answers held (in slots or not yet taken by the socket).
    private var heldBytes = 0
    private let logger: Logger
    /// Unanswered requests in arrival order; `slots[i]` has number `firstSlotNumber + i`.
    private var slots: [Slot] = []
    private var slotsHead = 0
    private var firstSlotNumber = 0
    private var waitingCount = 0
    /// Reading stops while too many requests are unanswered, or while answers are not
    /// leaving (a client that sends without reading): memory per connection stays bounded.
    private var readingPaused = false
    private var draining = false
    private var inputClosed = false
    private var closing = false
    private var subscription: Subscription?
    private var context: ChannelHandlerContext?

    /// A connection turned into an event stream by `subscribe`.
    private final class Subscription {
        var nextSeq: UInt64
        var knownHead: UInt64
        var pumping = false
        init(nextSeq: UInt64, knownHead: UInt64) {
            self.nextSeq = nextSeq
            self.knownHead = knownHead
        }
    }

    /// Recorded reads of one connection waiting for their commit at most: their answers are
    /// computed at the commit, so this bounds the memory of a client that does not read.
    static let maximumReadsInFlight = 32
    private var readsInFlight = 0

    /// Records one subscription pump writes before yielding the event loop.
    static let subscriptionChunk = 256
    /// How long work held back by a spent budget waits before it looks again.
    static let budgetRetryMilliseconds: Int64 = 25

    init(
        operations: Operations, hub: SubscriptionHub, caller: Caller, maximumPipelinedRequests: Int, stalledReaderSeconds: Int64, budget: BufferBudget,
        logger: Logger
    ) {
        self.stalledReaderSeconds = stalledReaderSeconds
        self.operations = operations
        self.hub = hub
        self.caller = caller
        self.maximumPipelinedRequests = maximumPipelinedRequests
        self.budget = budget
        self.logger = logger
    }

    private var pendingCount: Int { slots.count - slotsHead }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelInactive(context: ChannelHandlerContext) {
        hub.remove(ObjectIdentifier(self))
        subscription = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        hub.remove(ObjectIdentifier(self))
        // Answers never sent give their bytes back.
        dropRemainingSlots()
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            // The client sent its last request: answer everything, then close (a subscriber keeps streaming).
            inputClosed = true
            closeIfDrained(context: context)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Idle: nothing unanswered and nothing sent for the idle timeout (a subscriber
            // only receives and stays).
            if pendingCount == 0, subscription == nil, !closing {
                closing = true
                context.close(promise: nil)
            }
        } else if event is DrainEvent {
            draining = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            closeIfDrained(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once streaming, the connection only sends; anything the client writes is ignored.
        guard subscription == nil else { return }
        if draining {
            enqueue(answer: operations.refusal(id: nil, LedgerError(.unavailable, "the daemon is shutting down")).bytes, context: context)
            closeIfDrained(context: context)
            return
        }
        switch unwrapInboundIn(data) {
        case .tooLong:
            enqueue(answer: operations.refusal(id: nil, LedgerError(.lineTooLong, "the line exceeds the limit and was skipped")).bytes, context: context)
        case .overBudget:
            // Dropped up to its end, like a line that is too long: the connection goes on.
            enqueue(answer: operations.refusal(id: nil, LedgerError(.unavailable, "the daemon holds as much unread input as it may: this line was dropped; send it again later")).bytes, context: context)
        case let .line(buffer):
            switch Request.parse(line: buffer.readableBytesView) {
            case let .failure(failure):
                enqueue(answer: operations.refusal(id: failure.id, failure.error).bytes, context: context)
            case let .success(request):
                enqueue(request, context: context)
            }
        }
        closeIfDrained(context: context)
        updateReading(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func enqueue(answer: [UInt8], context: ChannelHandlerContext) {
        if pendingCount == 0 {
            write(answer, context: context)
        } else {
            hold(answer.count)
            slots.append(.answered(answer))
        }
    }

    /// True for requests answered only after a commit: appends, and reads recorded in the
    /// access log, `subscribe` included (nothing is disclosed before its record is durable).
    /// They queue like appends.
    private func writes(_ request: Request) -> Bool {
        request.operation.answering != .atOnce || Self.waitsForSeq(request)
    }

    /// True for a read carrying `minSeq`: answered once the log reaches it (or refused), so
    /// queued like an append.
    static func waitsForSeq(_ request: Request) -> Bool {
        request.operation.acceptsMinSeq && request["minSeq"].map { !$0.isNull } == true
    }

    /// True for requests that read (counted against ``maximumReadsInFlight``): not an
    /// append's or a promotion's commit.
    static func reads(_ request: Request) -> Bool {
        request.operation != .append && request.operation != .promote
    }

    private func enqueue(_ request: Request, context: ChannelHandlerContext) {
        ServerMetrics.request(request.operation)
        if let refusal = OpAccess.refusal(request, caller: caller) {
            enqueue(answer: operations.refusal(id: request.id, refusal).bytes, context: context)
            return
        }
        operations.meetEpoch(request, caller: caller)
        if writes(request) {
            // A read's answer is computed at its commit: while answers are not leaving it waits.
            if waitingCount == 0 && (!Self.reads(request) || mayStartRead(context: context)) {
                startAppend(request, context: context)
            } else {
                slots.append(.waiting(request))
                waitingCount += 1
            }
        } else if pendingCount == 0 && context.channel.isWritable && (request.operation.hasSmallAnswer || mayCompute) {
            execute(request, context: context)
        } else {
            slots.append(.waiting(request))
            waitingCount += 1
        }
    }

    /// Runs a request that has nothing unanswered before it.
    private func execute(_ request: Request, context: ChannelHandlerContext) {
        write(operations.answer(request, caller: caller).bytes, context: context)
    }

    /// True when a recorded read may start now (its record; its answer is computed in turn,
    /// ``ReadComputations``).
    private func mayStartRead(context: ChannelHandlerContext) -> Bool {
        // Held back by this connection alone: its own answers or writability wake it.
        guard context.channel.isWritable, readsInFlight < Self.maximumReadsInFlight else { return false }
        // Held back by the daemon's bounds: nothing of this connection's wakes it, so look again.
        guard mayCompute else {
            retryWhenBudgetFrees(context: context)
            return false
        }
        return true
    }

    /// While the shared budget is spent, only connections holding none of it that have shown
    /// they take their answers compute (a client that reads is served; those that leave theirs
    /// unread, or have not yet taken one, wait), and past the budget's ceiling none does; a
    /// connection that holds answers it has not read for `stalledReaderSeconds` while the
    /// budget is spent is closed.
    private var mayCompute: Bool {
        if budget.hasRoom { return true }
        if heldBytes == 0 { return takesItsAnswers && budget.used < budget.ceilingBytes }
        evictIfStalled()
        return false
    }

    /// True once the socket has taken one of this connection's answers whole: the slice
    /// between the budget and its ceiling is kept for such connections, so that hundreds of
    /// new connections that never read cannot crowd out a client that does.
    private var takesItsAnswers = false

    /// When this connection's answers last left (or it started holding some).
    private var lastProgress = NIODeadline.now()

    private var stallCheckScheduled = false

    /// Seconds without progress after which a connection holding unread answers is closed
    /// while the budget is past its ceiling: then nobody may compute, so those who leave
    /// their answers unread go first, without waiting the full `stalledReaderSeconds`.
    static let stalledAtCeilingSeconds: Int64 = 1

    /// Looks at a connection holding answers every `stalledAtCeilingSeconds`: one that took
    /// none of them for long enough is closed while the budget is spent (without waiting for
    /// it to ask for more work).
    private func scheduleStallCheck() {
        guard !stallCheckScheduled, let context else { return }
        stallCheckScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(min(Self.stalledAtCeilingSeconds, stalledReaderSeconds))) {
            let handler = loopBound.value
            handler.stallCheckScheduled = false
            guard handler.heldBytes > 0, !handler.closing else { return }
            if !handler.budget.hasRoom { handler.evictIfStalled() }
            if !handler.closing { handler.scheduleStallCheck() }
        }
    }

    private func evictIfStalled() {
        let allowedSeconds = budget.used >= budget.ceilingBytes ? min(Self.stalledAtCeilingSeconds, stalledReaderSeconds) : stalledReaderSeconds
        guard heldBytes > 0, !closing, let context, NIODeadline.now() - lastProgress >= .seconds(allowedSeconds) else { return }
        logger.warning("connection.stalled_reader_closed", metadata: ["caller": "\(caller)", "held.bytes": "\(heldBytes)"])
        closing = true
        context.close(promise: nil)
    }

    private func hold(_ bytes: Int) {
        if heldBytes == 0 {
            lastProgress = .now()
            scheduleStallCheck()
        }
        heldBytes += bytes
        budget.take(bytes)
    }

    private func release(_ bytes: Int) {
        lastProgress = .now()
        heldBytes -= bytes
        assert(heldBytes >= 0, "a connection gave back more than it held")
        budget.giveBack(bytes)
    }

    /// Sends an append (or a recorded read) to the writer; its answer fills slot `index` (a new slot when nil).
    private func startAppend(_ request: Request, at index: Int? = nil, context: ChannelHandlerContext) {
        let isRead = Self.reads(request)
        if isRead { readsInFlight += 1 }
        let slotIndex = index ?? slots.count
        if index == nil { slots.append(.appending) } else { slots[slotIndex] = .appending }
        let number = firstSlotNumber + (slotIndex - slotsHead)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        if request.operation == .subscribe {
            // One access record for the whole stream, durable before the first line leaves.
            operations.recordAccess(request, caller: caller) { refusal in
                eventLoop.execute {
                    loopBound.value.completed(slotNumber: number, with: refusal.map { .answered($0.bytes) } ?? .subscribing(request), isRead: true)
                }
            }
            return
        }
        if Self.waitsForSeq(request) {
            operations.answerWhenReached(request, caller: caller) { answer in
                eventLoop.execute { loopBound.value.completed(slotNumber: number, with: .answered(answer.bytes), isRead: true) }
            }
            return
        }
        guard isRead else {
            operations.submit(request, caller: caller) { answer in
                eventLoop.execute { loopBound.value.completed(slotNumber: number, with: .answered(answer.bytes), isRead: false) }
            }
            return
        }
        // Reads started in this turn of the event loop (the lines of one socket read) are
        // recorded together, in one commit.
        readGroup.append((request, number))
        if readGroup.count == 1 { eventLoop.execute { loopBound.value.submitReadGroup() } }
    }

    /// Recorded reads started in the current turn of the event loop, with their slot numbers.
    private var readGroup: [(request: Request, slotNumber: Int)] = []

    /// Sends the reads started in this turn to be recorded in one commit.
    private func submitReadGroup() {
        let group = readGroup
        readGroup = []
        guard let context, !group.isEmpty else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        operations.submitReads(
            group.map { read in
                let number = read.slotNumber
                return (read.request, { answer in
                    eventLoop.execute { loopBound.value.completed(slotNumber: number, with: .answered(answer.bytes), isRead: true) }
                })
            }, caller: caller)
    }

    /// A request answered after its commit is done: its slot becomes `slot` (its answer, or a
    /// subscription ready to stream), and what is answered at the front leaves.
    private func completed(slotNumber: Int, with slot: Slot, isRead: Bool) {
        if isRead { readsInFlight -= 1 }
        // Once streaming, requests sent after `subscribe` are not answered (their slots are gone).
        guard let context, subscription == nil else { return }
        let index = slotsHead + (slotNumber - firstSlotNumber)
        guard index >= slotsHead, index < slots.count, case .appending = slots[index] else {
            assertionFailure("a completion for an unknown slot")
            return
        }
        if case let .answered(answer) = slot { hold(answer.count) }
        slots[index] = slot
        drainSlots(context: context)
        context.flush()
    }

    /// Writes answered slots from the front, and runs waiting requests as they reach it.
    private func drainSlots(context: ChannelHandlerContext) {
        while slotsHead < slots.count {
            switch slots[slotsHead] {
            case let .answered(answer):
                release(answer.count)
                write(answer, context: context)
                popSlot()
            case .appending:
                return
            case let .subscribing(request):
                // The connection becomes a stream: requests sent after it are not answered.
                popSlot()
                dropRemainingSlots()
                startSubscription(request, context: context)
                return
            case let .waiting(request):
                if writes(request) {
                    startWaitingAppends(context: context)
                    return
                }
                // Answers are not leaving, or the daemon holds all it may: keep the request
                // until they do (bounded memory).
                guard context.channel.isWritable else { return }
                guard request.operation.hasSmallAnswer || mayCompute else {
                    retryWhenBudgetFrees(context: context)
                    return
                }
                waitingCount -= 1
                popSlot()
                execute(request, context: context)
                if subscription != nil { return }
            }
        }
        updateReading(context: context)
        closeIfDrained(context: context)
    }

    /// Starts the waiting append at the front and every waiting append right behind it:
    /// nothing but appends is before them, so they may share a commit.
    private func startWaitingAppends(context: ChannelHandlerContext) {
        var index = slotsHead
        scan: while index < slots.count {
            switch slots[index] {
            case .appending, .answered, .subscribing:
                index += 1
            case let .waiting(request) where writes(request):
                if Self.reads(request) && !mayStartRead(context: context) { break scan }
                waitingCount -= 1
                startAppend(request, at: index, context: context)
                index += 1
            case .waiting:
                break scan
            }
        }
    }

    /// Looks at held-back work again shortly: nothing else wakes a connection when another
    /// one's answers leave and give the budget back.
    private func retryWhenBudgetFrees(context: ChannelHandlerContext) {
        guard !retryScheduled else { return }
        retryScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(Self.budgetRetryMilliseconds)) {
            let handler = loopBound.value
            handler.retryScheduled = false
            guard let context = handler.context, handler.subscription == nil else { return }
            handler.drainSlots(context: context)
            handler.updateReading(context: context)
            context.flush()
        }
    }

    /// Pauses or resumes reading from the client (never while draining).
    ///
    /// A spent budget pauses only a connection that already has a request held back by it:
    /// one with nothing waiting still reads its next line, so an append (never held back by
    /// the budget) is not kept behind other clients' unread answers.
    private func updateReading(context: ChannelHandlerContext) {
        let heldBackByBudget = waitingCount > 0 && !mayCompute
        let shouldPause = pendingCount >= maximumPipelinedRequests || !context.channel.isWritable || heldBackByBudget
        let shouldResume = pendingCount < maximumPipelinedRequests / 2 && context.channel.isWritable && !heldBackByBudget
        if heldBackByBudget { retryWhenBudgetFrees(context: context) }
        if shouldPause, !readingPaused {
            readingPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        } else if shouldResume, readingPaused, !draining {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    /// Forgets every slot behind a subscription (answers held give their bytes back; appends
    /// already submitted still commit, unanswered).
    private func dropRemainingSlots() {
        for slot in slots[slotsHead...] { if case let .answered(answer) = slot { release(answer.count) } }
        firstSlotNumber += slots.count - slotsHead
        slots.removeAll()
        slotsHead = 0
        waitingCount = 0
    }

    private func popSlot() {
        slotsHead += 1
        firstSlotNumber += 1
        if slotsHead == slots.count {
            slots.removeAll(keepingCapacity: true)
            slotsHead = 0
        } else if slotsHead > 256 {
            slots.removeFirst(slotsHead)
            slotsHead = 0
        }
    }

    /// Writes `answer`; its bytes count in the budget until the socket has taken them.
    private func write(_ answer: [UInt8], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: answer.count)
        buffer.writeBytes(answer)
        hold(answer.count)
        let written = context.eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let count = answer.count
        written.futureResult.whenComplete { result in
            let handler = loopBound.value
            handler.release(count)
            if case .success = result { handler.takesItsAnswers = true }
        }
        context.write(wrapOutboundOut(buffer), promise: written)
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        let finished = draining && (pendingCount == 0 || subscription != nil)
        let clientDone = inputClosed && pendingCount == 0 && subscription == nil
        guard finished || clientDone, !closing else { return }
        closing = true
        // Close once everything written so far has left: `close` would drop answers still
        // queued behind a full socket. Writes complete in order, so an empty last write tells.
        let lastWrite = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: lastWrite)
        lastWrite.futureResult.whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: - subscribe

    private func startSubscription(_ request: Request, context: ChannelHandlerContext) {
        let from: UInt64
        let head: UInt64
        switch operations.subscriptionStart(request) {
        case let .refused(failure):
            write(failure.bytes, context: context)
            return
        case let .started(start, known, answer):
            (from, head) = (start, known)
            write(answer, context: context)
        }
        let subscription = Subscription(nextSeq: from, knownHead: head)
        self.subscription = subscription
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        hub.add(ObjectIdentifier(self)) { headSeq in
            eventLoop.execute { loopBound.value.logGrew(to: headSeq) }
        }
        pump(context: context)
    }

    private func logGrew(to headSeq: UInt64) {
        guard let subscription, let context else { return }
        subscription.knownHead = max(subscription.knownHead, headSeq)
        pump(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            pump(context: context)
            if subscription == nil {
                drainSlots(context: context)
                context.flush()
            }
        }
        if subscription == nil { updateReading(context: context) }
        context.fireChannelWritabilityChanged()
    }

    /// Sends events the subscriber has not seen, a chunk at a time, while the socket takes them.
    private func pump(context: ChannelHandlerContext) {
        guard let subscription, !subscription.pumping else { return }
        guard subscription.nextSeq <= subscription.knownHead, context.channel.isWritable else { return }
        subscription.pumping = true
        defer { subscription.pumping = false }
        do {
            let records = try operations.ledger.records(from: subscription.nextSeq, limit: Self.subscriptionChunk)
            for record in records where record.seq <= subscription.knownHead {
                write(Operations.eventLine(record), context: context)
                subscription.nextSeq = record.seq + 1
            }
            context.flush()
        } catch {
            logger.error("subscription.read_failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if subscription.nextSeq <= subscription.knownHead {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let handler = loopBound.value
                if let context = handler.context { handler.pump(context: context) }
            }
        }
    }
}
