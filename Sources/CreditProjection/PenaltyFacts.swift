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
        sector = body["sector"]?.stringValue ?? "general"
        givenSeverity = body["severity"]?.stringValue.flatMap(Severity.init(rawValue:))
    }

    /// The latest end of a measure with a term.
    public var termEnd: CivilDate? { measures.compactMap(\.termUntil).max() }

    public var measureTypes: Set<String> { Set(measures.map(\.type)) }
}

/// A severity and why.
public struct SeverityFinding: Sendable, Equatable {
    public let severity: Severity
    /// True when the decision said it (the sector's own classification wins, Order 36 Art. 11).
    public let given: Bool
    public let rule: String
    public let reason: String
}

extension DisplayRules {
    /// The severity of a penalty: as given, else derived (domain.md §4).
    /// - Parameter linkedToSeriousListing: a serious-dishonesty listing rests on it.
    public func severity(of penalty: PenaltyFacts, person: Bool, linkedToSeriousListing: Bool) -> SeverityFinding {
        if let given = penalty.givenSeverity {
            return SeverityFinding(severity: given, given: true, rule: "sector-classification", reason: "given by the deciding authority (NDRC Order 36 Art. 11)")
        }
        let types = penalty.measureTypes
        if let serious = types.intersection(seriousMeasures).sorted().first {
            return SeverityFinding(severity: .serious, given: false, rule: seriousRule, reason: "measure \(serious)")
        }
        if linkedToSeriousListing {
            return SeverityFinding(severity: .serious, given: false, rule: seriousRule, reason: "a serious-dishonesty listing rests on it")
        }
        if penalty.procedure == "simple" {
            return SeverityFinding(severity: .minor, given: false, rule: minorRule, reason: "simple procedure")
        }
        if types.isSubset(of: ["warning", "criticism"]) {
            return SeverityFinding(severity: .minor, given: false, rule: minorRule, reason: "warning or criticism only")
        }
        let limit = person ? smallFineNaturalPersonYuan : smallFineOrganisationYuan
        let fines = penalty.measures.filter { $0.type == "fine" }
        if types.isSubset(of: ["warning", "criticism", "fine"]), !fines.isEmpty, fines.allSatisfy({ ($0.amountYuan ?? .infinity) <= limit }) {
            return SeverityFinding(severity: .minor, given: false, rule: smallFineRule, reason: "a fine of at most \(Int(limit)) yuan")
        }
        return SeverityFinding(severity: .general, given: false, rule: generalRule, reason: "neither minor nor serious")
    }
}
