import CreditDomain
import LedgerJSON

/// Replays an entity's events into its state: a pure function of (events, rules, at, knownAt).
///
/// The two time axes (domain.md §3): only events with `seq ≤ knownAt` are seen. Of those,
/// prospective events (records, repairs, exits, lifts, fulfilment, breach …) count only
/// from their `occurredOn`, so nothing dated after `at` changes the answer at `at`.
/// Corrections, revocations and upheld objections with an action are retroactive: once
/// known, their target reads as corrected, or as never valid, over its whole life.
public enum Projector {
    public static func project(entity: EntityCode, events: [RecordedEvent], at: CivilDate, knownAtSeq: UInt64, rules: RuleSet) -> EntityState {
        var fold = EntityFold(entity: entity)
        var bodies: [UInt64: JSONValue] = [:]
        for recorded in events where recorded.seq <= knownAtSeq {
            fold.apply(recorded, horizon: at)
            bodies[recorded.seq] = recorded.event.body
        }
        // "Everything" (UInt64.max) echoes the last seq actually seen.
        let echoedSeq = knownAtSeq == .max ? fold.lastSeq : knownAtSeq
        return fold.state(at: at, knownAtSeq: echoedSeq, rules: rules) { seq in bodies[seq] ?? .object([]) }
    }

    /// Corrections, revocations and upheld objections with an action: they change how a
    /// record reads over its whole life.
    public static func isRetroactive(_ event: CreditEvent) -> Bool {
        switch event.kind {
        case .recordCorrected, .recordRevoked: return true
        case .objectionResolved: return event.body["outcome"]?.stringValue == "upheld" && event.body["action"] != nil
        default: return false
        }
    }

    /// `body` with each correction's fields put over it, in log order.
    static func corrected(_ body: JSONValue, _ corrections: [EntityFold.Correction]?) -> JSONValue {
        guard let corrections, case var .object(members) = body else { return body }
        for correction in corrections {
            for (name, value) in correction.fields.objectValue ?? [] {
                members.removeAll { $0.0 == name }
                members.append((name, value))
            }
        }
        return .object(members)
    }

    static func record(_ fact: EntityFold.RecordFact, body: JSONValue, corrections: [EntityFold.Correction]?, revokedBy: String?) -> RecordState {
        var superseded = (corrections ?? []).map { Supersession($0.by, "corrected: fields replaced over the record's whole life") }
        if let revokedBy { superseded.append(Supersession(revokedBy, "revoked: read as never valid")) }
        return RecordState(
            eventId: fact.eventId, kind: fact.kind, occurredOn: fact.occurredOn, body: corrected(body, corrections), negative: fact.negative,
            severities: [:], windows: [:], underObjection: false, supersededBy: superseded, revoked: revokedBy != nil, fulfilled: false)
    }

    /// A listing's term: the list's own (Order 44 Art. 21: 3 years), the term given at entry,
    /// or — for lists with linked terms — a measure term of a penalty it rests on, the latest.
    static func listing(_ fact: EntityFold.ListingFact, rules: RuleSet, revoked: Bool, linkedTermEnd: CivilDate?) -> ListingState {
        let rule = rules.lists[fact.list]
        var until = fact.termUntil
        var ruleIds = rule.map { [$0.id] } ?? []
        var earliestRemoval: CivilDate?
        if let termMonths = rule?.termMonths {
            let automatic = fact.since.adding(months: termMonths)
            until = max(until ?? automatic, automatic)
        }
        if let linkedRule = rule?.linkedTermsRule, let term = linkedTermEnd, until.map({ term > $0 }) ?? false {
            until = term
            ruleIds.append(linkedRule)
        }
        if let months = rule?.earlyRemovalAfterMonths {
            earliestRemoval = fact.since.adding(months: months).adding(days: 1)
            if let earlyRule = rule?.earlyRemovalRule { ruleIds.append(earlyRule) }
            // No early removal while a linked measure's term runs (Order 44 Art. 16, Order 107 Art. 13).
            if let linkedRule = rule?.linkedTermsRule, let term = [linkedTermEnd, fact.termUntil].compactMap({ $0 }).max(), term >= earliestRemoval! {
                earliestRemoval = term.adding(days: 1)
                if !ruleIds.contains(linkedRule) { ruleIds.append(linkedRule) }
            }
            if let last = until, let earliest = earliestRemoval, earliest > last { earliestRemoval = nil }
        }
        return ListingState(
            eventId: fact.eventId, list: fact.list, since: fact.since, until: until, exitedBy: nil, exitReason: nil, basis: fact.basis,
            rules: ruleIds, earliestRemoval: earliestRemoval, revoked: revoked)
    }

    /// Ends a listing on the day before `date` (an exit, or a granted repair).
    static func exit(_ listing: inout ListingState, on date: CivilDate, by eventId: String, reason: String?) {
        let last = date.adding(days: -1)
        if listing.until.map({ last < $0 }) ?? true { listing.until = last }
        listing.exitedBy = eventId
        listing.exitReason = reason
    }

    /// The severity and window of a record on each channel.
    static func computeWindows(_ record: inout RecordState, person: Bool, linkedListings: Set<String>, rules: RuleSet) {
        let display = rules.display
        let facts = record.kind == .penaltyImposed ? PenaltyFacts(body: record.body, decidedOn: record.occurredOn) : nil
        for channel in Channel.allCases {
            var window: DisplayWindow
            switch record.kind {
            case .penaltyImposed:
                let (penaltyWindow, finding) = display.penaltyWindow(facts!, channel: channel, person: person, linkedListings: linkedListings)
                window = penaltyWindow
                record.severities[channel] = finding
            case .commitmentBreached where record.body["fraudulent"]?.boolValue == true:
                let rule = display.otherRecords[OtherRecordName.fraudulentBreach]!
                window = fixedNegativeWindow(start: record.occurredOn, months: rule.fixedMonths ?? 36, rule: rule.id, channel: channel, person: person, rules: rules)
            case .commitmentBreached:
                let rule = display.otherRecords[OtherRecordName.breach]!
                window = display.severityWindow(start: record.occurredOn, severity: rule.severity ?? .general, channel: channel, person: person, rule: rule.id)
            case .adminAction where record.negative && record.body["category"]?.stringValue == "inspection" && display.otherRecords[OtherRecordName.spotCheck]!.channel == channel:
                // Completed by ``spotCheckWindows`` once the penalties and listings it is tied to are known.
                let rule = display.otherRecords[OtherRecordName.spotCheck]!
                window = fixedNegativeWindow(start: record.occurredOn, months: rule.fixedMonths ?? 3, rule: rule.id, channel: channel, person: person, rules: rules)
            case .adminAction where record.negative:
                let rule = display.otherRecords[OtherRecordName.negativeAdminAction]!
                window = display.severityWindow(start: record.occurredOn, severity: rule.severity ?? .general, channel: channel, person: person, rule: rule.id)
            case .warningIssued, .interviewRecorded:
                let rule = display.otherRecords[record.kind.rawValue]!
                window = .never(rule.id, "not published: kept in the credit record")
            case .licenseGranted:
                let from = record.body["validFrom"]?.stringValue.flatMap(CivilDate.init) ?? record.occurredOn
                window = DisplayWindow(
                    from: max(from, record.occurredOn), until: record.body["validUntil"]?.stringValue.flatMap(CivilDate.init), repairableFrom: nil,
                    endReason: nil, resumed: nil, rules: [display.effects.licenceWindow], notDisplayedBecause: nil)
            default:
                window = .never(display.effects.notDisplayed, "\(record.kind.rawValue) has no display window")
            }
            if record.revoked, window.from != nil {
                window.cut(before: window.from!, reason: .revoked, rule: display.effects.revoked)
                window.endReason = .revoked
            }
            record.windows[channel] = window
        }
    }

    /// A negative record shown a fixed number of months with no early end, unless the
    /// channel's rulebook on its date hides natural persons.
    static func fixedNegativeWindow(start: CivilDate, months: Int, rule: String, channel: Channel, person: Bool, rules: RuleSet) -> DisplayWindow {
        let rulebook = rules.display.channels[channel]!.rulebook(on: start)
        if person, let hidden = rulebook.naturalPersonsHidden {
            return .never(hidden, "a natural person's negative records are not shown under \(rulebook.id)")
        }
        return rules.display.fixedWindow(start: start, months: months, rule: rule)
    }

    static func end(_ record: inout RecordState, before date: CivilDate, reason: EndReason, by eventId: String, effect: String, rule: String) {
        for channel in Channel.allCases {
            record.windows[channel]?.cut(before: date, reason: reason, rule: rule)
        }
        record.supersededBy.append(Supersession(eventId, effect))
    }

    static func monthsBetween(_ from: CivilDate, _ until: CivilDate) -> Int {
        var months = (until.year - from.year) * 12 + (until.month - from.month)
        if from.adding(months: months) > until { months -= 1 }
        return months
    }

    static func flags(_ state: EntityState, at: CivilDate) -> [String] {
        var flags: [String] = []
        let lists = Set(state.lists.filter { $0.inForce(on: at) }.map(\.list))
        if lists.contains("serious-dishonesty") { flags.append("seriousDishonesty") }
        if lists.contains("key-attention") { flags.append("keyAttention") }
        if lists.contains("abnormal-operations") { flags.append("abnormalOperations") }
        if lists.contains("red") { flags.append("redList") }
        if state.bans.contains(where: { $0.inForce(on: at) }) { flags.append("banned") }
        if state.records.contains(where: \.underObjection) { flags.append("underObjection") }
        if state.deregisteredOn != nil { flags.append("deregistered") }
        return flags
    }
}
