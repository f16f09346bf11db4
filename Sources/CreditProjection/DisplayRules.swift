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

/// A rule naming a set of measures or sectors, with its id.
public struct NamedSet: Sendable {
    public let id: String
    public let members: Set<String>
}

/// `Schemas/rules/display.json`.
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
        public let warningOnly: Switch?
        public let simpleProcedure: Switch?
        public let unrepairableMeasures: NamedSet?
        public let termBoundMeasures: NamedSet?
        public let seriousSectors: NamedSet?
    }

    public struct ChannelRules: Sendable {
        public enum Start: String, Sendable {
            case decision
            case publication
        }

        public let channel: Channel
        public let start: Start
        public let naturalPersons: Switch?
        /// Ordered by `from`.
        public let rulebooks: [Rulebook]

        /// The rulebook in force on `date`; before the first one, the first one (a choice,
        /// recorded in display.json as `earliestRulebookAppliesBefore`).
        public func rulebook(on date: CivilDate) -> Rulebook {
            rulebooks.last { $0.from <= date } ?? rulebooks[0]
        }
    }

    public struct OtherRecord: Sendable {
        public let id: String
        public let severity: Severity?
        public let fixedMonths: Int?
        public let displayed: Bool
        public let noNewRepairMonths: Int?
    }

    public let channels: [Channel: ChannelRules]
    public let lenientRule: String?
    public let smallFineRule: String
    public let smallFineOrganisationYuan: Double
    public let smallFineNaturalPersonYuan: Double
    public let minorRule: String
    public let seriousRule: String
    public let seriousMeasures: Set<String>
    public let generalRule: String
    public let otherRecords: [String: OtherRecord]

    init(_ value: JSONValue) throws(RuleError) {
        func switchRule(_ value: JSONValue?, _ what: String) throws(RuleError) -> Switch? {
            guard let value else { return nil }
            guard let displayed = value["displayed"]?.boolValue else { throw RuleError("display.json: \(what).displayed must be true or false") }
            return Switch(id: try RuleError.string(value["id"], "display.json: \(what).id"), displayed: displayed)
        }
        func namedSet(_ value: JSONValue?, _ key: String, _ what: String) throws(RuleError) -> NamedSet? {
            guard let value else { return nil }
            let members = value[key]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !members.isEmpty else { throw RuleError("display.json: \(what).\(key) must list something") }
            return NamedSet(id: try RuleError.string(value["id"], "display.json: \(what).id"), members: Set(members))
        }
        var channels: [Channel: ChannelRules] = [:]
        for channel in Channel.allCases {
            let where_ = "channels.\(channel.rawValue)"
            guard let channelValue = value["channels"]?[channel.rawValue] else { throw RuleError("display.json: \(where_) is missing") }
            guard let start = ChannelRules.Start(rawValue: channelValue["start"]?.stringValue ?? "") else {
                throw RuleError("display.json: \(where_).start must be decision or publication")
            }
            var rulebooks: [Rulebook] = []
            for (index, book) in (channelValue["rulebooks"]?.arrayValue ?? []).enumerated() {
                let what = "\(where_).rulebooks[\(index)]"
                var tiers: [Severity: Tier] = [:]
                for severity in Severity.allCases {
                    guard let tier = book["tiers"]?[severity.rawValue] else { throw RuleError("display.json: \(what).tiers.\(severity.rawValue) is missing") }
                    let tierWhat = "\(what).tiers.\(severity.rawValue)"
                    let displayed = tier["displayed"]?.boolValue ?? true
                    let maximum = try RuleError.months(tier["maximumMonths"], "display.json: \(tierWhat).maximumMonths")
                    if displayed && maximum == nil { throw RuleError("display.json: \(tierWhat) is displayed but has no maximumMonths") }
                    var sectors: [String: Int] = [:]
                    for (sector, months) in tier["sectorMinimumMonths"]?.objectValue ?? [] {
                        sectors[sector] = try RuleError.months(months, "display.json: \(tierWhat).sectorMinimumMonths.\(sector)")
                    }
                    tiers[severity] = Tier(
                        id: try RuleError.string(tier["id"], "display.json: \(tierWhat).id"), displayed: displayed,
                        minimumMonths: try RuleError.months(tier["minimumMonths"], "display.json: \(tierWhat).minimumMonths"),
                        maximumMonths: maximum, sectorMinimumMonths: sectors, repairable: tier["repairable"]?.boolValue ?? true)
                }
                let from = try RuleError.date(book["from"], "display.json: \(what).from")
                let until = book["until"] == nil ? nil : try RuleError.date(book["until"], "display.json: \(what).until")
                rulebooks.append(Rulebook(
                    id: try RuleError.string(book["id"], "display.json: \(what).id"),
                    source: try RuleError.string(book["source"], "display.json: \(what).source"),
                    from: from, until: until, tiers: tiers,
                    warningOnly: try switchRule(book["warningOnly"], "\(what).warningOnly"),
                    simpleProcedure: try switchRule(book["simpleProcedure"], "\(what).simpleProcedure"),
                    unrepairableMeasures: try namedSet(book["unrepairableMeasures"], "measures", "\(what).unrepairableMeasures"),
                    termBoundMeasures: try namedSet(book["termBoundMeasures"], "measures", "\(what).termBoundMeasures"),
                    seriousSectors: try namedSet(book["seriousSectors"], "sectors", "\(what).seriousSectors")))
            }
            guard !rulebooks.isEmpty else { throw RuleError("display.json: \(where_) has no rulebooks") }
            for (earlier, later) in zip(rulebooks, rulebooks.dropFirst()) {
                guard earlier.from < later.from, earlier.until.map({ $0.adding(days: 1) == later.from }) ?? false else {
                    throw RuleError("display.json: \(where_): rulebook \(earlier.id) must end the day before \(later.id) begins")
                }
            }
            channels[channel] = ChannelRules(
                channel: channel, start: start, naturalPersons: try switchRule(channelValue["naturalPersons"], "\(where_).naturalPersons"),
                rulebooks: rulebooks)
        }
        self.channels = channels
        lenientRule = value["lenientRule"]?["enabled"]?.boolValue == true ? try RuleError.string(value["lenientRule"]?["id"], "display.json: lenientRule.id") : nil
        smallFineRule = try RuleError.string(value["smallFine"]?["id"], "display.json: smallFine.id")
        guard let organisation = value["smallFine"]?["organisationYuan"]?.doubleValue, let person = value["smallFine"]?["naturalPersonYuan"]?.doubleValue else {
            throw RuleError("display.json: smallFine needs organisationYuan and naturalPersonYuan")
        }
        smallFineOrganisationYuan = organisation
        smallFineNaturalPersonYuan = person
        minorRule = try RuleError.string(value["severity"]?["minorWhen"]?["id"], "display.json: severity.minorWhen.id")
        seriousRule = try RuleError.string(value["severity"]?["seriousMeasures"]?["id"], "display.json: severity.seriousMeasures.id")
        seriousMeasures = Set(value["severity"]?["seriousMeasures"]?["measures"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        generalRule = try RuleError.string(value["severity"]?["otherwise"]?["id"], "display.json: severity.otherwise.id")
        var others: [String: OtherRecord] = [:]
        for (name, record) in value["otherRecords"]?.objectValue ?? [] {
            others[name] = OtherRecord(
                id: try RuleError.string(record["id"], "display.json: otherRecords.\(name).id"),
                severity: record["severity"]?.stringValue.flatMap(Severity.init(rawValue:)),
                fixedMonths: try RuleError.months(record["fixedMonths"], "display.json: otherRecords.\(name).fixedMonths"),
                displayed: record["displayed"]?.boolValue ?? true,
                noNewRepairMonths: try RuleError.months(record["noNewRepairMonths"], "display.json: otherRecords.\(name).noNewRepairMonths"))
        }
        for required in ["commitment.breached", "commitment.breached.fraudulent", "admin.action.negative", "repair.revoked", "warning.issued", "interview.recorded"] where others[required] == nil {
            throw RuleError("display.json: otherRecords.\(required) is missing")
        }
        otherRecords = others
    }
}
