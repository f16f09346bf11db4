import CreditDomain

/// The data-quality findings the credit office ranks authorities on (domain.md §5): was each
/// record received within its publication deadline, each revocation withdrawn in time, each
/// repair and objection decided in time, and was its entity code right (重错码). Found once
/// per event, when it is appended, and counted per source authority and month of the decision.
public enum Quality {
    /// A counter name and the decision month it belongs to.
    public struct Finding: Sendable, Equatable {
        public let metric: String
        public let month: String
    }

    /// Counter names (`stats.quality`).
    public enum Metric {
        public static let received = "received"
        public static let onTime = "publishedOnTime"
        public static let late = "publishedLate"
        public static let deadlineUnknown = "deadlineUnknown"
        public static let revocations = "revocations"
        public static let revocationsLate = "revocationsWithdrawnLate"
        public static let repairAcceptanceLate = "repairAcceptanceLate"
        public static let repairDecisionLate = "repairDecisionLate"
        public static let repairReplyLate = "repairReplyLate"
        public static let objectionLate = "objectionCheckLate"
        /// An event whose entity code carries a region code GB/T 2260 does not know (错码).
        public static let unknownRegionCode = "unknownRegionCode"
        /// An `entity.profiled` naming another name than the stored profile of its code (重码).
        public static let duplicateCode = "duplicateCode"
        /// A historical record (`source.historical`): counted here instead of received / on time / late.
        public static let historical = "historical"
        public static func rejected(_ code: String) -> String { "rejected." + code }
    }

    /// The channel whose deadline applies to a record of `authority`: GSXT's 20 working days
    /// for market regulators' (市场监督管理) records, 双公示's 7 otherwise (README §19).
    public static func publicationChannel(authority: String) -> Channel {
        containsBytes(authority, "市场监督管理") || containsBytes(authority, "市场监管") ? .gsxt : .creditchina
    }

    /// A byte search: UTF-8 substrings match exactly where their code points do, with no
    /// Foundation bridging (``String/contains(_:)`` goes through NSString here).
    static func containsBytes(_ text: String, _ part: String) -> Bool {
        let haystack = Array(text.utf8), needle = Array(part.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// What `event`, recorded on `recordedOn` (China date), says about its authority.
    /// - Parameters:
    ///   - fold: the entity's fold before the event (for repair and objection dates).
    ///   - storedProfileName: the name in the entity's stored profile before the event
    ///     (``EntityFold/profileName(body:)``), for the duplicate-code check of a profile.
    public static func findings(
        for event: CreditEvent, recordedOn: CivilDate, fold: EntityFold?, rules: RuleSet, storedProfileName: String?
    ) -> [Finding] {
        timelinessFindings(for: event, recordedOn: recordedOn, fold: fold, rules: rules)
            + codeFindings(for: event, storedProfileName: storedProfileName, rules: rules)
    }

    /// The 重错码 findings: an entity code with an unknown region, a profile that names
    /// another entity under a code already profiled.
    /// An unknown region counts on the records counted as received (those with a publication
    /// deadline, historical ones not), so the invalid-code rate's numerator and denominator
    /// count the same events.
    static func codeFindings(for event: CreditEvent, storedProfileName: String?, rules: RuleSet) -> [Finding] {
        let month = String(event.occurredOn.description.prefix(7))
        var findings: [Finding] = []
        if event.entity.hasWarning(.unknownRegion), rules.deadlines.publication[event.kind] != nil, !event.isHistorical {
            findings.append(Finding(metric: Metric.unknownRegionCode, month: month))
        }
        if isDuplicateCode(event, storedProfileName: storedProfileName) { findings.append(Finding(metric: Metric.duplicateCode, month: month)) }
        return findings
    }

    /// Whether `event` is an `entity.profiled` whose `name` differs from the name of the
    /// entity's stored profile (重码: the code seems to name two entities).
    public static func isDuplicateCode(_ event: CreditEvent, storedProfileName: String?) -> Bool {
        guard event.kind == .entityProfiled, let storedProfileName, let name = event.body["name"]?.stringValue else { return false }
        return name != storedProfileName
    }

    /// Publication, revocation, repair and objection deadlines.
    static func timelinessFindings(for event: CreditEvent, recordedOn: CivilDate, fold: EntityFold?, rules: RuleSet) -> [Finding] {
        let month = String(event.occurredOn.description.prefix(7))
        func late(from start: CivilDate, days: Int, metric: String) -> [Finding] {
            guard case let .date(deadline) = rules.calendar.adding(workingDays: days, to: start) else { return [] }
            return event.occurredOn > deadline ? [Finding(metric: metric, month: month)] : []
        }
        let target = event.refs.first ?? ""
        let channel = publicationChannel(authority: event.authority)
        // A historical record reached the ledger long after the fact by design: the day it was
        // entered says nothing about its authority's publication or withdrawal. Deadlines
        // between two legal dates (repairs, objections) still count.
        if event.isHistorical {
            switch event.kind {
            case .penaltyImposed, .licenseGranted, .adminAction, .listEntered, .recordRevoked:
                return [Finding(metric: Metric.historical, month: month)]
            default:
                break
            }
        }
        switch event.kind {
        case .penaltyImposed, .licenseGranted, .adminAction, .listEntered:
            guard let step = rules.deadlines.publication[event.kind]?[channel] else { return [] }
            var findings = [Finding(metric: Metric.received, month: month)]
            let published = event.body["publishedOn"]?.stringValue.flatMap(CivilDate.init) ?? recordedOn
            switch rules.calendar.adding(workingDays: step.workingDays, to: event.occurredOn) {
            case let .date(deadline): findings.append(Finding(metric: published > deadline ? Metric.late : Metric.onTime, month: month))
            case .calendarUnknown: findings.append(Finding(metric: Metric.deadlineUnknown, month: month))
            }
            return findings
        case .recordRevoked:
            var findings = [Finding(metric: Metric.revocations, month: month)]
            if case let .date(deadline) = rules.calendar.adding(workingDays: rules.deadlines.revocationWithdrawal.workingDays, to: event.occurredOn),
                recordedOn > deadline
            {
                findings.append(Finding(metric: Metric.revocationsLate, month: month))
            }
            return findings
        case .repairAccepted, .repairGranted, .repairRejected:
            // The deadlines `status` reports as pending (``Projector/repairDeadlines``), met or not.
            guard let application = fold?.applications.first(where: { $0.eventId == target }) else { return [] }
            let list = fold?.listings.first { $0.eventId == application.target }?.list
            var findings: [Finding] = []
            for (stage, since, due) in Projector.repairDeadlines(application, list: list, rules: rules) {
                switch (stage, event.kind) {
                case ("acceptance", .repairAccepted): findings += late(from: since, days: due.workingDays, metric: Metric.repairAcceptanceLate)
                case ("acceptance", _):
                    let decision = rules.deadlines.repairDecisionDays(application.channel, extended: application.extendedOn != nil)
                    findings += late(from: since, days: due.workingDays + decision, metric: Metric.repairDecisionLate)
                case ("decision", .repairGranted), ("decision", .repairRejected): findings += late(from: since, days: due.workingDays, metric: Metric.repairDecisionLate)
                case ("reply", .repairGranted), ("reply", .repairRejected): findings += late(from: since, days: due.workingDays, metric: Metric.repairReplyLate)
                default: break
                }
            }
            return findings
        case .objectionResolved:
            guard let objection = fold?.objections.first(where: { $0.eventId == target }) else { return [] }
            return late(from: objection.on, days: Projector.objectionDeadline(rules).workingDays, metric: Metric.objectionLate)
        default:
            return []
        }
    }
}
