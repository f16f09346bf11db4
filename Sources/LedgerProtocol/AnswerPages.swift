import LedgerJSON

/// Long answers come in pages (`history` by seq, `display` and `report` by offset; protocol
/// README, "Bounds"): one loop asks for the rest and joins them into one answer. Shared by
/// creditctl and the auditor's desk, so both read pages the same way.
public enum AnswerPages {
    /// More pages than this is an answer that never ends (1,000 items a page by default:
    /// 100 million items).
    public static let maximumPages = 100_000

    /// Where an answer says what to ask for next.
    public enum Cursor: Sendable {
        /// `next` is the seq to ask `from` next, `null` at the end (`history`).
        case seq
        /// `page.next` is the `offset` to ask next, `null` at the end (`display`, `report`).
        case offset

        /// The member of an answer that describes its page.
        public var member: String { self == .seq ? "next" : "page" }
        /// The request parameter that asks for the next page.
        public var parameter: String { self == .seq ? "from" : "offset" }

        /// The position of the next page, or nil after the last.
        public func next(in answer: JSONValue) -> Int64? {
            self == .seq ? answer["next"]?.intValue : answer["page"]?["next"]?.intValue
        }
    }

    /// Why pages could not be joined.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// A result that is not a JSON object.
        case notAnObject
        /// The number of items changed between pages (an answer that cannot be pinned, such
        /// as `display`, read during an append): ask again.
        case changed
        /// More than ``maximumPages`` pages.
        case endless
        /// A page whose `next` does not move past the position it was asked for.
        case notMoving(page: Int, position: Int64)

        public var description: String {
            switch self {
            case .notAnObject: return "a result that is not an object"
            case .changed: return "the answer changed while its pages were read (an append came in between): ask again"
            case .endless: return "more than \(AnswerPages.maximumPages) pages"
            case let .notMoving(page, position): return "page \(page) does not move on from \(position)"
            }
        }
    }

    /// Sends `request`, then asks for every following page and joins them.
    /// - Parameters:
    ///   - request: the first request's members.
    ///   - items: the member holding the list (`events`, `records`).
    ///   - cursor: how the answer names its next page.
    ///   - pinned: members from the first answer that every following request carries, so that
    ///     each page answers the same question (history's `knownAt`; report's head and rules).
    ///   - call: sends one request and returns its `result` (throwing the daemon's error).
    /// - Returns: the first answer with every page's items and without its paging member.
    /// - Throws: ``Failure``, or what `call` throws.
    public static func joined(
        request: [(String, JSONValue)], items: String, cursor: Cursor,
        pinned: (JSONValue) -> [(String, JSONValue)] = { _ in [] }, call: (JSONValue) throws -> JSONValue
    ) throws -> JSONValue {
        let first = try call(.object(request))
        guard case let .object(members) = first else { throw Failure.notAnObject }
        let pins = pinned(first)
        let following = request.filter { member in !pins.contains { $0.0 == member.0 } } + pins
        let total = first["page"]?["total"]
        var all = first[items]?.arrayValue ?? []
        var next = cursor.next(in: first)
        var pages = 1
        while let position = next {
            guard pages < maximumPages else { throw Failure.endless }
            let page = try call(.object(following + [(cursor.parameter, .int(position))]))
            guard page["page"]?["total"] == total else { throw Failure.changed }
            all += page[items]?.arrayValue ?? []
            next = cursor.next(in: page)
            if let next, next <= position { throw Failure.notMoving(page: pages + 1, position: position) }
            pages += 1
        }
        return .object(members.filter { $0.0 != cursor.member }.map { $0.0 == items ? (items, .array(all)) : $0 })
    }
}

extension AnswerPages {
    /// How an op's answer comes in pages: the member holding the list, how it names the next
    /// page, and the members of the first answer every following request carries.
    public struct Paging: Sendable {
        public let items: String
        public let cursor: Cursor
        public let pinned: @Sendable (JSONValue) -> [(String, JSONValue)]
    }

    /// Sends `request` and joins every page of its answer as `paging` says.
    public static func joined(request: [(String, JSONValue)], paging: Paging, call: (JSONValue) throws -> JSONValue) throws -> JSONValue {
        try joined(request: request, items: paging.items, cursor: paging.cursor, pinned: paging.pinned, call: call)
    }
}

extension LedgerOperation {
    /// How this op's answer is paged (protocol README, "Bounds"): `history` by seq, pinned to
    /// the first page's `knownAt`; `display` and `report` by offset, the report pinned to its
    /// head and rules. `nil` for an answer that comes whole.
    public var paging: AnswerPages.Paging? {
        switch self {
        case .history: return .init(items: "events", cursor: .seq) { first in [("knownAt", first["knownAt"] ?? .null)] }
        case .display: return .init(items: "records", cursor: .offset) { _ in [] }
        case .report:
            return .init(items: "records", cursor: .offset) { first in
                [("head", first["head"]?["seq"] ?? .null), ("rulesDigest", first["basis"]?["rulesDigest"] ?? .null)]
            }
        default: return nil
        }
    }
}
