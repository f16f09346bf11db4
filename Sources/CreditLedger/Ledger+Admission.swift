import CreditDomain
import CreditProjection
import LedgerJSON
import LedgerStore

/// Admission of state-dependent events inside the writer's transaction: checked against the
/// entity's current fold (``currentFold(_:lastSeq:in:derivation:writer:)``), never by replaying its history —
/// except for an event dated before the latest event already folded, which needs the state
/// on its own date.
extension Ledger {
    /// Checks `event` against `fold` (which holds this request's earlier events of the entity).
    /// - Returns: the warnings to report.
    static func admit(_ event: CreditEvent, fold: EntityFold, rules: RuleSet, in log: LogTransaction, batch: [RecordedEvent]) throws -> [String] {
        guard AdmissionRules.stateDependentKinds.contains(event.kind) else { return [] }
        let body = bodyReader(in: log, batch: batch)
        if fold.latestOccurredOn.map({ $0 <= event.occurredOn }) ?? true {
            return try AdmissionRules.check(event, fold: fold, rules: rules, body: body)
        }
        // A back-dated event: the state on its date, from the entity's events replayed.
        var dated = EntityFold(entity: event.entity)
        for seq in try log.seqs(stream: event.entity.code) { dated.apply(try storedEvent(seq: seq, in: log), horizon: event.occurredOn) }
        for recorded in batch { dated.apply(recorded, horizon: event.occurredOn) }
        return try AdmissionRules.check(event, fold: dated, rules: rules, body: body)
    }

    /// Reads bodies from the log, or from this request's earlier events (provisional seqs past the head).
    static func bodyReader(in log: LogTransaction, batch: [RecordedEvent]) -> (UInt64) throws -> JSONValue {
        let head = log.head.seq
        return { seq in
            if seq > head, let recorded = batch.first(where: { $0.seq == seq }) { return recorded.event.body }
            let body = try log.withRecordContent(seq: seq) { _, content in try Self.body(seq: seq, content: content) }
            guard let body else { throw LedgerError(.internal, "a projection names missing seq \(seq)") }
            return body
        }
    }

    /// A correction must leave its target valid under the target kind's schema: the fields
    /// are put over the target's body and the result validated.
    static func checkCorrection(_ event: CreditEvent, schemas: SchemaCatalogue, in log: LogTransaction, batch: [RecordedEvent]) throws {
        guard let target = event.refs.first, let fields = event.body["fields"]?.objectValue else { return }
        let kind: EventKind
        let original: JSONValue
        if let recorded = batch.first(where: { $0.event.eventId == target }) {
            kind = recorded.event.kind
            original = recorded.event.body
        } else if let entry = try log.lookup(id: target) {
            original = try bodyReader(in: log, batch: batch)(entry.seq)
            guard let tag = IdTag(entry.tag) else { throw LedgerError(.internal, "eventId '\(target)' has an unreadable tag") }
            kind = tag.kind
        } else {
            return  // unknown_ref is reported by the ref check
        }
        guard case var .object(members) = original else { return }
        for (name, value) in fields {
            members.removeAll { $0.0 == name }
            members.append((name, value))
        }
        do {
            try schemas.validate(body: .object(members), kind: kind)
        } catch {
            throw LedgerError(error.code, "the corrected \(kind.rawValue) would not be valid: \(error.message)", field: error.field).prefixed("body.fields")
        }
    }
}
