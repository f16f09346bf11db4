import CreditDomain

/// Whether an event is possible in the entity's state, and what policy concerns it raises.
///
/// Impossible events are refused with `rule_violation` (domain.md §2); concerns that do not
/// make the record impossible come back as warnings.
public enum AdmissionRules {
    /// Kinds whose admission depends on the entity's state.
    public static let stateDependentKinds: Set<EventKind> = [
        .listExited, .repairApplied, .repairAccepted, .repairGranted, .repairRejected, .repairRevoked, .banLifted,
        .objectionResolved, .commitmentFulfilled, .commitmentBreached, .recordRevoked, .commitmentMade, .penaltyFulfilled,
    ]

    /// Checks `event` against the state its entity's `history` gives on the event's date.
    /// - Returns: the warnings to report.
    /// - Throws: `rule_violation` with the reason and the field at fault.
    public static func check(_ event: CreditEvent, history: [RecordedEvent], rules: RuleSet) throws(LedgerError) -> [String] {
        guard stateDependentKinds.contains(event.kind) else { return [] }
        let date = event.occurredOn
        let state = Projector.project(entity: event.entity, events: history, at: date, knownAtSeq: .max, rules: rules)
        let target = event.refs.first ?? ""
        func violation(_ message: String, field: String = "refs[0]") -> LedgerError { LedgerError(.ruleViolation, message, field: field) }

        switch event.kind {
        case .listExited:
            guard let listing = state.lists.first(where: { $0.eventId == target }) else {
                throw violation("listing '\(target)' is not in effect on \(date)")
            }
            guard listing.inForce(on: date) else {
                throw violation("the entity is not on the \(listing.list) list on \(date) (listing '\(target)' \(listing.exitedBy != nil ? "was exited" : listing.revoked ? "was revoked" : "ended \(listing.until?.description ?? "")"))")
            }
            if event.body["reason"]?.stringValue == "early-removal", let earliest = listing.earliestRemoval, date < earliest {
                throw violation("early removal from the \(listing.list) list is possible from \(earliest) (\(listing.rules.joined(separator: ", ")))", field: "occurredOn")
            }
        case .repairApplied where state.lists.contains(where: { $0.eventId == target }):
            // Repairing a listing is the way off the list (Order 36 Art. 3; Order 107 Art. 13).
            let listing = state.lists.first { $0.eventId == target }!
            guard listing.inForce(on: date) else { throw violation("listing '\(target)' is not in force on \(date): there is nothing to repair") }
            if let earliest = listing.earliestRemoval, date < earliest {
                throw violation("repair of the \(listing.list) listing may be applied for from \(earliest) (\(listing.rules.joined(separator: ", ")))", field: "occurredOn")
            }
            if state.pending.contains(where: { $0.kind == .repair && $0.target == target }) {
                throw violation("a repair application for '\(target)' is already pending")
            }
        case .repairApplied:
            guard let record = state.records.first(where: { $0.eventId == target }) else {
                throw violation("record '\(target)' is not in effect on \(date)")
            }
            guard !record.revoked else { throw violation("record '\(target)' is revoked: there is nothing to repair") }
            if let fraud = state.records.first(where: { $0.kind == .repairRevoked && date <= $0.occurredOn.adding(months: rules.display.otherRecords["repair.revoked"]?.noNewRepairMonths ?? 36) }) {
                throw violation("no new repair application within 3 years of a repair revoked for fraud ('\(fraud.eventId)', samr-107-art23-fraud-record)", field: "occurredOn")
            }
            if state.pending.contains(where: { $0.kind == .repair && $0.target == target }) {
                throw violation("a repair application for '\(target)' is already pending")
            }
            let shown = record.windows.values.filter { $0.from != nil }
            guard !shown.isEmpty else { throw violation("record '\(target)' is not displayed on any channel: there is nothing to repair") }
            guard let earliest = shown.compactMap(\.repairableFrom).min() else {
                let ruleIds = Set(shown.flatMap(\.rules)).sorted().joined(separator: ", ")
                throw violation("record '\(target)' cannot be repaired: it ends by itself or its measures exclude repair (\(ruleIds))")
            }
            guard date >= earliest else {
                throw violation("repair of '\(target)' may be applied for from \(earliest), the day after the minimum display period", field: "occurredOn")
            }
            if record.kind == .penaltyImposed && !record.fulfilled {
                throw violation("the obligations of penalty '\(target)' are not recorded as fulfilled (append penalty.fulfilled first; NDRC Order 36 Art. 14, SAMR Order 107 Art. 11)")
            }
        case .repairAccepted, .repairGranted, .repairRejected:
            guard state.pending.contains(where: { $0.kind == .repair && $0.eventId == target }) else {
                throw violation("repair application '\(target)' is not pending on \(date) (never applied for by then, or already decided)")
            }
            if event.kind == .repairAccepted, state.pending.contains(where: { $0.eventId == target && $0.stage == "decision" }) {
                throw violation("repair application '\(target)' is already accepted")
            }
        case .repairRevoked:
            if history.contains(where: { $0.event.kind == .repairRevoked && $0.event.refs.first == target }) {
                throw violation("repair '\(target)' is already revoked")
            }
        case .banLifted:
            guard let ban = state.bans.first(where: { $0.eventId == target }), ban.inForce(on: date) else {
                throw violation("ban '\(target)' is not in force on \(date)")
            }
        case .objectionResolved:
            guard state.pending.contains(where: { $0.kind == .objection && $0.eventId == target }) else {
                throw violation("objection '\(target)' is not pending on \(date)")
            }
        case .commitmentFulfilled, .commitmentBreached:
            guard let commitment = state.commitments.first(where: { $0.eventId == target }) else {
                throw violation("commitment '\(target)' is not in effect on \(date)")
            }
            guard commitment.outcome == .open else { throw violation("commitment '\(target)' is already \(commitment.outcome.rawValue)") }
        case .recordRevoked:
            if state.records.first(where: { $0.eventId == target })?.revoked == true || state.lists.first(where: { $0.eventId == target })?.revoked == true {
                throw violation("record '\(target)' is already revoked")
            }
        case .penaltyFulfilled:
            if state.records.first(where: { $0.eventId == target })?.fulfilled == true {
                return ["penalty '\(target)' was already recorded as fulfilled"]
            }
        case .commitmentMade:
            if event.body["type"]?.stringValue == "notify-commit", state.flags.contains("seriousDishonesty") {
                return ["the entity is on the serious-dishonesty list: notify-and-commit is not available to it (SAMR Order 44 Art. 15)"]
            }
        default:
            break
        }
        return []
    }
}
