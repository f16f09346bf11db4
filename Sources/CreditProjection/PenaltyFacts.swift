import CreditDomain
import LedgerJSON

/// What a penalty decision says, as the display rules read it.
public struct PenaltyFacts: Sendable {
    public struct Measure: Sendable {
        public let type: String
        public let amountYuan: Double?
        public let termUntil: CivilDate?
    }

    public let decidedOn: CivilDate
    public let publishedOn: CivilDate?
    public let procedure: String
    public let measures: [Measure]
    public let sector: String
    public let givenSeverity: Severity?
    /// The discretion level of the decision (`lighter`, `mitigated`, `ordinary`, `heavier`), when recorded.
    public let discretion: String?

    /// Reads a penalty body (already validated against its schema at append).
    public init(body: JSONValue, decidedOn: CivilDate) {
        self.decidedOn = decidedOn
        publishedOn = body["publishedOn"]?.stringValue.flatMap(CivilDate.init)
        procedure = body["procedure"]?.stringValue ?? "ordinary"
        measures = (body["measures"]?.arrayValue ?? []).map { measure in
            Measure(
                type: measure["type"]?.stringValue ?? "other", amountYuan: measure["amountYuan"]?.doubleValue,
                termUntil: measure["termUntil"]?.stringValue.flatMap(CivilDate.init))
        }
        measureTypes = Set(measures.map(\.type))
        sector = body["sector"]?.stringValue ?? "general"
        givenSeverity = body["severity"]?.stringValue.flatMap(Severity.init(rawValue:))
        discretion = body["discretion"]?.stringValue
    }

    /// The latest end of a measure with a term.
    public var termEnd: CivilDate? { measures.compactMap(\.termUntil).max() }

    /// The kinds of measure the decision imposes.
    public let measureTypes: Set<String>
}

/// A severity on one channel, and why.
public struct SeverityFinding: Sendable, Equatable {
    public let severity: Severity
    /// True when the decision said it (the sector's own classification, Order 36 Art. 11).
    public let given: Bool
    /// The class (or the given-severity rule) that decided it.
    public let rule: String
    public let reason: String
}

/// How a rulebook classifies a penalty: its severity, and whether its class is shown and
/// may be repaired at all.
public struct PenaltyClassification: Sendable {
    public let finding: SeverityFinding
    public let displayed: Bool
    public let repairable: Bool
}

extension DisplayRules {
    /// Classifies `penalty` under `rulebook`: a submitted severity where the rulebook lets
    /// it win, else the first of the rulebook's classes whose condition holds.
    /// - Parameter linkedListings: the lists whose listings in effect rest on the penalty.
    /// - Parameter explained: write the finding's reason (the lenient rule's look at later
    ///   rulebooks needs only the class).
    public func classify(_ penalty: PenaltyFacts, under rulebook: Rulebook, person: Bool, linkedListings: Set<String>, explained: Bool = true) -> PenaltyClassification {
        if let given = penalty.givenSeverity, let rule = rulebook.givenSeverity {
            let finding = SeverityFinding(severity: given, given: true, rule: rule, reason: "given by the deciding authority")
            return PenaltyClassification(finding: finding, displayed: true, repairable: true)
        }
        for penaltyClass in rulebook.classes where holds(penaltyClass.condition, penalty, person: person, linkedListings: linkedListings) {
            // The reason is written only for the class that decides (this runs per record, channel and rulebook).
            let reason = explained ? reason(penaltyClass.condition, penalty, person: person, linkedListings: linkedListings) ?? "" : ""
            let finding = SeverityFinding(severity: penaltyClass.severity, given: false, rule: penaltyClass.id, reason: reason)
            return PenaltyClassification(finding: finding, displayed: penaltyClass.displayed, repairable: penaltyClass.repairable)
        }
        preconditionFailure("a class set ends with a class that always holds (checked at load)")
    }

    /// Whether `condition` holds for `penalty` (``reason(_:_:person:linkedListings:)`` without the words).
    func holds(_ condition: PenaltyClass.Condition, _ penalty: PenaltyFacts, person: Bool, linkedListings: Set<String>) -> Bool {
        if let procedure = condition.procedure, penalty.procedure != procedure { return false }
        let types = penalty.measureTypes
        if let only = condition.onlyMeasures, !types.isSubset(of: only) { return false }
        if let any = condition.anyMeasure, types.isDisjoint(with: any) { return false }
        if condition.smallFine {
            let limit = person ? smallFineNaturalPersonYuan : smallFineOrganisationYuan
            let fines = penalty.measures.filter { $0.type == "fine" }
            guard !fines.isEmpty, fines.allSatisfy({ ($0.amountYuan ?? .infinity) <= limit }) else { return false }
        }
        if let levels = condition.discretion, !levels.contains(penalty.discretion ?? discretionDefault.value) { return false }
        if let sectors = condition.sectors, !sectors.contains(penalty.sector) { return false }
        if let list = condition.linkedListing, !linkedListings.contains(list) { return false }
        return true
    }

    /// Why `condition` holds for `penalty`, or `nil` when it does not.
    func reason(_ condition: PenaltyClass.Condition, _ penalty: PenaltyFacts, person: Bool, linkedListings: Set<String>) -> String? {
        var reasons: [String] = []
        let types = penalty.measureTypes
        if let procedure = condition.procedure {
            guard penalty.procedure == procedure else { return nil }
            reasons.append("\(procedure) procedure")
        }
        if let only = condition.onlyMeasures {
            guard types.isSubset(of: only) else { return nil }
            reasons.append("measures only of \(only.sorted().joined(separator: ", "))")
        }
        if let any = condition.anyMeasure {
            guard let found = types.intersection(any).sorted().first else { return nil }
            reasons.append("measure \(found)")
        }
        if condition.smallFine {
            let limit = person ? smallFineNaturalPersonYuan : smallFineOrganisationYuan
            let fines = penalty.measures.filter { $0.type == "fine" }
            guard !fines.isEmpty, fines.allSatisfy({ ($0.amountYuan ?? .infinity) <= limit }) else { return nil }
            reasons.append("a fine of at most \(Int(limit)) yuan")
        }
        if let levels = condition.discretion {
            let level = penalty.discretion ?? discretionDefault.value
            guard levels.contains(level) else { return nil }
            reasons.append(penalty.discretion == nil ? "discretion \(level) (not recorded: \(discretionDefault.rule))" : "discretion \(level)")
        }
        if let sectors = condition.sectors {
            guard sectors.contains(penalty.sector) else { return nil }
            reasons.append("sector \(penalty.sector)")
        }
        if let list = condition.linkedListing {
            guard linkedListings.contains(list) else { return nil }
            reasons.append("a \(list) listing rests on it")
        }
        return reasons.isEmpty ? "none of the rulebook's other classes" : reasons.joined(separator: "; ")
    }
}
