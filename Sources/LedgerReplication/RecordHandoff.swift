import CreditLedger
import Synchronization

/// Records read from the leader's stream, waiting to be stored: the reader adds them, the
/// storer takes all there are at once (one commit per take, so a busy stream is stored in
/// large commits, an idle one record by record with no wait).
final class RecordHandoff: Sendable {
    /// Records held at most: the reader waits while the storer is this far behind.
    let capacity: Int
    private let records = Mutex<[ExportedEvent]>([])
    /// Why the stream ended (a refused record, a lost connection), told to the storer once
    /// it has stored what came before.
    private let ending = Mutex<(any Error)?>(nil)
    private let (filled, fill) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    private let (drained, drain) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    init(capacity: Int) {
        precondition(capacity > 0, "a handoff holds records")
        self.capacity = capacity
    }

    /// Adds `new`, then waits while the handoff is full. False once the storer is gone.
    func add(_ new: [ExportedEvent]) async -> Bool {
        guard !new.isEmpty else { return true }
        records.withLock { $0.append(contentsOf: new) }
        fill.yield()
        var room = drained.makeAsyncIterator()
        while records.withLock({ $0.count }) >= capacity {
            guard await room.next() != nil else { return false }
        }
        return true
    }

    /// The stream ended; `error` says why when it did not end cleanly.
    func finish(_ error: (any Error)? = nil) {
        ending.withLock { $0 = error }
        fill.finish()
    }

    /// Calls `store` with every batch of records added until the reader finishes, then
    /// throws why the stream ended (after storing what came before it).
    func storeEach(_ store: ([ExportedEvent]) async throws -> Void) async throws {
        defer { drain.finish() }
        for await _ in filled {
            try await storeHeld(store)
        }
        try await storeHeld(store)
        if let error = ending.withLock({ $0 }) { throw error }
    }

    private func storeHeld(_ store: ([ExportedEvent]) async throws -> Void) async throws {
        while true {
            let batch = records.withLock { held -> [ExportedEvent] in
                defer { held.removeAll(keepingCapacity: true) }
                return held
            }
            drain.yield()
            guard !batch.isEmpty else { return }
            try await store(batch)
        }
    }
}
