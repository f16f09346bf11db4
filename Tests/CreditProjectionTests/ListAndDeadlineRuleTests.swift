import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

/// Builds one entity's history for the rule tables below.
struct HistoryBuilder {
    var entity = HistoryGenerator.entity
    var authority = "北京市朝阳区市场监督管理局"
    private(set) var events: [RecordedEvent] = []

    mutating func add(_ id: String, _ kind: EventKind, on date: String, refs: [String] = [], body: JSONValue = [:]) {
        let event = CreditEvent(
            eventId: id, kind: kind, entity: entity, occurredOn: CivilDate(date)!, source: ["authority": .string(authority)], authority: authority,
            refs: refs, body: body)
        events.append(RecordedEvent(seq: UInt64(events.count + 1), recordedAt: "", event: event))
    }

    mutating func penalty(_ id: String, on date: String, measures: JSONValue = [["type": "fine", "amountYuan": 80_000]]) {
        add(id, .penaltyImposed, on: date, body: ["decisionNo": "d", "procedure": "ordinary", "measures": measures, "violation": "v", "legalBasis": "b"])
    }

    func state(at date: String) -> EntityState {
        Projector.project(entity: entity, events: events, at: CivilDate(date)!, knownAtSeq: .max, rules: rules)
    }
}

/// One listing row: a list, its entry and what the rules must give.
struct ListingCase: Sendable, CustomStringConvertible {
    let source: String
    let list: String
    let since: String
    var termUntil: String? = nil
    var basisTerm: String? = nil
    var person = false
    let at: String
    let until: String?
    let earliestRemoval: String?
    var hiddenOn: [Channel] = []
    var description: String { source }
}

@Suite struct ListAndDeadlineRuleTests {
    static let listings: [ListingCase] = [
        ListingCase(source: "Order 44 Art. 21 removal after 3 years; Art. 16 early removal after 1", list: "serious-dishonesty", since: "2026-05-01", at: "2026-06-01", until: "2029-05-01", earliestRemoval: "2027-05-02"),
        ListingCase(source: "Order 44 Art. 16, 21 month end (Civil Code Art. 202)", list: "serious-dishonesty", since: "2024-02-29", at: "2024-03-01", until: "2027-02-28", earliestRemoval: "2025-03-01"),
        ListingCase(source: "Order 44 Art. 21 a longer term given at entry", list: "serious-dishonesty", since: "2026-05-01", termUntil: "2030-01-31", at: "2026-06-01", until: "2030-01-31", earliestRemoval: nil),
        ListingCase(source: "Order 107 Art. 13 no early removal while a basis measure's term runs", list: "serious-dishonesty", since: "2026-05-01", basisTerm: "2028-06-30", at: "2026-06-01", until: "2029-05-01", earliestRemoval: "2028-07-01"),
        ListingCase(source: "Order 44 Art. 21 a basis term past 3 years ends the listing", list: "serious-dishonesty", since: "2026-05-01", basisTerm: "2031-03-31", at: "2026-06-01", until: "2031-03-31", earliestRemoval: nil),
        ListingCase(source: "Order 36 Art. 8(3) abnormal operations: minor, not shown on Credit China from 2026-04-01", list: "abnormal-operations", since: "2026-01-05", at: "2026-04-01", until: nil, earliestRemoval: nil, hiddenOn: [.creditchina]),
        ListingCase(source: "Order 58 showed abnormal operations the day before", list: "abnormal-operations", since: "2026-01-05", at: "2026-03-31", until: nil, earliestRemoval: nil),
        ListingCase(source: "Order 36 Art. 12 a person's serious-dishonesty listing: not on Credit China; GSXT shows it", list: "serious-dishonesty", since: "2026-05-01", person: true, at: "2026-06-01", until: "2029-05-01", earliestRemoval: "2027-05-02", hiddenOn: [.creditchina]),
        ListingCase(source: "red list: shown on both channels while in force", list: "red", since: "2026-05-01", termUntil: "2027-04-30", at: "2026-06-01", until: "2027-04-30", earliestRemoval: nil),
    ]

    @Test(arguments: listings)
    func givesTheListingTheRulesSay(row: ListingCase) throws {
        var history = HistoryBuilder()
        if row.person { history.entity = try EntityCode(validating: HistoryGenerator.identityNumber) }
        var refs: [String] = []
        if let term = row.basisTerm {
            history.penalty("p", on: row.since, measures: [["type": "business-restriction", "termUntil": .string(term)]])
            refs = ["p"]
        }
        var body: [(String, JSONValue)] = [("list", .string(row.list)), ("authority", "某局")]
        if let term = row.termUntil { body.append(("termUntil", .string(term))) }
        history.add("l", .listEntered, on: row.since, refs: refs, body: .object(body))
        let listing = try #require(history.state(at: row.at).lists.first)
        #expect(listing.until?.description == row.until, "until; \(listing.rules)")
        #expect(listing.earliestRemoval?.description == row.earliestRemoval, "earliestRemoval; \(listing.rules)")
        #expect(Set(listing.hiddenOn.keys) == Set(row.hiddenOn), "\(listing.hiddenOn)")
    }

    /// One deadline row: the pending item `status` reports and the late count `stats` makes agree.
    struct DeadlineCase: Sendable, CustomStringConvertible {
        let source: String
        let kind: String
        var channel = "gsxt"
        var extended = false
        var list: String? = nil
        let since: String
        let stage: String
        let deadline: String
        var description: String { source }
    }

    static let deadlines: [DeadlineCase] = [
        DeadlineCase(source: "Order 36 Art. 16 Credit China accepts within 3 working days", kind: "repair", channel: "creditchina", since: "2026-06-01", stage: "acceptance", deadline: "2026-06-04"),
        DeadlineCase(source: "Order 36 Art. 16 Credit China answers within 10 working days", kind: "repair", channel: "creditchina", since: "2026-06-01", stage: "reply", deadline: "2026-06-15"),
        DeadlineCase(source: "Order 107 Art. 14 GSXT accepts within 2 working days", kind: "repair", since: "2026-06-01", stage: "acceptance", deadline: "2026-06-03"),
        DeadlineCase(source: "Order 107 Art. 16 decision within 7 working days of acceptance", kind: "repair", since: "2026-06-01", stage: "decision", deadline: "2026-06-12"),
        DeadlineCase(source: "Order 107 Art. 16 extended by 10 (a recorded repair.extended; Dragon Boat holiday)", kind: "repair", extended: true, since: "2026-06-01", stage: "decision", deadline: "2026-06-29"),
        DeadlineCase(source: "Order 36 Art. 16 Credit China decision extended", kind: "repair", channel: "creditchina", extended: true, since: "2026-06-01", stage: "decision", deadline: "2026-06-29"),
        DeadlineCase(source: "Order 107 Arts. 12, 16 abnormal-operations removal within 2 working days", kind: "repair", list: "abnormal-operations", since: "2026-06-01", stage: "decision", deadline: "2026-06-03"),
        DeadlineCase(source: "Order 36 Art. 18 objection forwarded in 1 and checked in 7 working days", kind: "objection", since: "2026-06-01", stage: "check", deadline: "2026-06-11"),
        DeadlineCase(source: "Order 36 Art. 18 across National Day", kind: "objection", since: "2026-09-25", stage: "check", deadline: "2026-10-13"),
    ]

    @Test(arguments: deadlines)
    func statusAndStatsUseTheSameDeadline(row: DeadlineCase) throws {
        var history = HistoryBuilder()
        let target: String
        if let list = row.list {
            history.add("l", .listEntered, on: "2026-01-05", body: ["list": .string(list), "authority": "某局"])
            target = "l"
        } else {
            history.penalty("p", on: "2026-01-05")
            target = "p"
        }
        let decisionKind: EventKind
        if row.kind == "objection" {
            history.add("o", .objectionFiled, on: row.since, refs: [target], body: ["grounds": "g"])
            decisionKind = .objectionResolved
        } else {
            history.add("o", .repairApplied, on: row.since, refs: [target], body: ["commitment": "c", "channel": .string(row.channel)])
            if row.stage == "decision" && row.list == nil {
                // Accepted on the second working day after 2026-06-01.
                history.add("accepted", .repairAccepted, on: "2026-06-03", refs: ["o"])
                if row.extended { history.add("extended", .repairExtended, on: "2026-06-05", refs: ["o"]) }
            }
            decisionKind = row.stage == "acceptance" ? .repairAccepted : .repairGranted
        }
        let state = history.state(at: row.stage == "decision" && row.list == nil ? "2026-06-05" : row.since)
        let item = try #require(state.pending.first { $0.eventId == "o" && $0.stage == row.stage }, "\(state.pending.map(\.stage))")
        #expect(item.deadline.json == .string(row.deadline), "\(item.rule)")

        // stats: a decision on the deadline is on time, the next day late.
        var fold = EntityFold(entity: history.entity)
        for recorded in history.events { fold.apply(recorded) }
        let deadline = CivilDate(row.deadline)!
        for (day, late) in [(deadline, false), (deadline.adding(days: 1), true)] {
            let decision = CreditEvent(
                eventId: "d", kind: decisionKind, entity: history.entity, occurredOn: day, source: ["authority": "某局"], authority: "某局",
                refs: ["o"], body: decisionKind == .objectionResolved ? ["outcome": "rejected"] : [:])
            let findings = Quality.findings(for: decision, recordedOn: day, fold: fold, rules: rules, storedProfileName: nil)
            let metric = row.kind == "objection" ? Quality.Metric.objectionLate
                : row.stage == "acceptance" ? Quality.Metric.repairAcceptanceLate
                : row.stage == "reply" ? Quality.Metric.repairReplyLate : Quality.Metric.repairDecisionLate
            #expect(findings.contains { $0.metric == metric } == late, "\(day): \(findings)")
        }
    }

    /// Publication deadlines per kind and channel (双公示 7 working days; GSXT 20, Order 45 Arts. 9-10; Order 44 Art. 14).
    @Test(arguments: [
        (EventKind.penaltyImposed, "北京市朝阳区市场监督管理局", 20), (.penaltyImposed, "北京市朝阳区应急管理局", 7), (.adminAction, "北京市朝阳区应急管理局", 7),
        (.listEntered, "北京市市场监督管理局", 20), (.licenseGranted, "北京市朝阳区卫生健康委员会", 7),
    ])
    func publicationDeadlinesPerKindAndChannel(kind: EventKind, authority: String, workingDays: Int) {
        let decided = CivilDate("2026-06-01")!
        guard case let .date(deadline) = rules.calendar.adding(workingDays: workingDays, to: decided) else { Issue.record("calendar"); return }
        let body: JSONValue = kind == .listEntered ? ["list": "serious-dishonesty", "authority": "某局"] : kind == .adminAction ? ["category": "levy", "outcome": "negative"] : [:]
        for (published, metric) in [(deadline, Quality.Metric.onTime), (deadline.adding(days: 1), Quality.Metric.late)] {
            let event = CreditEvent(
                eventId: "e", kind: kind, entity: HistoryGenerator.entity, occurredOn: decided, source: ["authority": .string(authority)], authority: authority,
                refs: [], body: body)
            let findings = Quality.findings(for: event, recordedOn: published, fold: nil, rules: rules, storedProfileName: nil)
            #expect(findings.contains { $0.metric == metric }, "\(kind.rawValue) by \(authority) recorded \(published): \(findings)")
        }
    }
}
