import Foundation
import LedgerJSON
import Synchronization

/// This daemon's place in replication (issue 15): the leader, or a follower of a leader's
/// edge; the durable seqs its followers confirm (synchronous replication); the head reads
/// wait for (`minSeq`); and promotion from follower to leader.
public final class Replication: Sendable {
    /// Who takes appends.
    public enum Role: Sendable, Equatable {
        case leader
        /// Copies the log of the leader at this URL; refuses appends, naming it.
        case follower(leaderURL: String)
    }

    /// The settings of `creditledgerd.json` that bound replication's waits.
    public struct Settings: Sendable {
        /// Followers that must hold a commit durably before an append is acknowledged (0: none).
        public var syncReplicas = 0
        /// How long an append waits for them before it answers `unavailable`.
        public var syncWait: Duration = .seconds(5)
        /// How long a read with `minSeq` waits for this daemon's log to reach it.
        public var minSeqWait: Duration = .seconds(5)
        /// The longest wait a configuration may set.
        public static let longestWait: Duration = .seconds(60)
        public init() {}
    }

    /// What the follower lends to `ping`, `stats` and promotion.
    public struct FollowerHooks: Sendable {
        /// `replication` in `ping` (public: never a record's content).
        public var publicStatus: @Sendable () -> JSONValue
        /// `replication` in `stats` (admins: with why it stopped).
        public var adminStatus: @Sendable () -> JSONValue
        /// Stops following for good and returns once nothing more will be stored.
        public var stop: @Sendable () async -> Void
        /// After promotion: tells the former leader the new epoch; what came of it.
        public var tellFormerLeader: @Sendable (UInt64) async -> JSONValue

        public init(
            publicStatus: @escaping @Sendable () -> JSONValue, adminStatus: @escaping @Sendable () -> JSONValue, stop: @escaping @Sendable () async -> Void,
            tellFormerLeader: @escaping @Sendable (UInt64) async -> JSONValue
        ) {
            self.publicStatus = publicStatus
            self.adminStatus = adminStatus
            self.stop = stop
            self.tellFormerLeader = tellFormerLeader
        }
    }

    /// One follower's last report of its durable head.
    struct Report: Sendable {
        var seq: UInt64
        var at: ContinuousClock.Instant
    }

    public let settings: Settings
    private let currentRole: Mutex<Role>
    private let follower = Mutex<FollowerHooks?>(nil)
    private let reports = Mutex<[String: Report]>([:])
    /// The durable head (fed by every commit): what `minSeq` waits for.
    let head = SeqWaiters()
    /// The seq that `syncReplicas` followers all hold durably: what a synchronous append waits for.
    let confirmed = SeqWaiters()

    public init(role: Role = .leader, settings: Settings = Settings()) {
        precondition(settings.syncReplicas >= 0, "syncReplicas is a count")
        self.currentRole = Mutex(role)
        self.settings = settings
    }

    public var role: Role { currentRole.withLock { $0 } }

    /// The leader's URL while following, else `nil`.
    public var leaderURL: String? {
        if case let .follower(url) = role { return url }
        return nil
    }

    /// Lends the follower's status and stop to `ping`, `stats` and promotion.
    public func attach(_ hooks: FollowerHooks) { follower.withLock { $0 = hooks } }

    var publicFollowerStatus: JSONValue? { follower.withLock { $0 }?.publicStatus() }
    var adminFollowerStatus: JSONValue? { follower.withLock { $0 }?.adminStatus() }

    /// Stops following (promotion's first step); the role stays `follower` until ``becomeLeader()``.
    func stopFollowing() async {
        guard let hooks = follower.withLock({ $0 }) else { return }
        await hooks.stop()
    }

    /// Takes appends from now on (after promotion stored its epoch); the former leader's
    /// notice, given the new epoch.
    func becomeLeader() -> (@Sendable (UInt64) async -> JSONValue)? {
        currentRole.withLock { $0 = .leader }
        return follower.withLock { hooks in
            defer { hooks = nil }
            return hooks?.tellFormerLeader
        }
    }

    /// A follower (named by its certificate) reports the seq it holds durably: the seq
    /// `syncReplicas` of them hold moves on.
    func followerReported(name: String, seq: UInt64) {
        let quorumSeq: UInt64? = reports.withLock { reports in
            reports[name] = Report(seq: seq, at: .now)
            guard settings.syncReplicas > 0 else { return nil }
            let held = reports.values.map(\.seq).sorted(by: >)
            return held.count >= settings.syncReplicas ? held[settings.syncReplicas - 1] : nil
        }
        if let quorumSeq { confirmed.advance(to: quorumSeq) }
    }

    /// The seq each follower last reported, by certificate name (the metrics).
    var reportedSeqs: [(name: String, seq: UInt64)] {
        reports.withLock { $0 }.map { ($0.key, $0.value.seq) }
    }

    /// The followers' last reports, for `stats`: `{name: {seq, secondsAgo}}`.
    var followersJSON: JSONValue {
        let now = ContinuousClock.now
        return .object(reports.withLock { $0 }.sorted { $0.key < $1.key }.map { name, report in
            (name, ["seq": .int(Int64(report.seq)), "secondsAgo": .int((now - report.at).components.seconds)])
        })
    }
}
