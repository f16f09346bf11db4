import CreditDomain
import LedgerJSON

/// An event with its place in the log (the transaction-time axis).
public struct RecordedEvent: Sendable {
    public let seq: UInt64
    public let recordedAt: String
    public let event: CreditEvent

    public init(seq: UInt64, recordedAt: String, event: CreditEvent) {
        self.seq = seq
        self.recordedAt = recordedAt
        self.event = event
    }

    /// Reads a stored record (`{"seq", "recordedAt", …, "hash"}`).
    public init(stored value: JSONValue) throws(LedgerError) {
        guard let seq = value["seq"]?.intValue, let recordedAt = value["recordedAt"]?.stringValue else {
            throw LedgerError(.internal, "a stored event lacks seq or recordedAt")
        }
        self.init(seq: UInt64(seq), recordedAt: recordedAt, event: try CreditEvent(stored: value))
    }
}

/// One record of the entity as it stands on the query's date, with what shaped it.
public struct RecordState: Sendable {
    public let eventId: String
    public let kind: EventKind
    public let occurredOn: CivilDate
    /// The body as read now: corrections applied. Unless ``bodyLoaded``, only the fields its
    /// windows read (the answer did not ask for it).
    public internal(set) var body: JSONValue
    public internal(set) var bodyLoaded = true
    public let negative: Bool
    /// A penalty's severity on each channel, under that channel's rulebook.
    public var severities: [Channel: SeverityFinding]
    public var windows: [Channel: DisplayWindow]
    public var underObjection: Bool
    /// Later events that changed how the record reads or shows, with what they did.
    public var supersededBy: [Supersession]
    public var revoked: Bool
    /// True when its penalty obligations are met (`penalty.fulfilled`).
    public var fulfilled: Bool
}

/// What a later event did to a record, on each channel where it differs.
public struct Supersession: Sendable {
    public let eventId: String
    public let effect: String
    /// Per channel: what happened there and the rule that decided it (repairs).
    public var channels: [Channel: (outcome: String, rule: String)] = [:]

    public init(_ eventId: String, _ effect: String) {
        self.eventId = eventId
        self.effect = effect
    }
}

/// A listing on one of the lists.
public struct ListingState: Sendable {
    public let eventId: String
    public let list: String
    public let since: CivilDate
    /// The last day in force; `nil` while open-ended.
    public var until: CivilDate?
    public var exitedBy: String?
    public var exitReason: String?
    public let basis: [String]
    public var rules: [String]
    public var earliestRemoval: CivilDate?
    public var revoked: Bool
    /// In force again after an exit obtained by fraud was revoked (the period restarts).
    public var resumed: ClosedRange<CivilDate>? = nil
    /// Days its publication is shielded (bankruptcy reorganisation or settlement).
    public var shielded: [ClosedRange<CivilDate>] = []
    /// Channels that do not show it on the state's date, with the rule that says so.
    public var hiddenOn: [Channel: String] = [:]

    /// In legal effect on `date` (shown or not).
    public func inForce(on date: CivilDate) -> Bool {
        guard !revoked else { return false }
        if let resumed, resumed.contains(date) { return true }
        return since <= date && (until.map { date <= $0 } ?? true)
    }

    /// In force and not shielded on `date`: what public answers may use.
    public func isPublic(on date: CivilDate) -> Bool {
        inForce(on: date) && !shielded.contains { $0.contains(date) }
    }
}

/// A market or industry ban.
public struct BanState: Sendable {
    public let eventId: String
    public let scope: String
    public let since: CivilDate
    public var until: CivilDate?
    public let permanent: Bool
    public var liftedBy: String?
    public var revoked: Bool

    public func inForce(on date: CivilDate) -> Bool {
        !revoked && since <= date && (until.map { date <= $0 } ?? true)
    }
}

/// A credit commitment and what became of it.
public struct CommitmentState: Sendable {
    public enum Outcome: String, Sendable {
        case open
        case fulfilled
        case breached
    }

    public let eventId: String
    public let type: String
    public let dueOn: CivilDate?
    public var outcome: Outcome
    public var outcomeBy: String?
}

/// An objection or repair waiting for a decision, with its working-day deadline.
public struct PendingItem: Sendable {
    public enum Kind: String, Sendable {
        case objection
        case repair
    }

    public let kind: Kind
    public let eventId: String
    public let target: String
    /// What is awaited: `check` (objection), `acceptance` or `decision` (repair).
    public let stage: String
    public let since: CivilDate
    public let channel: Channel?
    public let deadline: WorkingDayCalendar.Deadline
    /// `nil` when the deadline is unknown.
    public let overdue: Bool?
    public let rule: String
}

/// An entity's credit state on `at`, as known at `knownAtSeq` (domain.md §5).
public struct EntityState: Sendable {
    public let entity: EntityCode
    public let at: CivilDate
    public private(set) var knownAtSeq: UInt64
    public var profile: (eventId: String, body: JSONValue)?
    public var records: [RecordState]
    public var lists: [ListingState]
    public var bans: [BanState]
    public var commitments: [CommitmentState]
    public var pending: [PendingItem]
    public var grade: (eventId: String, body: JSONValue)?
    public var deregisteredOn: CivilDate?
    public var supervisionClass: SupervisionRules.SupervisionClass
    public var flags: [String]
    /// Every event the answer rests on (seq ≤ knownAt and in effect on `at`).
    public var basisEventIds: [String]
    /// The rules it was computed under (answers name their digest; public answers their allow-list).
    public let rules: RuleSet

    /// The same state echoing another transaction-time bound: only for a bound with the
    /// same events of the entity at or before it (a finished answer reused while the entity is
    /// unchanged).
    public func echoing(knownAtSeq other: UInt64) -> EntityState {
        var copy = self
        copy.knownAtSeq = other
        return copy
    }
}
