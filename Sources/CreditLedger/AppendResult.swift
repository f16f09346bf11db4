import LedgerStore

/// What `append` answers for one event.
public struct AppendedEvent: Sendable, Equatable {
    public let eventId: String
    public let seq: UInt64
    public let recordedAt: String
    public let hashHex: String
    /// True when an identical event was already stored; `seq` is the original one.
    public let duplicate: Bool
    /// Policy concerns that did not stop the event.
    public let warnings: [String]
}

/// The answer to a whole `append` request.
public struct AppendResult: Sendable, Equatable {
    public let appended: [AppendedEvent]
}
