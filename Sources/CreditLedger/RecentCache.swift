import Foundation

/// Values of recently used entities, bounded by an estimate of their bytes. Two generations
/// bound its memory: when the young one reaches half the budget, the old one is dropped and
/// the young one ages (an approximate LRU with no per-hit bookkeeping). Thread-safe.
final class RecentCache<Value>: @unchecked Sendable {
    /// The most memory the cache holds, by the estimates given to ``put(_:_:bytes:)``.
    let budgetBytes: Int
    private let lock = NSLock()
    private var young: [String: Value] = [:]
    private var old: [String: Value] = [:]
    private var youngBytes = 0

    init(budgetBytes: Int) {
        precondition(budgetBytes > 0)
        self.budgetBytes = budgetBytes
    }

    func get(_ key: String) -> Value? {
        lock.withLock {
            if let value = young[key] { return value }
            guard let value = old[key] else { return nil }
            // A hit in the old generation moves the value to the young one (its size is
            // not known here: counted as the smallest entry).
            insertLocked(key, value, bytes: 64)
            return value
        }
    }

    /// Removes and returns the value of `key` (so that the caller may hold its only copy).
    func take(_ key: String) -> Value? {
        lock.withLock {
            let value = young.removeValue(forKey: key)
            let older = old.removeValue(forKey: key)
            return value ?? older
        }
    }

    /// Stores `value`; `bytes` estimates the memory it holds.
    func put(_ key: String, _ value: Value, bytes: Int) { lock.withLock { insertLocked(key, value, bytes: bytes) } }

    func removeAll() {
        lock.withLock {
            young = [:]
            old = [:]
            youngBytes = 0
        }
    }

    private func insertLocked(_ key: String, _ value: Value, bytes: Int) {
        if youngBytes >= budgetBytes / 2 {
            old = young
            young = [:]
            youngBytes = 0
        }
        young[key] = value
        youngBytes += bytes + 64 + key.utf8.count
    }
}
