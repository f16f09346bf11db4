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

    /// `request` with the purpose added, when one is given.
    func withPurpose(_ request: JSONValue) -> JSONValue {
        guard let purpose, case var .object(members) = request, !members.contains(where: { $0.0 == "purpose" }) else { return request }
        members.append(("purpose", .string(purpose)))
        return .object(members)
    }

    func connect() throws -> LineClient { try LineClient(socketPath: socket) }

    /// Sends one request and returns its `result`, or fails with the daemon's error.
    func call(_ client: LineClient, _ request: JSONValue) throws -> JSONValue {
        let answer = try client.call(withPurpose(request))
        return try Self.result(of: answer)
    }

    static func result(of answer: JSONValue) throws -> JSONValue {
        guard answer["ok"]?.boolValue == true, let result = answer["result"] else {
            let error = answer["error"]
            let field = error?["field"]?.stringValue.map { " (field \($0))" } ?? ""
            throw ValidationError("\(error?["code"]?.stringValue ?? "error"): \(error?["message"]?.stringValue ?? CanonicalJSON.string(answer))\(field)")
        }
        return result
    }
}
