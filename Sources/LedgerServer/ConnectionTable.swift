import NIOConcurrencyHelpers
import NIOCore

/// The open connections and who holds them: admission by the total, by uid, and with
/// capacity held back for writers and admins (issue 11: a thousand idle public connections
/// must not lock out the admin and every writer).
final class ConnectionTable: Sendable {
    /// The bounds of admission.
    struct Limits: Sendable {
        /// Open connections at most.
        var maximumConnections: Int
        /// Connections one uid holds at most (the daemon's own uid excepted).
        var maximumConnectionsPerUid: Int
        /// Of `maximumConnections`, the last ones go to callers with a writer or admin grant only.
        var reservedForWritersAndAdmins: Int
    }

    /// Why a connection was refused.
    enum Refusal: Error, Equatable {
        case full(Int)
        case reserved(Int)
        case perUid(Int)

        var message: String {
            switch self {
            case let .full(limit): "too many connections (limit \(limit)); retry later"
            case let .reserved(count): "the last \(count) connections are held for writers and admins; retry later"
            case let .perUid(limit): "this uid already holds \(limit) connections, its limit; close some or retry later"
            }
        }
    }

    private struct State {
        var channels: [ObjectIdentifier: (channel: Channel, uid: UInt32)] = [:]
        var perUid: [UInt32: Int] = [:]
    }

    let limits: Limits
    private let ownUid: UInt32
    private let state = NIOLockedValueBox(State())

    init(limits: Limits, ownUid: UInt32) {
        precondition(limits.maximumConnections > 0 && limits.maximumConnectionsPerUid > 0)
        precondition(limits.reservedForWritersAndAdmins >= 0 && limits.reservedForWritersAndAdmins < limits.maximumConnections)
        self.limits = limits
        self.ownUid = ownUid
    }

    /// Open connections.
    var count: Int { state.withLockedValue { $0.channels.count } }

    /// Every open channel.
    var channels: [Channel] { state.withLockedValue { $0.channels.values.map(\.channel) } }

    /// Admits `channel` of `caller`, or says why not.
    func admit(_ channel: Channel, caller: Caller) throws(Refusal) {
        let key = ObjectIdentifier(channel)
        let privileged = !caller.grant.roles.isDisjoint(with: [.writer, .admin])
        let outcome: Refusal? = state.withLockedValue { state in
            let open = state.channels.count
            if open >= limits.maximumConnections { return .full(limits.maximumConnections) }
            if !privileged, open >= limits.maximumConnections - limits.reservedForWritersAndAdmins { return .reserved(limits.reservedForWritersAndAdmins) }
            let held = state.perUid[caller.uid, default: 0]
            if caller.uid != ownUid, held >= limits.maximumConnectionsPerUid { return .perUid(limits.maximumConnectionsPerUid) }
            state.channels[key] = (channel, caller.uid)
            state.perUid[caller.uid] = held + 1
            return nil
        }
        if let outcome { throw outcome }
    }

    /// Forgets a closed connection.
    func remove(_ channel: Channel) {
        state.withLockedValue { state in
            guard let entry = state.channels.removeValue(forKey: ObjectIdentifier(channel)) else { return }
            let held = state.perUid[entry.uid, default: 0]
            assert(held > 0, "a uid's connection count went below zero")
            state.perUid[entry.uid] = held > 1 ? held - 1 : nil
        }
    }
}
