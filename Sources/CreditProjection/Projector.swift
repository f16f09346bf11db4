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
        let known = events.filter { $0.seq <= knownAtSeq }
        let byId = Dictionary(known.map { ($0.event.eventId, $0.event) }, uniquingKeysWith: { first, _ in first })
        let effective = known.filter { isRetroactive($0.event) || $0.event.occurredOn <= at }
        var basis: [String] = []

        // Retroactive effects first: they change how every record reads.
        var corrections: [String: [(String, JSONValue)]] = [:]
        var revokedBy: [String: String] = [:]
        for recorded in known {
            let event = recorded.event
            switch event.kind {
            case .recordCorrected:
                corrections[event.refs[0], default: []].append((event.eventId, event.body["fields"] ?? .object([])))
            case .recordRevoked:
                revokedBy[event.refs[0]] = event.eventId
            case .objectionResolved where event.body["outcome"]?.stringValue == "upheld" && event.body["action"]?.stringValue == "revoked":
                if let objection = byId[event.refs[0]] { revokedBy[objection.refs[0]] = event.eventId }
            default: break
            }
        }

        // "Everything" (UInt64.max) echoes the last seq actually seen.
        let echoedSeq = knownAtSeq == .max ? (known.last?.seq ?? 0) : knownAtSeq
        var state = EntityState(
            entity: entity, at: at, knownAtSeq: echoedSeq, profile: nil, records: [], lists: [], bans: [], commitments: [],
            pending: [], grade: nil, deregisteredOn: nil, supervisionClass: ("B", "class-b-normal"), flags: [], basisEventIds: [])
        var recordIndex: [String: Int] = [:]
        var fulfilledOn: [String: CivilDate] = [:]
        var applications: [String: (target: String, on: CivilDate, acceptedOn: CivilDate?, decided: String?)] = [:]
        var grants: [String: (application: String, on: CivilDate)] = [:]
        var fraud: [(grant: String, eventId: String, on: CivilDate)] = []
        var objections: [String: (target: String, on: CivilDate, resolved: Bool)] = [:]

        for recorded in effective {
            let event = recorded.event
            basis.append(event.eventId)
            switch event.kind {
            case .entityProfiled:
                state.profile = (event.eventId, corrected(event.body, corrections[event.eventId]))
            case .entityDeregistered:
                state.deregisteredOn = event.occurredOn
            case .gradeAssessed:
                let validUntil = event.body["validUntil"]?.stringValue.flatMap(CivilDate.init)
                if revokedBy[event.eventId] == nil, validUntil.map({ at <= $0 }) ?? true {
                    state.grade = (event.eventId, corrected(event.body, corrections[event.eventId]))
                }
            case .penaltyFulfilled:
                fulfilledOn[event.refs[0]] = event.occurredOn
            case .licenseGranted, .penaltyImposed, .adminAction, .commitmentBreached, .warningIssued, .interviewRecorded:
                recordIndex[event.eventId] = state.records.count
                state.records.append(record(event, corrections: corrections[event.eventId], revokedBy: revokedBy[event.eventId]))
            case .licenseEnded:
                if let index = recordIndex[event.refs[0]] { end(&state.records[index], before: event.occurredOn, reason: .expired, by: event.eventId, effect: "licence ended") }
            case .commitmentMade:
                state.commitments.append(CommitmentState(
                    eventId: event.eventId, type: event.body["type"]?.stringValue ?? "", dueOn: event.body["dueOn"]?.stringValue.flatMap(CivilDate.init),
                    outcome: .open, outcomeBy: nil))
            case .commitmentFulfilled:
                if let index = state.commitments.firstIndex(where: { $0.eventId == event.refs[0] }) {
                    state.commitments[index].outcome = .fulfilled
                    state.commitments[index].outcomeBy = event.eventId
                }
            case .listEntered:
                state.lists.append(listing(event, rules: rules, revoked: revokedBy[event.eventId] != nil || event.refs.contains { revokedBy[$0] != nil }))
            case .listExited:
                if let index = state.lists.firstIndex(where: { $0.eventId == event.refs[0] }) {
                    let last = event.occurredOn.adding(days: -1)
                    if state.lists[index].until.map({ last < $0 }) ?? true { state.lists[index].until = last }
                    state.lists[index].exitedBy = event.eventId
                    state.lists[index].exitReason = event.body["reason"]?.stringValue
                }
            case .banImposed:
                let termUntil = event.body["termUntil"]?.stringValue.flatMap(CivilDate.init)
                state.bans.append(BanState(
                    eventId: event.eventId, scope: event.body["scope"]?.stringValue ?? "market", since: event.occurredOn, until: termUntil,
                    permanent: event.body["permanent"]?.boolValue ?? false, liftedBy: nil, revoked: revokedBy[event.eventId] != nil))
            case .banLifted:
                if let index = state.bans.firstIndex(where: { $0.eventId == event.refs[0] }) {
                    let last = event.occurredOn.adding(days: -1)
                    if state.bans[index].until.map({ last < $0 }) ?? true { state.bans[index].until = last }
                    state.bans[index].liftedBy = event.eventId
                }
            case .objectionFiled:
                objections[event.eventId] = (event.refs[0], event.occurredOn, false)
            case .objectionResolved:
                // The decision's effect on the record may be retroactive; the objection itself
                // is pending until the decision's date.
                if event.occurredOn <= at { objections[event.refs[0]]?.resolved = true }
            case .recordCorrected, .recordRevoked:
                break  // applied above, over the record's whole life
            case .repairApplied:
                applications[event.eventId] = (event.refs[0], event.occurredOn, nil, nil)
            case .repairAccepted:
                applications[event.refs[0]]?.acceptedOn = event.occurredOn
            case .repairGranted:
                applications[event.refs[0]]?.decided = event.eventId
                grants[event.eventId] = (event.refs[0], event.occurredOn)
            case .repairRejected:
                applications[event.refs[0]]?.decided = event.eventId
            case .repairRevoked:
                fraud.append((event.refs[0], event.eventId, event.occurredOn))
            default:
                break
            }
            if event.kind == .commitmentBreached, let index = state.commitments.firstIndex(where: { $0.eventId == event.refs[0] }) {
                state.commitments[index].outcome = .breached
                state.commitments[index].outcomeBy = event.eventId
            }
        }

        // Windows of the records, then what later events did to them.
        let seriousBasis = Set(state.lists.filter { $0.list == "serious-dishonesty" && !$0.revoked }.flatMap(\.basis))
        let person = entity.kind == .naturalPerson
        for index in state.records.indices {
            state.records[index].fulfilled = fulfilledOn[state.records[index].eventId] != nil
            computeWindows(&state.records[index], person: person, linkedToSeriousListing: seriousBasis.contains(state.records[index].eventId), rules: rules)
        }
        // Dictionaries iterate in no fixed order: sort wherever order shows in the answer.
        for (grantId, grant) in grants.sorted(by: { ($0.value.on, $0.key) < ($1.value.on, $1.key) }) {
            guard let target = applications[grant.application]?.target else { continue }
            if let listingIndex = state.lists.firstIndex(where: { $0.eventId == target }) {
                // A granted repair of a listing is an exit from the list.
                let last = grant.on.adding(days: -1)
                if state.lists[listingIndex].until.map({ last < $0 }) ?? true { state.lists[listingIndex].until = last }
                state.lists[listingIndex].exitedBy = grantId
                state.lists[listingIndex].exitReason = "repair"
                continue
            }
            guard let index = recordIndex[target] else { continue }
            end(&state.records[index], before: grant.on, reason: .repaired, by: grantId, effect: "repair granted: display ends")
            for revocation in fraud where revocation.grant == grantId {
                resume(&state.records[index], on: revocation.on, by: revocation.eventId, rules: rules)
            }
        }
        for revocation in fraud {
            // The fraud is a negative record of its own, shown 3 years with no early end (Order 107 Art. 23).
            let rule = rules.display.otherRecords["repair.revoked"]!
            var fraudRecord = RecordState(
                eventId: revocation.eventId, kind: .repairRevoked, occurredOn: revocation.on, body: byId[revocation.eventId]?.body ?? .object([]),
                negative: true, severity: nil, windows: [:], underObjection: false, supersededBy: [], revoked: false, fulfilled: false)
            for channel in Channel.allCases {
                fraudRecord.windows[channel] = person && channel == .creditchina
                    ? .never("ndrc-36-art12-natural-persons", "a natural person's negative records are not shown on creditchina")
                    : rules.display.fixedWindow(start: revocation.on, months: rule.fixedMonths ?? 36, rule: rule.id)
            }
            state.records.append(fraudRecord)
        }
        for listing in state.lists where listing.exitedBy != nil && !listing.revoked && listing.exitReason != "revoked" {
            // An exit ends the display of the penalties the listing rests on (Order 107 Art. 13).
            guard let until = listing.until else { continue }
            for basisId in listing.basis {
                guard let index = recordIndex[basisId], state.records[index].kind == .penaltyImposed else { continue }
                let termEnd = PenaltyFacts(body: state.records[index].body, decidedOn: state.records[index].occurredOn).termEnd
                let cut = max(until, termEnd ?? until).adding(days: 1)
                end(&state.records[index], before: cut, reason: .listExit, by: listing.exitedBy!, effect: "listing exited", rule: rules.listExitEndsBasis)
            }
        }
        if let deregistered = state.deregisteredOn {
            for index in state.records.indices where state.records[index].negative {
                state.records[index].windows[.gsxt]?.cut(before: deregistered, reason: .deregistered, rule: "samr-107-art20-deregistered")
            }
        }
        for index in state.records.indices {
            for channel in Channel.allCases {
                guard var window = state.records[index].windows[channel] else { continue }
                if window.endReason == nil, let until = window.until, until < at, window.from != nil { window.endReason = .expired }
                state.records[index].windows[channel] = window
            }
            let pendingObjections = objections
                .filter { $0.value.target == state.records[index].eventId && !$0.value.resolved }
                .sorted { ($0.value.on, $0.key) < ($1.value.on, $1.key) }
            for objection in pendingObjections {
                state.records[index].underObjection = true
                state.records[index].supersededBy.append((objection.key, "objection pending: flagged, display continues"))
            }
        }

        state.pending = pendingItems(objections: objections, applications: applications, records: state.records, recordIndex: recordIndex, at: at, rules: rules)
        state.flags = flags(state, at: at)
        state.supervisionClass = supervisionClass(state, at: at)
        state.basisEventIds = basis
        return state
    }

    static func isRetroactive(_ event: CreditEvent) -> Bool {
        switch event.kind {
        case .recordCorrected, .recordRevoked: return true
        case .objectionResolved: return event.body["outcome"]?.stringValue == "upheld" && event.body["action"] != nil
        default: return false
        }
    }

    /// `body` with each correction's fields put over it, in log order.
    static func corrected(_ body: JSONValue, _ corrections: [(String, JSONValue)]?) -> JSONValue {
        guard let corrections, case var .object(members) = body else { return body }
        for (_, fields) in corrections {
            for (name, value) in fields.objectValue ?? [] {
                members.removeAll { $0.0 == name }
                members.append((name, value))
            }
        }
        return .object(members)
    }

    static func record(_ event: CreditEvent, corrections: [(String, JSONValue)]?, revokedBy: String?) -> RecordState {
        let negative: Bool
        switch event.kind {
        case .penaltyImposed, .commitmentBreached, .warningIssued, .interviewRecorded: negative = true
        case .adminAction: negative = event.body["outcome"]?.stringValue == "negative"
        default: negative = false
        }
        var superseded: [(String, String)] = (corrections ?? []).map { ($0.0, "corrected: fields replaced over the record's whole life") }
        if let revokedBy { superseded.append((revokedBy, "revoked: read as never valid")) }
        return RecordState(
            eventId: event.eventId, kind: event.kind, occurredOn: event.occurredOn, body: corrected(event.body, corrections), negative: negative,
            severity: nil, windows: [:], underObjection: false, supersededBy: superseded, revoked: revokedBy != nil, fulfilled: false)
    }

    static func listing(_ event: CreditEvent, rules: RuleSet, revoked: Bool) -> ListingState {
        let list = event.body["list"]?.stringValue ?? ""
        let rule = rules.lists[list]
        var until = event.body["termUntil"]?.stringValue.flatMap(CivilDate.init)
        var ruleIds = rule.map { [$0.id] } ?? []
        var earliestRemoval: CivilDate?
        if let termMonths = rule?.termMonths {
            // Automatic exit after the term (Order 44 Art. 21), or at a longer measure term.
            let automatic = event.occurredOn.adding(months: termMonths)
            until = max(until ?? automatic, automatic)
        }
        if let months = rule?.earlyRemovalAfterMonths {
            earliestRemoval = event.occurredOn.adding(months: months).adding(days: 1)
            if let earlyRule = rule?.earlyRemovalRule { ruleIds.append(earlyRule) }
        }
        return ListingState(
            eventId: event.eventId, list: list, since: event.occurredOn, until: until, exitedBy: nil, exitReason: nil, basis: event.refs,
            rules: ruleIds, earliestRemoval: earliestRemoval, revoked: revoked)
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
        objections: [String: (target: String, on: CivilDate, resolved: Bool)],
        applications: [String: (target: String, on: CivilDate, acceptedOn: CivilDate?, decided: String?)],
        records: [RecordState], recordIndex: [String: Int], at: CivilDate, rules: RuleSet
    ) -> [PendingItem] {
        var items: [PendingItem] = []
        func item(_ kind: PendingItem.Kind, _ id: String, _ target: String, _ stage: String, _ since: CivilDate, _ channel: Channel?, _ days: Int, _ rule: String) -> PendingItem {
            let deadline = rules.calendar.adding(workingDays: days, to: since)
            let overdue: Bool? = if case let .date(day) = deadline { at > day } else { nil }
            return PendingItem(kind: kind, eventId: id, target: target, stage: stage, since: since, channel: channel, deadline: deadline, overdue: overdue, rule: rule)
        }
        for (id, objection) in objections.sorted(by: { $0.key < $1.key }) where !objection.resolved {
            let step = rules.deadlines.objection
            items.append(item(.objection, id, objection.target, "check", objection.on, nil, step.workingDays, step.id))
        }
        for (id, application) in applications.sorted(by: { $0.key < $1.key }) where application.decided == nil {
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
