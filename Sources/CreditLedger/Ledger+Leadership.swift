import CreditDomain
import LedgerStore
import Synchronization

/// The leadership term a store's log is written under, and the fence (issue 15).
///
/// Every leader serves under an epoch, kept durably with the log: a promoted follower takes
/// one higher than any it has met. A leader that meets a higher epoch (from a follower or a
/// client) was replaced: it keeps that epoch as `met` and refuses writes until it is made a
/// follower of the new leader (following a leader of epoch ≥ `met` lifts the fence). A store
/// that follows stays a follower's until it is promoted: started without `follow`, it would
/// lead under its leader's epoch, beside that leader.
public struct Leadership: Sendable, Equatable {
    /// The epoch this store was last led or followed under (1 for a store that never changed leader).
    public var epoch: UInt64
    /// The highest epoch met while this store was led here; above `epoch`: fenced.
    public var met: UInt64
    /// True once the store has followed a leader, until it is promoted.
    public var following: Bool

    /// A store that never changed leader.
    public static let first = Leadership(epoch: 1, met: 1, following: false)

    public init(epoch: UInt64, met: UInt64, following: Bool) {
        precondition(epoch >= 1, "epochs start at 1")
        self.epoch = epoch
        self.met = max(met, epoch)
        self.following = following
    }

    /// True when a newer leader exists: this store may not take writes as a leader.
    public var isFenced: Bool { met > epoch }

    /// The leadership of a follower that promotes itself: above every epoch it knows.
    public var promoted: Leadership {
        let next = max(epoch, met) + 1
        return Leadership(epoch: next, met: next, following: false)
    }

    /// The stored form: epoch, met (8 bytes each, big-endian), following (1 byte).
    var bytes: [UInt8] {
        BigEndian.bytes(epoch) + BigEndian.bytes(met) + [following ? 1 : 0]
    }

    /// The record stored as `bytes`, or `nil` when it is not one.
    init?(bytes: [UInt8]) {
        guard bytes.count == 17, bytes[16] <= 1 else { return nil }
        let epoch = BigEndian.uint64(bytes[0..<8])
        let met = BigEndian.uint64(bytes[8..<16])
        guard epoch >= 1 else { return nil }
        self.init(epoch: epoch, met: met, following: bytes[16] == 1)
    }
}

/// The in-memory copy of the stored ``Leadership``; changed only after its commit.
final class LeadershipBox: Sendable {
    private let value: Mutex<Leadership>
    init(_ value: Leadership) { self.value = Mutex(value) }
    var current: Leadership { value.withLock { $0 } }
    func set(_ new: Leadership) { value.withLock { $0 = new } }
}

extension Ledger {
    /// The leadership as stored (read at open, then kept in step with each change).
    public var leadership: Leadership { leadershipBox.current }

    /// Stores `new` durably, then makes it current.
    public func setLeadership(_ new: Leadership) throws {
        guard let writer else { throw LedgerError(.unavailable, "the ledger is open read-only") }
        try waitFor(writer) { log in try log.setLeadership(new.bytes) }
        leadershipBox.set(new)
        logger.notice("leadership.changed", metadata: ["epoch": "\(new.epoch)", "met": "\(new.met)"])
    }

    /// Records that epoch `epoch` was met: when it is above every epoch known, the store is
    /// fenced (durably) — returns true then. Does nothing for an epoch already known.
    @discardableResult
    public func meet(epoch: UInt64) throws -> Bool {
        let current = leadership
        guard epoch > current.met else { return false }
        try setLeadership(Leadership(epoch: current.epoch, met: epoch, following: current.following))
        return true
    }

    static func storedLeadership(_ store: LogStore) throws -> Leadership {
        guard let bytes = try store.read({ log in try log.leadership() }) else { return .first }
        guard let leadership = Leadership(bytes: bytes) else { throw LedgerError(.internal, "the stored leadership record is damaged (\(bytes.count) bytes)") }
        return leadership
    }
}
