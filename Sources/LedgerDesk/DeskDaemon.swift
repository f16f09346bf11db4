import LedgerJSON
import LedgerProtocol

/// The daemon as the desk sees it: read ops only, each on a fresh connection made by this
/// process, so the daemon's grants (SO_PEERCRED) and its access log see the person who ran
/// the desk. The desk adds nothing to a request: purposes come from the page, refusals from
/// the daemon.
struct DeskDaemon: Sendable {
    /// The ops the desk forwards; anything else is refused before the daemon is asked.
    static let allowedOperations: Set<LedgerOperation> = [.ping, .display, .status, .history, .report, .check, .find]
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
        guard let paging = request["op"]?.stringValue.flatMap(LedgerOperation.init(rawValue:))?.paging else {
            do { return try client.call(request) } catch { throw Failure(code: "connection_lost", message: "与守护进程的连接中断：\(error)") }
        }
        var refusal: JSONValue?
        do {
            let joined = try AnswerPages.joined(request: members, paging: paging) { page in
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
}

extension AnswerPages.Failure {
    var isChanged: Bool { if case .changed = self { return true } else { return false } }
}
