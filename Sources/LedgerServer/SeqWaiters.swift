import Dispatch
import Synchronization

/// Callbacks waiting, each until a deadline, for a position that only grows to reach their
/// seq: a read's `minSeq` (the head) and a synchronous append (its followers' durable seq).
final class SeqWaiters: Sendable {
    private struct Waiter {
        let seq: UInt64
        let done: @Sendable (Bool) -> Void
    }

    private struct State {
        var reached: UInt64 = 0
        var nextKey: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())

    /// The position reached so far.
    var reached: UInt64 { state.withLock { $0.reached } }

    /// Moves the position to `seq` (never back) and calls every waiter it satisfies with `true`.
    func advance(to seq: UInt64) {
        let satisfied: [Waiter] = state.withLock { state in
            guard seq > state.reached else { return [] }
            state.reached = seq
            let keys = state.waiters.filter { $0.value.seq <= seq }.map(\.key)
            return keys.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in satisfied { waiter.done(true) }
    }

    /// Calls `done(true)` once the position reaches `seq` (at once if it has), or `done(false)`
    /// after `timeout` — exactly once, never under the lock.
    func wait(for seq: UInt64, timeout: Duration, _ done: @escaping @Sendable (Bool) -> Void) {
        let key: UInt64? = state.withLock { state in
            guard state.reached < seq else { return nil }
            let key = state.nextKey
            state.nextKey += 1
            state.waiters[key] = Waiter(seq: seq, done: done)
            return key
        }
        guard let key else { return done(true) }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            let expired = state.withLock { $0.waiters.removeValue(forKey: key) }
            expired?.done(false)
        }
    }
}
