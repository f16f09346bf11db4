import LedgerJSON

/// A page of a long list in an answer (display's and report's records): a bounded answer for
/// an entity with any number of records (issue 11). `next` in the answer is the offset of the
/// following page, `null` on the last one.
public struct Page: Sendable, Equatable {
    /// Records in a page when the request does not say.
    public static let defaultLimit = 1000
    /// The most records one page holds.
    public static let maximumLimit = 5000
    /// Everything in one list (in-process callers; never the server).
    public static let all = Page(offset: 0, limit: .max)

    public let offset: Int
    public let limit: Int

    public init(offset: Int, limit: Int) {
        precondition(offset >= 0 && limit > 0, "a page starts at 0 or later and holds at least one item")
        self.offset = offset
        self.limit = limit
    }

    /// The items of this page, and the `page` member that describes it (`nil` for ``all``).
    func slice(_ items: [JSONValue]) -> (items: [JSONValue], member: (String, JSONValue)?) {
        guard self != .all else { return (items, nil) }
        let start = min(offset, items.count)
        let end = start + min(limit, items.count - start)
        let next: JSONValue = end < items.count ? .int(Int64(end)) : .null
        let member: JSONValue = ["offset": .int(Int64(start)), "limit": .int(Int64(limit)), "total": .int(Int64(items.count)), "next": next]
        return (Array(items[start..<end]), ("page", member))
    }
}
