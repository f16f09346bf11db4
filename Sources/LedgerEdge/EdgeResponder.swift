import CreditDomain
import Foundation
import HTTPTypes
import Hummingbird
import LedgerJSON
import LedgerProtocol
import LedgerServer
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// A request's context on the edge: the channel, for the client certificate.
struct EdgeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Answers `POST /v1/{op}`: the body is the line protocol's request (without `op`, or with
/// the same), the answer is the line protocol's answer, with an HTTP status for its code.
/// Shares the socket server's ops, access control, access log and answer budget.
struct EdgeResponder: Sendable {
    let operations: Operations
    let hub: SubscriptionHub
    let budget: BufferBudget
    let configuration: EdgeConfiguration
    /// Checks the certificates trusted proxies forward (nil: no proxy is configured).
    let forwarded: ForwardedCertificate?

    /// Seconds a client told 429 should wait before it asks again.
    static let retryAfterSeconds = 1
    /// Records one subscription writes per chunk.
    static let subscriptionChunk = 256

    func respond(_ request: Hummingbird.Request, context: EdgeContext) async throws -> Hummingbird.Response {
        let caller: Caller
        do {
            caller = try await identify(context.channel, forwarded: request.headers[ForwardedCertificate.headerName])
        } catch let error as LedgerError {
            return reply(operations.refusal(id: nil, error))
        } catch {
            return reply(operations.refusal(id: nil, LedgerError(.forbidden, "the client certificate cannot be read: \(error)")))
        }
        let name = context.parameters.get("op") ?? ""
        guard let operation = LedgerOperation(name: name) else {
            return reply(operations.refusal(id: nil, LedgerError(.unknownOp, "unknown op '\(name.prefix(100))': see /v1/openapi.json", field: "op")))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maximumBodyBytes)
        } catch {
            return reply(operations.refusal(id: nil, LedgerError(.lineTooLong, "the body exceeds \(configuration.maximumBodyBytes) bytes")))
        }
        let parsed: LedgerProtocol.Request
        switch Self.parse(body: body, operation: operation, routingEntity: request.uri.queryParameters["entity"].map(String.init)) {
        case let .failure(failure): return reply(operations.refusal(id: failure.id, failure.error))
        case let .success(request): parsed = request
        }
        ServerMetrics.request(operation)
        if let refusal = OpAccess.refusal(parsed, caller: caller) { return reply(operations.refusal(id: parsed.id, refusal)) }
        let operations = self.operations
        if operations.newerEpoch(parsed, caller: caller) != nil {
            try await NIOThreadPool.singleton.runIfActive { operations.meetEpoch(parsed, caller: caller) }
        }
        if operation.acceptsMinSeq, let minSeq = parsed["minSeq"], !minSeq.isNull {
            if !operation.hasSmallAnswer {
                guard await waitForRoom() else { return tooBusy(parsed) }
            }
            let answer = await withCheckedContinuation { continuation in
                operations.answerWhenReached(parsed, caller: caller) { continuation.resume(returning: $0) }
            }
            return reply(answer)
        }
        switch operation.answering {
        case .atOnce:
            guard operation.hasSmallAnswer || budget.used < budget.ceilingBytes else { return tooBusy(parsed) }
            let answer = try await NIOThreadPool.singleton.runIfActive { operations.answer(parsed, caller: caller) }
            return reply(answer)
        case .afterCommit:
            if operation != .append {
                guard await waitForRoom() else { return tooBusy(parsed) }
            }
            let answer = await withCheckedContinuation { continuation in
                operations.submit(parsed, caller: caller) { continuation.resume(returning: $0) }
            }
            return reply(answer)
        case .stream:
            return await subscribe(parsed, caller: caller, channel: context.channel)
        }
    }

    /// How long a recorded read waits for the answer budget to fall under its ceiling before
    /// it is told 429, and how often it looks (its answer is then computed in turn,
    /// ``ReadComputations``).
    static let readRoomWait: Duration = .seconds(10)
    static let readRoomPoll: Duration = .milliseconds(5)

    /// True once the budget is under its ceiling, waiting up to ``readRoomWait``.
    func waitForRoom() async -> Bool {
        let deadline = ContinuousClock.now + Self.readRoomWait
        while ContinuousClock.now < deadline {
            if budget.used < budget.ceilingBytes { return true }
            guard (try? await Task.sleep(for: Self.readRoomPoll)) != nil else { return false }
        }
        return false
    }

    /// The request in `body`: a JSON object whose `op`, when present, is the path's.
    /// - Parameter routingEntity: the `entity` of the query string, the key a reverse proxy
    ///   routes on (Deploy/nginx): the body's `entity` when it has none, else equal to it.
    static func parse(body: ByteBuffer, operation: LedgerOperation, routingEntity: String? = nil) -> Result<LedgerProtocol.Request, RequestError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(body.readableBytesView))
        } catch {
            return .failure(RequestError(id: nil, error: LedgerError(.badJSON, "the body is not valid JSON: \(error)")))
        }
        guard case .object = value else {
            return .failure(RequestError(id: nil, error: LedgerError(.badJSON, "the body must be a JSON object, got \(value.typeName)")))
        }
        if let op = value["op"], op.stringValue != operation.name {
            return .failure(RequestError(id: value["id"], error: LedgerError(.invalidField, "op must be absent or '\(operation.name)' on this path", field: "op")))
        }
        var parameters = value
        if let routingEntity, case var .object(members) = value {
            if let entity = value["entity"] {
                guard entity.stringValue?.uppercased() == routingEntity.uppercased() else {
                    return .failure(RequestError(id: value["id"], error: LedgerError(.invalidField, "the query's entity (the routing key) and the body's differ", field: "entity")))
                }
            } else if operation.parameters.contains("entity") {
                members.append(("entity", .string(routingEntity)))
                parameters = .object(members)
            }
        }
        return .success(LedgerProtocol.Request(operation: operation, id: value["id"], parameters: parameters))
    }

    /// The caller named by its verified client certificate (TLS has already refused a
    /// connection without one, or with one the CA did not sign).
    func identify(_ channel: any Channel, forwarded value: String? = nil) async throws -> Caller {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else {
            throw LedgerError(.forbidden, "no client certificate")
        }
        var identity = try CertificateNames.identity(of: certificate)
        // A trusted proxy's request is served as the certificate it forwards.
        if let value, let forwarded, !configuration.proxies.isDisjoint(with: identity.names) {
            identity = try await forwarded.identity(value)
        }
        let (grant, name) = configuration.grant(of: identity)
        return Caller(certificate: identity, name: name, grant: grant)
    }

    /// The answer as the body, with the status its code maps to; its bytes count in the
    /// shared budget while they are being written (taken inside the writer, so a response
    /// never written gives nothing back it did not take).
    func reply(_ answer: Answer) -> Hummingbird.Response {
        let budget = self.budget
        let bytes = answer.bytes
        let body = ResponseBody(contentLength: bytes.count) { writer in
            budget.take(bytes.count)
            defer { budget.giveBack(bytes.count) }
            try await writer.write(ByteBuffer(bytes: bytes))
            try await writer.finish(nil)
        }
        return Hummingbird.Response(status: EdgeStatus.of(answer.error), headers: [.contentType: "application/json"], body: body)
    }

    /// 429: the answers waiting to leave fill the daemon's budget; ask again shortly.
    func tooBusy(_ request: LedgerProtocol.Request) -> Hummingbird.Response {
        let answer = operations.refusal(id: request.id, LedgerError(.unavailable, "the daemon holds as many unsent answers as it may: retry after \(Self.retryAfterSeconds) s"))
        var response = reply(answer)
        response.status = .tooManyRequests
        response.headers[.retryAfter] = "\(Self.retryAfterSeconds)"
        return response
    }

    /// `subscribe`: the answer line, then one `{"event":…}` line per event from `from` on,
    /// then each new one as it commits, until the client closes (application/x-ndjson).
    func subscribe(_ request: LedgerProtocol.Request, caller: Caller, channel: any Channel) async -> Hummingbird.Response {
        let refusal = await withCheckedContinuation { continuation in
            operations.recordAccess(request, caller: caller) { continuation.resume(returning: $0) }
        }
        if let refusal { return reply(refusal) }
        let first: [UInt8]
        let from: UInt64
        let head: UInt64
        switch operations.subscriptionStart(request) {
        case let .refused(failure): return reply(failure)
        case let .started(start, known, answer): (first, from, head) = (answer, start, known)
        }
        let (grown, continuation) = AsyncStream.makeStream(of: UInt64.self, bufferingPolicy: .bufferingNewest(1))
        let keyObject = SubscriptionKey()
        let key = ObjectIdentifier(keyObject)
        hub.add(key) { continuation.yield($0) }
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        let ledger = operations.ledger
        let hub = self.hub
        let body = ResponseBody { writer in
            defer { withExtendedLifetime(keyObject) { hub.remove(key) } }
            try await writer.write(ByteBuffer(bytes: first))
            var next = from
            var known = head
            var updates = grown.makeAsyncIterator()
            // The daemon stopping ends the stream, as the socket's drain closes its subscribers.
            try await withGracefulShutdownHandler {
                while true {
                    while next <= known {
                        let records = try ledger.records(from: next, limit: Self.subscriptionChunk).filter { $0.seq <= known }
                        guard !records.isEmpty else { break }
                        var buffer = ByteBuffer()
                        for record in records {
                            buffer.writeBytes(Operations.eventLine(record))
                            next = record.seq + 1
                        }
                        try await writer.write(buffer)
                    }
                    guard let seq = await updates.next() else { break }
                    known = max(known, seq)
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Hummingbird.Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}

/// A distinct key per subscription in the hub.
private final class SubscriptionKey: Sendable {}
