import Foundation
import Synchronization

/// One bound on the bytes every connection together holds in memory: partial request lines
/// and answers not yet sent (issue 11). A connection over it waits (reads) or is closed
/// (a partial line that cannot be held), so no number of slow or hostile clients grows the
/// daemon past it by more than the answers being computed.
package final class BufferBudget: Sendable {
    /// The bytes held at most.
    package let limitBytes: Int
    private let usedBytes = Atomic<Int>(0)
    package init(limitBytes: Int) {
        precondition(limitBytes > 0)
        self.limitBytes = limitBytes
    }

    /// Bytes held now.
    package var used: Int { usedBytes.load(ordering: .relaxed) }

    /// Past this, not even a connection that holds nothing computes a new answer: the budget
    /// and a quarter more.
    package var ceilingBytes: Int { limitBytes + limitBytes / 4 }

    /// True while more may be taken.
    package var hasRoom: Bool { used < limitBytes }

    /// Takes `bytes` when they fit; false (nothing taken) otherwise.
    package func tryTake(_ bytes: Int) -> Bool {
        precondition(bytes >= 0)
        var current = usedBytes.load(ordering: .relaxed)
        while true {
            guard current + bytes <= limitBytes else { return false }
            let (exchanged, original) = usedBytes.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Takes `bytes` that already exist (a computed answer): may go past the limit, which
    /// then holds back new work until enough is given back.
    package func take(_ bytes: Int) {
        precondition(bytes >= 0)
        usedBytes.add(bytes, ordering: .relaxed)
    }

    /// Gives back bytes taken before.
    package func giveBack(_ bytes: Int) {
        precondition(bytes >= 0)
        let after = usedBytes.subtract(bytes, ordering: .relaxed).newValue
        assert(after >= 0, "more bytes given back than taken")
    }
}
