import LedgerJSON
import LedgerProtocol

/// Long answers come in pages (`history` by seq, `display` and `report` by offset; protocol
/// README, "Bounds"): one loop asks for the rest and joins them into one answer.
enum Pages {
    /// More pages than this is an answer that never ends (1,000 items a page by default:
    /// 100 million items).
    static let maximumPages = 100_000

    /// Where an answer says what to ask for next.
    enum Cursor {
        /// `next` is the seq to ask `from` next, `null` at the end (`history`).
        case seq
        /// `page.next` is the `offset` to ask next, `null` at the end (`display`, `report`).
        case offset

        /// The member of an answer that describes its page.
        var member: String { self == .seq ? "next" : "page" }
        /// The request parameter that asks for the next page.
        var parameter: String { self == .seq ? "from" : "offset" }

        func next(in answer: JSONValue) -> Int64? {
            self == .seq ? answer["next"]?.intValue : answer["page"]?["next"]?.intValue
        }
    }

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
        let first = try connection.call(client, .object(request))
        guard case let .object(members) = first else { throw CtlError.badAnswer("a result that is not an object") }
        let pins = pinned(first)
        let following = request.filter { member in !pins.contains { $0.0 == member.0 } } + pins
        let total = first["page"]?["total"]
        var all = first[items]?.arrayValue ?? []
        var next = cursor.next(in: first)
        var pages = 1
        while let position = next {
            guard pages < maximumPages else { throw CtlError.badAnswer("more than \(maximumPages) pages") }
            let page = try connection.call(client, .object(following + [(cursor.parameter, .int(position))]))
            guard page["page"]?["total"] == total else {
                throw CtlError("changed", "the answer changed while its pages were read (an append came in between): run the command again", exitStatus: .tryAgain)
            }
            all += page[items]?.arrayValue ?? []
            next = cursor.next(in: page)
            if let next, next <= position { throw CtlError.badAnswer("page \(pages + 1) does not move on from \(position)") }
            pages += 1
        }
        return .object(members.filter { $0.0 != cursor.member }.map { $0.0 == items ? (items, .array(all)) : $0 })
    }
}
