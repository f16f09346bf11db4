import CreditDomain
import LedgerJSON

/// An entity's events folded one by one into the facts its projection is made of: which
/// records exist, what later events linked to them, and when. The fold reads no rules, so
/// it stays valid when the rule tables change; ``state(at:knownAtSeq:rules:body:)``
/// applies the rules and the query date.
///
/// The ledger stores each entity's fold and updates it in the transaction that appends
/// the entity's events: answers for "today, as known now" start from one stored value
/// instead of a replay. Record bodies stay in the log; the fold names them by seq.
public struct EntityFold: Sendable {
    /// A stored event the answer shows, named by its seq.
    struct RecordFact: Equatable {
        let seq: UInt64
        let eventId: String
        let kind: EventKind
        let occurredOn: CivilDate
        let negative: Bool
        /// The fields of its body that its windows depend on, as canonical JSON ("" when none):
        /// windows are computed without reading the body, which is read only when shown.
        var windowFields: String = ""
    }

    /// The body fields each kind's display windows read (``RecordFact/windowFields``).
    static let windowFieldNames: [EventKind: [String]] = [
        .penaltyImposed: ["procedure", "measures", "sector", "publishedOn", "severity", "discretion"],
        .commitmentBreached: ["fraudulent"],
        .adminAction: ["category", "outcome"],
        .licenseGranted: ["validFrom", "validUntil"],
    ]

    static func windowFields(of event: CreditEvent) -> String {
        guard let names = windowFieldNames[event.kind], case let .object(members) = event.body else { return "" }
        return CanonicalJSON.string(.object(members.filter { names.contains($0.0) }))
    }

    /// An event that ended something (an exit, a lift, a licence end) and when.
    struct Ending: Equatable {
        let on: CivilDate
        let by: String
        let reason: String?
    }

    struct ListingFact: Equatable {
        let eventId: String
        let list: String
        let since: CivilDate
        let termUntil: CivilDate?
        let basis: [String]
        var exit: Ending?
        /// An exit after the listing was restored because its first exit was obtained by fraud.
        var exitAfterRestore: Ending? = nil
    }

    struct BanFact: Equatable {
        let eventId: String
        let scope: String
        let since: CivilDate
        let termUntil: CivilDate?
        let permanent: Bool
        var lift: Ending?
    }

    struct GradeFact: Equatable {
        let seq: UInt64
        let eventId: String
        let validUntil: CivilDate?
    }

    struct ObjectionFact: Equatable {
        let eventId: String
        let target: String
        let on: CivilDate
        /// False for an objection dated after the fold's horizon: known, not yet filed.
        let effective: Bool
        var resolvedOn: CivilDate?
    }

    struct ApplicationFact: Equatable {
        let eventId: String
        let target: String
        let on: CivilDate
        /// The platform whose deadlines apply.
        let channel: Channel
        var acceptedOn: CivilDate?
        var decidedBy: String?
        /// The decision's deadline was extended (`repair.extended`).
        var extendedOn: CivilDate? = nil
        var decidedOn: CivilDate? = nil
    }

    /// Negative information shielded during bankruptcy reorganisation or settlement.
    struct ShieldingFact: Equatable {
        let eventId: String
        let since: CivilDate
        /// `reason` holds the outcome: `completed` or `failed`.
        var end: Ending?
    }

    struct GrantFact: Equatable {
        let eventId: String
        let application: String
        let on: CivilDate
    }

    struct FraudFact: Equatable {
        let seq: UInt64
        let eventId: String
        /// The `repair.granted` or `list.exited` obtained by fraud.
        let grant: String
        let on: CivilDate
    }

    struct Correction: Equatable {
        let by: String
        let fields: JSONValue
    }

    public let entity: EntityCode
    /// The last seq folded in.
    public internal(set) var lastSeq: UInt64 = 0
    /// The latest `occurredOn` of the events in effect: the fold answers for any date from it on.
    public internal(set) var latestOccurredOn: CivilDate?
    /// The events in effect, in log order.
    var basis: [String] = []
    var profile: RecordFact?
    var grades: [GradeFact] = []
    var deregisteredOn: CivilDate?
    var records: [RecordFact] = []
    var corrections: [String: [Correction]] = [:]
    var revokedBy: [String: String] = [:]
    var fulfilledOn: [String: CivilDate] = [:]
    var licenceEnds: [String: [Ending]] = [:]
    var commitments: [CommitmentState] = []
    var listings: [ListingFact] = []
    var bans: [BanFact] = []
    var objections: [ObjectionFact] = []
    var applications: [ApplicationFact] = []
    var grants: [GrantFact] = []
    var fraud: [FraudFact] = []
    var shieldings: [ShieldingFact] = []
    /// The penalties and listings a spot-check result is tied to (`admin.action` refs).
    var spotCheckLinks: [String: [String]] = [:]

    public init(entity: EntityCode) {
        self.entity = entity
    }

    /// The number of events in effect.
    public var eventCount: Int { basis.count }

    /// Folds in the entity's next event.
    /// - Parameter horizon: the query date: a prospective event dated later is not in
    ///   effect yet and only its existence as an objection target is kept. The stored fold
    ///   uses ``CivilDate/plausibleRange``'s upper bound: everything.
    public mutating func apply(_ recorded: RecordedEvent, horizon: CivilDate = CivilDate.plausibleRange.upperBound) {
        let event = recorded.event
        precondition(recorded.seq > lastSeq, "events fold in log order")
        precondition(event.entity == entity, "an event of another entity")
        lastSeq = recorded.seq
        guard Projector.isRetroactive(event) || event.occurredOn <= horizon else {
            if event.kind == .objectionFiled {
                objections.append(ObjectionFact(eventId: event.eventId, target: event.refs[0], on: event.occurredOn, effective: false))
            }
            return
        }
        latestOccurredOn = max(latestOccurredOn ?? event.occurredOn, event.occurredOn)
        basis.append(event.eventId)
        let target = event.refs.first ?? ""
        var fact = RecordFact(seq: recorded.seq, eventId: event.eventId, kind: event.kind, occurredOn: event.occurredOn, negative: Self.isNegative(event))
        fact.windowFields = Self.windowFields(of: event)
        let ending = Ending(on: event.occurredOn, by: event.eventId, reason: event.body["reason"]?.stringValue)
        switch event.kind {
        case .entityProfiled:
            profile = fact
        case .entityDeregistered:
            deregisteredOn = event.occurredOn
        case .gradeAssessed:
            grades.append(GradeFact(seq: recorded.seq, eventId: event.eventId, validUntil: event.body["validUntil"]?.stringValue.flatMap(CivilDate.init)))
        case .penaltyFulfilled:
            fulfilledOn[target] = event.occurredOn
        case .licenseGranted, .penaltyImposed, .warningIssued, .interviewRecorded:
            records.append(fact)
        case .adminAction:
            records.append(fact)
            if !event.refs.isEmpty { spotCheckLinks[event.eventId] = event.refs }
        case .commitmentBreached:
            records.append(fact)
            if let index = commitments.firstIndex(where: { $0.eventId == target }) {
                commitments[index].outcome = .breached
                commitments[index].outcomeBy = event.eventId
            }
        case .licenseEnded:
            licenceEnds[target, default: []].append(ending)
        case .commitmentMade:
            commitments.append(CommitmentState(
                eventId: event.eventId, type: event.body["type"]?.stringValue ?? "", dueOn: event.body["dueOn"]?.stringValue.flatMap(CivilDate.init),
                outcome: .open, outcomeBy: nil))
        case .commitmentFulfilled:
            if let index = commitments.firstIndex(where: { $0.eventId == target }) {
                commitments[index].outcome = .fulfilled
                commitments[index].outcomeBy = event.eventId
            }
        case .listEntered:
            listings.append(ListingFact(
                eventId: event.eventId, list: event.body["list"]?.stringValue ?? "", since: event.occurredOn,
                termUntil: event.body["termUntil"]?.stringValue.flatMap(CivilDate.init), basis: event.refs))
        case .listExited:
            if let index = listings.firstIndex(where: { $0.eventId == target }) {
                if let first = listings[index].exit, fraud.contains(where: { $0.grant == first.by }) {
                    listings[index].exitAfterRestore = Self.earlier(listings[index].exitAfterRestore, ending)
                } else {
                    listings[index].exit = Self.earlier(listings[index].exit, ending)
                }
            }
        case .banImposed:
            bans.append(BanFact(
                eventId: event.eventId, scope: event.body["scope"]?.stringValue ?? "market", since: event.occurredOn,
                termUntil: event.body["termUntil"]?.stringValue.flatMap(CivilDate.init), permanent: event.body["permanent"]?.boolValue ?? false))
        case .banLifted:
            if let index = bans.firstIndex(where: { $0.eventId == target }) { bans[index].lift = Self.earlier(bans[index].lift, ending) }
        case .objectionFiled:
            objections.append(ObjectionFact(eventId: event.eventId, target: target, on: event.occurredOn, effective: true))
        case .objectionResolved:
            guard let index = objections.firstIndex(where: { $0.eventId == target }) else { break }
            objections[index].resolvedOn = event.occurredOn
            // An upheld objection revokes its record when its action says so; a correction's
            // fields come in their own record.corrected.
            if Projector.isRetroactive(event), event.body["action"]?.stringValue == "revoked" { revokedBy[objections[index].target] = event.eventId }
        case .recordCorrected:
            corrections[target, default: []].append(Correction(by: event.eventId, fields: event.body["fields"] ?? .object([])))
        case .recordRevoked:
            revokedBy[target] = event.eventId
        case .repairApplied:
            let channel = event.body["channel"]?.stringValue.flatMap(Channel.init(rawValue:)) ?? Quality.publicationChannel(authority: event.authority)
            applications.append(ApplicationFact(eventId: event.eventId, target: target, on: event.occurredOn, channel: channel))
        case .repairAccepted:
            if let index = applications.firstIndex(where: { $0.eventId == target }) { applications[index].acceptedOn = event.occurredOn }
        case .repairGranted:
            decide(application: target, by: event)
            grants.append(GrantFact(eventId: event.eventId, application: target, on: event.occurredOn))
        case .repairRejected:
            decide(application: target, by: event)
        case .repairExtended:
            if let index = applications.firstIndex(where: { $0.eventId == target }) { applications[index].extendedOn = event.occurredOn }
        case .shieldingStarted:
            shieldings.append(ShieldingFact(eventId: event.eventId, since: event.occurredOn))
        case .shieldingEnded:
            if let index = shieldings.firstIndex(where: { $0.eventId == target }) {
                shieldings[index].end = Self.earlier(shieldings[index].end, Ending(on: event.occurredOn, by: event.eventId, reason: event.body["outcome"]?.stringValue))
            }
        case .repairRevoked:
            fraud.append(FraudFact(seq: recorded.seq, eventId: event.eventId, grant: target, on: event.occurredOn))
        }
    }

    mutating func decide(application: String, by event: CreditEvent) {
        guard let index = applications.firstIndex(where: { $0.eventId == application }) else { return }
        applications[index].decidedBy = event.eventId
        applications[index].decidedOn = event.occurredOn
    }

    /// An ending stays at its earliest date; a later exit of what already ended changes nothing.
    static func earlier(_ current: Ending?, _ new: Ending) -> Ending {
        guard let current else { return new }
        return new.on < current.on ? new : current
    }

    static func isNegative(_ event: CreditEvent) -> Bool {
        switch event.kind {
        case .penaltyImposed, .commitmentBreached, .warningIssued, .interviewRecorded: return true
        case .adminAction: return event.body["outcome"]?.stringValue == "negative"
        default: return false
        }
    }
}
