import CreditDomain
import CreditLedger
import Foundation
import LedgerJSON
import LedgerProtocol

/// The ops' part in replication (issue 15): what served each answer, reads that wait for a
/// seq (`minSeq`), synchronous appends, the fence, followers' reports and promotion.
extension Operations {
    /// The epoch and the durable head now.
    package func served() -> Served {
        Served(epoch: ledger.leadership.epoch, seq: replication.head.reached)
    }

    /// A failure answer refused before (or without) running an op — a bad line, an unknown op,
    /// a missing grant, a full daemon: like every answer, it says what served it.
    package func refusal(id: JSONValue?, _ error: LedgerError) -> Answer {
        failureAnswer(id: id, error: error, served: served())
    }

    var roleName: String { replication.leaderURL == nil ? "leader" : "follower" }

    /// Why this daemon takes no append now, or `nil`.
    func writeRefusal() -> LedgerError? {
        if let leaderURL = replication.leaderURL {
            return LedgerError(.unavailable, "this daemon is a follower of \(leaderURL): send appends to the leader")
        }
        let leadership = ledger.leadership
        if leadership.isFenced {
            return LedgerError(
                .unavailable,
                "a newer leader (epoch \(leadership.met)) has replaced this one (epoch \(leadership.epoch)): it takes no appends until it is made a follower of the new leader (Deploy/running.md)")
        }
        return nil
    }

    /// On a shard, the refusal of the first event whose entity's region it does not hold.
    func regionRefusal(events: JSONValue?) -> LedgerError? {
        guard !regions.isEmpty, let events = events?.arrayValue else { return nil }
        for (index, event) in events.enumerated() {
            // An invalid code is the ledger's to refuse, with its reason.
            guard let text = event["entity"]?.stringValue, let entity = try? EntityCode(validating: text) else { continue }
            let region = entity.regionCode
            if !regions.contains(where: { region.hasPrefix($0) }) {
                return LedgerError(
                    .invalidField, "this ledger holds the regions \(regions.joined(separator: ", ")); the entity's region \(region) belongs to another shard (Deploy/shards.md)",
                    field: "events[\(index)].entity")
            }
        }
        return nil
    }

    /// Calls `done(nil)` once `syncReplicas` followers hold `seq` durably (at once without
    /// synchronous replication), or `done(refusal)` after `syncWait`.
    func whenReplicated(_ seq: UInt64, _ done: @escaping @Sendable (LedgerError?) -> Void) {
        let settings = replication.settings
        guard settings.syncReplicas > 0 else { return done(nil) }
        replication.confirmed.wait(for: seq, timeout: settings.syncWait) { confirmed in
            guard !confirmed else { return done(nil) }
            done(LedgerError(
                .unavailable,
                "committed here at seq \(seq), but fewer than \(settings.syncReplicas) follower(s) confirmed it within \(settings.syncWait): not acknowledged; send the same events again (same eventIds) to learn when it is"))
        }
    }

    /// The grants whose `epoch` counts: a client that writes, an admin, a follower. (A public
    /// caller could otherwise fence the leader with a made-up epoch.)
    static let epochBearingRoles: Set<Role> = [.writer, .admin, .replica]

    /// Notes the `epoch` a request carries: a leader that meets a higher one than it knows was
    /// replaced and is fenced, durably, before anything is answered. Followers lag; they ignore it.
    package func meetEpoch(_ request: Request, caller: Caller) {
        guard let epoch = newerEpoch(request, caller: caller) else { return }
        do {
            // Rare (once per replacement): a short blocking commit is acceptable here.
            if try ledger.meet(epoch: UInt64(epoch)) {
                logger.critical("leadership.fenced", metadata: ["epoch": "\(ledger.leadership.epoch)", "met": "\(epoch)", "caller": "\(caller)"])
            }
        } catch {
            logger.error("leadership.fence_not_stored", metadata: ["epoch": "\(epoch)", "error": "\(error)"])
        }
    }

    /// The epoch `request` carries when it is above every one this leader knows and its
    /// caller's counts (cheap: no store access).
    package func newerEpoch(_ request: Request, caller: Caller) -> UInt64? {
        guard let epoch = request["epoch"]?.intValue, epoch > 0, UInt64(epoch) > ledger.leadership.met,
            replication.role == .leader, !caller.grant.roles.isDisjoint(with: Self.epochBearingRoles)
        else { return nil }
        return UInt64(epoch)
    }

    /// A subscriber resuming at `from` says which record it holds before it (`prevHash`):
    /// one that holds records this log lacks, or a different history, is refused.
    func checkContinuity(_ request: Request, from: UInt64) throws {
        guard let value = request["prevHash"], !value.isNull else { return }
        guard let prevHash = value.stringValue, from > 1 else {
            throw LedgerError(.invalidField, "prevHash must be the hash (hex) of the record before from", field: "prevHash")
        }
        guard let record = try ledger.record(seq: from - 1) else {
            let head = try ledger.head().seq
            throw LedgerError(.conflict, "the subscriber holds seq \(from - 1), this log ends at \(head): it holds events this log lacks", field: "from")
        }
        guard record.hashHex == prevHash else {
            throw LedgerError(.conflict, "the subscriber's record \(from - 1) is not this log's: the histories differ", field: "prevHash")
        }
    }

    /// `replicated`: a follower reports the seq it holds durably.
    func replicated(_ request: Request, caller: Caller?) throws -> [UInt8] {
        guard let seq = try request.integer("seq", in: 0...Int64.max) else { throw LedgerError(.missingField, "seq is required", field: "seq") }
        guard let name = caller?.certificate?.name else {
            throw LedgerError(.forbidden, "replicated is reported over the HTTPS edge, under a replica certificate")
        }
        // A follower cannot hold more than this log: a report past the head counts as the head.
        let held = min(UInt64(seq), replication.head.reached)
        replication.followerReported(name: name, seq: held)
        return CanonicalJSON.encode(["seq": .int(Int64(held))])
    }

    /// The `replication` block of `stats` (admins): role, epochs, the followers' reports, and
    /// on a follower its state with why it stopped.
    func replicationStatsJSON() -> JSONValue {
        let leadership = ledger.leadership
        var members: [(String, JSONValue)] = [
            ("role", .string(roleName)), ("epoch", .int(Int64(leadership.epoch))), ("fenced", .bool(leadership.isFenced)),
            ("syncReplicas", .int(Int64(replication.settings.syncReplicas))), ("followers", replication.followersJSON),
        ]
        if leadership.isFenced { members.append(("newerEpoch", .int(Int64(leadership.met)))) }
        if let follower = replication.adminFollowerStatus { members.append(("follower", follower)) }
        return .object(members)
    }

    /// `promote`: a follower stops following, verifies its whole log, stores an epoch above
    /// every one it knows and takes appends. The answer: the new epoch and the verified head.
    func promote(_ request: Request, completion: @escaping @Sendable (Answer) -> Void) {
        let started = ContinuousClock.now
        Task.detached { [self] in
            let outcome: Result<[UInt8], LedgerError>
            do {
                outcome = .success(CanonicalJSON.encode(try await promoted()))
            } catch {
                outcome = .failure(Self.protocolError(error))
            }
            completion(finish(request, startedAt: started, outcome))
        }
    }

    private func promoted() async throws -> JSONValue {
        guard let leaderURL = replication.leaderURL else {
            throw LedgerError(.conflict, "this daemon is the leader already (epoch \(ledger.leadership.epoch))")
        }
        await replication.stopFollowing()
        let verified = try ledger.verify()
        guard verified.ok else {
            throw LedgerError(
                .internal, "the log does not verify (\(verified.problem ?? "first bad seq \(verified.firstBadSeq ?? 0)")): not promoted; following has stopped")
        }
        let leadership = ledger.leadership.promoted
        try ledger.setLeadership(leadership)
        let tellFormerLeader = replication.becomeLeader()
        logger.critical("leadership.promoted", metadata: ["epoch": "\(leadership.epoch)", "head": "\(verified.headSeq)", "formerLeader": "\(leaderURL)"])
        // Leading already: a former leader that still runs is told the new epoch and fences itself.
        let notice = await tellFormerLeader?(leadership.epoch) ?? ["fenced": false, "reason": "no follower to tell it"]
        return [
            "epoch": .int(Int64(leadership.epoch)), "head": .int(Int64(verified.headSeq)), "headHash": .string(verified.headHashHex),
            "formerLeader": .string(leaderURL), "formerLeaderNotice": notice,
        ]
    }

    /// Answers a request that carries `minSeq` once this daemon's durable head reaches it —
    /// at once when it has — or `unavailable` after `minSeqWait`. `nil` `minSeq`: answered as usual.
    package func answerWhenReached(_ request: Request, caller: Caller, completion: @escaping @Sendable (Answer) -> Void) {
        let started = ContinuousClock.now
        let minSeq: Int64
        do {
            guard let value = try request.integer("minSeq", in: 0...Int64.max) else {
                assertionFailure("answerWhenReached without minSeq")
                return completion(answer(request, caller: caller))
            }
            minSeq = value
        } catch {
            return completion(finish(request, startedAt: started, .failure(error)))
        }
        let wait = replication.settings.minSeqWait
        replication.head.wait(for: UInt64(minSeq), timeout: wait) { [self] reached in
            guard reached else {
                return completion(finish(request, startedAt: started, .failure(LedgerError(
                    .unavailable, "this daemon holds the log up to seq \(replication.head.reached); minSeq \(minSeq) was not reached within \(wait)", field: "minSeq"))))
            }
            switch request.operation.answering {
            case .afterCommit: submit(request, caller: caller, completion: completion)
            case .atOnce, .stream: computations.run { completion(answer(request, caller: caller, startedAt: started)) }
            }
        }
    }
}
