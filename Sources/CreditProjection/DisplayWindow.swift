import CreditDomain

/// Why a record left display (protocol.md, `display`).
public enum EndReason: String, Sendable {
    case expired
    case repaired
    case revoked
    case listExit = "list-exit"
    case deregistered
    case lifted
}

/// When a record is shown on one channel: a span of days, possibly cut short.
public struct DisplayWindow: Sendable, Equatable {
    /// The first day shown; `nil` when never shown on this channel.
    public var from: CivilDate?
    /// The last day shown; `nil` while open-ended.
    public var until: CivilDate?
    /// The first day a repair may be applied for; `nil` when never.
    public var repairableFrom: CivilDate?
    /// Set once the window is cut short by an event, or when it has run out.
    public var endReason: EndReason?
    /// A second span after a repair obtained by fraud was revoked (the period restarts).
    public var resumed: ClosedRange<CivilDate>?
    /// The rule ids that shaped the window, in the order they applied.
    public var rules: [String]
    /// Why it is not shown at all, when it is not.
    public var notDisplayedBecause: String?

    static func never(_ rule: String, _ reason: String) -> DisplayWindow {
        DisplayWindow(from: nil, until: nil, repairableFrom: nil, endReason: nil, resumed: nil, rules: [rule], notDisplayedBecause: reason)
    }

    /// True when the record is shown on `date`.
    public func isShown(on date: CivilDate) -> Bool {
        if let resumed, resumed.contains(date) { return true }
        guard let from, from <= date else { return false }
        return until.map { date <= $0 } ?? true
    }

    /// Ends the window on the day before `date` (when that is earlier than its own end).
    mutating func cut(before date: CivilDate, reason: EndReason, rule: String) {
        guard let from else { return }
        let last = date.adding(days: -1)
        if until.map({ last < $0 }) ?? true {
            until = max(last, from.adding(days: -1))
            endReason = reason
            rules.append(rule)
            if let repairable = repairableFrom, repairable > last { repairableFrom = nil }
        }
    }
}

extension DisplayRules {
    /// The window of a penalty on `channel`, from the rules alone (before later events).
    public func penaltyWindow(_ penalty: PenaltyFacts, severity finding: SeverityFinding, channel: Channel, person: Bool) -> DisplayWindow {
        let channelRules = channels[channel]!
        // The rulebook in force on the decision date governs the record.
        let rulebook = channelRules.rulebook(on: penalty.decidedOn)
        if person, let rule = channelRules.naturalPersons, !rule.displayed {
            return .never(rule.id, "a natural person's negative records are not shown on \(channel.rawValue)")
        }
        let types = penalty.measureTypes
        if let rule = rulebook.warningOnly, !rule.displayed, types == ["warning"] {
            return .never(rule.id, "warning only")
        }
        if let rule = rulebook.simpleProcedure, !rule.displayed, penalty.procedure == "simple" {
            return .never(rule.id, "simple procedure")
        }
        var rules = [rulebook.id]
        var severity = finding.severity
        if let sectors = rulebook.seriousSectors, severity == .general, !finding.given, sectors.members.contains(penalty.sector) {
            severity = .serious
            rules.append(sectors.id)
        }
        let tier = rulebook.tiers[severity]!
        rules.append(tier.id)
        guard tier.displayed, let maximumMonths = tier.maximumMonths else {
            var window = DisplayWindow.never(tier.id, "\(severity.rawValue) records are not shown under \(rulebook.id)")
            window.rules = rules
            return window
        }
        let start = channelRules.start == .decision ? penalty.decidedOn : (penalty.publishedOn ?? penalty.decidedOn)
        var until = start.adding(months: maximumMonths)

        // The lenient rule: a later rulebook with a shorter maximum ends the display sooner,
        // but not before that rulebook took effect.
        if let lenient = lenientRule {
            for later in channelRules.rulebooks where later.from > rulebook.from {
                // The record is read as the later rulebook would classify it.
                var laterSeverity = finding.severity
                if let sectors = later.seriousSectors, laterSeverity == .general, !finding.given, sectors.members.contains(penalty.sector) {
                    laterSeverity = .serious
                }
                let laterTier = later.tiers[laterSeverity]!
                let laterMaximum = laterTier.displayed ? laterTier.maximumMonths ?? maximumMonths : 0
                guard laterMaximum < maximumMonths else { continue }
                let candidate = max(start.adding(months: laterMaximum), later.from.adding(days: -1))
                if candidate < until {
                    until = candidate
                    rules.append(contentsOf: [lenient, laterTier.id])
                }
            }
        }
        // A measure with a term: display does not end before the term does (Order 36 Art. 12;
        // Order 107 Art. 8: a term longer than the maximum becomes the period).
        if let termEnd = penalty.termEnd, termEnd > until {
            until = termEnd
            rules.append("measure-term-extends")
        }

        var repairableFrom: CivilDate?
        if tier.repairable, rulebook.unrepairableMeasures.map({ types.isDisjoint(with: $0.members) }) ?? true {
            let minimumMonths = tier.sectorMinimumMonths[penalty.sector] ?? tier.minimumMonths
            if let minimumMonths {
                var earliest = start.adding(months: minimumMonths).adding(days: 1)
                if let termBound = rulebook.termBoundMeasures, !types.isDisjoint(with: termBound.members), let termEnd = penalty.termEnd {
                    earliest = max(earliest, termEnd.adding(days: 1))
                    rules.append(termBound.id)
                }
                repairableFrom = earliest <= until ? earliest : nil
            }
        } else if let unrepairable = rulebook.unrepairableMeasures, !types.isDisjoint(with: unrepairable.members) {
            rules.append(unrepairable.id)
        }
        return DisplayWindow(from: start, until: until, repairableFrom: repairableFrom, endReason: nil, resumed: nil, rules: rules, notDisplayedBecause: nil)
    }

    /// The window of a negative record read at a fixed severity (breaches, negative admin records).
    public func severityWindow(start: CivilDate, severity: Severity, channel: Channel, person: Bool, rule: String) -> DisplayWindow {
        let facts = PenaltyFacts(body: .object([("procedure", "ordinary")]), decidedOn: start)
        var window = penaltyWindow(
            facts, severity: SeverityFinding(severity: severity, given: true, rule: rule, reason: "fixed by rule"), channel: channel, person: person)
        window.rules.insert(rule, at: 0)
        return window
    }

    /// A window of a fixed number of months with no early end (fraud records).
    public func fixedWindow(start: CivilDate, months: Int, rule: String) -> DisplayWindow {
        DisplayWindow(from: start, until: start.adding(months: months), repairableFrom: nil, endReason: nil, resumed: nil, rules: [rule], notDisplayedBecause: nil)
    }
}
