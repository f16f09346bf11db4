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

extension EntityState {
    /// Decides `measure` on the state's date.
    /// - Parameter scope: the ban scope the service concerns (`nil`: any ban).
    public func check(_ measure: MeasureCatalogue.Measure, scope: String?, rules: RuleSet) -> MeasureCatalogue.Finding {
        let (holds, basis) = evaluate(measure.condition, scope: scope, rules: rules)
        return MeasureCatalogue.Finding(measure: measure, decision: holds ? measure.decision : .none, basis: basis)
    }

    /// Whether `condition` holds, and the items that make it hold or fail.
    func evaluate(_ condition: MeasureCatalogue.Condition, scope: String?, rules: RuleSet) -> (Bool, [(eventId: String, rule: String)]) {
        switch condition {
        case let .listInForce(names):
            let found = lists.filter { names.contains($0.list) && $0.inForce(on: at) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rules.first ?? "list-in-force") })
        case .negativeListInForce:
            let found = lists.filter { (rules.lists[$0.list]?.negative ?? true) && $0.inForce(on: at) }
            return (!found.isEmpty, found.map { ($0.eventId, $0.rules.first ?? "list-in-force") })
        case .banInForce:
            let found = bans.filter { $0.inForce(on: at) && (scope == nil || $0.scope == scope || $0.scope == "market") }
            return (!found.isEmpty, found.map { ($0.eventId, "ban-in-force") })
        case let .negativeRecordWithinMonths(months):
            let since = at.adding(months: -months)
            let found = records.filter { $0.negative && !$0.revoked && $0.occurredOn > since && $0.occurredOn <= at }
            return (!found.isEmpty, found.map { ($0.eventId, "negative-record-within-\(months)-months") })
        case .negativeRecordDisplayed:
            let found = records.filter { $0.negative && $0.windows.values.contains { $0.isShown(on: at) } }
            return (!found.isEmpty, found.map { ($0.eventId, $0.windows.values.compactMap(\.rules.last).first ?? "negative-record-displayed") })
        case let .not(inner):
            let (holds, basis) = evaluate(inner, scope: scope, rules: rules)
            return (!holds, basis)
        case let .anyOf(parts):
            var failing: [(eventId: String, rule: String)] = []
            for part in parts {
                let (holds, basis) = evaluate(part, scope: scope, rules: rules)
                if holds { return (true, basis) }
                failing += basis
            }
            return (false, failing)
        case let .allOf(parts):
            var holding: [(eventId: String, rule: String)] = []
            for part in parts {
                let (holds, basis) = evaluate(part, scope: scope, rules: rules)
                if !holds { return (false, basis) }
                holding += basis
            }
            return (true, holding)
        }
    }

    /// The `check` answer (protocol.md): `{entity, measure, at, decision, rule, source, basis}`.
    public func checkJSON(_ finding: MeasureCatalogue.Finding) -> JSONValue {
        .object([
            ("entity", .string(entity.masked)), ("measure", .string(finding.measure.id)), ("at", .string(at.description)),
            ("decision", .string(finding.decision.rawValue)), ("rule", .string(finding.measure.rule)), ("source", .string(finding.measure.source)),
            ("basis", .array(finding.basis.map { ["eventId": .string($0.eventId), "rule": .string($0.rule)] })),
        ])
    }
}
