import CreditDomain

/// Objections and repairs awaiting a decision, with their working-day deadlines. The same
/// deadlines decide what `stats` counts late (``Quality``), so the two always agree.
extension Projector {
    static func pendingItems(
        objections: [EntityFold.ObjectionFact], applications: [EntityFold.ApplicationFact], records: [RecordState], lists: [ListingState],
        recordIndex: [String: Int], at: CivilDate, rules: RuleSet
    ) -> [PendingItem] {
        var items: [PendingItem] = []
        func item(_ kind: PendingItem.Kind, _ id: String, _ target: String, _ stage: String, _ since: CivilDate, _ channel: Channel?, _ due: Deadline) -> PendingItem {
            let deadline = rules.calendar.adding(workingDays: due.workingDays, to: since)
            let overdue: Bool? = if case let .date(day) = deadline { at > day } else { nil }
            return PendingItem(kind: kind, eventId: id, target: target, stage: stage, since: since, channel: channel, deadline: deadline, overdue: overdue, rule: due.rules.joined(separator: " + "))
        }
        for objection in objections.sorted(by: { $0.eventId < $1.eventId }) {
            items.append(item(.objection, objection.eventId, objection.target, "check", objection.on, nil, objectionDeadline(rules)))
        }
        for application in applications.sorted(by: { $0.eventId < $1.eventId }) {
            let list = lists.first { $0.eventId == application.target }?.list
            for (stage, since, due) in repairDeadlines(application, list: list, rules: rules) {
                items.append(item(.repair, application.eventId, application.target, stage, since, application.channel, due))
            }
        }
        return items
    }

    /// A number of working days and the rules it adds up from.
    struct Deadline {
        let workingDays: Int
        let rules: [String]
    }

    /// Forwarded within 1 working day, checked within 7 (NDRC Order 36 Art. 18).
    static func objectionDeadline(_ rules: RuleSet) -> Deadline {
        let forward = rules.deadlines.objectionForward, check = rules.deadlines.objectionCheck
        return Deadline(workingDays: forward.workingDays + check.workingDays, rules: [forward.id, check.id])
    }

    /// The steps of an undecided repair application still due: (stage, counted from, deadline).
    /// Removal from the abnormal-operations list: 2 working days from the application (SAMR
    /// Order 107 Art. 16); otherwise acceptance, then decision (+10 once extended), and on
    /// Credit China its reply within 10 working days of the application.
    /// - Parameter list: the list of the listing it applies to be removed from, if any.
    static func repairDeadlines(_ application: EntityFold.ApplicationFact, list: String?, rules: RuleSet) -> [(String, CivilDate, Deadline)] {
        let deadlines = rules.deadlines
        if list == "abnormal-operations" {
            let step = deadlines.abnormalOperationsRemoval
            return [("decision", application.on, Deadline(workingDays: step.workingDays, rules: [step.id]))]
        }
        var steps: [(String, CivilDate, Deadline)] = []
        if let accepted = application.acceptedOn {
            let step = deadlines.repairDecision[application.channel]!
            let days = deadlines.repairDecisionDays(application.channel, extended: application.extendedOn != nil)
            steps.append(("decision", accepted, Deadline(workingDays: days, rules: [step.id])))
        } else {
            let step = deadlines.repairAcceptance[application.channel]!
            steps.append(("acceptance", application.on, Deadline(workingDays: step.workingDays, rules: [step.id])))
        }
        if let reply = deadlines.repairReply[application.channel], application.extendedOn == nil {
            steps.append(("reply", application.on, Deadline(workingDays: reply.workingDays, rules: [reply.id])))
        }
        return steps
    }
}
