import CreditDomain
import LedgerJSON

/// The stored form of a fold: one JSON object of short keys and positional arrays, written
/// in canonical form so that equal folds are equal bytes (`creditctl rebuild --verify`
/// compares them). Dictionaries are written in key order.
extension EntityFold {
    /// The fold as a JSON value (encode with `CanonicalEncoder`).
    public var json: JSONValue {
        func date(_ value: CivilDate?) -> JSONValue { value.map { .string($0.description) } ?? .null }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func seq(_ value: UInt64) -> JSONValue { .int(Int64(value)) }
        func ending(_ value: Ending?) -> JSONValue { value.map { [date($0.on), .string($0.by), text($0.reason)] } ?? .null }
        func record(_ fact: RecordFact) -> JSONValue {
            [seq(fact.seq), .string(fact.eventId), .string(fact.kind.rawValue), date(fact.occurredOn), .bool(fact.negative)]
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
            ("l", .array(listings.map { [.string($0.eventId), .string($0.list), date($0.since), date($0.termUntil), .array($0.basis.map { .string($0) }), ending($0.exit)] })),
            ("n", .array(bans.map { [.string($0.eventId), .string($0.scope), date($0.since), date($0.termUntil), .bool($0.permanent), ending($0.lift)] })),
            ("o", .array(objections.map { [.string($0.eventId), .string($0.target), date($0.on), .bool($0.effective), date($0.resolvedOn)] })),
            ("a", .array(applications.map { [.string($0.eventId), .string($0.target), date($0.on), date($0.acceptedOn), text($0.decidedBy)] })),
            ("gr", .array(grants.map { [.string($0.eventId), .string($0.application), date($0.on)] })),
            ("fr", .array(fraud.map { [seq($0.seq), .string($0.eventId), .string($0.grant), date($0.on)] })),
        ])
    }

    /// Reads a stored fold back.
    public init(json value: JSONValue) throws(LedgerError) {
        do {
            try self.init(decoding: value)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.internal, "a stored projection is damaged: \(error)")
        }
    }

    private init(decoding value: JSONValue) throws {
        let reader = FoldReader()
        let entity = try EntityCode(validating: try reader.string(value["e"]))
        self.init(entity: entity)
        lastSeq = UInt64(try reader.int(value["s"]))
        latestOccurredOn = try reader.optionalDate(value["d"])
        basis = try reader.array(value["b"]) { try reader.string($0) }
        if let stored = value["p"], !stored.isNull { profile = try reader.record(stored) }
        grades = try reader.array(value["g"]) { GradeFact(seq: UInt64(try reader.int($0[0])), eventId: try reader.string($0[1]), validUntil: try reader.optionalDate($0[2])) }
        deregisteredOn = try reader.optionalDate(value["x"])
        records = try reader.array(value["r"]) { try reader.record($0) }
        corrections = try reader.keyed(value["c"]) { try reader.array($0) { Correction(by: try reader.string($0[0]), fields: $0[1] ?? .object([])) } }
        revokedBy = try reader.keyed(value["v"]) { try reader.string($0) }
        fulfilledOn = try reader.keyed(value["f"]) { try reader.date($0) }
        licenceEnds = try reader.keyed(value["le"]) { try reader.array($0) { try reader.ending($0)! } }
        commitments = try reader.array(value["m"]) {
            guard let outcome = $0[3]?.stringValue.flatMap(CommitmentState.Outcome.init(rawValue:)) else { throw reader.damaged("commitment outcome") }
            return CommitmentState(
                eventId: try reader.string($0[0]), type: try reader.string($0[1]), dueOn: try reader.optionalDate($0[2]), outcome: outcome,
                outcomeBy: try reader.optionalString($0[4]))
        }
        listings = try reader.array(value["l"]) {
            ListingFact(
                eventId: try reader.string($0[0]), list: try reader.string($0[1]), since: try reader.date($0[2]), termUntil: try reader.optionalDate($0[3]),
                basis: try reader.array($0[4]) { try reader.string($0) }, exit: try reader.ending($0[5]))
        }
        bans = try reader.array(value["n"]) {
            BanFact(
                eventId: try reader.string($0[0]), scope: try reader.string($0[1]), since: try reader.date($0[2]), termUntil: try reader.optionalDate($0[3]),
                permanent: $0[4]?.boolValue ?? false, lift: try reader.ending($0[5]))
        }
        objections = try reader.array(value["o"]) {
            ObjectionFact(
                eventId: try reader.string($0[0]), target: try reader.string($0[1]), on: try reader.date($0[2]), effective: $0[3]?.boolValue ?? true,
                resolvedOn: try reader.optionalDate($0[4]))
        }
        applications = try reader.array(value["a"]) {
            ApplicationFact(
                eventId: try reader.string($0[0]), target: try reader.string($0[1]), on: try reader.date($0[2]), acceptedOn: try reader.optionalDate($0[3]),
                decidedBy: try reader.optionalString($0[4]))
        }
        grants = try reader.array(value["gr"]) { GrantFact(eventId: try reader.string($0[0]), application: try reader.string($0[1]), on: try reader.date($0[2])) }
        fraud = try reader.array(value["fr"]) {
            FraudFact(seq: UInt64(try reader.int($0[0])), eventId: try reader.string($0[1]), grant: try reader.string($0[2]), on: try reader.date($0[3]))
        }
    }
}

/// Typed reads of a stored fold; any surprise is a damaged store (`internal`).
private struct FoldReader {
    func damaged(_ what: String) -> LedgerError { LedgerError(.internal, "a stored projection is damaged: \(what)") }

    func string(_ value: JSONValue?) throws(LedgerError) -> String {
        guard let text = value?.stringValue else { throw damaged("expected a string") }
        return text
    }

    func optionalString(_ value: JSONValue?) throws(LedgerError) -> String? {
        if value?.isNull ?? true { return nil }
        return try string(value)
    }

    func int(_ value: JSONValue?) throws(LedgerError) -> Int64 {
        guard let number = value?.intValue, number >= 0 else { throw damaged("expected a count") }
        return number
    }

    func date(_ value: JSONValue?) throws(LedgerError) -> CivilDate {
        guard let date = value?.stringValue.flatMap(CivilDate.init) else { throw damaged("expected a date") }
        return date
    }

    func optionalDate(_ value: JSONValue?) throws(LedgerError) -> CivilDate? {
        if value?.isNull ?? true { return nil }
        return try date(value)
    }

    func array<T>(_ value: JSONValue?, _ element: (JSONValue) throws -> T) throws -> [T] {
        guard let elements = value?.arrayValue else { throw damaged("expected an array") }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for item in elements { result.append(try element(item)) }
        return result
    }

    func keyed<T>(_ value: JSONValue?, _ element: (JSONValue) throws -> T) throws -> [String: T] {
        guard let members = value?.objectValue else { throw damaged("expected an object") }
        var result: [String: T] = [:]
        for (key, item) in members { result[key] = try element(item) }
        return result
    }

    func record(_ value: JSONValue) throws(LedgerError) -> EntityFold.RecordFact {
        guard let kind = value[2]?.stringValue.flatMap(EventKind.init(rawValue:)) else { throw damaged("record kind") }
        return EntityFold.RecordFact(
            seq: UInt64(try int(value[0])), eventId: try string(value[1]), kind: kind, occurredOn: try date(value[3]), negative: value[4]?.boolValue ?? false)
    }

    func ending(_ value: JSONValue?) throws(LedgerError) -> EntityFold.Ending? {
        guard let value, !value.isNull else { return nil }
        return EntityFold.Ending(on: try date(value[0]), by: try string(value[1]), reason: try optionalString(value[2]))
    }
}
