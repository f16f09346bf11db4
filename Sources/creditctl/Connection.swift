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

    func connect() throws -> LineClient { try LineClient(socketPath: socket) }

    /// Sends one request and returns its `result`, or fails with the daemon's error.
    func call(_ client: LineClient, _ request: JSONValue) throws -> JSONValue {
        let answer = try client.call(request)
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
