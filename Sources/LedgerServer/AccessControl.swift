import CreditDomain
import Glibc
import LedgerJSON
import LedgerProtocol

/// The roles of operations.md "Who may do what", from least to most allowed.
public enum Role: String, Sendable, Comparable, CaseIterable {
    case `public`
    case writer
    case auditor
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Who is on the other end of a connection: the kernel's word (SO_PEERCRED), and the role
/// the policy gives it.
public struct Caller: Sendable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    public let role: Role
}

/// Maps a peer's uid and gid to a role (config `access`). A uid or gid named under several
/// roles gets the highest.
public struct AccessPolicy: Sendable {
    public var uids: [UInt32: Role] = [:]
    public var gids: [UInt32: Role] = [:]
    /// The role of everyone not named.
    public var otherwise: Role = .public

    public init() {}

    /// The embedded default: the daemon's own uid is admin, everyone else public.
    public static func embeddedDefault() -> AccessPolicy {
        var policy = AccessPolicy()
        policy.uids[getuid()] = .admin
        return policy
    }

    public func role(uid: UInt32, gid: UInt32) -> Role {
        max(uids[uid] ?? otherwise, gids[gid] ?? otherwise)
    }

    /// Adds `role` for the ids (keeping a higher role already given).
    public mutating func grant(_ role: Role, uids: [UInt32], gids: [UInt32]) {
        for uid in uids { self.uids[uid] = max(self.uids[uid] ?? role, role) }
        for gid in gids { self.gids[gid] = max(self.gids[gid] ?? role, role) }
    }
}

/// What an op needs: the least role, and whether its use is recorded in the access log.
enum OpAccess {
    /// Non-public reads: recorded, with a purpose (required of auditors).
    static let audited: Set<String> = ["history", "status", "get", "read", "subscribe", "access-log"]

    static func minimumRole(_ op: String) -> Role {
        switch op {
        case "ping", "display", "check", "report": return .public
        case "append": return .writer
        case "history", "status", "get", "read", "subscribe": return .auditor
        default: return .admin  // verify, stats, rebuild, access-log, and anything unknown
        }
    }

    /// The longest `purpose` accepted.
    static let maximumPurposeBytes = 500

    /// `nil` when `caller` may run `request` now; otherwise the error to answer.
    static func refusal(_ request: Request, caller: Caller) -> LedgerError? {
        let needed = minimumRole(request.op)
        guard caller.role >= needed else {
            return LedgerError(.forbidden, "'\(request.op)' needs the \(needed.rawValue) role; uid \(caller.uid) is \(caller.role.rawValue)", field: "op")
        }
        guard audited.contains(request.op) else { return nil }
        switch request["purpose"] {
        case nil, .null?:
            if caller.role == .auditor { return LedgerError(.missingField, "an auditor's read must say its purpose (查询用途)", field: "purpose") }
        case let .string(text)? where !text.isEmpty && text.utf8.count <= maximumPurposeBytes:
            break
        default:
            return LedgerError(.invalidField, "purpose must be a string of 1 to \(maximumPurposeBytes) bytes", field: "purpose")
        }
        return nil
    }

    /// The access record of an audited request: who, role, op, entity, purpose and the
    /// parameters that say what was read (time comes from the chain's `recordedAt`).
    static func record(_ request: Request, caller: Caller) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("op", .string(request.op)), ("uid", .int(Int64(caller.uid))), ("gid", .int(Int64(caller.gid))), ("pid", .int(Int64(caller.pid))),
            ("role", .string(caller.role.rawValue)), ("purpose", request["purpose"] ?? .null),
        ]
        if let entity = request["entity"], !entity.isNull { members.append(("entity", entity)) }
        // Under their own key: `seq` and the like would clash with the chain's header.
        var parameters: [(String, JSONValue)] = []
        for name in ["at", "knownAt", "seq", "eventId", "from", "limit"] {
            if let value = request[name], !value.isNull { parameters.append((name, value)) }
        }
        members.append(("parameters", .object(parameters)))
        return .object(members)
    }
}

/// `struct ucred` of the kernel, read with SO_PEERCRED.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = .max
    var gid: UInt32 = .max
}
