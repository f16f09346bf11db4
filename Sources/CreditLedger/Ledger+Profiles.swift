import CreditDomain
import CreditProjection
import LedgerStore

extension Ledger {
    /// The 重码 warning of an `entity.profiled` whose name differs from the entity's stored
    /// profile's (Schemas/rules/README.md, 19: counted as `duplicateCode`); `nil` for any other
    /// event. Runs in the writer's transaction, before the request's first write.
    /// - Parameter earlier: this request's earlier events of the same entity (not yet written).
    static func duplicateCodeWarning(for event: CreditEvent, after earlier: [RecordedEvent], in log: LogTransaction, derivation: Derivation) throws -> String? {
        guard event.kind == .entityProfiled, let name = event.body["name"]?.stringValue else { return nil }
        var fold = try currentFold(event.entity, in: log, derivation: derivation, writer: true) ?? EntityFold(entity: event.entity)
        for recorded in earlier { fold.apply(recorded) }
        guard let storedName = try fold.profileName(body: bodyReader(in: log, batch: earlier)),
            Quality.isDuplicateCode(event, storedProfileName: storedName)
        else { return nil }
        return "entity.profiled: name '\(name)' differs from the stored profile's name '\(storedName)' for this code (重码)"
    }
}
