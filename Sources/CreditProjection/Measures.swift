import CreditDomain
import LedgerJSON

/// The joint punishment and incentive measures a service window checks (`check`), loaded
/// from `Schemas/rules/measures.json`.
public struct MeasureCatalogue: Sendable {
    /// What a measure decides for an entity.
    public enum Decision: String, Sendable {
        case restricted
        case eligible
        case none
    }

    /// A condition over an entity's state on a date.
    indirect enum Condition: Sendable {
        case listInForce(Set<String>)
        case negativeListInForce
        case banInForce
        case negativeRecordWithinMonths(Int)
        case negativeRecordDisplayed
        case not(Condition)
        case anyOf([Condition])
        case allOf([Condition])
    }

    public struct Measure: Sendable {
        public let id: String
        /// The decision when the condition holds; `none` otherwise.
        public let decision: Decision
        let condition: Condition
        public let rule: String
        public let source: String
    }

    /// A decision with the records it rests on.
    public struct Finding: Sendable {
        public let measure: Measure
        public let decision: Decision
        /// (eventId, rule id): the listings, bans or records that decided it.
        public let basis: [(eventId: String, rule: String)]
    }

    public let measures: [String: Measure]
    /// Measure ids in file order.
    public let ids: [String]

    init(_ value: JSONValue, lists: [String: ListRule]) throws(RuleError) {
        guard let entries = value["measures"]?.arrayValue, !entries.isEmpty else { throw RuleError("measures.json: measures must be a non-empty array") }
        var measures: [String: Measure] = [:]
        var ids: [String] = []
        for (index, entry) in entries.enumerated() {
            let id = try RuleError.string(entry["id"], "measures.json: measures[\(index)].id")
            guard measures[id] == nil else { throw RuleError("measures.json: measure '\(id)' appears twice") }
            guard let decision = entry["decision"]?.stringValue.flatMap(Decision.init(rawValue:)), decision != .none else {
                throw RuleError("measures.json: \(id).decision must be restricted or eligible")
            }
            measures[id] = Measure(
                id: id, decision: decision, condition: try Self.condition(entry["when"], "\(id).when", lists: lists),
                rule: try RuleError.string(entry["rule"], "measures.json: \(id).rule"), source: try RuleError.string(entry["source"], "measures.json: \(id).source"))
            ids.append(id)
        }
        for required in [
            "restrict.notify-commit", "restrict.public-procurement", "restrict.fiscal-funds", "restrict.honours", "restrict.market-entry",
            "eligible.green-channel", "eligible.tolerance-acceptance", "eligible.funding",
        ] where measures[required] == nil {
            throw RuleError("measures.json: measure '\(required)' is missing (domain.md §5)")
        }
        self.measures = measures
        self.ids = ids
    }

    static func condition(_ value: JSONValue?, _ path: String, lists: [String: ListRule]) throws(RuleError) -> Condition {
        guard let members = value?.objectValue, members.count == 1 else { throw RuleError("measures.json: \(path) must be an object with one condition") }
        let (name, argument) = members[0]
        switch name {
        case "listInForce":
            let names = argument.arrayValue?.compactMap(\.stringValue) ?? []
            guard !names.isEmpty, names.allSatisfy({ lists[$0] != nil }) else { throw RuleError("measures.json: \(path).listInForce must name lists of lists.json") }
            return .listInForce(Set(names))
        case "negativeListInForce": return .negativeListInForce
        case "banInForce": return .banInForce
        case "negativeRecordWithinMonths":
            guard let months = try RuleError.months(argument, "measures.json: \(path).negativeRecordWithinMonths") else { throw RuleError("measures.json: \(path): months missing") }
            return .negativeRecordWithinMonths(months)
        case "negativeRecordDisplayed": return .negativeRecordDisplayed
        case "not": return .not(try condition(argument, path + ".not", lists: lists))
        case "anyOf", "allOf":
            guard let parts = argument.arrayValue, !parts.isEmpty else { throw RuleError("measures.json: \(path).\(name) must be a non-empty array") }
            var conditions: [Condition] = []
            for (index, part) in parts.enumerated() { conditions.append(try condition(part, "\(path).\(name)[\(index)]", lists: lists)) }
            return name == "anyOf" ? .anyOf(conditions) : .allOf(conditions)
        default:
            throw RuleError("measures.json: \(path): unknown condition '\(name)'")
        }
    }
}

/// What `check` needs of an entity, and nothing more: the intervals of its listings, bans
/// and displayed records. It does not depend on the date asked about (the intervals do the
/// work), so the ledger keeps recent ones in memory for the hot path.
public struct CheckFacts: Sendable {
    /// Days `since...until` as day numbers (32 bits: compact in memory; `until` Int32.max when open-ended).
    struct Span: Sendable {
        let since: Int32
        let until: Int32

        init(_ since: CivilDate, _ until: CivilDate?) {
            self.since = Int32(clamping: since.dayNumber)
            self.until = until.map { Int32(clamping: $0.dayNumber) } ?? .max
        }

        func contains(_ day: Int32) -> Bool { since <= day && day <= until }
    }

    struct Interval: Sendable {
        let eventId: String
        /// The list name or the ban scope.
        let tag: String
        let spans: [Span]
        /// Days it is shielded from public use.
        let hidden: [Span]
        let rule: String

        func contains(_ day: Int32) -> Bool { spans.contains { $0.contains(day) } && !hidden.contains { $0.contains(day) } }
    }

    /// A negative record shown at some time (only those count in any condition).
    struct Record: Sendable {
        let eventId: String
        let occurredOn: Int32
        /// Days shown on any channel (each channel's window, and a resumed span).
        let shown: [Span]
        /// Days shielded from public use.
        let hidden: [Span]
        let rule: String

        func isShown(on day: Int32) -> Bool { shown.contains { $0.contains(day) } && !hidden.contains { $0.contains(day) } }
    }

    /// The entity as public answers show it.
    public let entity: String
    /// Roughly the heap it holds (measured: ~200 bytes per negative record with its spans and id).
    public var estimatedBytes: Int { 160 + (lists.count + bans.count) * 140 + records.count * 220 }
    let lists: [Interval]
    let bans: [Interval]
    let records: [Record]

    /// Only what public answers may use: listings and records public on their days (not
    /// shielded, not hidden on every channel), never revoked ones (NDRC Order 36 Art. 3).
    public init(_ state: EntityState) {
        entity = state.entity.masked
        func spans(_ ranges: [ClosedRange<CivilDate>]) -> [Span] { ranges.map { Span($0.lowerBound, $0.upperBound) } }
        lists = state.lists.filter { !$0.revoked && $0.hiddenOn.count < Channel.allCases.count }.map { listing in
            var shown = [Span(listing.since, listing.until)]
            if let resumed = listing.resumed { shown.append(Span(resumed.lowerBound, resumed.upperBound)) }
            return Interval(eventId: listing.eventId, tag: listing.list, spans: shown, hidden: spans(listing.shielded), rule: listing.rules.first ?? state.rules.listExitEndsBasis)
        }
        bans = state.bans.filter { !$0.revoked }.map {
            Interval(eventId: $0.eventId, tag: $0.scope, spans: [Span($0.since, $0.until)], hidden: [], rule: state.rules.display.effects.banWindow)
        }
        records = state.records.filter { $0.negative && !$0.revoked }.compactMap { record in
            var shown: [Span] = []
            var hidden: [Span] = []
            for window in Channel.allCases.compactMap({ record.windows[$0] }) {
                if let from = window.from, window.until.map({ $0 >= from }) ?? true { shown.append(Span(from, window.until)) }
                if let resumed = window.resumed { shown.append(Span(resumed.lowerBound, resumed.upperBound)) }
                hidden += spans(window.shielded)
            }
            guard !shown.isEmpty else { return nil }
            let rule = record.windows.values.compactMap(\.rules.last).first ?? state.rules.display.effects.notDisplayed
            return Record(eventId: record.eventId, occurredOn: Int32(clamping: record.occurredOn.dayNumber), shown: shown, hidden: hidden, rule: rule)
        }
    }

    /// Decides `measure` on `at`.
    /// - Parameter scope: the ban scope the service concerns (`nil`: any ban).
    public func check(_ measure: MeasureCatalogue.Measure, at: CivilDate, scope: String?, rules: RuleSet) -> MeasureCatalogue.Finding {
        let (holds, basis) = evaluate(measure.condition, at: at, scope: scope, rules: rules)
        return MeasureCatalogue.Finding(measure: measure, decision: holds ? measure.decision : .none, basis: basis)
    }

    /// Whether `condition` holds on `at`, and the items that make it hold or fail.
    func evaluate(_ condition: MeasureCatalogue.Condition, at: CivilDate, scope: String?, rules: RuleSet) -> (Bool, [(eventId: String, rule: String)]) {
        let day = Int32(clamping: at.dayNumber)
        switch condition {
        case let .listInForce(names):
            let found = lists.filter { names.contains($0.tag) && $0.contains(day) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rule) })
        case .negativeListInForce:
            let found = lists.filter { (rules.lists[$0.tag]?.negative ?? true) && $0.contains(day) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rule) })
        case .banInForce:
            let found = bans.filter { $0.contains(day) && (scope == nil || $0.tag == scope || $0.tag == "market") }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rule) })
        case let .negativeRecordWithinMonths(months):
            let since = Int32(clamping: at.adding(months: -months).dayNumber)
            // Only what is public on the day counts (Order 36 Art. 3: repaired or expired information is not used).
            let found = records.filter { $0.occurredOn > since && $0.occurredOn <= day && $0.isShown(on: day) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rule) })
        case .negativeRecordDisplayed:
            let found = records.filter { $0.isShown(on: day) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rule) })
        case let .not(inner):
            let (holds, basis) = evaluate(inner, at: at, scope: scope, rules: rules)
            return (!holds, basis)
        case let .anyOf(parts):
            var failing: [(eventId: String, rule: String)] = []
            for part in parts {
                let (holds, basis) = evaluate(part, at: at, scope: scope, rules: rules)
                if holds { return (true, basis) }
                failing += basis
            }
            return (false, failing)
        case let .allOf(parts):
            var holding: [(eventId: String, rule: String)] = []
            for part in parts {
                let (holds, basis) = evaluate(part, at: at, scope: scope, rules: rules)
                if !holds { return (false, basis) }
                holding += basis
            }
            return (true, holding)
        }
    }

    /// The `check` answer (protocol.md): `{entity, measure, at, decision, rule, source, basis}`.
    public func checkJSON(_ finding: MeasureCatalogue.Finding, at: CivilDate) -> JSONValue {
        .object([
            ("entity", .string(entity)), ("measure", .string(finding.measure.id)), ("at", .string(at.description)),
            ("decision", .string(finding.decision.rawValue)), ("rule", .string(finding.measure.rule)), ("source", .string(finding.measure.source)),
            ("basis", .array(finding.basis.map { ["eventId": .string($0.eventId), "rule": .string($0.rule)] })),
        ])
    }
}

extension EntityState {
    /// Decides `measure` on the state's date.
    public func check(_ measure: MeasureCatalogue.Measure, scope: String?, rules: RuleSet) -> MeasureCatalogue.Finding {
        CheckFacts(self).check(measure, at: at, scope: scope, rules: rules)
    }
}
