import NIOConcurrencyHelpers

/// Tells subscribed connections that the log has grown.
package final class SubscriptionHub: Sendable {
    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: @Sendable (UInt64) -> Void]>([:])

    package func add(_ key: ObjectIdentifier, _ notify: @escaping @Sendable (UInt64) -> Void) {
        subscribers.withLockedValue { $0[key] = notify }
    }

    package func remove(_ key: ObjectIdentifier) {
        _ = subscribers.withLockedValue { $0.removeValue(forKey: key) }
    }

    /// Called on the writer thread after each commit.
    func committed(headSeq: UInt64) {
        for notify in subscribers.withLockedValue({ Array($0.values) }) { notify(headSeq) }
    }
}
