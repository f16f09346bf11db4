import LedgerJSON
import LedgerProtocol

/// Long answers come in pages (`history` by seq, `display` and `report` by offset; protocol
/// README, "Bounds"): ``AnswerPages`` joins them, here with creditctl's errors.
enum Pages {
    typealias Cursor = AnswerPages.Cursor

    /// Sends `request`, then asks for every following page and joins them.
    /// - Parameters:
    ///   - items: the member holding the list (`events`, `records`).
    ///   - pinned: members from the first answer that every following request carries, so that
    ///     each page answers the same question (history's `knownAt`; report's head and rules).
    /// - Returns: the first answer with every page's items and without its paging member.
    /// - Throws: ``CtlError`` from the daemon; `tryAgain` when the number of items changed
    ///   between pages (an answer that cannot be pinned, such as `display`, read during an append).
    static func joined(
        _ connection: ConnectionOptions, _ client: LineClient, request: [(String, JSONValue)], items: String, cursor: Cursor,
        pinned: (JSONValue) -> [(String, JSONValue)] = { _ in [] }
    ) throws -> JSONValue {
        do {
            return try AnswerPages.joined(request: request, items: items, cursor: cursor, pinned: pinned) { try connection.call(client, $0) }
        } catch AnswerPages.Failure.changed {
            throw CtlError("changed", "the answer changed while its pages were read (an append came in between): run the command again", exitStatus: .tryAgain)
        } catch let failure as AnswerPages.Failure {
            throw CtlError.badAnswer(failure.description)
        }
    }
}
