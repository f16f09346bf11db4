import CreditDomain
import LedgerJSON

/// Which records' bodies an answer reads: every one (`status`), those shown on a date on
/// some of the channels (`display`, `report`), or none (`check`).
public enum RecordBodies: Sendable, Equatable {
    case all
    case shown(on: CivilDate, channels: [Channel])
    case none
}

extension EntityFold {
    static func parseWindowFields(_ text: String) -> JSONValue {
        guard !text.isEmpty, let value = try? JSONParser.parse(Array(text.utf8)) else { return .object([]) }
        return value
    }

    /// The entity's state on `at`: the fold with the rules applied, channel by channel.
    /// - Parameters:
    ///   - at: the query date; answers are exact for events in effect by then, so a stored
    ///     fold (which holds every event) answers only for `at ≥ latestOccurredOn`.
    ///   - knownAtSeq: the transaction-time bound the answer echoes.
    ///   - interest: when given, only these records are read and evaluated, and no profile,
    ///     grade or fraud body is read (admission needs only an event's targets; the
    ///     answer is then partial and must not be shown).
    ///   - bodies: which records' bodies to read (the rest carry only the fields their windows need).
    ///   - body: the body of the stored event at a seq (records, profile, grades).
    public func state(
        at: CivilDate, knownAtSeq: UInt64, rules: RuleSet, interest: Set<String>? = nil, bodies: RecordBodies = .all,
        body: (UInt64) throws -> JSONValue
    ) rethrows -> EntityState {
        let person = entity.kind == .naturalPerson
        var state = EntityState(
            entity: entity, at: at, knownAtSeq: knownAtSeq, profile: nil, records: [], lists: [], bans: [], commitments: commitments,
            pending: [], grade: nil, deregisteredOn: deregisteredOn, supervisionClass: rules.supervision.fallback, flags: [], basisEventIds: basis,
            rules: rules)
        if let profile, interest == nil {
            state.profile = (profile.eventId, Projector.corrected(try body(profile.seq), corrections[profile.eventId]))
        }
        for grade in grades where interest == nil && revokedBy[grade.eventId] == nil && (grade.validUntil.map { at <= $0 } ?? true) {
            state.grade = (grade.eventId, Projector.corrected(try body(grade.seq), corrections[grade.eventId]))
        }
        var recordIndex: [String: Int] = [:]
        var seqs: [UInt64] = []
        for fact in records where interest?.contains(fact.eventId) ?? true {
            recordIndex[fact.eventId] = state.records.count
            seqs.append(fact.seq)
            let read = bodies == .all || interest != nil
            let recordBody = read ? try body(fact.seq) : Self.parseWindowFields(fact.windowFields)
            var record = Projector.record(fact, body: recordBody, corrections: corrections[fact.eventId], revokedBy: revokedBy[fact.eventId])
            record.bodyLoaded = read
            state.records.append(record)
        }
        let penaltyTerms = { (ids: [String]) -> CivilDate? in
            ids.compactMap { id in recordIndex[id].flatMap { index in
                state.records[index].kind == .penaltyImposed ? PenaltyFacts(body: state.records[index].body, decidedOn: state.records[index].occurredOn).termEnd : nil
            } }.max()
        }
        for fact in listings {
            let basisRevoked = fact.basis.contains { revokedBy[$0] != nil }
            var listing = Projector.listing(fact, rules: rules, revoked: revokedBy[fact.eventId] != nil || basisRevoked, linkedTermEnd: penaltyTerms(fact.basis))
            // SAMR Order 44 Art. 19: a listing whose basis penalty is revoked is revoked with it.
            if basisRevoked { listing.rules.append(rules.listBasisRevoked) }
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

        // Windows per channel, from the rules alone.
        var linkedListings: [String: Set<String>] = [:]
        for listing in state.lists where !listing.revoked {
            for basisId in listing.basis { linkedListings[basisId, default: []].insert(listing.list) }
        }
        for index in state.records.indices {
            state.records[index].fulfilled = fulfilledOn[state.records[index].eventId] != nil
            Projector.computeWindows(&state.records[index], person: person, linkedListings: linkedListings[state.records[index].eventId] ?? [], rules: rules)
            for ending in licenceEnds[state.records[index].eventId] ?? [] {
                Projector.end(&state.records[index], before: ending.on, reason: .expired, by: ending.by, effect: "licence ended", rule: rules.display.effects.licenceEnded)
            }
        }

        // Repairs, channel by channel, and repairs revoked for fraud.
        let originalWindows = state.records.map(\.windows)
        for grant in grants {
            guard let application = applications.first(where: { $0.eventId == grant.application }) else { continue }
            if let listingIndex = state.lists.firstIndex(where: { $0.eventId == application.target }) {
                // A granted repair of a listing is an exit from the list.
                Projector.exit(&state.lists[listingIndex], on: grant.on, by: grant.eventId, reason: "repair")
                continue
            }
            guard let index = recordIndex[application.target] else { continue }
            let ended = Projector.repair(&state.records[index], appliedOn: application.on, grantedOn: grant.on, by: grant.eventId, rules: rules)
            for revocation in fraud where revocation.grant == grant.eventId {
                Projector.revokeForFraud(&state.records[index], original: originalWindows[index], endedOn: ended, on: revocation.on, by: revocation.eventId, rules: rules)
            }
        }
        for revocation in fraud {
            // An exit (or a repair of a listing) obtained by fraud: back on the list, the period
            // restarts, no early removal (SAMR Order 107 Art. 23, Order 44 Art. 20).
            if let index = state.lists.firstIndex(where: { $0.exitedBy == revocation.grant }) {
                Projector.restore(&state.lists[index], on: revocation.on, by: revocation.eventId, rules: rules, linkedTermEnd: penaltyTerms(state.lists[index].basis))
                if let second = listings.first(where: { $0.eventId == state.lists[index].eventId })?.exitAfterRestore,
                    let resumed = state.lists[index].resumed, second.on > resumed.lowerBound
                {
                    state.lists[index].resumed = resumed.lowerBound...min(resumed.upperBound, second.on.adding(days: -1))
                    state.lists[index].exitedBy = second.by
                    state.lists[index].exitReason = second.reason
                }
            }
            guard interest == nil else { continue }
            state.records.append(Projector.fraudRecord(revocation, body: try body(revocation.seq), person: person, rules: rules))
        }

        // A listing's exit ends the display of the penalties it rests on, unless their own rule
        // keeps them longer (SAMR Order 107 Art. 13).
        for listing in state.lists where listing.exitedBy != nil && !listing.revoked && listing.exitReason != "revoked" && listing.resumed == nil {
            guard let until = listing.until else { continue }
            for basisId in listing.basis {
                guard let index = recordIndex[basisId], state.records[index].kind == .penaltyImposed else { continue }
                Projector.endWithListing(&state.records[index], exitedOn: until.adding(days: 1), by: listing.exitedBy!, rules: rules)
            }
        }
        Projector.spotCheckWindows(&state, links: spotCheckLinks, recordIndex: recordIndex, rules: rules)
        if let deregistered = deregisteredOn {
            Projector.deregister(&state, on: deregistered, rules: rules)
        }
        for shielding in shieldings {
            Projector.shield(&state, shielding, rules: rules)
        }

        let pendingObjections = objections.filter { $0.effective && !($0.resolvedOn.map { $0 <= at } ?? false) }
        for index in state.records.indices {
            for channel in Channel.allCases {
                guard var window = state.records[index].windows[channel] else { continue }
                if window.endReason == nil, let until = window.until, until < at, window.from != nil { window.endReason = .expired }
                if window.endReason == nil, window.shielded.contains(where: { $0.contains(at) }) { window.endReason = .shielded }
                state.records[index].windows[channel] = window
            }
            let objectionsOfRecord = pendingObjections
                .filter { $0.target == state.records[index].eventId }
                .sorted { ($0.on, $0.eventId) < ($1.on, $1.eventId) }
            for objection in objectionsOfRecord {
                state.records[index].underObjection = true
                state.records[index].supersededBy.append(Supersession(objection.eventId, "objection pending: flagged, display continues (\(rules.display.effects.objectionPending))"))
            }
        }
        for index in state.lists.indices {
            state.lists[index].hiddenOn = Projector.listingHiddenOn(state.lists[index], on: at, person: person, rules: rules)
        }

        if case let .shown(date, channels) = bodies {
            for index in recordIndex.values where channels.contains(where: { state.records[index].windows[$0]?.isShown(on: date) ?? false }) {
                let eventId = state.records[index].eventId
                state.records[index].body = Projector.corrected(try body(seqs[index]), corrections[eventId])
                state.records[index].bodyLoaded = true
            }
        }
        state.pending = Projector.pendingItems(
            objections: pendingObjections, applications: applications.filter { $0.decidedBy == nil }, records: state.records,
            lists: state.lists, recordIndex: recordIndex, at: at, rules: rules)
        state.flags = Projector.flags(state, at: at)
        state.supervisionClass = rules.supervision.classify(state, at: at)
        return state
    }
}
