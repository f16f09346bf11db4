import CreditDomain
import CreditProjection
import LedgerStore

extension Ledger {
    /// The 重码 warning of an `entity.profiled` whose name differs from the entity's stored
    /// profile's (README §19: counted as `duplicateCode`); `nil` for any other event.
    /// Runs in the writer's transaction, before the request's first write.
    /// - Parameter earlier: this request's earlier events of the same entity (not yet written).
    static func duplicateCodeWarning(for event: CreditEvent, after earlier: [RecordedEvent], in log: LogTransaction) throws -> String? {
        guard event.kind == .entityProfiled, let name = event.body["name"]?.stringValue else { return nil }
        let entity = event.entity
        let current = log.head.seq
        // The stored projections lag behind the log while they are derived again: replay then.
        var fold =
            try (log.viewsSeq() == current ? storedFold(entity.code, in: log) : replayedFold(entity, before: current + 1, in: log))
            ?? EntityFold(entity: entity)
        for recorded in earlier { fold.apply(recorded) }
        guard let storedName = try storedProfileName(of: fold, pending: earlier, in: log),
            Quality.isDuplicateCode(event, storedProfileName: storedName)
        else { return nil }
        return "entity.profiled: name '\(name)' differs from the stored profile's name '\(storedName)' for this code (重码)"
    }

    /// The name in `fold`'s latest profile, read from the log or, for `pending` events not
    /// written yet, from the event itself.
    static func storedProfileName(of fold: EntityFold, pending: [RecordedEvent] = [], in log: LogTransaction) throws -> String? {
        try fold.profileName { seq in
            if let event = pending.first(where: { $0.seq == seq }) { return event.event.body }
            let body = try log.withRecordContent(seq: seq) { _, content in try Self.body(seq: seq, content: content) }
            guard let body else { throw LedgerError(.internal, "a projection names missing seq \(seq)") }
            return body
        }
    }
}
