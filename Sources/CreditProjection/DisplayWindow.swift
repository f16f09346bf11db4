import CreditDomain

/// Why a record left display (protocol.md, `display`).
public enum EndReason: String, Sendable {
    case expired
    case repaired
    case revoked
    case listExit = "list-exit"
    case deregistered
    case lifted
    case shielded
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
    /// The rule that keeps it shown to its end, when no repair can end it early.
    public var keptBy: String? = nil
    /// Days it is shielded from public display (bankruptcy reorganisation or settlement).
    public var shielded: [ClosedRange<CivilDate>] = []

    static func never(_ rule: String, _ reason: String) -> DisplayWindow {
        DisplayWindow(from: nil, until: nil, repairableFrom: nil, endReason: nil, resumed: nil, rules: [rule], notDisplayedBecause: reason)
    }

    /// True when the record is shown on `date`.
    public func isShown(on date: CivilDate) -> Bool {
        if shielded.contains(where: { $0.contains(date) }) { return false }
        if let resumed, resumed.contains(date) { return true }
        guard let from, from <= date else { return false }
        return until.map { date <= $0 } ?? true
    }

    /// Ends the window on the day before `date` (when that is earlier than its own end).
    mutating func cut(before date: CivilDate, reason: EndReason, rule: String) {
        guard let from else { return }
        let last = date.adding(days: -1)
        if let resumed, resumed.upperBound >= date {
            // A span resumed after a fraud ends too.
            self.resumed = resumed.lowerBound < date ? resumed.lowerBound...last : nil
            endReason = reason
            if !rules.contains(rule) { rules.append(rule) }
        }
        if until.map({ last < $0 }) ?? true {
            until = max(last, from.adding(days: -1))
            endReason = reason
            rules.append(rule)
            if let repairable = repairableFrom, repairable > last { repairableFrom = nil }
            keptBy = nil
        }
    }
}

extension DisplayRules {
    /// A penalty's severity and window on `channel`, from the rules alone (before later events).
    /// - Parameter linkedListings: the lists whose listings in effect rest on the penalty.
    public func penaltyWindow(_ penalty: PenaltyFacts, channel: Channel, person: Bool, linkedListings: Set<String>) -> (DisplayWindow, SeverityFinding) {
        window(of: penalty, channel: channel, person: person) { classify(penalty, under: $0, person: person, linkedListings: linkedListings, explained: $1) }
    }

    /// A record's severity and window on `channel`, each rulebook classifying it with
    /// `classification` (its second argument: whether the finding's reason is needed).
    func window(
        of penalty: PenaltyFacts, channel: Channel, person: Bool, classification classifyUnder: (Rulebook, Bool) -> PenaltyClassification
    ) -> (DisplayWindow, SeverityFinding) {
        let channelRules = channels[channel]!
        // The rulebook in force on the decision date governs the record.
        let rulebook = channelRules.rulebook(on: penalty.decidedOn)
        let classification = classifyUnder(rulebook, true)
        let finding = classification.finding
        var rules = [rulebook.id, finding.rule]
        func never(_ rule: String, _ reason: String) -> (DisplayWindow, SeverityFinding) {
            var window = DisplayWindow.never(rule, reason)
            window.rules = rules + (rules.last == rule ? [] : [rule])
            return (window, finding)
        }
        if person, let hidden = rulebook.naturalPersonsHidden {
            return never(hidden, "a natural person's negative records are not shown under \(rulebook.id)")
        }
        guard classification.displayed else { return never(finding.rule, "not published under \(rulebook.id)") }
        let tier = rulebook.tiers[finding.severity]!
        rules.append(tier.id)
        guard tier.displayed, let maximumMonths = tier.maximumMonths else {
            return never(tier.id, "\(finding.severity.rawValue) records are not shown under \(rulebook.id)")
        }
        let start = channelRules.start == .decision ? penalty.decidedOn : (penalty.publishedOn ?? penalty.decidedOn)
        var until = start.adding(months: maximumMonths)
        var repairDates: [CivilDate] = []
        var keptBy: String?
        if classification.repairable && tier.repairable {
            if let minimumMonths = tier.sectorMinimumMonths[penalty.sector] ?? tier.minimumMonths {
                repairDates.append(start.adding(months: minimumMonths).adding(days: 1))
            }
        } else {
            keptBy = classification.repairable ? tier.id : finding.rule
        }

        // The lenient rule: a later rulebook that classifies the record more favourably ends
        // its display sooner, or lets it be repaired sooner, from that rulebook's first day.
        if let lenient = lenientRule {
            for later in channelRules.later(than: rulebook) {
                let laterClass = classifyUnder(later, false)
                let laterTier = later.tiers[laterClass.finding.severity]!
                let hidden = (person && later.naturalPersonsHidden != nil) || !laterClass.displayed || !laterTier.displayed
                let laterMaximum = hidden ? 0 : laterTier.maximumMonths ?? maximumMonths
                if laterMaximum < maximumMonths {
                    let candidate = max(start.adding(months: laterMaximum), later.from.adding(days: -1))
                    if candidate < until {
                        until = candidate
                        rules.append(contentsOf: [lenient, later.naturalPersonsHidden.flatMap { person ? $0 : nil } ?? laterTier.id])
                    }
                }
                if !hidden, laterClass.repairable, laterTier.repairable, let laterMinimum = laterTier.sectorMinimumMonths[penalty.sector] ?? laterTier.minimumMonths {
                    let candidate = max(start.adding(months: laterMinimum).adding(days: 1), later.from)
                    if candidate < (repairDates.min() ?? CivilDate.plausibleRange.upperBound) {
                        repairDates.append(candidate)
                        rules.append(contentsOf: [lenient, laterTier.id])
                    }
                }
            }
        }
        // A measure with a term: display neither stops nor is repaired before the term ends
        // (Order 36 Art. 12; Order 107 Art. 8: a term longer than the maximum is the period).
        var repairableFrom = repairDates.min()
        if let termEnd = penalty.termEnd {
            if termEnd > until {
                until = termEnd
                rules.append(channelRules.termRule)
            }
            if let earliest = repairableFrom, earliest <= termEnd {
                repairableFrom = termEnd.adding(days: 1)
                if rules.last != channelRules.termRule { rules.append(channelRules.termRule) }
            }
        }
        if let earliest = repairableFrom, earliest > until {
            // It ends by itself before a repair could be applied for.
            repairableFrom = nil
        }
        if repairableFrom == nil, keptBy == nil, repairDates.isEmpty { keptBy = tier.id }
        var window = DisplayWindow(from: start, until: until, repairableFrom: repairableFrom, endReason: nil, resumed: nil, rules: rules, notDisplayedBecause: nil)
        window.keptBy = repairableFrom == nil ? keptBy : nil
        return (window, finding)
    }

    /// The window of a negative record read at a fixed severity (breaches, negative admin
    /// records), under every rulebook of the channel (the lenient rule included).
    public func severityWindow(start: CivilDate, severity: Severity, channel: Channel, person: Bool, rule: String) -> DisplayWindow {
        let facts = PenaltyFacts(body: .object([("procedure", "ordinary")]), decidedOn: start)
        let finding = SeverityFinding(severity: severity, given: false, rule: rule, reason: "fixed by rule")
        var (window, _) = self.window(of: facts, channel: channel, person: person) { _, _ in
            PenaltyClassification(finding: finding, displayed: true, repairable: true)
        }
        window.rules.removeAll { $0 == rule }
        window.rules.insert(rule, at: 0)
        return window
    }

    /// A window of a fixed number of months with no early end (fraud records, spot checks).
    public func fixedWindow(start: CivilDate, months: Int, rule: String) -> DisplayWindow {
        var window = DisplayWindow(from: start, until: start.adding(months: months), repairableFrom: nil, endReason: nil, resumed: nil, rules: [rule], notDisplayedBecause: nil)
        window.keptBy = rule
        return window
    }
}
