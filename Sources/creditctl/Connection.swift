import ArgumentParser
import Foundation
import LedgerJSON
import LedgerProtocol

/// Options every online command shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's socket (default $CREDITLEDGER_SOCKET or var/ledger.sock).")
    var socket: String = ProcessInfo.processInfo.environment["CREDITLEDGER_SOCKET"] ?? "var/ledger.sock"

    @Flag(name: .long, help: "Print JSON for scripts instead of readable text.")
    var json = false

    @Option(name: .long, help: "Why you read non-public data (查询用途): required of auditors, recorded in the access log (default $CREDITLEDGER_PURPOSE).")
    var purpose: String? = ProcessInfo.processInfo.environment["CREDITLEDGER_PURPOSE"]

    @Option(
        name: .long,
        help: "The highest leadership epoch you have seen (answers' served.epoch; default $CREDITLEDGER_EPOCH): sent with each request, so a leader that was replaced refuses appends.")
    var epoch: Int64? = ProcessInfo.processInfo.environment["CREDITLEDGER_EPOCH"].flatMap { Int64($0) }

    func validate() throws {
        if epoch == nil, let text = ProcessInfo.processInfo.environment["CREDITLEDGER_EPOCH"], !text.isEmpty {
            throw ValidationError("CREDITLEDGER_EPOCH must be a number (an answer's served.epoch), not '\(text.prefix(40))'")
        }
        if let epoch, epoch < 1 { throw ValidationError("--epoch must be 1 or more (an answer's served.epoch)") }
    }

    /// `request` with the purpose and the epoch added, when given (a member the request has already stays).
    func completed(_ request: JSONValue) -> JSONValue {
        guard case var .object(members) = request else { return request }
        if let purpose, !members.contains(where: { $0.0 == "purpose" }) { members.append(("purpose", .string(purpose))) }
        if let epoch, !members.contains(where: { $0.0 == "epoch" }) { members.append(("epoch", .int(epoch))) }
        return .object(members)
    }

    /// A connection to the daemon.
    /// - Throws: ``CtlError`` `cannot_connect` (exit 69).
    func connect() throws -> LineClient {
        do { return try LineClient(socketPath: socket) } catch let failure as LineClient.Failure { throw CtlError.connection(failure) }
    }

    /// Sends one request and returns its `result`, or fails with the daemon's error.
    func call(_ client: LineClient, _ request: JSONValue) throws -> JSONValue {
        try Self.result(of: try answer(client, request))
    }

    /// Sends one request and returns the whole answer line, parsed.
    /// - Throws: ``CtlError`` when the connection breaks or the line is not JSON.
    func answer(_ client: LineClient, _ request: JSONValue) throws -> JSONValue {
        try Self.reading { try client.call(completed(request)) }
    }

    /// Requests most in flight on one connection: well under the daemon's pipelining bound
    /// (1,024), and few enough that unread answers never fill the socket while we still send.
    static let pipelineWindow = 64

    /// Sends every request on one connection, up to ``pipelineWindow`` ahead of the answers,
    /// and returns the answers in request order (the protocol answers in order).
    func answers(_ client: LineClient, _ requests: [JSONValue]) throws -> [JSONValue] {
        var answers: [JSONValue] = []
        answers.reserveCapacity(requests.count)
        var sent = 0
        while answers.count < requests.count {
            while sent < requests.count && sent - answers.count < Self.pipelineWindow {
                try Self.reading { try client.send(completed(requests[sent])) }
                sent += 1
            }
            answers.append(try Self.reading { try client.readValue() })
        }
        return answers
    }

    /// Runs `body`, turning a broken connection or an unreadable line into a ``CtlError``.
    static func reading<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as LineClient.Failure {
            throw CtlError.connection(failure)
        } catch let error as JSONParseError {
            throw CtlError.badAnswer("\(error)")
        }
    }

    /// The `result` of an ok answer.
    /// - Throws: ``CtlError`` with the daemon's code, message and field.
    static func result(of answer: JSONValue) throws -> JSONValue {
        if answer["ok"]?.boolValue == true, let result = answer["result"] { return result }
        guard answer["ok"]?.boolValue == false, let error = answer["error"] else { throw CtlError.badAnswer(CanonicalJSON.string(answer)) }
        throw CtlError(daemonError: error)
    }
}
