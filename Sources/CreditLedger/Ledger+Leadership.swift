import CreditDomain
import LedgerStore
import Synchronization

/// The leadership term a store's log is written under, and the fence (issue 15).
///
/// Every leader serves under an epoch, kept durably with the log: a promoted follower takes
/// one higher than any it has met. A leader that meets a higher epoch (from a follower or a
/// client) was replaced: it keeps that epoch as `met` and refuses writes until it is made a
/// follower of the new leader (following a leader of epoch ≥ `met` lifts the fence).
public struct Leadership: Sendable, Equatable {
    /// The epoch this store was last led or followed under (1 for a store that never changed leader).
    public var epoch: UInt64
    /// The highest epoch met while this store was led here; above `epoch`: fenced.
    public var met: UInt64

    /// A store that never changed leader.
    public static let first = Leadership(epoch: 1, met: 1)

    public init(epoch: UInt64, met: UInt64) {
        precondition(epoch >= 1, "epochs start at 1")
        self.epoch = epoch
        self.met = max(met, epoch)
    }

    /// True when a newer leader exists: this store may not take writes as a leader.
    public var isFenced: Bool { met > epoch }

    /// The leadership of a follower that promotes itself: above every epoch it knows.
    public var promoted: Leadership {
        let next = max(epoch, met) + 1
        return Leadership(epoch: next, met: next)
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
        try waitFor(writer) { log in try log.setEpochs(epoch: new.epoch, met: new.met) }
        leadershipBox.set(new)
        logger.notice("leadership.changed", metadata: ["epoch": "\(new.epoch)", "met": "\(new.met)"])
    }

    /// Records that epoch `epoch` was met: when it is above every epoch known, the store is
    /// fenced (durably) — returns true then. Does nothing for an epoch already known.
    @discardableResult
    public func meet(epoch: UInt64) throws -> Bool {
        let current = leadership
        guard epoch > current.met else { return false }
        try setLeadership(Leadership(epoch: current.epoch, met: epoch))
        return true
    }

    static func storedLeadership(_ store: LogStore) throws -> Leadership {
        try store.read { log in try log.epochs().map { Leadership(epoch: max($0.epoch, 1), met: $0.met) } } ?? .first
    }
}
