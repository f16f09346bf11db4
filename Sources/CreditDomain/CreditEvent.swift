import LedgerJSON

/// An event as submitted, after the envelope checks, in normal form.
public struct CreditEvent: Sendable, Equatable {
    /// The idempotency key: 1 to 128 characters, no control characters.
    public let eventId: String
    public let kind: EventKind
    public let entity: EntityCode
    /// The legal date: decision, listing, grant …
    public let occurredOn: CivilDate
    /// `{"authority": …, "authorityCode"?: …, "historical"?: true}`.
    public let source: JSONValue
    public let authority: String
    /// eventIds of the records this event acts on.
    public let refs: [String]
    public let body: JSONValue

    public init(
        eventId: String, kind: EventKind, entity: EntityCode, occurredOn: CivilDate, source: JSONValue, authority: String,
        refs: [String], body: JSONValue
    ) {
        self.eventId = eventId
        self.kind = kind
        self.entity = entity
        self.occurredOn = occurredOn
        self.source = source
        self.authority = authority
        self.refs = refs
        self.body = body
    }

    /// Reads an event back from its stored form (already validated when it was appended).
    public init(stored value: JSONValue) throws(LedgerError) {
        guard let eventId = value["eventId"]?.stringValue, let kind = value["kind"]?.stringValue.flatMap(EventKind.init(rawValue:)),
            let entityText = value["entity"]?.stringValue, let date = value["occurredOn"]?.stringValue.flatMap(CivilDate.init),
            let source = value["source"], let body = value["body"]
        else { throw LedgerError(.internal, "a stored event lacks an envelope member") }
        self.init(
            eventId: eventId, kind: kind, entity: try EntityCode(validating: entityText), occurredOn: date, source: source,
            authority: source["authority"]?.stringValue ?? "", refs: value["refs"]?.arrayValue?.compactMap(\.stringValue) ?? [], body: body)
    }

    /// True for a record entered long after the fact (a back-filled or migrated historical
    /// record, `source.historical`): when it reached the ledger says nothing about how fast its
    /// authority published it, so it counts in no timeliness figure (``Quality``).
    public var isHistorical: Bool { source["historical"]?.boolValue == true }

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
