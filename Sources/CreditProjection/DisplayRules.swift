import CreditDomain
import LedgerJSON

/// The three severity tiers (NDRC Order 36 Art. 7; SAMR Order 107 Art. 6).
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case minor
    case general
    case serious

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A rule that switches a case on or off, with its id.
public struct Switch: Sendable {
    public let id: String
    public let displayed: Bool
}

/// A rule id with the text it rests on.
public struct RuleReference: Sendable {
    public let id: String
    public let source: String
}

/// `Schemas/rules/display.json`: the channels, their rulebooks and the classes each
/// rulebook sorts penalties into.
public struct DisplayRules: Sendable {
    public struct Tier: Sendable {
        public let id: String
        public let displayed: Bool
        public let minimumMonths: Int?
        public let maximumMonths: Int?
        public let sectorMinimumMonths: [String: Int]
        /// False when the record expires by itself and no repair applies.
        public let repairable: Bool
    }

    public struct Rulebook: Sendable {
        public let id: String
        public let source: String
        public let from: CivilDate
        public let until: CivilDate?
        public let tiers: [Severity: Tier]
        /// Tried in order; the first whose condition holds classifies the penalty.
        public let classes: [PenaltyClass]
        /// Set when a submitted `severity` (the sector's own classification) wins.
        public let givenSeverity: String?
        /// Set when natural persons' negative records are not shown under this rulebook.
        public let naturalPersonsHidden: String?
    }

    public struct ChannelRules: Sendable {
        public enum Start: String, Sendable {
            case decision
            case publication
        }

        public let channel: Channel
        public let start: Start
        /// A measure's term: display neither stops nor is repaired before it ends.
        public let termRule: String
        /// A repair obtained by fraud and revoked: the rule, and whether the period restarts
        /// from the revocation (`true`) or the original window is restored (`false`).
        public let fraudRule: (id: String, restartsPeriod: Bool)
        /// Ordered by `from`.
        public let rulebooks: [Rulebook]

        /// The rulebook in force on `date`; before the first one, the first one (README 2).
        public func rulebook(on date: CivilDate) -> Rulebook {
            rulebooks.last { $0.from <= date } ?? rulebooks[0]
        }

        /// The rulebooks that took effect after `rulebook`.
        func later(than rulebook: Rulebook) -> ArraySlice<Rulebook> {
            rulebooks.drop { $0.from <= rulebook.from }
        }
    }

    public struct OtherRecord: Sendable {
        public let id: String
        public let severity: Severity?
        public let fixedMonths: Int?
        public let displayed: Bool
        public let noNewRepairMonths: Int?
        /// Set when the rule applies on one channel only.
        public let channel: Channel?
    }

    /// Rule ids of what later events and record kinds do to a window (`effects`).
    public struct Effects: Sendable {
        public let licenceWindow: String
        public let licenceEnded: String
        public let banWindow: String
        public let notDisplayed: String
        public let revoked: String
        public let repaired: String
        public let shieldingFailed: String
        public let shieldingCompleted: String
        public let deregistered: String
        public let shielded: String
        public let objectionPending: String
        public let sameKindPenalty: String
    }

    public let channels: [Channel: ChannelRules]
    public let lenientRule: String?
    public let smallFineOrganisationYuan: Double
    public let smallFineNaturalPersonYuan: Double
    /// The discretion level read when a penalty does not record one, and the rule saying so.
    public let discretionDefault: (value: String, rule: String)
    public let otherRecords: [String: OtherRecord]
    public let effects: Effects

    init(_ value: JSONValue) throws(RuleError) {
        var classSets: [String: [PenaltyClass]] = [:]
        for (name, list) in value["classSets"]?.objectValue ?? [] {
            var classes: [PenaltyClass] = []
            for (index, entry) in (list.arrayValue ?? []).enumerated() {
                classes.append(try PenaltyClass(entry, "display.json: classSets.\(name)[\(index)]"))
            }
            guard classes.last?.condition.isEmpty == true else {
                throw RuleError("display.json: classSets.\(name) must end with a class whose condition always holds")
            }
            classSets[name] = classes
        }
        var channels: [Channel: ChannelRules] = [:]
        for channel in Channel.allCases {
            let where_ = "display.json: channels.\(channel.rawValue)"
            guard let channelValue = value["channels"]?[channel.rawValue] else { throw RuleError("\(where_) is missing") }
            guard let start = ChannelRules.Start(rawValue: channelValue["start"]?.stringValue ?? "") else {
                throw RuleError("\(where_).start must be decision or publication")
            }
            var rulebooks: [Rulebook] = []
            for (index, book) in (channelValue["rulebooks"]?.arrayValue ?? []).enumerated() {
                rulebooks.append(try Self.rulebook(book, "\(where_).rulebooks[\(index)]", classSets: classSets))
            }
            guard !rulebooks.isEmpty else { throw RuleError("\(where_) has no rulebooks") }
            for (earlier, later) in zip(rulebooks, rulebooks.dropFirst()) {
                guard earlier.from < later.from, earlier.until.map({ $0.adding(days: 1) == later.from }) ?? false else {
                    throw RuleError("\(where_): rulebook \(earlier.id) must end the day before \(later.id) begins")
                }
            }
            guard let period = channelValue["fraudRule"]?["period"]?.stringValue, ["restart", "restore"].contains(period) else {
                throw RuleError("\(where_).fraudRule.period must be restart or restore")
            }
            channels[channel] = ChannelRules(
                channel: channel, start: start, termRule: try RuleError.string(channelValue["termRule"]?["id"], "\(where_).termRule.id"),
                fraudRule: (try RuleError.string(channelValue["fraudRule"]?["id"], "\(where_).fraudRule.id"), period == "restart"),
                rulebooks: rulebooks)
        }
        self.channels = channels
        lenientRule = value["lenientRule"]?["enabled"]?.boolValue == true ? try RuleError.string(value["lenientRule"]?["id"], "display.json: lenientRule.id") : nil
        guard let organisation = value["smallFine"]?["organisationYuan"]?.doubleValue, let person = value["smallFine"]?["naturalPersonYuan"]?.doubleValue else {
            throw RuleError("display.json: smallFine needs organisationYuan and naturalPersonYuan")
        }
        smallFineOrganisationYuan = organisation
        smallFineNaturalPersonYuan = person
        discretionDefault = (
            try RuleError.string(value["discretionDefault"]?["value"], "display.json: discretionDefault.value"),
            try RuleError.string(value["discretionDefault"]?["id"], "display.json: discretionDefault.id")
        )
        var others: [String: OtherRecord] = [:]
        for (name, record) in value["otherRecords"]?.objectValue ?? [] {
            let what = "display.json: otherRecords.\(name)"
            others[name] = OtherRecord(
                id: try RuleError.string(record["id"], "\(what).id"),
                severity: record["severity"]?.stringValue.flatMap(Severity.init(rawValue:)),
                fixedMonths: try RuleError.months(record["fixedMonths"], "\(what).fixedMonths"),
                displayed: record["displayed"]?.boolValue ?? true,
                noNewRepairMonths: try RuleError.months(record["noNewRepairMonths"], "\(what).noNewRepairMonths"),
                channel: record["channel"]?.stringValue.flatMap(Channel.init(rawValue:)))
        }
        for required in OtherRecordName.all where others[required] == nil {
            throw RuleError("display.json: otherRecords.\(required) is missing")
        }
        otherRecords = others
        func effect(_ name: String) throws(RuleError) -> String { try RuleError.string(value["effects"]?[name]?["id"], "display.json: effects.\(name).id") }
        effects = Effects(
            licenceWindow: try effect("licenceWindow"), licenceEnded: try effect("licenceEnded"), banWindow: try effect("banWindow"),
            notDisplayed: try effect("notDisplayed"), revoked: try effect("revoked"), repaired: try effect("repaired"),
            shieldingFailed: try effect("shieldingFailed"), shieldingCompleted: try effect("shieldingCompleted"),
            deregistered: try effect("deregistered"), shielded: try effect("shielded"),
            objectionPending: try effect("objectionPending"), sameKindPenalty: try effect("sameKindPenalty"))
    }

    static func rulebook(_ book: JSONValue, _ what: String, classSets: [String: [PenaltyClass]]) throws(RuleError) -> Rulebook {
        var tiers: [Severity: Tier] = [:]
        for severity in Severity.allCases {
            guard let tier = book["tiers"]?[severity.rawValue] else { throw RuleError("\(what).tiers.\(severity.rawValue) is missing") }
            let tierWhat = "\(what).tiers.\(severity.rawValue)"
            let displayed = tier["displayed"]?.boolValue ?? true
            let maximum = try RuleError.months(tier["maximumMonths"], "\(tierWhat).maximumMonths")
            if displayed && maximum == nil { throw RuleError("\(tierWhat) is displayed but has no maximumMonths") }
            var sectors: [String: Int] = [:]
            for (sector, months) in tier["sectorMinimumMonths"]?.objectValue ?? [] {
                sectors[sector] = try RuleError.months(months, "\(tierWhat).sectorMinimumMonths.\(sector)")
            }
            tiers[severity] = Tier(
                id: try RuleError.string(tier["id"], "\(tierWhat).id"), displayed: displayed,
                minimumMonths: try RuleError.months(tier["minimumMonths"], "\(tierWhat).minimumMonths"),
                maximumMonths: maximum, sectorMinimumMonths: sectors, repairable: tier["repairable"]?.boolValue ?? true)
        }
        let setName = try RuleError.string(book["classes"], "\(what).classes")
        guard let classes = classSets[setName] else { throw RuleError("\(what).classes names no class set '\(setName)'") }
        let until = book["until"] == nil ? nil : try RuleError.date(book["until"], "\(what).until")
        var hidden: String?
        if let persons = book["naturalPersons"], persons["displayed"]?.boolValue == false {
            hidden = try RuleError.string(persons["id"], "\(what).naturalPersons.id")
        }
        return Rulebook(
            id: try RuleError.string(book["id"], "\(what).id"), source: try RuleError.string(book["source"], "\(what).source"),
            from: try RuleError.date(book["from"], "\(what).from"), until: until, tiers: tiers, classes: classes,
            givenSeverity: book["givenSeverity"] == nil ? nil : try RuleError.string(book["givenSeverity"]?["id"], "\(what).givenSeverity.id"),
            naturalPersonsHidden: hidden)
    }
}

/// The names of `otherRecords` entries the projection reads.
enum OtherRecordName {
    static let breach = "commitment.breached"
    static let fraudulentBreach = "commitment.breached.fraudulent"
    static let negativeAdminAction = "admin.action.negative"
    static let spotCheck = "admin.action.inspection.negative"
    static let repairFraud = "repair.revoked"
    static let all = [breach, fraudulentBreach, negativeAdminAction, spotCheck, repairFraud, "warning.issued", "interview.recorded"]
}

/// One class of a rulebook: a condition on the penalty decision, the severity it gives,
/// and whether the class is shown and may be repaired at all.
public struct PenaltyClass: Sendable {
    /// What must hold (each part given must hold; an empty condition always holds).
    struct Condition: Sendable {
        var procedure: String?
        var onlyMeasures: Set<String>?
        var anyMeasure: Set<String>?
        var smallFine = false
        var discretion: Set<String>?
        var sectors: Set<String>?
        var linkedListing: String?

        var isEmpty: Bool {
            procedure == nil && onlyMeasures == nil && anyMeasure == nil && !smallFine && discretion == nil && sectors == nil && linkedListing == nil
        }
    }

    public let id: String
    public let severity: Severity
    public let displayed: Bool
    /// False when the class is never repaired (SAMR Order 107 Art. 8(3)).
    public let repairable: Bool
    public let source: String
    let condition: Condition

    init(_ value: JSONValue, _ what: String) throws(RuleError) {
        id = try RuleError.string(value["id"], "\(what).id")
        guard let severity = value["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) else {
            throw RuleError("\(what).severity must be minor, general or serious")
        }
        self.severity = severity
        displayed = value["displayed"]?.boolValue ?? true
        repairable = value["repair"]?.stringValue != "never"
        source = try RuleError.string(value["source"], "\(what).source")
        guard let when = value["when"]?.objectValue else { throw RuleError("\(what).when must be an object") }
        func names(_ value: JSONValue) throws(RuleError) -> Set<String> {
            let names = value.arrayValue?.compactMap(\.stringValue) ?? []
            guard !names.isEmpty else { throw RuleError("\(what).when: a list of names expected") }
            return Set(names)
        }
        var condition = Condition()
        for (name, argument) in when {
            switch name {
            case "procedure": condition.procedure = try RuleError.string(argument, "\(what).when.procedure")
            case "onlyMeasures": condition.onlyMeasures = try names(argument)
            case "anyMeasure": condition.anyMeasure = try names(argument)
            case "smallFine": condition.smallFine = argument.boolValue ?? false
            case "discretion": condition.discretion = try names(argument)
            case "sectors": condition.sectors = try names(argument)
            case "linkedListing": condition.linkedListing = try RuleError.string(argument, "\(what).when.linkedListing")
            default: throw RuleError("\(what).when: unknown condition '\(name)'")
            }
        }
        self.condition = condition
    }
}
