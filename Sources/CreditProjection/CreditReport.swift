import CreditDomain
import LedgerJSON

/// The public credit report of an entity over a period (domain.md §5): what was on display
/// at any time in the period, and the statements that replace a no-violation certificate.
/// Computed from the state on the period's last day as known at a pinned head, so running
/// it again at that head gives the same bytes. Personal data is masked (domain.md §6).
public struct CreditReport: Sendable {
    public let state: EntityState
    public let from: CivilDate
    public let to: CivilDate
    public let headSeq: UInt64
    public let headHash: String

    /// - Parameter state: the entity's state on `to`, as known at `headSeq`.
    public init(state: EntityState, from: CivilDate, to: CivilDate, headSeq: UInt64, headHash: String) {
        precondition(from <= to && state.at == to)
        self.state = state
        self.from = from
        self.to = to
        self.headSeq = headSeq
        self.headHash = headHash
    }

    /// True when the days `since...until` (open-ended when `until` is nil) meet the period.
    func overlaps(_ since: CivilDate, _ until: CivilDate?) -> Bool {
        since <= to && (until.map { $0 >= from } ?? true)
    }

    func shownInPeriod(_ window: DisplayWindow) -> Bool {
        // A window cut to end before it starts was never shown.
        if let from = window.from, window.until.map({ $0 >= from }) ?? true, overlaps(from, window.until) { return true }
        if let resumed = window.resumed, overlaps(resumed.lowerBound, resumed.upperBound) { return true }
        return false
    }

    var person: Bool { state.entity.kind == .naturalPerson }

    /// Listings shown publicly at some day of the period (a person's negative listings are not).
    var lists: [ListingState] {
        state.lists.filter { !$0.revoked && overlaps($0.since, $0.until) && !(person && $0.list != "red") }
    }

    var bans: [BanState] { state.bans.filter { !$0.revoked && overlaps($0.since, $0.until) } }

    var records: [RecordState] {
        state.records.filter { record in !record.revoked && record.windows.values.contains { shownInPeriod($0) } }
    }

    /// The statements (all over the whole period, as known at the head).
    public var statements: [(String, Bool)] {
        let listed = { (name: String) in state.lists.contains { $0.list == name && !$0.revoked && self.overlaps($0.since, $0.until) } }
        return [
            ("noPenaltyDecided", !state.records.contains { $0.kind == .penaltyImposed && !$0.revoked && $0.occurredOn >= from && $0.occurredOn <= to }),
            ("notOnSeriousDishonestyList", !listed("serious-dishonesty")),
            ("notOnKeyAttentionList", !listed("key-attention")),
            ("notOnAbnormalOperationsList", !listed("abnormal-operations")),
            ("noBanInForce", bans.isEmpty),
            ("noNegativeRecordDisplayed", !records.contains { $0.negative }),
            ("onRedList", listed("red")),
        ]
    }

    public var json: JSONValue {
        let recordValues: [JSONValue] = records.map { record in
            var windows: [(String, JSONValue)] = []
            for channel in Channel.allCases {
                if let window = record.windows[channel], shownInPeriod(window) { windows.append((channel.rawValue, window.json)) }
            }
            return .object([
                ("eventId", .string(record.eventId)), ("kind", .string(record.kind.rawValue)), ("occurredOn", .string(record.occurredOn.description)),
                ("negative", .bool(record.negative)), ("severity", record.severity.map { .string($0.severity.rawValue) } ?? .null),
                ("windows", .object(windows)),
                ("supersededBy", .array(record.supersededBy.map { ["eventId": .string($0.eventId), "effect": .string($0.effect)] })),
                ("body", Masking.mask(record.body)),
            ])
        }
        let listValues: [JSONValue] = lists.map { listing in
            .object([
                ("eventId", .string(listing.eventId)), ("list", .string(listing.list)), ("since", .string(listing.since.description)),
                ("until", listing.until.map { .string($0.description) } ?? .null), ("exitReason", listing.exitReason.map { .string($0) } ?? .null),
                ("rules", .array(listing.rules.map { .string($0) })),
            ])
        }
        let banValues: [JSONValue] = bans.map { ban in
            .object([
                ("eventId", .string(ban.eventId)), ("scope", .string(ban.scope)), ("since", .string(ban.since.description)),
                ("until", ban.until.map { .string($0.description) } ?? .null), ("permanent", .bool(ban.permanent)),
            ])
        }
        let commitmentValues: [JSONValue] = state.commitments.map { commitment in
            .object([
                ("eventId", .string(commitment.eventId)), ("type", .string(commitment.type)), ("outcome", .string(commitment.outcome.rawValue)),
                ("dueOn", commitment.dueOn.map { .string($0.description) } ?? .null),
            ])
        }
        let head: JSONValue = .object([("seq", .int(Int64(headSeq))), ("hash", .string(headHash))])
        let basis: JSONValue = .object([
            ("knownAt", .int(Int64(headSeq))), ("at", .string(to.description)),
            ("note", .string("as known at head.seq; recompute with {\"op\":\"report\",\"head\":\(headSeq)}")),
        ])
        var members: [(String, JSONValue)] = [
            ("report", .string("public-credit-report")), ("entity", .string(state.entity.masked)), ("entityKind", .string(state.entity.kind.rawValue)),
            ("from", .string(from.description)), ("to", .string(to.description)), ("head", head),
        ]
        members.append(("profile", state.profile.map { state.maskedProfile($0.body) } ?? .null))
        members.append(("records", .array(recordValues)))
        members.append(("lists", .array(listValues)))
        members.append(("bans", .array(banValues)))
        members.append(("commitments", .array(commitmentValues)))
        members.append(("statements", .object(statements.map { ($0.0, .bool($0.1)) })))
        members.append(("basis", basis))
        return .object(members)
    }
}
