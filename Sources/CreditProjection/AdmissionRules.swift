import CreditDomain
import LedgerJSON

/// Whether an event is possible in the entity's state, and what policy concerns it raises.
///
/// Impossible events are refused with `rule_violation` (domain.md §2); concerns that do not
/// make the record impossible come back as warnings. The state is the entity's fold — the
/// stored one when the event is dated on or after everything in it, else one replayed up to
/// the event's date (``EntityFold/apply(_:horizon:)``) — evaluated only for the records the
/// event acts on, so an append costs the same for an entity with 20 or 20,000 events.
public enum AdmissionRules {
    /// Kinds whose admission depends on the entity's state.
    public static let stateDependentKinds: Set<EventKind> = [
        .listExited, .repairApplied, .repairAccepted, .repairGranted, .repairRejected, .repairRevoked, .repairExtended, .banLifted,
        .objectionResolved, .commitmentFulfilled, .commitmentBreached, .recordRevoked, .commitmentMade, .penaltyFulfilled,
        .shieldingStarted, .shieldingEnded,
    ]

    /// The records whose bodies admission of `event` reads: its target, and for a listing the
    /// penalties it rests on (their terms bound early removal).
    static func interest(_ event: CreditEvent, fold: EntityFold) -> Set<String> {
        guard let target = event.refs.first else { return [] }
        var ids: Set<String> = [target]
        if let listing = fold.listings.first(where: { $0.eventId == target }) { ids.formUnion(listing.basis) }
        if event.kind == .repairRevoked, let exited = fold.listings.first(where: { $0.exit?.by == target }) {
            ids.insert(exited.eventId)
            ids.formUnion(exited.basis)
        }
        return ids
    }

    /// Checks `event` against its entity's fold.
    /// - Parameters:
    ///   - fold: the entity's events before this one, in effect on the event's date (the
    ///     stored fold when nothing in it is dated later, else one folded with the event's
    ///     date as horizon).
    ///   - body: the body of the stored event at a seq.
    /// - Returns: the warnings to report.
    /// - Throws: `rule_violation` with the reason and the field at fault.
    public static func check(_ event: CreditEvent, fold: EntityFold, rules: RuleSet, body: (UInt64) throws -> JSONValue) throws -> [String] {
        guard stateDependentKinds.contains(event.kind) else { return [] }
        let date = event.occurredOn
        let state = try fold.state(at: date, knownAtSeq: fold.lastSeq, rules: rules, interest: interest(event, fold: fold), body: body)
        let target = event.refs.first ?? ""
        func violation(_ message: String, field: String = "refs[0]") -> LedgerError { LedgerError(.ruleViolation, message, field: field) }
        let fraudBar = rules.display.otherRecords[OtherRecordName.repairFraud]!

        switch event.kind {
        case .listExited:
            guard let listing = state.lists.first(where: { $0.eventId == target }) else {
                throw violation("listing '\(target)' is not in effect on \(date)")
            }
            guard listing.inForce(on: date) else {
                throw violation("the entity is not on the \(listing.list) list on \(date) (listing '\(target)' \(listing.exitedBy != nil ? "was exited" : listing.revoked ? "was revoked" : "ended \(listing.until?.description ?? "")"))")
            }
            if event.body["reason"]?.stringValue == "early-removal" {
                guard let earliest = listing.earliestRemoval else {
                    throw violation("listing '\(target)' cannot be removed early (\(listing.rules.joined(separator: ", ")))", field: "body.reason")
                }
                if date < earliest {
                    throw violation("early removal from the \(listing.list) list is possible from \(earliest) (\(listing.rules.joined(separator: ", ")))", field: "occurredOn")
                }
            }
        case .repairApplied where state.lists.contains(where: { $0.eventId == target }):
            // Repairing a listing is the way off the list (Order 36 Art. 3; Order 107 Art. 13).
            let listing = state.lists.first { $0.eventId == target }!
            guard listing.inForce(on: date) else { throw violation("listing '\(target)' is not in force on \(date): there is nothing to repair") }
            if rules.lists[listing.list]?.earlyRemovalAfterMonths != nil {
                guard let earliest = listing.earliestRemoval else {
                    throw violation("listing '\(target)' cannot be removed early (\(listing.rules.joined(separator: ", ")))")
                }
                if date < earliest {
                    throw violation("repair of the \(listing.list) listing may be applied for from \(earliest) (\(listing.rules.joined(separator: ", ")))", field: "occurredOn")
                }
            }
            try checkFraudBar(fold, date: date, months: fraudBar.noNewRepairMonths, rule: fraudBar.id)
            if state.pending.contains(where: { $0.kind == .repair && $0.target == target }) {
                throw violation("a repair application for '\(target)' is already pending")
            }
        case .repairApplied:
            guard let record = state.records.first(where: { $0.eventId == target }) else {
                throw violation("record '\(target)' is not in effect on \(date)")
            }
            guard !record.revoked else { throw violation("record '\(target)' is revoked: there is nothing to repair") }
            try checkFraudBar(fold, date: date, months: fraudBar.noNewRepairMonths, rule: fraudBar.id)
            if state.pending.contains(where: { $0.kind == .repair && $0.target == target }) {
                throw violation("a repair application for '\(target)' is already pending")
            }
            let shown = record.windows.filter { $0.value.from != nil }
            guard !shown.isEmpty else { throw violation("record '\(target)' is not displayed on any channel: there is nothing to repair") }
            guard let earliest = shown.values.compactMap(\.repairableFrom).min() else {
                let ruleIds = Set(shown.values.map { $0.keptBy ?? $0.rules.last ?? "" }).sorted().joined(separator: ", ")
                throw violation("record '\(target)' cannot be repaired on any channel: it ends by itself, or its rules exclude repair (\(ruleIds))")
            }
            guard date >= earliest else {
                throw violation("repair of '\(target)' may be applied for from \(earliest), the day after the minimum display period or the measure's term", field: "occurredOn")
            }
            if record.kind == .penaltyImposed && !record.fulfilled {
                throw violation("the obligations of penalty '\(target)' are not recorded as fulfilled (append penalty.fulfilled first; NDRC Order 36 Art. 14, SAMR Order 107 Art. 11)")
            }
            var warnings: [String] = []
            for (channel, window) in shown.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where window.repairableFrom.map({ date < $0 }) ?? true {
                let why = window.repairableFrom.map { "possible there from \($0)" } ?? "not possible there (\(window.keptBy ?? window.rules.last ?? ""))"
                warnings.append("a repair will not end display on \(channel.rawValue): \(why)")
            }
            if record.kind == .penaltyImposed { warnings += try sameKindPenalties(since: record, fold: fold, rules: rules, body: body) }
            return warnings
        case .repairAccepted, .repairGranted, .repairRejected, .repairExtended:
            guard state.pending.contains(where: { $0.kind == .repair && $0.eventId == target }) else {
                throw violation("repair application '\(target)' is not pending on \(date) (never applied for by then, or already decided)")
            }
            let accepted = state.pending.contains { $0.eventId == target && $0.stage == "decision" }
            if event.kind == .repairAccepted, accepted { throw violation("repair application '\(target)' is already accepted") }
            if event.kind == .repairExtended {
                guard accepted else { throw violation("repair application '\(target)' is not accepted yet: only a decision's deadline can be extended") }
                if fold.applications.first(where: { $0.eventId == target })?.extendedOn != nil {
                    throw violation("the decision on repair application '\(target)' was already extended")
                }
            }
        case .repairRevoked:
            if fold.fraud.contains(where: { $0.grant == target }) {
                throw violation("'\(target)' is already revoked for fraud")
            }
            if let listing = fold.listings.first(where: { $0.exit?.by == target }) {
                // Only an exit the entity obtained (early removal or repair) can be obtained by fraud.
                let reason = listing.exit?.reason ?? ""
                guard reason == "early-removal" || reason == "repair" else {
                    throw violation("exit '\(target)' (reason \(reason.isEmpty ? "none" : reason)) was not obtained by the entity: it cannot be revoked for fraud")
                }
            } else if !fold.grants.contains(where: { $0.eventId == target }) {
                throw violation("'\(target)' is not in effect on \(date)")
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
            if fold.revokedBy[target] != nil { throw violation("record '\(target)' is already revoked") }
        case .penaltyFulfilled:
            if fold.fulfilledOn[target] != nil { return ["penalty '\(target)' was already recorded as fulfilled"] }
        case .commitmentMade:
            if event.body["type"]?.stringValue == "notify-commit", state.flags.contains("seriousDishonesty") {
                return ["the entity is on the serious-dishonesty list: notify-and-commit is not available to it (SAMR Order 44 Art. 15)"]
            }
        case .shieldingStarted:
            if let running = fold.shieldings.first(where: { $0.end == nil }) {
                throw violation("shielding '\(running.eventId)' is still running: end it first", field: "kind")
            }
        case .shieldingEnded:
            guard let shielding = fold.shieldings.first(where: { $0.eventId == target }) else { throw violation("shielding '\(target)' is not in effect on \(date)") }
            guard shielding.end == nil else { throw violation("shielding '\(target)' has already ended") }
        default:
            break
        }
        return []
    }

    /// No new repair application within 3 years of a repair revoked for fraud (SAMR Order 107
    /// Art. 23; NDRC Order 36 Art. 25).
    static func checkFraudBar(_ fold: EntityFold, date: CivilDate, months: Int?, rule: String) throws(LedgerError) {
        guard let months, let fraud = fold.fraud.first(where: { date <= $0.on.adding(months: months) }) else { return }
        throw LedgerError(
            .ruleViolation, "no new repair application within \(months) months of a repair revoked for fraud ('\(fraud.eventId)', \(rule))",
            field: "occurredOn")
    }

    /// SAMR Order 107 Art. 11(3): no new penalty for the same kind of violation since. The
    /// ledger cannot know "the same kind" for sure: a later penalty with the same legal basis
    /// or the same violation text is reported as a warning.
    static func sameKindPenalties(since record: RecordState, fold: EntityFold, rules: RuleSet, body: (UInt64) throws -> JSONValue) throws -> [String] {
        let basis = record.body["legalBasis"]?.stringValue
        let violation = record.body["violation"]?.stringValue
        var warnings: [String] = []
        for fact in fold.records where fact.kind == .penaltyImposed && fact.occurredOn > record.occurredOn && fold.revokedBy[fact.eventId] == nil {
            let later = try body(fact.seq)
            if (basis != nil && later["legalBasis"]?.stringValue == basis) || (violation != nil && later["violation"]?.stringValue == violation) {
                warnings.append("penalty '\(fact.eventId)' of \(fact.occurredOn) may be for the same kind of violation: GSXT repair requires none since (\(rules.display.effects.sameKindPenalty))")
            }
        }
        return warnings
    }
}
