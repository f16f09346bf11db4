import LedgerJSON

/// Checks an event's envelope and body and brings it into normal form.
///
/// Checks are those that need no ledger state: required fields, types, the entity code
/// (a person's birth date no later than the event), the kind, the date, the number of
/// refs, and the body against its kind's schema.
/// Whether refs exist, and whether the entity's state allows the event, is checked by the
/// ledger inside the write transaction.
public struct EventEnvelope: Sendable {
    public static let maximumEventIdCharacters = 128
    /// LMDB keys are at most 511 bytes; ids are keys.
    public static let maximumEventIdBytes = 384
    public static let maximumAuthorityCharacters = 256

    static let allowedMembers: Set<String> = ["eventId", "kind", "entity", "occurredOn", "source", "refs", "body"]

    public let schemas: SchemaCatalogue

    public init(schemas: SchemaCatalogue) { self.schemas = schemas }

    /// - Returns: the event in normal form and any warnings.
    /// - Throws: `LedgerError` naming the field at fault (paths relative to the event).
    public func validate(_ value: JSONValue) throws(LedgerError) -> (event: CreditEvent, warnings: [String]) {
        guard case let .object(members) = value else { throw LedgerError(.invalidField, "an event must be a JSON object") }
        for (name, _) in members where !Self.allowedMembers.contains(name) {
            throw LedgerError(.invalidField, "unknown member '\(name)'", field: name)
        }
        let eventId = try Self.requiredString(value, "eventId")
        guard (1...Self.maximumEventIdCharacters).contains(eventId.unicodeScalars.count), eventId.utf8.count <= Self.maximumEventIdBytes,
            !eventId.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw LedgerError(.invalidField, "eventId must be 1 to 128 characters (at most 384 UTF-8 bytes) without control characters", field: "eventId")
        }
        let kindName = try Self.requiredString(value, "kind")
        guard let kind = EventKind(rawValue: kindName) else {
            throw LedgerError(.unknownKind, "unknown kind '\(kindName)'", field: "kind")
        }
        let entityText = try Self.requiredString(value, "entity")
        let entity: EntityCode
        do { entity = try EntityCode(validating: entityText) } catch { throw error.prefixed("entity") }
        let dateText = try Self.requiredString(value, "occurredOn")
        guard let occurredOn = CivilDate(dateText) else {
            throw LedgerError(.invalidField, "occurredOn must be a real date as YYYY-MM-DD, got '\(dateText)'", field: "occurredOn")
        }
        guard CivilDate.plausibleRange.contains(occurredOn) else {
            throw LedgerError(.invalidField, "occurredOn must lie between 1900-01-01 and 2199-12-31, got \(occurredOn)", field: "occurredOn")
        }
        if let birthDate = entity.birthDate, birthDate > occurredOn {
            throw LedgerError(.invalidEntity, "the person's birth date \(birthDate) (positions 7-14) is after occurredOn \(occurredOn)", field: "entity")
        }
        let (source, authority) = try Self.validateSource(value["source"])
        let refs = try Self.validateRefs(value["refs"], rule: kind.refRule, kind: kind)
        guard let body = value["body"] else { throw LedgerError(.missingField, "body is required", field: "body") }
        do { try schemas.validate(body: body, kind: kind) } catch { throw error.prefixed("body") }
        let event = CreditEvent(
            eventId: eventId, kind: kind, entity: entity, occurredOn: occurredOn, source: source,
            authority: authority, refs: refs, body: body)
        return (event, entity.warnings.map(\.message))
    }

    static func requiredString(_ value: JSONValue, _ name: String) throws(LedgerError) -> String {
        guard let member = value[name] else { throw LedgerError(.missingField, "\(name) is required", field: name) }
        guard let string = member.stringValue else { throw LedgerError(.invalidField, "\(name) must be a string", field: name) }
        return string
    }

    static func validateSource(_ value: JSONValue?) throws(LedgerError) -> (JSONValue, String) {
        guard let value else { throw LedgerError(.missingField, "source is required", field: "source") }
        guard case let .object(members) = value else { throw LedgerError(.invalidField, "source must be an object", field: "source") }
        for (name, _) in members where name != "authority" && name != "authorityCode" && name != "historical" {
            throw LedgerError(.invalidField, "unknown member '\(name)'", field: "source.\(name)")
        }
        guard let authorityValue = value["authority"] else {
            throw LedgerError(.missingField, "source.authority is required", field: "source.authority")
        }
        guard let authority = authorityValue.stringValue, !authority.isEmpty, authority.unicodeScalars.count <= maximumAuthorityCharacters else {
            throw LedgerError(.invalidField, "source.authority must be a non-empty string of at most 256 characters", field: "source.authority")
        }
        var normal: [(String, JSONValue)] = [("authority", .string(authority))]
        if let codeValue = value["authorityCode"] {
            guard let code = codeValue.stringValue else {
                throw LedgerError(.invalidField, "source.authorityCode must be a string", field: "source.authorityCode")
            }
            do {
                let entity = try EntityCode(validating: code)
                normal.append(("authorityCode", .string(entity.code)))
            } catch {
                throw error.prefixed("source.authorityCode")
            }
        }
        if let historical = value["historical"] {
            guard case let .bool(isHistorical) = historical else {
                throw LedgerError(.invalidField, "source.historical must be true or false", field: "source.historical")
            }
            // Only the mark is kept: `false` reads as no mark, so both are the same content.
            if isHistorical { normal.append(("historical", true)) }
        }
        return (.object(normal), authority)
    }

    static func validateRefs(_ value: JSONValue?, rule: EventKind.RefRule, kind: EventKind) throws(LedgerError) -> [String] {
        var refs: [String] = []
        if let value, !value.isNull {
            guard let array = value.arrayValue else { throw LedgerError(.invalidField, "refs must be an array of eventIds", field: "refs") }
            for (index, element) in array.enumerated() {
                guard let ref = element.stringValue, !ref.isEmpty, ref.unicodeScalars.count <= maximumEventIdCharacters else {
                    throw LedgerError(.invalidField, "each ref must be an eventId", field: "refs[\(index)]")
                }
                guard !refs.contains(ref) else { throw LedgerError(.invalidField, "ref '\(ref)' is repeated", field: "refs[\(index)]") }
                refs.append(ref)
            }
        }
        if refs.count < rule.minimum {
            throw LedgerError(.missingField, "\(kind.rawValue) must reference \(rule.minimum == rule.maximum ? "exactly" : "at least") \(rule.minimum) record(s)", field: "refs")
        }
        if refs.count > rule.maximum {
            throw LedgerError(.invalidField, rule.maximum == 0 ? "\(kind.rawValue) takes no refs" : "\(kind.rawValue) takes at most \(rule.maximum) ref(s)", field: "refs")
        }
        return refs
    }
}
