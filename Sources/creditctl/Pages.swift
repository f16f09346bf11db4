import LedgerJSON
import LedgerProtocol

/// Long answers come in pages (`history` by seq, `display` and `report` by offset; protocol
/// README, "Bounds"): ``AnswerPages`` joins them, here with creditctl's errors.
enum Pages {
    /// Sends `request` (an op whose answer is paged), then asks for every following page
    /// (pinned as ``LedgerOperation/paging`` says) and joins them.
    /// - Returns: the first answer with every page's items and without its paging member.
    /// - Throws: ``CtlError`` from the daemon; `tryAgain` when the number of items changed
    ///   between pages (an answer that cannot be pinned, such as `display`, read during an append).
    static func joined(_ connection: ConnectionOptions, _ client: LineClient, _ operation: LedgerOperation, request: [(String, JSONValue)]) throws -> JSONValue {
        guard let paging = operation.paging else { preconditionFailure("\(operation.name) is not paged") }
        let request = [("op", JSONValue.string(operation.name))] + request
        do {
            return try AnswerPages.joined(request: request, paging: paging) { try connection.call(client, $0) }
        } catch AnswerPages.Failure.changed {
            throw CtlError("changed", "the answer changed while its pages were read (an append came in between): run the command again", exitStatus: .tryAgain)
        } catch let failure as AnswerPages.Failure {
            throw CtlError.badAnswer(failure.description)
        }
    }
}
