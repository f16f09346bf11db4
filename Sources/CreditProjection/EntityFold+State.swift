import CreditDomain
import LedgerJSON

extension EntityFold {
    /// The entity's state on `at`: the fold with the rules applied.
    /// - Parameters:
    ///   - at: the query date; answers are exact for events in effect by then, so a stored
    ///     fold (which holds every event) answers only for `at ≥ latestOccurredOn`.
    ///   - knownAtSeq: the transaction-time bound the answer echoes.
    ///   - body: the body of the stored event at a seq (records, profile, grades).
    public func state(at: CivilDate, knownAtSeq: UInt64, rules: RuleSet, body: (UInt64) throws -> JSONValue) rethrows -> EntityState {
        var state = EntityState(
            entity: entity, at: at, knownAtSeq: knownAtSeq, profile: nil, records: [], lists: [], bans: [], commitments: commitments,
            pending: [], grade: nil, deregisteredOn: deregisteredOn, supervisionClass: ("B", "class-b-normal"), flags: [], basisEventIds: basis)
        if let profile {
            state.profile = (profile.eventId, Projector.corrected(try body(profile.seq), corrections[profile.eventId]))
        }
        for grade in grades where revokedBy[grade.eventId] == nil && (grade.validUntil.map { at <= $0 } ?? true) {
            state.grade = (grade.eventId, Projector.corrected(try body(grade.seq), corrections[grade.eventId]))
        }
        var recordIndex: [String: Int] = [:]
        for fact in records {
            recordIndex[fact.eventId] = state.records.count
            state.records.append(Projector.record(fact, body: try body(fact.seq), corrections: corrections[fact.eventId], revokedBy: revokedBy[fact.eventId]))
        }
        for fact in listings {
            var listing = Projector.listing(fact, rules: rules, revoked: revokedBy[fact.eventId] != nil || fact.basis.contains { revokedBy[$0] != nil })
            if let exit = fact.exit { Projector.exit(&listing, on: exit.on, by: exit.by, reason: exit.reason) }
            state.lists.append(listing)
        }
        for fact in bans {
            var ban = BanState(
                eventId: fact.eventId, scope: fact.scope, since: fact.since, until: fact.termUntil, permanent: fact.permanent, liftedBy: nil,
                revoked: revokedBy[fact.eventId] != nil)
            if let lift = fact.lift {
                let last = lift.on.adding(days: -1)
                if ban.until.map({ last < $0 }) ?? true { ban.until = last }
                ban.liftedBy = lift.by
            }
            state.bans.append(ban)
        }

        // Windows of the records, then what later events did to them.
        let seriousBasis = Set(state.lists.filter { $0.list == "serious-dishonesty" && !$0.revoked }.flatMap(\.basis))
        let person = entity.kind == .naturalPerson
        for index in state.records.indices {
            state.records[index].fulfilled = fulfilledOn[state.records[index].eventId] != nil
            Projector.computeWindows(&state.records[index], person: person, linkedToSeriousListing: seriousBasis.contains(state.records[index].eventId), rules: rules)
            for ending in licenceEnds[state.records[index].eventId] ?? [] {
                Projector.end(&state.records[index], before: ending.on, reason: .expired, by: ending.by, effect: "licence ended", rule: "license-ended-by-event")
            }
        }
        for grant in grants {
            guard let target = applications.first(where: { $0.eventId == grant.application })?.target else { continue }
            if let listingIndex = state.lists.firstIndex(where: { $0.eventId == target }) {
                // A granted repair of a listing is an exit from the list.
                Projector.exit(&state.lists[listingIndex], on: grant.on, by: grant.eventId, reason: "repair")
                continue
            }
            guard let index = recordIndex[target] else { continue }
            Projector.end(&state.records[index], before: grant.on, reason: .repaired, by: grant.eventId, effect: "repair granted: display ends")
            for revocation in fraud where revocation.grant == grant.eventId {
                Projector.resume(&state.records[index], on: revocation.on, by: revocation.eventId, rules: rules)
            }
        }
        for revocation in fraud {
            // The fraud is a negative record of its own, shown 3 years with no early end (Order 107 Art. 23).
            let rule = rules.display.otherRecords["repair.revoked"]!
            var fraudRecord = RecordState(
                eventId: revocation.eventId, kind: .repairRevoked, occurredOn: revocation.on, body: try body(revocation.seq),
                negative: true, severity: nil, windows: [:], underObjection: false, supersededBy: [], revoked: false, fulfilled: false)
            for channel in Channel.allCases {
                fraudRecord.windows[channel] = person && channel == .creditchina
                    ? .never("ndrc-36-art12-natural-persons", "a natural person's negative records are not shown on creditchina")
                    : rules.display.fixedWindow(start: revocation.on, months: rule.fixedMonths ?? 36, rule: rule.id)
            }
            state.records.append(fraudRecord)
        }
        for listing in state.lists where listing.exitedBy != nil && !listing.revoked && listing.exitReason != "revoked" {
            // An exit ends the display of the penalties the listing rests on (Order 107 Art. 13).
            guard let until = listing.until else { continue }
            for basisId in listing.basis {
                guard let index = recordIndex[basisId], state.records[index].kind == .penaltyImposed else { continue }
                let termEnd = PenaltyFacts(body: state.records[index].body, decidedOn: state.records[index].occurredOn).termEnd
                let cut = max(until, termEnd ?? until).adding(days: 1)
                Projector.end(&state.records[index], before: cut, reason: .listExit, by: listing.exitedBy!, effect: "listing exited", rule: rules.listExitEndsBasis)
            }
        }
        if let deregistered = deregisteredOn {
            for index in state.records.indices where state.records[index].negative {
                state.records[index].windows[.gsxt]?.cut(before: deregistered, reason: .deregistered, rule: "samr-107-art20-deregistered")
            }
        }
        let pendingObjections = objections.filter { $0.effective && !($0.resolvedOn.map { $0 <= at } ?? false) }
        for index in state.records.indices {
            for channel in Channel.allCases {
                guard var window = state.records[index].windows[channel] else { continue }
                if window.endReason == nil, let until = window.until, until < at, window.from != nil { window.endReason = .expired }
                state.records[index].windows[channel] = window
            }
            let objectionsOfRecord = pendingObjections
                .filter { $0.target == state.records[index].eventId }
                .sorted { ($0.on, $0.eventId) < ($1.on, $1.eventId) }
            for objection in objectionsOfRecord {
                state.records[index].underObjection = true
                state.records[index].supersededBy.append((objection.eventId, "objection pending: flagged, display continues"))
            }
        }

        state.pending = Projector.pendingItems(
            objections: pendingObjections, applications: applications.filter { $0.decidedBy == nil }, records: state.records,
            recordIndex: recordIndex, at: at, rules: rules)
        state.flags = Projector.flags(state, at: at)
        state.supervisionClass = Projector.supervisionClass(state, at: at)
        return state
    }
}
