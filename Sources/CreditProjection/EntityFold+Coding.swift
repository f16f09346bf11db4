import CreditDomain
import LedgerJSON

/// A fold as JSON, for people and tests (what the ledger stores is ``encoded``): short keys,
/// positional arrays, dictionaries in key order.
extension EntityFold {
    /// The fold as a JSON value (encode with `CanonicalEncoder`).
    public var json: JSONValue {
        func date(_ value: CivilDate?) -> JSONValue { value.map { .string($0.description) } ?? .null }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func seq(_ value: UInt64) -> JSONValue { .int(Int64(value)) }
        func ending(_ value: Ending?) -> JSONValue { value.map { [date($0.on), .string($0.by), text($0.reason)] } ?? .null }
        func record(_ fact: RecordFact) -> JSONValue {
            [seq(fact.seq), .string(fact.eventId), .string(fact.kind.rawValue), date(fact.occurredOn), .bool(fact.negative), .string(fact.windowFields)]
        }
        func keyed<V>(_ dictionary: [String: V], _ encode: (V) -> JSONValue) -> JSONValue {
            .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, encode($0.value)) })
        }
        return .object([
            ("e", .string(entity.code)), ("s", seq(lastSeq)), ("d", date(latestOccurredOn)),
            ("b", .array(basis.map { .string($0) })),
            ("p", profile.map(record) ?? .null),
            ("g", .array(grades.map { [seq($0.seq), .string($0.eventId), date($0.validUntil)] })),
            ("x", date(deregisteredOn)),
            ("r", .array(records.map(record))),
            ("c", keyed(corrections) { .array($0.map { [.string($0.by), $0.fields] }) }),
            ("v", keyed(revokedBy) { .string($0) }),
            ("f", keyed(fulfilledOn) { date($0) }),
            ("le", keyed(licenceEnds) { .array($0.map { ending($0) }) }),
            ("m", .array(commitments.map { [.string($0.eventId), .string($0.type), date($0.dueOn), .string($0.outcome.rawValue), text($0.outcomeBy)] })),
            ("l", .array(listings.map { [.string($0.eventId), .string($0.list), date($0.since), date($0.termUntil), .array($0.basis.map { .string($0) }), ending($0.exit), ending($0.exitAfterRestore)] })),
            ("n", .array(bans.map { [.string($0.eventId), .string($0.scope), date($0.since), date($0.termUntil), .bool($0.permanent), ending($0.lift)] })),
            ("o", .array(objections.map { [.string($0.eventId), .string($0.target), date($0.on), .bool($0.effective), date($0.resolvedOn)] })),
            ("a", .array(applications.map { [.string($0.eventId), .string($0.target), date($0.on), .string($0.channel.rawValue), date($0.acceptedOn), text($0.decidedBy), date($0.extendedOn), date($0.decidedOn)] })),
            ("gr", .array(grants.map { [.string($0.eventId), .string($0.application), date($0.on)] })),
            ("fr", .array(fraud.map { [seq($0.seq), .string($0.eventId), .string($0.grant), date($0.on)] })),
            ("sh", .array(shieldings.map { [.string($0.eventId), date($0.since), ending($0.end)] })),
            ("sc", keyed(spotCheckLinks) { .array($0.map { .string($0) }) }),
        ])
    }
}
