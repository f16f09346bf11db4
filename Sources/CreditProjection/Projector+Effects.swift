import CreditDomain
import LedgerJSON

/// What later events do to records and listings, channel by channel.
extension Projector {
    /// A granted repair: on each channel whose rules allowed the repair on the application's
    /// date, display ends the day before the grant; elsewhere the record stays shown and the
    /// answer names the rule that keeps it (NDRC Order 36 Arts. 12, 14; SAMR Order 107 Arts. 8, 11).
    /// - Returns: the channels where display ended.
    static func repair(_ record: inout RecordState, appliedOn: CivilDate, grantedOn: CivilDate, by eventId: String, rules: RuleSet) -> Set<Channel> {
        var ended: Set<Channel> = []
        var supersession = Supersession(eventId, "repair granted")
        for channel in Channel.allCases {
            guard var window = record.windows[channel], window.from != nil else { continue }
            if let earliest = window.repairableFrom, appliedOn >= earliest {
                // A grant takes effect no earlier than its application (a log may say otherwise).
                window.cut(before: max(grantedOn, appliedOn), reason: .repaired, rule: rules.display.effects.repaired)
                supersession.channels[channel] = ("display ends", rules.display.effects.repaired)
                ended.insert(channel)
            } else if let repairable = window.repairableFrom {
                supersession.channels[channel] = ("kept: repair possible on this channel from \(repairable)", window.rules.last ?? rules.display.effects.repaired)
            } else {
                supersession.channels[channel] = ("kept: this channel's rules allow no repair", window.keptBy ?? window.rules.last ?? rules.display.effects.repaired)
            }
            record.windows[channel] = window
        }
        record.supersededBy.append(supersession)
        return ended
    }

    /// A repair revoked for fraud: where it had ended display, display resumes from the
    /// revocation — for the whole period again where the channel restarts it (SAMR Order 107
    /// Art. 23), for the rest of the original window where it restores it (NDRC Order 36
    /// Art. 25). Either way no repair can end it early.
    static func revokeForFraud(
        _ record: inout RecordState, original: [Channel: DisplayWindow], endedOn: Set<Channel>, on date: CivilDate, by eventId: String, rules: RuleSet
    ) {
        var supersession = Supersession(eventId, "repair revoked for fraud")
        for channel in Channel.allCases {
            guard var window = record.windows[channel], let originalWindow = original[channel], let from = originalWindow.from else { continue }
            let fraudRule = rules.display.channels[channel]!.fraudRule
            window.repairableFrom = nil
            window.keptBy = fraudRule.id
            window.rules.append(fraudRule.id)
            if endedOn.contains(channel), let originalEnd = originalWindow.until {
                let end = fraudRule.restartsPeriod ? date.adding(months: max(monthsBetween(from, originalEnd), 1)) : originalEnd
                if date <= end {
                    window.resumed = date...end
                    window.endReason = nil
                }
                supersession.channels[channel] = (fraudRule.restartsPeriod ? "display resumes, the period restarts" : "display resumes for the rest of its period", fraudRule.id)
            } else {
                supersession.channels[channel] = ("no early end", fraudRule.id)
            }
            record.windows[channel] = window
        }
        record.supersededBy.append(supersession)
    }

    /// The fraud itself: a negative record shown 3 years with no early end (Order 107 Art. 23; Order 36 Art. 25).
    static func fraudRecord(_ revocation: EntityFold.FraudFact, body: JSONValue, person: Bool, rules: RuleSet) -> RecordState {
        let rule = rules.display.otherRecords[OtherRecordName.repairFraud]!
        var record = RecordState(
            eventId: revocation.eventId, kind: .repairRevoked, occurredOn: revocation.on, body: body, negative: true, severities: [:], windows: [:],
            underObjection: false, supersededBy: [], revoked: false, fulfilled: false)
        for channel in Channel.allCases {
            record.windows[channel] = fixedNegativeWindow(start: revocation.on, months: rule.fixedMonths ?? 36, rule: rule.id, channel: channel, person: person, rules: rules)
        }
        return record
    }

    /// A listing whose exit was obtained by fraud: in force again from the revocation for a
    /// full term, with no early removal (SAMR Order 44 Art. 20; Order 107 Art. 23).
    static func restore(_ listing: inout ListingState, on date: CivilDate, by eventId: String, rules: RuleSet, linkedTermEnd: CivilDate?) {
        let rule = rules.lists[listing.list]
        var end: CivilDate? = rule?.termMonths.map { date.adding(months: $0) }
        if let term = linkedTermEnd, let current = end, term > current { end = term }
        listing.resumed = date...(end ?? CivilDate.plausibleRange.upperBound)
        listing.earliestRemoval = nil
        listing.rules.append(rules.display.channels[.gsxt]!.fraudRule.id)
        listing.exitReason = (listing.exitReason ?? "exit") + ", revoked for fraud by " + eventId
    }

    /// A penalty whose listing was exited: display ends with the listing on each channel,
    /// unless the penalty's own rule keeps it (no repair, a fraud) — and never before its
    /// measure term ends (SAMR Order 107 Art. 13).
    static func endWithListing(_ record: inout RecordState, exitedOn: CivilDate, by eventId: String, rules: RuleSet) {
        let termEnd = PenaltyFacts(body: record.body, decidedOn: record.occurredOn).termEnd
        let cut = max(exitedOn, termEnd.map { $0.adding(days: 1) } ?? exitedOn)
        var supersession = Supersession(eventId, "listing exited")
        for channel in Channel.allCases {
            guard var window = record.windows[channel], window.from != nil else { continue }
            if let keptBy = window.keptBy {
                supersession.channels[channel] = ("kept: its own rule is longer", keptBy)
                continue
            }
            window.cut(before: cut, reason: .listExit, rule: rules.listExitEndsBasis)
            supersession.channels[channel] = (cut > exitedOn ? "display ends when the measure term ends" : "display ends with the listing", rules.listExitEndsBasis)
            record.windows[channel] = window
        }
        record.supersededBy.append(supersession)
    }

    /// Negative spot-check results tied to a general or serious penalty or to a listing stop
    /// together with the last of them, not after 3 months (SAMR Order 107 Art. 10).
    static func spotCheckWindows(_ state: inout EntityState, links: [String: [String]], recordIndex: [String: Int], rules: RuleSet) {
        let rule = rules.display.otherRecords[OtherRecordName.spotCheck]!
        guard let channel = rule.channel else { return }
        for (spotCheck, targets) in links {
            guard let index = recordIndex[spotCheck], var window = state.records[index].windows[channel], window.from != nil,
                window.rules.first == rule.id
            else { continue }
            var ends: [CivilDate?] = []
            for target in targets {
                if let targetIndex = recordIndex[target], let targetWindow = state.records[targetIndex].windows[channel], targetWindow.from != nil,
                    let severity = state.records[targetIndex].severities[channel]?.severity, severity > .minor
                {
                    ends.append(targetWindow.resumed?.upperBound ?? targetWindow.until)
                } else if let listing = state.lists.first(where: { $0.eventId == target }), !listing.revoked {
                    ends.append(listing.resumed?.upperBound ?? listing.until)
                }
            }
            guard !ends.isEmpty else { continue }
            // An open-ended target keeps the result shown while it lasts.
            window.until = ends.contains { $0 == nil } ? nil : max(window.until!, ends.compactMap { $0 }.max()!)
            state.records[index].windows[channel] = window
        }
    }

    /// Deregistration: GSXT stops showing the entity's negative records, and the entity
    /// leaves the lists that end on deregistration (SAMR Order 107 Art. 20).
    static func deregister(_ state: inout EntityState, on date: CivilDate, rules: RuleSet) {
        let rule = rules.display.effects.deregistered
        for index in state.records.indices where state.records[index].negative {
            state.records[index].windows[.gsxt]?.cut(before: date, reason: .deregistered, rule: rule)
        }
        for index in state.lists.indices where rules.lists[state.lists[index].list]?.endsOnDeregistration == true && state.lists[index].inForce(on: date) {
            let last = date.adding(days: -1)
            if state.lists[index].until.map({ last < $0 }) ?? true { state.lists[index].until = last }
            if let resumed = state.lists[index].resumed, resumed.upperBound >= date {
                state.lists[index].resumed = resumed.lowerBound < date ? resumed.lowerBound...last : nil
            }
            state.lists[index].exitReason = "deregistered"
            state.lists[index].earliestRemoval = nil
            state.lists[index].rules.append(rule)
        }
    }

    /// Bankruptcy reorganisation or settlement: the negative records and listings that exist
    /// on the ruling's date are not shown while it runs; shown again if the plan fails; on
    /// completion GSXT stops them for good and Credit China shows them again (the party may
    /// apply for repair). Periods keep running meanwhile (README, shielding).
    static func shield(_ state: inout EntityState, _ shielding: EntityFold.ShieldingFact, rules: RuleSet) {
        let effects = rules.display.effects
        let lastShielded = shielding.end.map { $0.on.adding(days: -1) } ?? CivilDate.plausibleRange.upperBound
        guard lastShielded >= shielding.since else { return }
        let span = shielding.since...lastShielded
        let completed = shielding.end?.reason == "completed"
        for index in state.records.indices where state.records[index].negative && state.records[index].occurredOn <= shielding.since {
            var supersession = Supersession(shielding.eventId, "shielded during bankruptcy reorganisation or settlement")
            for channel in Channel.allCases {
                guard var window = state.records[index].windows[channel], window.from != nil else { continue }
                if completed && channel == .gsxt {
                    window.cut(before: shielding.since, reason: .shielded, rule: effects.shieldingCompleted)
                    supersession.channels[channel] = ("display stops: the plan was carried out", effects.shieldingCompleted)
                } else {
                    window.shielded.append(span)
                    window.rules.append(effects.shielded)
                    let outcome = shielding.end == nil ? "shielded while the plan runs" : "shown again after the shielding"
                    supersession.channels[channel] = (outcome, shielding.end?.reason == "failed" ? effects.shieldingFailed : effects.shielded)
                }
                state.records[index].windows[channel] = window
            }
            state.records[index].supersededBy.append(supersession)
        }
        for index in state.lists.indices where (rules.lists[state.lists[index].list]?.negative ?? true) && state.lists[index].since <= shielding.since {
            state.lists[index].shielded.append(span)
            state.lists[index].rules.append(effects.shielded)
        }
    }

    /// The channels that do not show `listing` on `date`: a list whose severity that channel's
    /// rulebook on the day does not show (abnormal operations on Credit China from 2026-04-01,
    /// NDRC Order 36 Art. 8(3)), a natural person's negative listing where persons are hidden,
    /// a shielded listing.
    static func listingHiddenOn(_ listing: ListingState, on date: CivilDate, person: Bool, rules: RuleSet) -> [Channel: String] {
        var hidden: [Channel: String] = [:]
        let negative = rules.lists[listing.list]?.negative ?? true
        for channel in Channel.allCases {
            let rulebook = rules.display.channels[channel]!.rulebook(on: date)
            if listing.shielded.contains(where: { $0.contains(date) }) {
                hidden[channel] = rules.display.effects.shielded
            } else if negative, person, let rule = rulebook.naturalPersonsHidden {
                hidden[channel] = rule
            } else if let (severity, _) = rules.lists[listing.list]?.channels[channel], let tier = rulebook.tiers[severity], !tier.displayed {
                hidden[channel] = tier.id
            }
        }
        return hidden
    }
}
