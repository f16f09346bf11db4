import CreditDomain
import Crypto
import Foundation
import LedgerJSON

/// Every rule the projections use, loaded from `Schemas/rules/`. Each rule carries the id
/// that names its source, so every derived answer can say which rule produced it.
public final class RuleSet: Sendable {
    public let display: DisplayRules
    public let lists: [String: ListRule]
    public let listExitEndsBasis: String
    /// A listing revoked with its basis penalty (SAMR Order 44 Art. 19).
    public let listBasisRevoked: String
    public let deadlines: Deadlines
    public let calendar: WorkingDayCalendar
    public let measures: MeasureCatalogue
    public let supervision: SupervisionRules
    public let publicFields: PublicFields
    /// SHA-256 over the rule files (hex): answers name the rules they were computed under.
    public let digest: String

    /// The rule files, in the order the digest covers them.
    static let files = ["cn-workdays.json", "deadlines.json", "display.json", "lists.json", "measures.json", "public-fields.json", "supervision.json"]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads the rule files from `directory` (the `Schemas/rules` folder).
    /// - Throws: `LoadError` naming the file and what is wrong; start-up must stop on it.
    public init(directory: String) throws(LoadError) {
        // The digest: for each file in ``files`` order, its name, a NUL byte and the SHA-256 of its bytes.
        var digest = SHA256()
        for name in Self.files {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { throw LoadError(description: "cannot read rule file \(directory)/\(name)") }
            digest.update(data: Array(name.utf8) + [0])
            digest.update(data: Array(SHA256.hash(data: data)))
        }
        self.digest = digest.finalize().map { String(format: "%02x", $0) }.joined()
        func load(_ name: String) throws(LoadError) -> JSONValue {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read rule file \(path)") }
            do { return try JSONParser.parse(Array(data), maximumMembers: .max) } catch { throw LoadError(description: "rule file \(path): \(error)") }
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
            listBasisRevoked = try RuleError.string(listsFile["revokedBasisRevokesListing"]?["id"], "lists.json: revokedBasisRevokesListing.id")
            deadlines = try Deadlines(try load("deadlines.json"))
            calendar = try WorkingDayCalendar(file: directory + "/cn-workdays.json")
            measures = try MeasureCatalogue(try load("measures.json"), lists: lists)
            supervision = try SupervisionRules(try load("supervision.json"))
            publicFields = try PublicFields(try load("public-fields.json"))
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
    /// The severity the list's entries have on a channel, with its rule (shown per that tier).
    public let channels: [Channel: (severity: Severity, rule: String)]
    /// Set when a penalty's measure term the listing rests on extends it and blocks early removal.
    public let linkedTermsRule: String?
    /// Deregistration removes the entity from this list (SAMR Order 107 Art. 20).
    public let endsOnDeregistration: Bool

    init(name: String, _ value: JSONValue) throws(RuleError) {
        list = name
        id = try RuleError.string(value["id"], "lists.json: \(name).id")
        termMonths = try RuleError.months(value["termMonths"], "lists.json: \(name).termMonths")
        earlyRemovalAfterMonths = try RuleError.months(value["earlyRemovalAfterMonths"], "lists.json: \(name).earlyRemovalAfterMonths")
        earlyRemovalRule = value["earlyRemovalRule"]?.stringValue
        guard let negative = value["negative"]?.boolValue else { throw RuleError("lists.json: \(name).negative must be true or false") }
        self.negative = negative
        var channels: [Channel: (Severity, String)] = [:]
        for (name, entry) in value["channels"]?.objectValue ?? [] {
            guard let channel = Channel(rawValue: name), let severity = entry["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) else {
                throw RuleError("lists.json: \(list).channels.\(name) needs a known channel and a severity")
            }
            channels[channel] = (severity, try RuleError.string(entry["id"], "lists.json: \(list).channels.\(name).id"))
        }
        self.channels = channels
        linkedTermsRule = value["linkedTerms"] == nil ? nil : try RuleError.string(value["linkedTerms"]?["id"], "lists.json: \(list).linkedTerms.id")
        endsOnDeregistration = value["endsOnDeregistration"]?.boolValue ?? false
    }
}

/// Processing deadlines in working days (`deadlines.json`).
public struct Deadlines: Sendable {
    public struct Step: Sendable {
        public let id: String
        public let workingDays: Int
        public let extensionWorkingDays: Int?
    }

    /// Per kind (`penalty.imposed`, `license.granted`, `admin.action`, `list.entered`) and channel.
    public let publication: [EventKind: [Channel: Step]]
    public let repairAcceptance: [Channel: Step]
    public let repairDecision: [Channel: Step]
    /// Credit China's answer to an application, all steps included (NDRC Order 36 Art. 16).
    public let repairReply: [Channel: Step]
    public let abnormalOperationsRemoval: Step
    public let objectionForward: Step
    public let objectionCheck: Step
    public let revocationWithdrawal: Step

    init(_ value: JSONValue) throws(RuleError) {
        func step(_ value: JSONValue?, _ what: String) throws(RuleError) -> Step {
            guard let value, let days = value["workingDays"]?.intValue, days > 0 else { throw RuleError("deadlines.json: \(what).workingDays must be a positive number") }
            return Step(id: try RuleError.string(value["id"], "deadlines.json: \(what).id"), workingDays: Int(days), extensionWorkingDays: value["extensionWorkingDays"]?.intValue.map { Int($0) })
        }
        var publication: [EventKind: [Channel: Step]] = [:]
        for (name, channels) in value["publication"]?.objectValue ?? [] {
            guard let kind = EventKind(rawValue: name) else { throw RuleError("deadlines.json: publication.\(name) is not an event kind") }
            for channel in Channel.allCases {
                publication[kind, default: [:]][channel] = try step(channels[channel.rawValue], "publication.\(name).\(channel.rawValue)")
            }
        }
        var acceptance: [Channel: Step] = [:]
        var decision: [Channel: Step] = [:]
        var reply: [Channel: Step] = [:]
        for channel in Channel.allCases {
            let repair = value["repair"]?[channel.rawValue]
            acceptance[channel] = try step(repair?["acceptance"], "repair.\(channel.rawValue).acceptance")
            decision[channel] = try step(repair?["decision"], "repair.\(channel.rawValue).decision")
            if repair?["reply"] != nil { reply[channel] = try step(repair?["reply"], "repair.\(channel.rawValue).reply") }
        }
        self.publication = publication
        repairAcceptance = acceptance
        repairDecision = decision
        repairReply = reply
        abnormalOperationsRemoval = try step(value["abnormalOperationsRemoval"], "abnormalOperationsRemoval")
        objectionForward = try step(value["objection"]?["forward"], "objection.forward")
        objectionCheck = try step(value["objection"]?["check"], "objection.check")
        revocationWithdrawal = try step(value["revocationWithdrawal"], "revocationWithdrawal")
    }

    /// Working days to decide a repair application after its acceptance: 7, or 7 + 10 once
    /// extended (a recorded `repair.extended`, never a guess).
    public func repairDecisionDays(_ channel: Channel, extended: Bool) -> Int {
        let step = repairDecision[channel]!
        return step.workingDays + (extended ? step.extensionWorkingDays ?? 0 : 0)
    }
}

/// A publicity channel with its own rulebooks.
public enum Channel: String, Sendable, CaseIterable, Hashable {
    case creditchina
    case gsxt
}
