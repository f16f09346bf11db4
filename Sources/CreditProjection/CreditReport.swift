import CreditDomain
import LedgerJSON

/// The public credit report of an entity over a period (domain.md §5): what the public record
/// shows on the period's last day, and the statements that replace a no-violation
/// certificate. Only information public on that day appears or counts: repaired, expired,
/// revoked and shielded records are absent (NDRC Order 36 Art. 3: a repair ends publication,
/// sharing and use). Computed from the state on `to` as known at a pinned head, so running it
/// again at that head under the same rules gives the same bytes.
public struct CreditReport: Sendable {
    public let state: EntityState
    public let from: CivilDate
    public let to: CivilDate
    public let headSeq: UInt64
    public let headHash: String
    /// When the head was committed (its `recordedAt`, UTC); `nil` for an empty log. The
    /// report's 出具时间: a recomputation at the same head prints the same time.
    public let headRecordedAt: String?
    /// The rules digest the caller expects (from an earlier report), when given.
    public let expectedRulesDigest: String?
    /// The deciding authority (`source.authority`, public: 双公示 names it) of records by eventId.
    public let authorities: [String: String]

    /// - Parameter state: the entity's state on `to`, as known at `headSeq`.
    public init(
        state: EntityState, from: CivilDate, to: CivilDate, headSeq: UInt64, headHash: String, headRecordedAt: String?, expectedRulesDigest: String? = nil,
        authorities: [String: String] = [:]
    ) {
        precondition(from <= to && state.at == to)
        self.state = state
        self.from = from
        self.to = to
        self.headSeq = headSeq
        self.headHash = headHash
        self.headRecordedAt = headRecordedAt
        self.expectedRulesDigest = expectedRulesDigest
        self.authorities = authorities
    }

    var person: Bool { state.entity.kind == .naturalPerson }

    /// A natural person the public record shows nothing of reads like an unknown code (domain.md §6).
    var silent: Bool { person && Channel.allCases.allSatisfy { state.showsNothing(on: $0) } }

    /// Channels that show `record` on `to`.
    func channels(showing record: RecordState) -> [Channel] {
        Channel.allCases.filter { record.windows[$0]?.isShown(on: to) ?? false }
    }

    /// Records shown on some channel on `to` (their deciding authorities are read with their bodies).
    public var records: [RecordState] { silent ? [] : state.records.filter { !channels(showing: $0).isEmpty } }

    /// Listings public on `to` on some channel.
    var lists: [ListingState] {
        silent ? [] : state.lists.filter { $0.isPublic(on: to) && $0.hiddenOn.count < Channel.allCases.count }
    }

    var bans: [BanState] { silent ? [] : state.bans.filter { $0.inForce(on: to) } }

    /// The statements, each about what the public record shows on `to`.
    public var statements: [(String, Bool)] {
        let listed = { (name: String) in lists.contains { $0.list == name } }
        return [
            ("noPenaltyDecided", !records.contains { $0.kind == .penaltyImposed && $0.occurredOn >= from && $0.occurredOn <= to }),
            ("notOnSeriousDishonestyList", !listed("serious-dishonesty")),
            ("notOnKeyAttentionList", !listed("key-attention")),
            ("notOnAbnormalOperationsList", !listed("abnormal-operations")),
            ("noBanInForce", bans.isEmpty),
            ("noNegativeRecordDisplayed", !records.contains { $0.negative }),
            ("onRedList", listed("red")),
        ]
    }

    /// The whole report.
    public var json: JSONValue { json(page: .all) }

    /// The report with one page of its records (lists, bans and statements whole).
    public func json(page: Page) -> JSONValue {
        let rules = state.rules
        let recordValues: [JSONValue] = records.map { record in
            let shownOn = channels(showing: record)
            assert(record.bodyLoaded, "a shown record's body was not read")
            return .object([
                ("eventId", .string(record.eventId)), ("kind", .string(record.kind.rawValue)), ("occurredOn", .string(record.occurredOn.description)),
                ("authority", authorities[record.eventId].map { .string($0) } ?? .null),
                ("negative", .bool(record.negative)),
                ("severity", .object(shownOn.compactMap { channel in record.severities[channel].map { (channel.rawValue, .string($0.severity.rawValue)) } })),
                ("windows", .object(shownOn.map { ($0.rawValue, record.windows[$0]!.json) })),
                ("body", rules.publicFields.body(record.body, kind: record.kind)),
            ])
        }
        let listValues: [JSONValue] = lists.map { listing in
            .object([
                ("eventId", .string(listing.eventId)), ("list", .string(listing.list)), ("since", .string(listing.since.description)),
                ("until", listing.until.map { .string($0.description) } ?? .null),
                ("channels", .array(Channel.allCases.filter { listing.hiddenOn[$0] == nil }.map { .string($0.rawValue) })),
                ("rules", .array(listing.rules.map { .string($0) })),
            ])
        }
        let banValues: [JSONValue] = bans.map { ban in
            .object([
                ("eventId", .string(ban.eventId)), ("scope", .string(ban.scope)), ("since", .string(ban.since.description)),
                ("until", ban.until.map { .string($0.description) } ?? .null), ("permanent", .bool(ban.permanent)),
            ])
        }
        let commitmentValues: [JSONValue] = silent ? [] : state.commitments.map { commitment in
            .object([
                ("eventId", .string(commitment.eventId)), ("type", .string(commitment.type)), ("outcome", .string(commitment.outcome.rawValue)),
                ("dueOn", commitment.dueOn.map { .string($0.description) } ?? .null),
            ])
        }
        let head: JSONValue = .object([
            ("seq", .int(Int64(headSeq))), ("hash", .string(headHash)), ("recordedAt", headRecordedAt.map { .string($0) } ?? .null),
        ])
        var basis: [(String, JSONValue)] = [
            ("knownAt", .int(Int64(headSeq))), ("at", .string(to.description)), ("rulesDigest", .string(rules.digest)),
            ("note", .string("as known at head.seq under the rules of rulesDigest; recompute with {\"op\":\"report\",\"head\":\(headSeq),\"rulesDigest\":\"…\"}")),
        ]
        if let expected = expectedRulesDigest, expected != rules.digest {
            basis.append(("rulesChanged", .string("recomputed under other rules than \(expected): the answer may differ from the original report")))
        }
        var members: [(String, JSONValue)] = [
            ("report", .string("public-credit-report")), ("entity", .string(state.entity.masked)), ("entityKind", .string(state.entity.kind.rawValue)),
            ("from", .string(from.description)), ("to", .string(to.description)), ("head", head),
        ]
        members.append(("profile", silent ? .null : state.profile.map { rules.publicFields.profile($0.body, person: person) } ?? .null))
        let paged = page.slice(recordValues)
        members.append(("records", .array(paged.items)))
        if let member = paged.member { members.append(member) }
        members.append(("lists", .array(listValues)))
        members.append(("bans", .array(banValues)))
        members.append(("commitments", .array(commitmentValues)))
        members.append(("statements", .object(statements.map { ($0.0, .bool($0.1)) })))
        members.append(("basis", .object(basis)))
        return .object(members)
    }
}
