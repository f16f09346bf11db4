import LedgerJSON
import LedgerProtocol

/// The daemon as the desk sees it: read ops only, each on a fresh connection made by this
/// process, so the daemon's grants (SO_PEERCRED) and its access log see the person who ran
/// the desk. The desk adds nothing to a request: purposes come from the page, refusals from
/// the daemon.
struct DeskDaemon: Sendable {
    /// The ops the desk forwards; anything else is refused before the daemon is asked.
    static let allowedOperations: Set<String> = ["ping", "display", "status", "history", "report", "check", "find"]
    /// Seconds a call may wait for an answer before it fails.
    static let receiveTimeoutSeconds = 60

    let socketPath: String

    /// Why a call produced no answer line.
    struct Failure: Error {
        let code: String
        let message: String
    }

    /// The whole answer line for `request` (`ok` true or false), with a paged answer's pages
    /// joined (history by seq pinned to the first page's `knownAt`; display and report by offset,
    /// the report pinned to its head and rules). A refusal on any page is the answer.
    /// - Throws: ``Failure`` when the daemon cannot be reached or its pages cannot be joined.
    func answer(_ request: JSONValue) throws -> JSONValue {
        guard case let .object(members) = request else { throw Failure(code: "bad_json", message: "请求必须是 JSON 对象") }
        let client: LineClient
        do {
            client = try LineClient(socketPath: socketPath)
        } catch {
            throw Failure(code: "cannot_connect", message: "无法连接守护进程（\(socketPath)）：\(error)")
        }
        client.setReceiveTimeout(seconds: Self.receiveTimeoutSeconds)
        guard let paging = Self.paging(of: request["op"]?.stringValue ?? "") else {
            do { return try client.call(request) } catch { throw Failure(code: "connection_lost", message: "与守护进程的连接中断：\(error)") }
        }
        var refusal: JSONValue?
        do {
            let joined = try AnswerPages.joined(request: members, items: paging.items, cursor: paging.cursor, pinned: paging.pinned) { page in
                let answer = try client.call(page)
                guard answer["ok"]?.boolValue == true, let result = answer["result"] else {
                    refusal = answer
                    throw Failure(code: "refused", message: "")
                }
                return result
            }
            return .object([("id", request["id"] ?? .null), ("ok", true), ("result", joined)])
        } catch let failure as AnswerPages.Failure {
            throw Failure(code: failure.isChanged ? "changed" : "bad_answer", message: failure.description)
        } catch {
            if let refusal { return refusal }
            throw Failure(code: "connection_lost", message: "与守护进程的连接中断：\(error)")
        }
    }

    /// How an op's answer is paged, or nil when it comes in one piece.
    static func paging(of op: String) -> (items: String, cursor: AnswerPages.Cursor, pinned: (JSONValue) -> [(String, JSONValue)])? {
        switch op {
        case "history": return ("events", .seq, { first in [("knownAt", first["knownAt"] ?? .null)] })
        case "display": return ("records", .offset, { _ in [] })
        case "report":
            return ("records", .offset, { first in [("head", first["head"]?["seq"] ?? .null), ("rulesDigest", first["basis"]?["rulesDigest"] ?? .null)] })
        default: return nil
        }
    }
}

extension AnswerPages.Failure {
    var isChanged: Bool { if case .changed = self { return true } else { return false } }
}
