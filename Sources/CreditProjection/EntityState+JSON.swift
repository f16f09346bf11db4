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

/// Personal data that public answers never show (domain.md §6).
enum Masking {
    static let personalFields: Set<String> = ["address", "contact", "idNumber"]

    /// `value` without personal fields at any depth.
    static func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .object(members):
            return .object(members.filter { !personalFields.contains($0.0) }.map { ($0.0, mask($0.1)) })
        case let .array(elements):
            return .array(elements.map(mask))
        default:
            return value
        }
    }
}

extension EntityState {
    func recordJSON(_ record: RecordState, windows: [Channel], masked: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("eventId", .string(record.eventId)), ("kind", .string(record.kind.rawValue)),
            ("occurredOn", .string(record.occurredOn.description)), ("negative", .bool(record.negative)),
            ("severity", record.severity.map { .string($0.severity.rawValue) } ?? .null),
        ]
        if let severity = record.severity {
            members.append(("severityBasis", ["given": .bool(severity.given), "rule": .string(severity.rule), "reason": .string(severity.reason)]))
        }
        if windows.count == 1, let window = record.windows[windows[0]] {
            members.append(("window", window.json))
        } else {
            members.append(("windows", .object(windows.compactMap { channel in record.windows[channel].map { (channel.rawValue, $0.json) } })))
            members.append(("displayed", .object(windows.map { ($0.rawValue, .bool(record.windows[$0]?.isShown(on: at) ?? false)) })))
        }
        members.append(("underObjection", .bool(record.underObjection)))
        if record.kind == .penaltyImposed { members.append(("fulfilled", .bool(record.fulfilled))) }
        if !record.supersededBy.isEmpty {
            members.append(("supersededBy", .array(record.supersededBy.map { ["eventId": .string($0.eventId), "effect": .string($0.effect)] })))
        }
        members.append(("body", masked ? Masking.mask(record.body) : record.body))
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
        return .object([
            ("entity", .string(entity.code)), ("entityKind", .string(entity.kind.rawValue)), ("at", .string(at.description)),
            ("knownAt", .int(Int64(knownAtSeq))),
            ("profile", profile.map { ["eventId": .string($0.eventId), "body": $0.body] } ?? .null),
            ("lists", .array(lists)),
            ("records", .array(records.map { recordJSON($0, windows: Channel.allCases, masked: false) })),
            ("bans", .array(bans)), ("commitments", .array(commitments)), ("pending", .array(pending)),
            ("grade", grade.map { ["eventId": .string($0.eventId), "body": $0.body] } ?? .null),
            ("deregisteredOn", deregisteredOn.map { .string($0.description) } ?? .null),
            ("supervisionClass", .string(supervisionClass.value)),
            ("flags", .array(flags.map { .string($0) })),
            ("basis", ["events": .array(basisEventIds.map { .string($0) }), "supervisionClassRule": .string(supervisionClass.rule)]),
        ])
    }

    /// A person's name shows only its first character (domain.md §6); addresses and ID numbers never.
    func maskedProfile(_ body: JSONValue) -> JSONValue {
        guard entity.kind == .naturalPerson, case let .object(members) = Masking.mask(body) else { return Masking.mask(body) }
        return .object(members.map { name, value in
            guard name == "name", let text = value.stringValue, let first = text.first else { return (name, value) }
            return (name, .string(String(first) + String(repeating: "*", count: max(1, text.count - 1))))
        })
    }

    /// The public view on one channel (protocol.md, `display`): only what is shown on `at`, masked.
    public func displayJSON(channel: Channel) -> JSONValue {
        var shown: [JSONValue] = records.filter { $0.windows[channel]?.isShown(on: at) ?? false }.map { recordJSON($0, windows: [channel], masked: true) }
        for listing in lists where listing.inForce(on: at) {
            // Listings are shown while in force; a person's negative listing is not shown on creditchina.
            if entity.kind == .naturalPerson && channel == .creditchina && listing.list != "red" { continue }
            shown.append(.object([
                ("eventId", .string(listing.eventId)), ("kind", "list.entered"), ("list", .string(listing.list)), ("severity", .null),
                ("window", ["from": .string(listing.since.description), "until": listing.until.map { .string($0.description) } ?? .null,
                            "repairableFrom": listing.earliestRemoval.map { .string($0.description) } ?? .null, "endReason": .null,
                            "rules": .array(listing.rules.map { .string($0) })]),
                ("underObjection", .bool(records.contains { $0.eventId == listing.eventId && $0.underObjection })),
            ]))
        }
        for ban in bans where ban.inForce(on: at) {
            shown.append(.object([
                ("eventId", .string(ban.eventId)), ("kind", "ban.imposed"), ("scope", .string(ban.scope)), ("severity", .null),
                ("window", ["from": .string(ban.since.description), "until": ban.until.map { .string($0.description) } ?? .null,
                            "repairableFrom": .null, "endReason": .null, "rules": ["ban-displayed-while-in-force"]]),
                ("underObjection", false),
            ]))
        }
        return .object([
            ("entity", .string(entity.masked)), ("at", .string(at.description)), ("channel", .string(channel.rawValue)),
            ("profile", profile.map { maskedProfile($0.body) } ?? .null),
            ("records", .array(shown)),
        ])
    }
}
