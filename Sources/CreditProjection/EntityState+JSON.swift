import CreditDomain
import LedgerJSON

extension DisplayWindow {
    /// `{"from", "until", "repairableFrom", "endReason", "rules"}` (protocol.md, `display`).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("from", from.map { .string($0.description) } ?? .null),
            ("until", until.map { .string($0.description) } ?? .null),
            ("repairableFrom", repairableFrom.map { .string($0.description) } ?? .null),
            ("endReason", endReason.map { .string($0.rawValue) } ?? .null),
            ("rules", .array(rules.map { .string($0) })),
        ]
        if let resumed { members.append(("resumed", ["from": .string(resumed.lowerBound.description), "until": .string(resumed.upperBound.description)])) }
        if let notDisplayedBecause { members.append(("notDisplayedBecause", .string(notDisplayedBecause))) }
        return .object(members)
    }
}

extension WorkingDayCalendar.Deadline {
    public var json: JSONValue {
        switch self {
        case let .date(date): return .string(date.description)
        case .calendarUnknown: return "calendarUnknown"
        }
    }
}

extension SeverityFinding {
    var json: JSONValue {
        .object([("severity", .string(severity.rawValue)), ("given", .bool(given)), ("rule", .string(rule)), ("reason", .string(reason))])
    }
}

extension Supersession {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [("eventId", .string(eventId)), ("effect", .string(effect))]
        if !channels.isEmpty {
            members.append(("channels", .object(Channel.allCases.compactMap { channel in
                channels[channel].map { (channel.rawValue, ["outcome": .string($0.outcome), "rule": .string($0.rule)]) }
            })))
        }
        return .object(members)
    }
}

extension EntityState {
    /// A record in the auditor's answer: severity, window and display per channel, the whole body.
    func statusRecordJSON(_ record: RecordState) -> JSONValue {
        assert(record.bodyLoaded, "status shows every body: read them all (RecordBodies.all)")
        var members: [(String, JSONValue)] = [
            ("eventId", .string(record.eventId)), ("kind", .string(record.kind.rawValue)),
            ("occurredOn", .string(record.occurredOn.description)), ("negative", .bool(record.negative)),
        ]
        if !record.severities.isEmpty {
            members.append(("severity", .object(Channel.allCases.compactMap { channel in record.severities[channel].map { (channel.rawValue, $0.json) } })))
        }
        members.append(("windows", .object(Channel.allCases.compactMap { channel in record.windows[channel].map { (channel.rawValue, $0.json) } })))
        members.append(("displayed", .object(Channel.allCases.map { ($0.rawValue, .bool(record.windows[$0]?.isShown(on: at) ?? false)) })))
        members.append(("underObjection", .bool(record.underObjection)))
        if record.kind == .penaltyImposed { members.append(("fulfilled", .bool(record.fulfilled))) }
        if !record.supersededBy.isEmpty { members.append(("supersededBy", .array(record.supersededBy.map(\.json)))) }
        members.append(("body", record.body))
        return .object(members)
    }

    /// The auditor's answer (protocol.md, `status`).
    public func statusJSON() -> JSONValue {
        let lists: [JSONValue] = self.lists.filter { $0.inForce(on: at) }.map { listing in
            .object([
                ("list", .string(listing.list)), ("since", .string(listing.since.description)),
                ("until", listing.until.map { .string($0.description) } ?? .null), ("eventId", .string(listing.eventId)),
                ("basis", .array(listing.basis.map { .string($0) })), ("rules", .array(listing.rules.map { .string($0) })),
                ("earliestRemoval", listing.earliestRemoval.map { .string($0.description) } ?? .null),
                ("resumed", listing.resumed.map { ["from": .string($0.lowerBound.description), "until": .string($0.upperBound.description)] } ?? .null),
                ("displayed", .object(Channel.allCases.map { ($0.rawValue, .bool(listing.hiddenOn[$0] == nil)) })),
                ("hiddenBy", .object(Channel.allCases.compactMap { channel in listing.hiddenOn[channel].map { (channel.rawValue, .string($0)) } })),
            ])
        }
        let bans: [JSONValue] = self.bans.filter { $0.inForce(on: at) }.map { ban in
            ["eventId": .string(ban.eventId), "scope": .string(ban.scope), "since": .string(ban.since.description),
             "until": ban.until.map { .string($0.description) } ?? .null, "permanent": .bool(ban.permanent)]
        }
        let commitments: [JSONValue] = self.commitments.map { commitment in
            ["eventId": .string(commitment.eventId), "type": .string(commitment.type), "outcome": .string(commitment.outcome.rawValue),
             "dueOn": commitment.dueOn.map { .string($0.description) } ?? .null, "outcomeEventId": commitment.outcomeBy.map { .string($0) } ?? .null]
        }
        let pending: [JSONValue] = self.pending.map { item in
            ["kind": .string(item.kind.rawValue), "eventId": .string(item.eventId), "target": .string(item.target), "stage": .string(item.stage),
             "since": .string(item.since.description), "channel": item.channel.map { .string($0.rawValue) } ?? .null,
             "deadline": item.deadline.json, "overdue": item.overdue.map { .bool($0) } ?? .null, "rule": .string(item.rule)]
        }
        let spotCheck = supervisionClass.spotCheck
        return .object([
            ("entity", .string(entity.code)), ("entityKind", .string(entity.kind.rawValue)), ("at", .string(at.description)),
            ("knownAt", .int(Int64(knownAtSeq))),
            ("profile", profile.map { ["eventId": .string($0.eventId), "body": $0.body] } ?? .null),
            ("lists", .array(lists)),
            ("records", .array(records.map(statusRecordJSON))),
            ("bans", .array(bans)), ("commitments", .array(commitments)), ("pending", .array(pending)),
            ("grade", grade.map { ["eventId": .string($0.eventId), "body": $0.body] } ?? .null),
            ("deregisteredOn", deregisteredOn.map { .string($0.description) } ?? .null),
            ("supervisionClass", .string(supervisionClass.value)),
            ("spotCheck", ["ratioPercent": .double(spotCheck.ratioPercent), "frequency": .string(spotCheck.frequency), "rule": .string(spotCheck.id)]),
            ("flags", .array(flags.map { .string($0) })),
            ("basis", [
                "events": .array(basisEventIds.map { .string($0) }), "supervisionClassRule": .string(supervisionClass.id),
                "rulesDigest": .string(rules.digest),
            ]),
        ])
    }

    /// True when a natural person shows nothing on `channel` at `at`: the public answer is then
    /// the one for a code the ledger does not know (domain.md §6).
    func showsNothing(on channel: Channel) -> Bool {
        !records.contains { $0.windows[channel]?.isShown(on: at) ?? false }
            && !lists.contains { $0.isPublic(on: at) && $0.hiddenOn[channel] == nil }
            && bansShown(on: channel).isEmpty
    }

    /// Bans in force on `at` that `channel` shows: not a natural person's where the channel's
    /// rulebook on the day hides persons (NDRC Order 36 Art. 12).
    func bansShown(on channel: Channel) -> [BanState] {
        if entity.kind == .naturalPerson, rules.display.channels[channel]!.rulebook(on: at).naturalPersonsHidden != nil { return [] }
        return bans.filter { $0.inForce(on: at) }
    }

    /// The public view on one channel (protocol.md, `display`): only what is shown on `at`,
    /// from the allow-list of public fields.
    /// - Parameter page: which of the shown items to include (records, then listings, then bans).
    public func displayJSON(channel: Channel, page: Page = .all) -> JSONValue {
        let person = entity.kind == .naturalPerson
        let silent = person && showsNothing(on: channel)
        var shown: [JSONValue] = []
        for record in records where !silent {
            guard let window = record.windows[channel], window.isShown(on: at) else { continue }
            var members: [(String, JSONValue)] = [
                ("eventId", .string(record.eventId)), ("kind", .string(record.kind.rawValue)),
                ("occurredOn", .string(record.occurredOn.description)), ("negative", .bool(record.negative)),
                ("severity", record.severities[channel].map { .string($0.severity.rawValue) } ?? .null),
            ]
            if let severity = record.severities[channel] { members.append(("severityBasis", severity.json)) }
            members.append(("window", window.json))
            members.append(("underObjection", .bool(record.underObjection)))
            assert(record.bodyLoaded, "a shown record's body was not read")
            members.append(("body", rules.publicFields.body(record.body, kind: record.kind)))
            shown.append(.object(members))
        }
        for listing in lists where !silent && listing.isPublic(on: at) && listing.hiddenOn[channel] == nil {
            shown.append(.object([
                ("eventId", .string(listing.eventId)), ("kind", "list.entered"), ("list", .string(listing.list)),
                ("severity", rules.lists[listing.list]?.channels[channel].map { .string($0.severity.rawValue) } ?? .null),
                ("window", ["from": .string(listing.since.description), "until": listing.until.map { .string($0.description) } ?? .null,
                            "repairableFrom": listing.earliestRemoval.map { .string($0.description) } ?? .null, "endReason": .null,
                            "rules": .array(listing.rules.map { .string($0) })]),
                ("underObjection", .bool(records.contains { $0.eventId == listing.eventId && $0.underObjection })),
            ]))
        }
        for ban in bansShown(on: channel) where !silent {
            shown.append(.object([
                ("eventId", .string(ban.eventId)), ("kind", "ban.imposed"), ("scope", .string(ban.scope)), ("severity", .null),
                ("window", ["from": .string(ban.since.description), "until": ban.until.map { .string($0.description) } ?? .null,
                            "repairableFrom": .null, "endReason": .null, "rules": [.string(rules.display.effects.banWindow)]]),
                ("underObjection", false),
            ]))
        }
        let paged = page.slice(shown)
        let profileValue: JSONValue = silent ? .null : profile.map { rules.publicFields.profile($0.body, person: person) } ?? .null
        var members: [(String, JSONValue)] = [
            ("entity", .string(entity.masked)), ("at", .string(at.description)), ("channel", .string(channel.rawValue)),
            ("profile", profileValue),
            ("records", .array(paged.items)),
        ]
        if let member = paged.member { members.append(member) }
        return .object(members)
    }
}
