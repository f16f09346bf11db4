import CreditDomain
import Foundation
import LedgerEdge
import LedgerJSON
import LedgerProtocol
import LedgerReplication
import LedgerServer
import LedgerStore
import Logging

/// Everything the daemon reads at start: flags over the config file over the embedded default.
struct DaemonConfiguration {
    var dataDirectory = "var/data"
    /// The checkpoint file (config `checkpointFile`), in a directory of its own that is made private.
    var checkpointFile: String?
    /// Seconds between checkpoints while commits happen.
    var checkpointIntervalSeconds = 10
    var socketPath = "var/ledger.sock"
    var socketMode: UInt16 = 0o660
    /// The group that may connect (config `socketGroup`: a name or a numeric gid).
    var socketGroup: UInt32?
    var schemaDirectory = SchemaCatalogue.defaultDirectory()
    var mapSizeBytes = LogStore.defaultMapSizeBytes
    var maximumConnections = 1024
    var maximumConnectionsPerUid = 128
    var reservedConnections = 64
    var idleTimeoutSeconds = 300
    var maximumBufferedBytes = 64 << 20
    var stalledReaderSeconds = 10
    var maximumLineBytes = 1 << 20
    var maximumPipelinedRequests = 1024
    var maximumQueuedAppends = 8192
    var logLevel = Logger.Level.info
    /// Roles by uid/gid; the daemon's own uid is always admin.
    var access = AccessPolicy.embeddedDefault()
    /// `GET /metrics` over HTTP on a loopback address ("127.0.0.1:9464"); off by default.
    var metricsHTTP: (host: String, port: Int)?
    /// The HTTPS edge (config `https`); off by default.
    var https: EdgeConfiguration?
    /// The leader this daemon follows (config `follow`); `nil`: it is a leader.
    var follow: FollowConfiguration?
    /// Synchronous replication and `minSeq`'s bounds (`syncReplicas`, `syncWaitMilliseconds`,
    /// `minSeqWaitMilliseconds`).
    var replication = Replication.Settings()
    /// The regions this shard holds (config `regions`); empty: every region.
    var regions: [String] = []
    /// The most followers `syncReplicas` may require.
    static let maximumSyncReplicas = 16

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Applies a JSON config file (`Deploy/config.example.json` shows every key).
    mutating func apply(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read config file \(path)") }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch { throw Invalid(description: "config \(path): \(error)") }
        guard let members = value.objectValue else { throw Invalid(description: "config \(path): must be a JSON object") }
        for (key, member) in members {
            func string() throws -> String {
                guard let text = member.stringValue else { throw Invalid(description: "config \(path): \(key) must be a string") }
                return text
            }
            func integer() throws -> Int {
                guard let number = member.intValue, number > 0 else { throw Invalid(description: "config \(path): \(key) must be a positive integer") }
                return Int(number)
            }
            func wait() throws -> Duration {
                let longest = Replication.Settings.longestWait.components.seconds * 1000
                guard let milliseconds = member.intValue, (1...longest).contains(milliseconds) else {
                    throw Invalid(description: "config \(path): \(key) must be 1 to \(longest) milliseconds")
                }
                return .milliseconds(milliseconds)
            }
            switch key {
            case "dataDirectory": dataDirectory = try string()
            case "checkpointFile": checkpointFile = try string()
            case "checkpointIntervalSeconds": checkpointIntervalSeconds = try integer()
            case "socketPath": socketPath = try string()
            case "socketMode":
                guard let mode = UInt16(try string(), radix: 8), mode <= 0o777 else { throw Invalid(description: "config \(path): socketMode must be octal, e.g. \"0660\"") }
                socketMode = mode
            case "socketGroup":
                if let number = member.intValue, number >= 0, number < Int64(UInt32.max) {
                    socketGroup = UInt32(number)
                } else if let name = member.stringValue, let entry = getgrnam(name) {
                    socketGroup = entry.pointee.gr_gid
                } else {
                    throw Invalid(description: "config \(path): socketGroup must name an existing group or be a numeric gid")
                }
            case "schemaDirectory": schemaDirectory = try string()
            case "mapSizeBytes": mapSizeBytes = try integer()
            case "maximumConnections": maximumConnections = try integer()
            case "maximumConnectionsPerUid": maximumConnectionsPerUid = try integer()
            case "reservedConnections": reservedConnections = try integer()
            case "idleTimeoutSeconds": idleTimeoutSeconds = try integer()
            case "maximumBufferedBytes": maximumBufferedBytes = try integer()
            case "stalledReaderSeconds": stalledReaderSeconds = try integer()
            case "maximumLineBytes": maximumLineBytes = try integer()
            case "maximumPipelinedRequests": maximumPipelinedRequests = try integer()
            case "maximumQueuedAppends": maximumQueuedAppends = try integer()
            case "access": access = try Self.accessPolicy(member, path: path)
            case "https": https = member.isNull ? nil : try Self.edge(member, path: path)
            case "follow": follow = member.isNull ? nil : try Self.follow(member, path: path)
            case "syncReplicas":
                guard let count = member.intValue, (0...Int64(Self.maximumSyncReplicas)).contains(count) else {
                    throw Invalid(description: "config \(path): syncReplicas must be 0 to \(Self.maximumSyncReplicas) (followers that must hold a commit before it is acknowledged)")
                }
                replication.syncReplicas = Int(count)
            case "regions":
                guard let list = member.arrayValue, let prefixes = Optional(list.compactMap(\.stringValue)), prefixes.count == list.count, !prefixes.isEmpty,
                    prefixes.allSatisfy({ (2...6).contains($0.count) && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
                else { throw Invalid(description: "config \(path): regions must list GB/T 2260 region prefixes of 2 to 6 digits, e.g. [\"11\"] (omit it to hold every region)") }
                regions = prefixes
            case "syncWaitMilliseconds": replication.syncWait = try wait()
            case "minSeqWaitMilliseconds": replication.minSeqWait = try wait()
            case "metricsHTTP":
                let text = try string()
                guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port),
                    ["127.0.0.1", "::1", "[::1]", "localhost"].contains(String(text[..<colon]))
                else { throw Invalid(description: "config \(path): metricsHTTP must be a loopback address with a port, e.g. \"127.0.0.1:9464\"") }
                metricsHTTP = (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
            case "logLevel":
                guard let level = Logger.Level(rawValue: try string()) else { throw Invalid(description: "config \(path): logLevel must be trace, debug, info, notice, warning, error or critical") }
                logLevel = level
            default:
                throw Invalid(description: "config \(path): unknown key '\(key)'")
            }
        }
    }

    /// The most authorities one writer grant lists.
    static let maximumAuthoritiesPerGrant = 1000

    /// `{"admin": {"uids": [..], "gids": [..]}, "auditor": {…}, "writer": [{"uids": [..],
    /// "gids": [..], "authorities": ["…"]}, …]}`: independent grants (a uid in several gets
    /// all of them); everyone else is public. The daemon's own uid holds every grant.
    static func accessPolicy(_ value: JSONValue, path: String) throws -> AccessPolicy {
        guard let members = value.objectValue else { throw Invalid(description: "config \(path): access must be an object") }
        var policy = AccessPolicy.embeddedDefault()
        for (key, member) in members {
            if key == "otherwise" {
                guard member.stringValue == "public" else {
                    throw Invalid(description: "config \(path): access.otherwise can only be public: grant roles to uids or gids explicitly")
                }
                continue
            }
            guard let role = Role(rawValue: key) else {
                throw Invalid(description: "config \(path): access.\(key): grants are admin, auditor and writer (everyone else is public)")
            }
            // A writer may hold several grants, each for its own authorities.
            let grants = role == .writer ? (member.arrayValue ?? [member]) : [member]
            for (index, grantValue) in grants.enumerated() {
                let at = role == .writer && member.arrayValue != nil ? "access.writer[\(index)]" : "access.\(key)"
                guard let fields = grantValue.objectValue else { throw Invalid(description: "config \(path): \(at) must be an object") }
                let allowed: Set<String> = role == .writer ? ["uids", "gids", "authorities"] : ["uids", "gids"]
                for (name, _) in fields where !allowed.contains(name) {
                    throw Invalid(description: "config \(path): \(at): unknown key '\(name)'\(name == "authorities" ? " (only writer grants list authorities)" : "")")
                }
                func ids(_ name: String) throws -> [UInt32] {
                    guard let list = grantValue[name] else { return [] }
                    guard let values = list.arrayValue, values.allSatisfy({ ($0.intValue ?? -1) >= 0 && ($0.intValue ?? -1) <= Int64(UInt32.max) }) else {
                        throw Invalid(description: "config \(path): \(at).\(name) must be an array of numeric ids")
                    }
                    return values.map { UInt32($0.intValue!) }
                }
                policy.add(try grant(role, grantValue, at: at, path: path), uids: try ids("uids"), gids: try ids("gids"))
            }
        }
        return policy
    }

    /// The grant of one entry: the role, and for a writer the authorities it lists.
    static func grant(_ role: Role, _ entry: JSONValue, at: String, path: String) throws -> Grant {
        var grant = Grant(roles: [role])
        guard role == .writer else { return grant }
        guard let list = entry["authorities"]?.arrayValue, !list.isEmpty, list.count <= maximumAuthoritiesPerGrant,
            list.allSatisfy({ ($0.stringValue?.utf8.count ?? 0) > 0 && ($0.stringValue?.utf8.count ?? 0) <= 256 })
        else {
            throw Invalid(description: "config \(path): \(at).authorities must list the source.authority values (1 to \(maximumAuthoritiesPerGrant) names) this writer files for")
        }
        grant.authorities = Set(list.compactMap(\.stringValue))
        return grant
    }

    /// `{"listen": "0.0.0.0:8443", "certificate": PEM, "key": PEM, "clientCA": PEM,
    /// "maximumConnections": n, "idleTimeoutSeconds": n, "grants": {"admin": {"certificates":
    /// [..]}, "auditor": {…}, "writer": [{"certificates": [..], "authorities": [..]}]}}`:
    /// grants by certificate name (`cn:…`, `dns:…`, `uri:…`, `email:…`), as `access` by uid.
    static func edge(_ value: JSONValue, path: String) throws -> EdgeConfiguration {
        func text(_ name: String) throws -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw Invalid(description: "config \(path): https.\(name) is required (a file path)") }
            return text
        }
        var edge = EdgeConfiguration(certificateFile: try text("certificate"), keyFile: try text("key"), clientCAFile: try text("clientCA"))
        for (key, member) in value.objectValue ?? [] {
            switch key {
            case "certificate", "key", "clientCA", "grants": continue
            case "listen":
                guard let listen = member.stringValue, let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                    (1...65535).contains(port), colon > listen.startIndex
                else { throw Invalid(description: "config \(path): https.listen must be host:port, e.g. \"0.0.0.0:8443\"") }
                edge.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                edge.port = port
            case "proxies":
                guard let names = member.arrayValue?.compactMap(\.stringValue), names.count == member.arrayValue?.count,
                    names.allSatisfy({ name in ["cn:", "dns:", "uri:", "email:"].contains { name.hasPrefix($0) } })
                else { throw Invalid(description: "config \(path): https.proxies must list certificate names (cn:…, dns:…, uri:…, email:…) of trusted reverse proxies") }
                edge.proxies = Set(names)
            case "maximumConnections", "idleTimeoutSeconds":
                guard let number = member.intValue, number > 0 else { throw Invalid(description: "config \(path): https.\(key) must be a positive integer") }
                if key == "maximumConnections" { edge.maximumConnections = Int(number) } else { edge.idleTimeoutSeconds = number }
            default: throw Invalid(description: "config \(path): https: unknown key '\(key)'")
            }
        }
        for (key, member) in value["grants"]?.objectValue ?? [] {
            guard let role = Role(rawValue: key) else { throw Invalid(description: "config \(path): https.grants.\(key): grants are admin, auditor, writer and replica") }
            let entries = role == .writer ? (member.arrayValue ?? [member]) : [member]
            for (index, entry) in entries.enumerated() {
                let at = "https.grants.\(key)" + (member.arrayValue != nil ? "[\(index)]" : "")
                let allowed: Set<String> = role == .writer ? ["certificates", "authorities"] : ["certificates"]
                for (name, _) in entry.objectValue ?? [] where !allowed.contains(name) { throw Invalid(description: "config \(path): \(at): unknown key '\(name)'") }
                guard let names = entry["certificates"]?.arrayValue?.compactMap(\.stringValue), !names.isEmpty,
                    names.allSatisfy({ name in ["cn:", "dns:", "uri:", "email:"].contains { name.hasPrefix($0) } })
                else { throw Invalid(description: "config \(path): \(at).certificates must list certificate names: cn:…, dns:…, uri:… or email:…") }
                let grant = try grant(role, entry, at: at, path: path)
                for name in names { edge.identities[name] = (edge.identities[name] ?? Grant()).union(grant) }
            }
        }
        return edge
    }

    /// `{"leader": "https://host:port", "ca": PEM, "certificate": PEM, "key": PEM, "purpose": "…"}`:
    /// the leader's edge and this follower's client certificate (granted `replica` there).
    static func follow(_ value: JSONValue, path: String) throws -> FollowConfiguration {
        func text(_ name: String) throws -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw Invalid(description: "config \(path): follow.\(name) is required") }
            return text
        }
        let leader = try text("leader")
        guard leader.hasPrefix("https://"), !leader.hasSuffix("/") else {
            throw Invalid(description: "config \(path): follow.leader must be the leader's edge as https://host:port")
        }
        var follow = FollowConfiguration(leaderURL: leader, caFile: try text("ca"), certificateFile: try text("certificate"), keyFile: try text("key"))
        for (key, member) in value.objectValue ?? [] {
            switch key {
            case "leader", "ca", "certificate", "key": continue
            case "purpose":
                guard let purpose = member.stringValue, !purpose.isEmpty else { throw Invalid(description: "config \(path): follow.purpose must be a non-empty string") }
                follow.purpose = purpose
            default: throw Invalid(description: "config \(path): follow: unknown key '\(key)'")
            }
        }
        return follow
    }

    /// The checkpoint file in use: configured, or `checkpoints/NAME.heads.jsonl` beside the data
    /// directory NAME (a directory of its own, made private; one file per store).
    var checkpointPath: String {
        checkpointFile ?? PrivateFiles.parent(of: dataDirectory) + "/checkpoints/\((dataDirectory as NSString).lastPathComponent).heads.jsonl"
    }

    var server: ServerConfiguration {
        var configuration = ServerConfiguration(socketPath: socketPath)
        configuration.access = access
        configuration.metricsHTTP = metricsHTTP
        configuration.socketMode = socketMode
        configuration.socketGroup = socketGroup
        configuration.checkpointFile = checkpointPath
        configuration.maximumConnections = maximumConnections
        configuration.maximumConnectionsPerUid = maximumConnectionsPerUid
        configuration.reservedConnections = reservedConnections
        configuration.idleTimeoutSeconds = Int64(idleTimeoutSeconds)
        configuration.maximumBufferedBytes = maximumBufferedBytes
        configuration.stalledReaderSeconds = Int64(stalledReaderSeconds)
        configuration.maximumLineBytes = maximumLineBytes
        configuration.maximumPipelinedRequests = maximumPipelinedRequests
        configuration.regions = regions
        configuration.replication = Replication(role: follow.map { .follower(leaderURL: $0.leaderURL) } ?? .leader, settings: replication)
        return configuration
    }
}
