import CreditDomain
import Foundation
import LedgerJSON

/// Every rule the projections use, loaded from `Schemas/rules/`. Each rule carries the id
/// that names its source, so every derived answer can say which rule produced it.
public struct RuleSet: Sendable {
    public let display: DisplayRules
    public let lists: [String: ListRule]
    public let listExitEndsBasis: String
    public let deadlines: Deadlines
    public let calendar: WorkingDayCalendar
    public let measures: MeasureCatalogue

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads the rule files from `directory` (the `Schemas/rules` folder).
    /// - Throws: `LoadError` naming the file and what is wrong; start-up must stop on it.
    public init(directory: String) throws(LoadError) {
        func load(_ name: String) throws(LoadError) -> JSONValue {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read rule file \(path)") }
            do { return try JSONParser.parse(Array(data)) } catch { throw LoadError(description: "rule file \(path): \(error)") }
        }
        do {
            display = try DisplayRules(try load("display.json"))
            let listsFile = try load("lists.json")
            var lists: [String: ListRule] = [:]
            for (name, value) in listsFile["lists"]?.objectValue ?? [] { lists[name] = try ListRule(name: name, value) }
            for required in ["serious-dishonesty", "key-attention", "red", "abnormal-operations"] where lists[required] == nil {
                throw RuleError("lists.json: list '\(required)' is missing")
            }
            self.lists = lists
            listExitEndsBasis = try RuleError.string(listsFile["exitEndsBasisPenalties"]?["id"], "lists.json: exitEndsBasisPenalties.id")
            deadlines = try Deadlines(try load("deadlines.json"))
            calendar = try WorkingDayCalendar(file: directory + "/cn-workdays.json")
            measures = try MeasureCatalogue(try load("measures.json"), lists: lists)
        } catch let error as LoadError {
            throw error
        } catch let error as RuleError {
            throw LoadError(description: "rules in \(directory): \(error.description)")
        } catch {
            throw LoadError(description: "rules in \(directory): \(error)")
        }
    }

    /// The `Schemas/rules` folder beside the event schemas.
    public static func defaultDirectory(schemas: String) -> String { schemas + "/rules" }
}

/// A rule file that does not say what the code needs.
struct RuleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    static func string(_ value: JSONValue?, _ what: String) throws(RuleError) -> String {
        guard let text = value?.stringValue, !text.isEmpty else { throw RuleError("\(what) must be a non-empty string") }
        return text
    }

    static func date(_ value: JSONValue?, _ what: String) throws(RuleError) -> CivilDate {
        guard let text = value?.stringValue, let date = CivilDate(text) else { throw RuleError("\(what) must be a date YYYY-MM-DD") }
        return date
    }

    static func months(_ value: JSONValue?, _ what: String) throws(RuleError) -> Int? {
        guard let value else { return nil }
        guard let months = value.intValue, months >= 0, months <= 1200 else { throw RuleError("\(what) must be a number of months") }
        return Int(months)
    }
}

/// How long a listing lasts.
public struct ListRule: Sendable {
    public let list: String
    public let id: String
    /// The automatic term from the listing date, when the list has one.
    public let termMonths: Int?
    public let earlyRemovalAfterMonths: Int?
    public let earlyRemovalRule: String?
    /// True for lists that are negative records (all but the red list).
    public let negative: Bool

    init(name: String, _ value: JSONValue) throws(RuleError) {
        list = name
        id = try RuleError.string(value["id"], "lists.json: \(name).id")
        termMonths = try RuleError.months(value["termMonths"], "lists.json: \(name).termMonths")
        earlyRemovalAfterMonths = try RuleError.months(value["earlyRemovalAfterMonths"], "lists.json: \(name).earlyRemovalAfterMonths")
        earlyRemovalRule = value["earlyRemovalRule"]?.stringValue
        guard let negative = value["negative"]?.boolValue else { throw RuleError("lists.json: \(name).negative must be true or false") }
        self.negative = negative
    }
}

/// Processing deadlines in working days.
public struct Deadlines: Sendable {
    public struct Step: Sendable {
        public let id: String
        public let workingDays: Int
        public let extensionWorkingDays: Int?
    }

    public let publication: [Channel: Step]
    public let repairAcceptance: [Channel: Step]
    public let repairDecision: [Channel: Step]
    public let objection: Step
    public let revocationWithdrawal: Step

    init(_ value: JSONValue) throws(RuleError) {
        func step(_ value: JSONValue?, _ what: String) throws(RuleError) -> Step {
            guard let value, let days = value["workingDays"]?.intValue, days > 0 else { throw RuleError("deadlines.json: \(what).workingDays must be a positive number") }
            return Step(id: try RuleError.string(value["id"], "deadlines.json: \(what).id"), workingDays: Int(days), extensionWorkingDays: value["extensionWorkingDays"]?.intValue.map { Int($0) })
        }
        var publication: [Channel: Step] = [:]
        var acceptance: [Channel: Step] = [:]
        var decision: [Channel: Step] = [:]
        for channel in Channel.allCases {
            publication[channel] = try step(value["publication"]?[channel.rawValue], "publication.\(channel.rawValue)")
            acceptance[channel] = try step(value["repair"]?[channel.rawValue]?["acceptance"], "repair.\(channel.rawValue).acceptance")
            decision[channel] = try step(value["repair"]?[channel.rawValue]?["decision"], "repair.\(channel.rawValue).decision")
        }
        self.publication = publication
        self.repairAcceptance = acceptance
        self.repairDecision = decision
        objection = try step(value["objection"], "objection")
        revocationWithdrawal = try step(value["revocationWithdrawal"], "revocationWithdrawal")
    }
}

/// A publicity channel with its own rulebooks.
public enum Channel: String, Sendable, CaseIterable, Hashable {
    case creditchina
    case gsxt
}
