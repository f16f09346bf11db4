import CreditDomain
import Glibc
import LedgerJSON
import LedgerProtocol

/// A grant of operations.md "Who may do what". Grants are independent (issue 11): an auditor
/// may not append, a writer may not read what is not public, an admin operates the store.
/// Everyone may use the public ops.
public enum Role: String, Sendable, CaseIterable {
    case writer
    case auditor
    case admin
}

/// What a uid or a gid is granted: roles, and for `writer` the `source.authority` values its
/// events may carry.
public struct Grant: Sendable, Equatable {
    public var roles: Set<Role> = []
    /// The authorities a writer may file for (config `writer[].authorities`).
    public var authorities: Set<String> = []
    /// True for the daemon's own uid only: it may file for any authority (it owns the store).
    public var anyAuthority = false

    public init(roles: Set<Role> = [], authorities: Set<String> = [], anyAuthority: Bool = false) {
        self.roles = roles
        self.authorities = authorities
        self.anyAuthority = anyAuthority
    }

    /// Both grants together.
    public func union(_ other: Grant) -> Grant {
        Grant(roles: roles.union(other.roles), authorities: authorities.union(other.authorities), anyAuthority: anyAuthority || other.anyAuthority)
    }

    /// True when a writer holding this grant may file an event of `authority`.
    public func mayFile(for authority: String) -> Bool {
        roles.contains(.writer) && (anyAuthority || authorities.contains(authority))
    }
}

/// Who is on the other end of a connection: the kernel's word (SO_PEERCRED, SO_PEERGROUPS)
/// and what the policy grants it.
public struct Caller: Sendable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    /// The peer's supplementary groups at connect time.
    public let groups: [UInt32]
    public let grant: Grant
}

/// Maps a peer's uid, gid and supplementary groups to a grant (config `access`): the union
/// of everything granted to any of them.
public struct AccessPolicy: Sendable {
    public var uids: [UInt32: Grant] = [:]
    public var gids: [UInt32: Grant] = [:]

    public init() {}

    /// The daemon's own uid: it owns the store files and could read them directly, so it
    /// holds every grant, for any authority (the embedded default's only named caller).
    public static func embeddedDefault() -> AccessPolicy {
        var policy = AccessPolicy()
        policy.uids[getuid()] = Grant(roles: Set(Role.allCases), anyAuthority: true)
        return policy
    }

    /// The grant of a caller.
    public func grant(uid: UInt32, gid: UInt32, groups: [UInt32]) -> Grant {
        var grant = uids[uid] ?? Grant()
        for group in [gid] + groups { if let granted = gids[group] { grant = grant.union(granted) } }
        return grant
    }

    /// Adds `grant` to the ids (keeping what they already have).
    public mutating func add(_ grant: Grant, uids: [UInt32], gids: [UInt32]) {
        for uid in uids { self.uids[uid] = (self.uids[uid] ?? Grant()).union(grant) }
        for gid in gids { self.gids[gid] = (self.gids[gid] ?? Grant()).union(grant) }
    }
}

/// What an op needs: the grants that allow it, and whether its use is recorded.
enum OpAccess {
    /// Non-public reads: recorded in the access log before they are answered, each with a
    /// purpose (查询用途), whoever asks.
    static let audited: Set<String> = ["history", "status", "get", "read", "subscribe", "access-log"]

    /// The roles any one of which allows `op`; empty for public ops.
    static func allowedRoles(_ op: String) -> Set<Role> {
        switch op {
        case "ping", "display", "check", "report": return []
        case "append": return [.writer]
        // Reading records that are not public: auditors, and admins (who operate the store).
        case "history", "status", "get", "read", "subscribe", "access-log": return [.auditor, .admin]
        default: return [.admin]  // verify, stats, rebuild, metrics, and anything unknown
        }
    }

    /// The longest `purpose` accepted, in bytes.
    static let maximumPurposeBytes = 500
    /// The fewest non-blank characters a purpose has: it must say something.
    static let minimumPurposeCharacters = 2

    /// `nil` when `caller` may run `request` now; otherwise the error to answer.
    static func refusal(_ request: Request, caller: Caller) -> LedgerError? {
        let allowed = allowedRoles(request.op)
        guard allowed.isEmpty || !allowed.isDisjoint(with: caller.grant.roles) else {
            let held = caller.grant.roles.map(\.rawValue).sorted().joined(separator: ", ")
            return LedgerError(
                .forbidden, "'\(request.op)' needs the \(allowed.map(\.rawValue).sorted().joined(separator: " or ")) grant; uid \(caller.uid) holds \(held.isEmpty ? "none (public)" : held)",
                field: "op")
        }
        if audited.contains(request.op) { return purposeRefusal(request["purpose"]) ?? parameterRefusal(request) }
        if request.op == "append" { return authorityRefusal(request["events"], caller: caller) }
        return nil
    }

    /// A purpose says something: a string of ``minimumPurposeCharacters`` or more characters
    /// that are not blank, no control characters, at most ``maximumPurposeBytes`` bytes.
    static func purposeRefusal(_ purpose: JSONValue?) -> LedgerError? {
        guard let purpose, !purpose.isNull else {
            return LedgerError(.missingField, "a non-public read must say its purpose (查询用途; creditctl --purpose)", field: "purpose")
        }
        guard let text = purpose.stringValue, text.utf8.count <= maximumPurposeBytes,
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            text.unicodeScalars.filter({ !$0.properties.isWhitespace && ![.format, .unassigned].contains($0.properties.generalCategory) }).count
                >= minimumPurposeCharacters
        else {
            return LedgerError(
                .invalidField, "purpose must say what the read is for: \(minimumPurposeCharacters) or more visible characters, at most \(maximumPurposeBytes) bytes, no control characters",
                field: "purpose")
        }
        return nil
    }

    /// An audited request's entity and identifiers are checked before its access record is
    /// written: a record keeps validated values (a malformed request discloses nothing).
    static func parameterRefusal(_ request: Request) -> LedgerError? {
        do throws(LedgerError) {
            if let entity = request["entity"], !entity.isNull { _ = try request.entity() }
            if let eventId = request["eventId"], !eventId.isNull {
                guard let text = eventId.stringValue, !text.isEmpty, text.utf8.count <= maximumRecordedValueBytes else {
                    throw LedgerError(.invalidField, "eventId must be a string of 1 to \(maximumRecordedValueBytes) bytes", field: "eventId")
                }
            }
        } catch {
            return error
        }
        return nil
    }

    /// A writer files only for its own authorities (`source.authority` of every event).
    /// Malformed events pass here and get their own error from validation.
    static func authorityRefusal(_ events: JSONValue?, caller: Caller) -> LedgerError? {
        guard !caller.grant.anyAuthority, let events = events?.arrayValue else { return nil }
        for (index, event) in events.enumerated() {
            guard let authority = event["source"]?["authority"]?.stringValue else { continue }
            if !caller.grant.mayFile(for: authority) {
                return LedgerError(
                    .forbidden, "uid \(caller.uid) may not file events for the authority '\(authority.prefix(100))' (its writer grant lists the authorities it files for)",
                    field: "events[\(index)].source.authority")
            }
        }
        return nil
    }

    /// The request parameters an access record keeps (validated by the op before it runs;
    /// each kept only when small, so a record never grows with the request).
    static let recordedParameters = ["at", "knownAt", "seq", "eventId", "from", "limit", "log"]
    /// The most bytes of one recorded parameter or entity; longer values are cut and marked.
    static let maximumRecordedValueBytes = 200

    /// The access record of an audited request: who, under which grant, op, entity, purpose
    /// and the parameters that say what was read (time comes from the chain's `recordedAt`).
    static func record(_ request: Request, caller: Caller) -> JSONValue {
        // The grant the read was allowed under (an admin's, when the caller holds both).
        let role: Role = caller.grant.roles.contains(.admin) ? .admin : .auditor
        var members: [(String, JSONValue)] = [
            ("op", .string(request.op)), ("uid", .int(Int64(caller.uid))), ("gid", .int(Int64(caller.gid))), ("pid", .int(Int64(caller.pid))),
            ("role", .string(role.rawValue)), ("purpose", request["purpose"] ?? .null),
        ]
        if let entity = request["entity"], !entity.isNull { members.append(("entity", bounded(entity))) }
        // Under their own key: `seq` and the like would clash with the chain's header.
        var parameters: [(String, JSONValue)] = []
        for name in recordedParameters {
            if let value = request[name], !value.isNull { parameters.append((name, bounded(value))) }
        }
        members.append(("parameters", .object(parameters)))
        return .object(members)
    }

    /// `value` when it is a number, a boolean or a short string; otherwise a marker with its
    /// size (an access record holds what was asked, never an unbounded copy of it).
    static func bounded(_ value: JSONValue) -> JSONValue {
        switch value {
        case .int, .double, .bool, .null: return value
        case let .string(text) where text.utf8.count <= maximumRecordedValueBytes: return value
        default:
            let bytes = CanonicalJSON.encode(value).count
            return .object([("truncated", .bool(true)), ("bytes", .int(Int64(bytes)))])
        }
    }
}

/// `struct ucred` of the kernel, read with SO_PEERCRED.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = .max
    var gid: UInt32 = .max
}

/// The peer's supplementary groups, read with SO_PEERGROUPS (Linux 4.13): room for
/// ``maximumCount``; a peer in more groups fails the read (ERANGE) and is counted by its
/// uid and primary gid only.
struct PeerGroups: Sendable {
    static let maximumCount = 64
    static let option: Int32 = 59  // SO_PEERGROUPS
    var gids = SIMD64<UInt32>()

    /// The groups: the kernel keeps them sorted ascending, and the rest of the buffer is
    /// zero-filled. Group 0 cannot be told from that filling and is never counted here.
    var list: [UInt32] {
        var output: [UInt32] = []
        for index in 0..<Self.maximumCount {
            let gid = gids[index]
            if gid == 0 { if index == 0 { continue } else { break } }
            if let last = output.last, gid <= last { break }
            output.append(gid)
        }
        return output
    }
}
