import LedgerJSON

/// An event as submitted, after the envelope checks, in normal form.
public struct CreditEvent: Sendable, Equatable {
    /// The idempotency key: 1 to 128 characters, no control characters.
    public let eventId: String
    public let kind: EventKind
    public let entity: EntityCode
    /// The legal date: decision, listing, grant …
    public let occurredOn: CivilDate
    /// `{"authority": …, "authorityCode"?: …}`.
    public let source: JSONValue
    public let authority: String
    /// eventIds of the records this event acts on.
    public let refs: [String]
    public let body: JSONValue

    public static func == (lhs: CreditEvent, rhs: CreditEvent) -> Bool {
        lhs.canonicalContent() == rhs.canonicalContent()
    }

    /// The normal form: the members the ledger stores and hashes, entity upper-cased and
    /// `refs` always present.
    public var normalised: JSONValue {
        .object([
            ("eventId", .string(eventId)),
            ("kind", .string(kind.rawValue)),
            ("entity", .string(entity.code)),
            ("occurredOn", .string(occurredOn.description)),
            ("source", source),
            ("refs", .array(refs.map { .string($0) })),
            ("body", body),
        ])
    }

    /// The canonical bytes of the normal form: what the log stores after its header.
    public func canonicalContent() -> [UInt8] { CanonicalJSON.encode(normalised) }
}
