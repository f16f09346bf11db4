import CreditDomain
import LedgerJSON

/// `Schemas/rules/supervision.json`: the derived supervision class and the spot-check ratio
/// and frequency it implies for 双随机 inspections.
public struct SupervisionRules: Sendable {
    /// A condition over an entity's state on a date.
    indirect enum Condition: Sendable {
        case always
        case listInForce(Set<String>)
        case banInForce
        case seriousRecordDisplayed
        case negativeRecordWithinMonths(Int)
        case not(Condition)
        case anyOf([Condition])
    }

    public struct SpotCheck: Sendable {
        public let id: String
        public let ratioPercent: Double
        public let frequency: String
    }

    public struct SupervisionClass: Sendable {
        public let value: String
        public let id: String
        public let spotCheck: SpotCheck
        let condition: Condition
    }

    /// In file order; the last always holds.
    public let classes: [SupervisionClass]

    /// The class of an entity with no events, before any rule is applied.
    public var fallback: SupervisionClass { classes[classes.count - 1] }

    init(_ value: JSONValue) throws(RuleError) {
        var classes: [SupervisionClass] = []
        for (index, entry) in (value["classes"]?.arrayValue ?? []).enumerated() {
            let what = "supervision.json: classes[\(index)]"
            let spotCheck = entry["spotCheck"]
            guard let ratio = spotCheck?["ratioPercent"]?.doubleValue, (0...100).contains(ratio) else {
                throw RuleError("\(what).spotCheck.ratioPercent must be a number from 0 to 100")
            }
            classes.append(SupervisionClass(
                value: try RuleError.string(entry["class"], "\(what).class"), id: try RuleError.string(entry["id"], "\(what).id"),
                spotCheck: SpotCheck(
                    id: try RuleError.string(spotCheck?["id"], "\(what).spotCheck.id"), ratioPercent: ratio,
                    frequency: try RuleError.string(spotCheck?["frequency"], "\(what).spotCheck.frequency")),
                condition: try Self.condition(entry["when"], "\(what).when")))
        }
        guard let last = classes.last, case .always = last.condition else { throw RuleError("supervision.json: the last class must hold always") }
        self.classes = classes
    }

    static func condition(_ value: JSONValue?, _ what: String) throws(RuleError) -> Condition {
        guard let members = value?.objectValue, members.count == 1 else { throw RuleError("\(what) must be an object with one condition") }
        let (name, argument) = members[0]
        switch name {
        case "always": return .always
        case "listInForce":
            let names = argument.arrayValue?.compactMap(\.stringValue) ?? []
            guard !names.isEmpty else { throw RuleError("\(what).listInForce must name lists") }
            return .listInForce(Set(names))
        case "banInForce": return .banInForce
        case "seriousRecordDisplayed": return .seriousRecordDisplayed
        case "negativeRecordWithinMonths":
            guard let months = try RuleError.months(argument, "\(what).negativeRecordWithinMonths") else { throw RuleError("\(what): months missing") }
            return .negativeRecordWithinMonths(months)
        case "not": return .not(try condition(argument, what + ".not"))
        case "anyOf":
            guard let parts = argument.arrayValue, !parts.isEmpty else { throw RuleError("\(what).anyOf must be a non-empty array") }
            var conditions: [Condition] = []
            for (index, part) in parts.enumerated() { conditions.append(try condition(part, "\(what).anyOf[\(index)]")) }
            return .anyOf(conditions)
        default:
            throw RuleError("\(what): unknown condition '\(name)'")
        }
    }

    /// The first class whose condition holds for `state` on `at`.
    public func classify(_ state: EntityState, at: CivilDate) -> SupervisionClass {
        classes.first { holds($0.condition, state, at: at) } ?? fallback
    }

    func holds(_ condition: Condition, _ state: EntityState, at: CivilDate) -> Bool {
        switch condition {
        case .always: return true
        case let .listInForce(names): return state.lists.contains { names.contains($0.list) && $0.inForce(on: at) }
        case .banInForce: return state.bans.contains { $0.inForce(on: at) }
        case .seriousRecordDisplayed:
            return state.records.contains { record in
                record.windows.contains { channel, window in record.severities[channel]?.severity == .serious && window.isShown(on: at) }
            }
        case let .negativeRecordWithinMonths(months):
            let since = at.adding(months: -months)
            return state.records.contains { record in
                record.negative && !record.revoked && record.occurredOn > since && record.occurredOn <= at
                    && record.windows.values.contains { $0.from != nil }
            }
        case let .not(inner): return !holds(inner, state, at: at)
        case let .anyOf(parts): return parts.contains { holds($0, state, at: at) }
        }
    }
}
