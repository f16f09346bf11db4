import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Network namespaces joined by a bridge (iproute2 `ip netns`, veth pairs): each node has its
/// own network stack and address, as on separate machines (issue 15's replication tests). The
/// daemons' HTTPS edges talk over the bridge; the tests reach each daemon by its Unix socket.
final class NetworkLab: @unchecked Sendable {
    /// The port every node's edge listens on (each namespace has its own ports).
    static let edgePort = 8443
    /// The authority the lab's writer certificate files for.
    static let authority = "北京市市场监督管理局"

    /// Four hex digits naming this lab's bridge, namespaces and veths.
    let name: String
    /// The first three octets of the lab's /24.
    let subnet: String
    /// Certificates: ca.pem, server.pem (every node's address), writer, auditor, admin, replica, replica2.
    let certificates: String
    private(set) var namespaces: [String] = []
    private let scratch: String

    /// A bridge, `nodes` namespaces attached to it, and certificates for their addresses.
    init(nodes: Int) throws {
        name = String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        subnet = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
        scratch = NSTemporaryDirectory() + "cl-lab-" + name
        certificates = scratch + "/tls"
        try FileManager.default.createDirectory(atPath: certificates, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Self.ip(["link", "add", bridge, "type", "bridge"])
        try Self.ip(["addr", "add", "\(subnet).1/24", "dev", bridge])
        try Self.ip(["link", "set", bridge, "up"])
        for node in 0..<nodes { try addNode(node) }
        let made = try ChildProcess.output(
            of: "/usr/bin/env", ["python3", Daemon.repository.appendingPathComponent("Tests/Fixtures/lab-certificates.py").path, certificates] + (0..<nodes).map(address))
        guard made.status == 0 else { throw LineClient.Failure(description: "lab certificates: \(made.output)") }
    }

    deinit {
        for namespace in namespaces { _ = try? Self.ip(["netns", "del", namespace]) }
        _ = try? Self.ip(["link", "del", bridge])
        try? FileManager.default.removeItem(atPath: scratch)
    }

    var bridge: String { "clb\(name)" }
    func namespace(_ node: Int) -> String { "cl\(name)n\(node)" }
    func address(_ node: Int) -> String { "\(subnet).\(11 + node)" }
    func url(_ node: Int) -> String { "https://\(address(node)):\(Self.edgePort)" }
    func certificate(_ role: String) -> (cert: String, key: String) { (certificates + "/\(role).pem", certificates + "/\(role).key") }

    private func addNode(_ node: Int) throws {
        let namespace = namespace(node)
        let outside = "v\(name)n\(node)a"
        let inside = "v\(name)n\(node)b"
        try Self.ip(["netns", "add", namespace])
        namespaces.append(namespace)
        try Self.ip(["link", "add", outside, "type", "veth", "peer", "name", inside])
        try Self.ip(["link", "set", inside, "netns", namespace])
        try Self.ip(["link", "set", outside, "master", bridge, "up"])
        try Self.ip(["-n", namespace, "addr", "add", "\(address(node))/24", "dev", inside])
        try Self.ip(["-n", namespace, "link", "set", inside, "up"])
        try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        let (status, output) = try ChildProcess.output(of: "/usr/sbin/ip", arguments)
        guard status == 0 else { throw LineClient.Failure(description: "ip \(arguments.joined(separator: " ")): \(output)") }
        return output
    }

    /// The HTTPS edge of `node`: every grant the tests use, the followers' certificates as
    /// replicas, and the certificate names of trusted `proxies`.
    func edge(_ node: Int, proxies: [String] = []) -> JSONValue {
        [
            "proxies": .array(proxies.map { .string($0) }),
            "listen": .string("\(address(node)):\(Self.edgePort)"),
            "certificate": .string(certificates + "/server.pem"), "key": .string(certificates + "/server.key"),
            "clientCA": .string(certificates + "/ca.pem"),
            "grants": [
                "writer": [["certificates": ["cn:licensing-bureau-writer"], "authorities": .array([.string(Self.authority)])]],
                "auditor": ["certificates": ["cn:auditor-zhang"]],
                "admin": ["certificates": ["cn:ledger-operator"]],
                "replica": ["certificates": ["cn:follower-1", "cn:follower-2"]],
            ],
        ]
    }

    /// A daemon's config on `node`: its edge, following `leader`'s edge when given (as
    /// `replica` or `replica2`), with `extra` members.
    func config(
        _ node: Int, following leader: Int? = nil, as replica: String = "replica", proxies: [String] = [], _ extra: [(String, JSONValue)] = []
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [("https", edge(node, proxies: proxies)), ("logLevel", "info")]
        if let leader {
            let (cert, key) = certificate(replica)
            members.append(("follow", ["leader": .string(url(leader)), "ca": .string(certificates + "/ca.pem"), "certificate": .string(cert), "key": .string(key)]))
        }
        return .object(members + extra)
    }

    /// A daemon on `node` (not started).
    func daemon(_ node: Int) -> Daemon {
        let daemon = Daemon()
        daemon.namespace = namespace(node)
        return daemon
    }
}

/// Reads and waits the replication tests share.
enum Replicas {
    /// The head of the daemon at `socket`, and its hash.
    static func head(_ socket: String) throws -> (seq: Int64, hash: String) {
        let ping = try #require(result(try TryReplica.client(socket).call(["op": "ping"])))
        return (ping["head"]?.intValue ?? -1, ping["headHash"]?.stringValue ?? "")
    }

    /// Waits (bounded) until the daemon at `socket` holds `seq`; its head then.
    @discardableResult
    static func waitForHead(_ socket: String, _ seq: Int64, seconds: Double = 120) throws -> Int64 {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let head = try self.head(socket).seq
            if head >= seq || Date() > deadline { return head }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Waits (bounded) until the follower at `socket` has stopped following; its last `ping`.
    @discardableResult
    static func waitUntilStopped(_ socket: String, seconds: Double = 60) throws -> JSONValue {
        let client = try TryReplica.client(socket)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let ping = try #require(result(try client.call(["op": "ping"])))
            if ping["replication"]?["state"] == "stopped" || Date() > deadline { return ping }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Appends from `writers` connections until `stop` is set; the eventIds acknowledged
    /// (answered ok). A refused or lost request is not acknowledged; the writer goes on.
    final class Writers: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [String] = []
        private var stopping = false
        private let group = DispatchGroup()

        init(socket: @escaping @Sendable () -> String, writers: Int, prefix: String) {
            for writer in 0..<writers {
                group.enter()
                Thread.detachNewThread { [self] in
                    defer { group.leave() }
                    var batch = 0
                    var client: LineClient?
                    while !isStopping {
                        batch += 1
                        let events = (0..<3).map { licenceEvent("\(prefix)-\(writer)-\(batch)-\($0)", entity: $0 % 2 == 0 ? orgA : orgB) }
                        do {
                            if client == nil {
                                client = try LineClient(socketPath: socket())
                                client?.setReceiveTimeout(seconds: 30)
                            }
                            let answer = try client!.call(appendRequest(events))
                            if result(answer) != nil { record(events.compactMap { $0["eventId"]?.stringValue }) }
                        } catch {
                            client = nil
                            Thread.sleep(forTimeInterval: 0.05)
                        }
                    }
                }
            }
        }

        private var isStopping: Bool { lock.withLock { stopping } }
        private func record(_ ids: [String]) { lock.withLock { acknowledged += ids } }

        /// The eventIds acknowledged so far.
        var acknowledgedIds: [String] { lock.withLock { acknowledged } }

        /// Stops the writers; every eventId acknowledged.
        func stop() -> [String] {
            lock.withLock { stopping = true }
            group.wait()
            return acknowledgedIds
        }
    }

    /// The eventIds of `ids` the daemon at `socket` does not hold.
    static func missing(_ ids: [String], at socket: String) throws -> [String] {
        let held = Set(try TryReplica.records(socket).compactMap { $0["eventId"]?.stringValue })
        return ids.filter { !held.contains($0) }
    }
}
