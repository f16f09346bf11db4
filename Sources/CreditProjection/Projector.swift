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

    static func isRetroactive(_ event: CreditEvent) -> Bool {
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
        var superseded: [(String, String)] = (corrections ?? []).map { ($0.by, "corrected: fields replaced over the record's whole life") }
        if let revokedBy { superseded.append((revokedBy, "revoked: read as never valid")) }
        return RecordState(
            eventId: fact.eventId, kind: fact.kind, occurredOn: fact.occurredOn, body: corrected(body, corrections), negative: fact.negative,
            severity: nil, windows: [:], underObjection: false, supersededBy: superseded, revoked: revokedBy != nil, fulfilled: false)
    }

    static func listing(_ fact: EntityFold.ListingFact, rules: RuleSet, revoked: Bool) -> ListingState {
        let rule = rules.lists[fact.list]
        var until = fact.termUntil
        var ruleIds = rule.map { [$0.id] } ?? []
        var earliestRemoval: CivilDate?
        if let termMonths = rule?.termMonths {
            // Automatic exit after the term (Order 44 Art. 21), or at a longer measure term.
            let automatic = fact.since.adding(months: termMonths)
            until = max(until ?? automatic, automatic)
        }
        if let months = rule?.earlyRemovalAfterMonths {
            earliestRemoval = fact.since.adding(months: months).adding(days: 1)
            if let earlyRule = rule?.earlyRemovalRule { ruleIds.append(earlyRule) }
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

    static func computeWindows(_ record: inout RecordState, person: Bool, linkedToSeriousListing: Bool, rules: RuleSet) {
        let display = rules.display
        // A penalty's facts and severity do not depend on the channel: read them once.
        var penalty: (facts: PenaltyFacts, finding: SeverityFinding)?
        if record.kind == .penaltyImposed {
            let facts = PenaltyFacts(body: record.body, decidedOn: record.occurredOn)
            let finding = display.severity(of: facts, person: person, linkedToSeriousListing: linkedToSeriousListing)
            penalty = (facts, finding)
            record.severity = finding
        }
        for channel in Channel.allCases {
            var window: DisplayWindow
            switch record.kind {
            case .penaltyImposed:
                let (facts, finding) = penalty!
                window = display.penaltyWindow(facts, severity: finding, channel: channel, person: person)
                window.rules.insert(finding.rule, at: 0)
            case .commitmentBreached where record.body["fraudulent"]?.boolValue == true:
                let rule = display.otherRecords["commitment.breached.fraudulent"]!
                window = person && channel == .creditchina
                    ? .never("ndrc-36-art12-natural-persons", "a natural person's negative records are not shown on creditchina")
                    : display.fixedWindow(start: record.occurredOn, months: rule.fixedMonths ?? 36, rule: rule.id)
            case .commitmentBreached:
                let rule = display.otherRecords["commitment.breached"]!
                window = display.severityWindow(start: record.occurredOn, severity: rule.severity ?? .general, channel: channel, person: person, rule: rule.id)
            case .adminAction where record.negative:
                let rule = display.otherRecords["admin.action.negative"]!
                window = display.severityWindow(start: record.occurredOn, severity: rule.severity ?? .general, channel: channel, person: person, rule: rule.id)
            case .warningIssued, .interviewRecorded:
                let rule = display.otherRecords[record.kind.rawValue]!
                window = .never(rule.id, "not published: kept in the credit record")
            case .licenseGranted:
                let from = record.body["validFrom"]?.stringValue.flatMap(CivilDate.init) ?? record.occurredOn
                window = DisplayWindow(
                    from: max(from, record.occurredOn), until: record.body["validUntil"]?.stringValue.flatMap(CivilDate.init), repairableFrom: nil,
                    endReason: nil, resumed: nil, rules: ["license-displayed-while-valid"], notDisplayedBecause: nil)
            default:
                window = .never("not-a-displayed-record", "\(record.kind.rawValue) has no display window")
            }
            if record.revoked, window.from != nil {
                window.cut(before: window.from!, reason: .revoked, rule: "record-revoked")
                window.endReason = .revoked
            }
            record.windows[channel] = window
        }
    }

    static func end(_ record: inout RecordState, before date: CivilDate, reason: EndReason, by eventId: String, effect: String, rule: String? = nil) {
        for channel in Channel.allCases {
            record.windows[channel]?.cut(before: date, reason: reason, rule: rule ?? "\(reason.rawValue)-by-event")
        }
        record.supersededBy.append((eventId, effect))
    }

    /// A repair revoked for fraud: display resumes from the revocation, the period restarts,
    /// no early end (Order 107 Art. 23; Order 36 Art. 25).
    static func resume(_ record: inout RecordState, on date: CivilDate, by eventId: String, rules: RuleSet) {
        for channel in Channel.allCases {
            guard var window = record.windows[channel], let from = window.from, let until = window.until else { continue }
            let months = monthsBetween(from, until)
            window.resumed = date...date.adding(months: max(months, 1))
            window.repairableFrom = nil
            window.endReason = nil
            window.rules.append(rules.display.otherRecords["repair.revoked"]!.id)
            record.windows[channel] = window
        }
        record.supersededBy.append((eventId, "repair revoked for fraud: display resumes, the period restarts"))
    }

    static func monthsBetween(_ from: CivilDate, _ until: CivilDate) -> Int {
        var months = (until.year - from.year) * 12 + (until.month - from.month)
        if from.adding(months: months) > until { months -= 1 }
        return months
    }

    static func pendingItems(
        objections: [EntityFold.ObjectionFact], applications: [EntityFold.ApplicationFact], records: [RecordState], recordIndex: [String: Int],
        at: CivilDate, rules: RuleSet
    ) -> [PendingItem] {
        var items: [PendingItem] = []
        func item(_ kind: PendingItem.Kind, _ id: String, _ target: String, _ stage: String, _ since: CivilDate, _ channel: Channel?, _ days: Int, _ rule: String) -> PendingItem {
            let deadline = rules.calendar.adding(workingDays: days, to: since)
            let overdue: Bool? = if case let .date(day) = deadline { at > day } else { nil }
            return PendingItem(kind: kind, eventId: id, target: target, stage: stage, since: since, channel: channel, deadline: deadline, overdue: overdue, rule: rule)
        }
        for objection in objections.sorted(by: { $0.eventId < $1.eventId }) {
            let step = rules.deadlines.objection
            items.append(item(.objection, objection.eventId, objection.target, "check", objection.on, nil, step.workingDays, step.id))
        }
        for application in applications.sorted(by: { $0.eventId < $1.eventId }) {
            let id = application.eventId
            // The channel that shows the record decides the procedure; GSXT's when it shows it.
            let windows = recordIndex[application.target].map { records[$0].windows } ?? [:]
            let channel: Channel = windows[.gsxt]?.from != nil ? .gsxt : .creditchina
            if let accepted = application.acceptedOn {
                let step = rules.deadlines.repairDecision[channel]!
                items.append(item(.repair, id, application.target, "decision", accepted, channel, step.workingDays, step.id))
            } else {
                let step = rules.deadlines.repairAcceptance[channel]!
                items.append(item(.repair, id, application.target, "acceptance", application.on, channel, step.workingDays, step.id))
            }
        }
        return items
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

    static func supervisionClass(_ state: EntityState, at: CivilDate) -> (String, String) {
        let flags = Set(state.flags)
        if flags.contains("seriousDishonesty") { return ("D", "class-d-serious-dishonesty") }
        let seriousShown = state.records.contains { record in
            record.severity?.severity == .serious && record.windows.values.contains { $0.isShown(on: at) }
        }
        if flags.contains("keyAttention") || flags.contains("abnormalOperations") || flags.contains("banned") || seriousShown {
            return ("C", "class-c-key-attention")
        }
        let threeYearsAgo = at.adding(months: -36)
        let recentNegative = state.records.contains { record in
            record.negative && !record.revoked && record.windows.values.contains { window in
                guard let from = window.from else { return false }
                return from <= at && (window.until.map { $0 >= threeYearsAgo } ?? true)
            }
        }
        if flags.contains("redList") || !recentNegative { return ("A", "class-a-trustworthy") }
        return ("B", "class-b-normal")
    }
}
