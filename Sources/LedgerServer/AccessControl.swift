import CreditDomain
import CreditLedger
import Glibc
import LedgerJSON
import LedgerProtocol

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

/// A client certificate's identity (the HTTPS edge): the names it carries, in the forms the
/// configuration maps to grants (`cn:…`, `dns:…`, `uri:…`, `email:…`), and its fingerprint.
public struct CertificateIdentity: Sendable, Equatable {
    /// The subject's common name and subject alternative names, `cn:` first.
    public let names: [String]
    /// SHA-256 of the certificate's DER, lower-case hex.
    public let fingerprint: String

    public init(names: [String], fingerprint: String) {
        self.names = names
        self.fingerprint = fingerprint
    }

    /// The name that identifies it in messages and the access log: the first granted one,
    /// else the first it carries.
    public func displayName(granted: Set<String>) -> String {
        names.first(where: granted.contains) ?? names.first ?? "fingerprint:\(fingerprint)"
    }
}

/// Who is on the other end of a connection: the kernel's word (SO_PEERCRED, SO_PEERGROUPS)
/// for the Unix socket, or the verified client certificate for the HTTPS edge; and what
/// the policy grants it.
public struct Caller: Sendable, CustomStringConvertible {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    /// The peer's supplementary groups at connect time.
    public let groups: [UInt32]
    public let grant: Grant
    /// The edge's callers: the certificate and the name it was granted under (`nil` on the socket).
    public let certificate: (identity: CertificateIdentity, name: String)?

    /// A caller on the Unix socket.
    public init(uid: UInt32, gid: UInt32, pid: Int32, groups: [UInt32], grant: Grant) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.groups = groups
        self.grant = grant
        self.certificate = nil
    }

    /// A caller of the HTTPS edge, known by its client certificate (no uid: `nobody`'s ids).
    public init(certificate identity: CertificateIdentity, name: String, grant: Grant) {
        self.uid = .max
        self.gid = .max
        self.pid = 0
        self.groups = []
        self.grant = grant
        self.certificate = (identity, name)
    }

    /// "uid 1001", or "certificate cn:licensing-writer".
    public var description: String {
        if let certificate { return "certificate \(certificate.name)" }
        return "uid \(uid)"
    }
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

/// Who may run a request (the catalogue's grants, purposes, authorities) and what its
/// access record keeps.
package enum OpAccess {
    /// The longest `purpose` accepted, in bytes.
    static let maximumPurposeBytes = 500
    /// The fewest non-blank characters a purpose has: it must say something.
    static let minimumPurposeCharacters = 2

    /// `nil` when `caller` may run `request` now; otherwise the error to answer.
    package static func refusal(_ request: Request, caller: Caller) -> LedgerError? {
        let allowed = request.operation.roles
        guard allowed.isEmpty || !allowed.isDisjoint(with: caller.grant.roles) else {
            let held = caller.grant.roles.map(\.rawValue).sorted().joined(separator: ", ")
            return LedgerError(
                .forbidden, "'\(request.op)' needs the \(allowed.map(\.rawValue).sorted().joined(separator: " or ")) grant; \(caller) holds \(held.isEmpty ? "none (public)" : held)",
                field: "op")
        }
        if request.operation.isAudited { return purposeRefusal(request["purpose"]) ?? parameterRefusal(request) }
        if request.operation == .append { return authorityRefusal(request["events"], caller: caller) }
        return nil
    }

    /// A purpose says something: a string of ``minimumPurposeCharacters`` or more characters
    /// that are not blank, no control characters, at most ``maximumPurposeBytes`` bytes.
    static func purposeRefusal(_ purpose: JSONValue?) -> LedgerError? {
        guard let purpose, !purpose.isNull else {
            return LedgerError(.missingField, "a non-public read must say its purpose (查询用途; creditctl --purpose)", field: "purpose")
        }
        guard let text = purpose.stringValue, text.saysSomething(minimumCharacters: minimumPurposeCharacters, maximumBytes: maximumPurposeBytes) else {
            return LedgerError(
                .invalidField, "purpose must say what the read is for: \(minimumPurposeCharacters) or more visible characters, at most \(maximumPurposeBytes) bytes, no control characters",
                field: "purpose")
        }
        return nil
    }

    /// An audited request's entity and identifiers are checked before its access record is
    /// written: a record keeps validated values (a malformed request discloses nothing).
    static func parameterRefusal(_ request: Request) -> LedgerError? {
        do {
            if request.operation == .find { _ = try Operations.findQuery(request) }
            if let entity = request["entity"], !entity.isNull { _ = try request.entity() }
            if let eventId = request["eventId"], !eventId.isNull {
                guard let text = eventId.stringValue, !text.isEmpty, text.utf8.count <= maximumRecordedValueBytes else {
                    throw LedgerError(.invalidField, "eventId must be a string of 1 to \(maximumRecordedValueBytes) bytes", field: "eventId")
                }
            }
            // The other recorded parameters, checked as the ops check them: a request refused
            // for a malformed value is not recorded as a read.
            _ = try request.integer("seq", in: 1...Int64.max)
            _ = try request.integer("from", in: 1...Int64.max)
            _ = try request.integer("limit", in: 1...Int64(Ledger.maximumReadLimit))
            _ = try Operations.date(request, "at")
            if !(request.operation == .status && request["knownAt"]?.stringValue == "at") { _ = try Operations.knownAt(request) }
        } catch {
            return Operations.protocolError(error)
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
                    .forbidden, "\(caller) may not file events for the authority '\(authority.prefix(100))' (its writer grant lists the authorities it files for)",
                    field: "events[\(index)].source.authority")
            }
        }
        return nil
    }

    /// The request parameters an access record keeps (validated by the op before it runs;
    /// each kept only when small, so a record never grows with the request).
    static let recordedParameters = ["at", "knownAt", "seq", "eventId", "from", "limit", "log"]
    /// What a `find` record keeps besides: the text looked for (validated to fit whole).
    static let findRecordedParameters = ["name"]
    /// The most bytes of one recorded parameter or entity; longer values are cut and marked.
    static let maximumRecordedValueBytes = 200

    /// The access record of an audited request: who, under which grant, op, entity, purpose
    /// and the parameters that say what was read (time comes from the chain's `recordedAt`).
    static func record(_ request: Request, caller: Caller) -> JSONValue {
        // The grant the read was allowed under (an admin's, when the caller holds several).
        let role: Role = [Role.admin, .auditor, .replica].first(where: caller.grant.roles.contains) ?? .auditor
        var members: [(String, JSONValue)] = [("op", .string(request.op))]
        if let certificate = caller.certificate {
            // The edge: the certificate's granted name and its fingerprint, instead of ids.
            members += [("certificate", .string(certificate.name)), ("fingerprint", .string(certificate.identity.fingerprint))]
        } else {
            members += [("uid", .int(Int64(caller.uid))), ("gid", .int(Int64(caller.gid))), ("pid", .int(Int64(caller.pid)))]
        }
        members += [("role", .string(role.rawValue)), ("purpose", request["purpose"] ?? .null)]
        if let entity = request["entity"], !entity.isNull { members.append(("entity", bounded(entity))) }
        // Under their own key: `seq` and the like would clash with the chain's header.
        var parameters: [(String, JSONValue)] = []
        for name in recordedParameters + (request.operation == .find ? findRecordedParameters : []) {
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

extension String {
    /// Whether a person wrote something here: at least `minimumCharacters` characters that are
    /// neither blank nor invisible, no control characters, at most `maximumBytes` bytes of UTF-8
    /// (a purpose, a name to look for).
    func saysSomething(minimumCharacters: Int, maximumBytes: Int) -> Bool {
        guard utf8.count <= maximumBytes, !unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return false }
        let visible = unicodeScalars.filter { !$0.properties.isWhitespace && ![.format, .unassigned].contains($0.properties.generalCategory) }
        return visible.count >= minimumCharacters
    }
}
