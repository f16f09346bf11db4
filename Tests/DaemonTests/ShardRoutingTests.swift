import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Region shards behind nginx (issue 15): the shipped routing (Deploy/nginx) sends each HTTPS
/// request to the shard owning its entity's region, forwarding the client's certificate.
@Suite(.serialized) struct ShardRoutingTests {
    /// A resident ID number of Beijing's Chaoyang district (110105), its check digit computed (GB 11643).
    static let beijingPerson: String = {
        let body = "11010519900307123"
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
    }()

    /// nginx with the shipped routing include and the site file, its example addresses and
    /// paths replaced by the lab's, in the router's namespace; stopped by `stop()`.
    final class Router: @unchecked Sendable {
        let url: String
        private let prefix: String
        private let process: Process

        init(lab: NetworkLab, node: Int, shards: [Int]) throws {
            prefix = NSTemporaryDirectory() + "cl-nginx-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
            let deploy = Daemon.repository.appendingPathComponent("Deploy/nginx").path
            var site = try String(contentsOfFile: deploy + "/creditledger-shards.conf", encoding: .utf8)
            let tls = lab.certificates
            for (example, lab) in [
                ("10.0.11.10:8443", "\(lab.address(shards[0])):\(NetworkLab.edgePort)"), ("10.0.15.10:8443", "\(lab.address(shards[1])):\(NetworkLab.edgePort)"),
                ("listen 443 ssl;", "listen \(lab.address(node)):\(NetworkLab.edgePort) ssl;"),
                ("/etc/creditledger/tls/router-server.", tls + "/server."), ("/etc/creditledger/tls/clients-ca.pem", tls + "/ca.pem"),
                ("/etc/creditledger/tls/shards-ca.pem", tls + "/ca.pem"), ("/etc/creditledger/tls/router-client.", tls + "/router."),
                ("/var/log/nginx/creditledger-access.log", prefix + "/logs/creditledger-access.log"),
            ] {
                guard site.contains(example) else { throw LineClient.Failure(description: "the site file no longer holds \(example)") }
                site = site.replacingOccurrences(of: example, with: lab)
            }
            let main = """
                user root;
                worker_processes 1;
                pid \(prefix)/nginx.pid;
                error_log \(prefix)/logs/error.log info;
                events { worker_connections 256; }
                http {
                    access_log \(prefix)/logs/access.log;
                    client_body_temp_path \(prefix)/body;
                    proxy_temp_path \(prefix)/proxy;
                    include \(deploy)/creditledger-routing.conf;
                    \(site)
                }
                """
            FileManager.default.createFile(atPath: prefix + "/nginx.conf", contents: Data(main.utf8))
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", lab.namespace(node), "/usr/sbin/nginx", "-p", prefix, "-c", prefix + "/nginx.conf", "-g", "daemon off;"]
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try ChildProcess.run(process)
            url = lab.url(node)
        }

        func errorLog() -> String { (try? String(contentsOfFile: prefix + "/logs/error.log", encoding: .utf8)) ?? "" }
        func accessLog() -> String { (try? String(contentsOfFile: prefix + "/logs/creditledger-access.log", encoding: .utf8)) ?? "" }

        func stop() {
            ChildProcess.terminate(process)
            try? FileManager.default.removeItem(atPath: prefix)
        }
    }

    /// POSTs `body` to `url` with `role`'s certificate (curl); the HTTP status and the answer.
    static func post(_ url: String, _ body: JSONValue, lab: NetworkLab, as role: String, headers: [String] = []) throws -> (status: Int, answer: JSONValue) {
        let (cert, key) = lab.certificate(role)
        var arguments = ["-sS", "--max-time", "30", "--cacert", lab.certificates + "/ca.pem", "--cert", cert, "--key", key,
                         "-H", "Content-Type: application/json", "--data-binary", CanonicalJSON.string(body), "-w", "\n%{http_code}"]
        for header in headers { arguments += ["-H", header] }
        let (exit, output) = try ChildProcess.output(of: "/usr/bin/curl", arguments + [url])
        let lines = output.split(separator: "\n")
        guard exit == 0, lines.count >= 2, let status = Int(lines.last!) else { throw LineClient.Failure(description: "curl \(url): \(exit) \(output)") }
        return (status, try JSONParser.parse(Array(lines[lines.count - 2].utf8)))
    }

    /// Waits (bounded) until something listens at `url`.
    static func waitForListener(_ url: String, lab: NetworkLab) throws {
        let deadline = Date().addingTimeInterval(30)
        while (try? post(url + "/v1/ping?shard=11", [:], lab: lab, as: "admin")) == nil {
            guard Date() < deadline else { throw LineClient.Failure(description: "nothing listens at \(url)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    @Test func nginxRoutesEachRequestToTheShardOfItsEntitysRegion() throws {
        let lab = try NetworkLab(nodes: 3)
        // Beijing (11) on node 0, Inner Mongolia (15) on node 1: each a leader of its regions.
        let beijing = lab.daemon(0)
        try beijing.start(config: lab.config(0, proxies: ["cn:shard-router"], [("regions", ["11"])]))
        let innerMongolia = lab.daemon(1)
        try innerMongolia.start(config: lab.config(1, proxies: ["cn:shard-router"], [("regions", ["15"])]))
        let router = try Router(lab: lab, node: 2, shards: [0, 1])
        defer { router.stop() }
        try Self.waitForListener(router.url, lab: lab)

        // orgA is registered in Beijing (110000), orgB in Inner Mongolia (152201).
        let toBeijing = try Self.post(router.url + "/v1/append?entity=\(orgA)", ["events": [licenceEvent("route-a", entity: orgA)]], lab: lab, as: "writer")
        #expect(toBeijing.status == 200 && result(toBeijing.answer) != nil, "\(toBeijing) \(router.errorLog().suffix(800))")
        let toInnerMongolia = try Self.post(router.url + "/v1/append?entity=\(orgB)", ["events": [licenceEvent("route-b", entity: orgB)]], lab: lab, as: "writer")
        #expect(toInnerMongolia.status == 200 && result(toInnerMongolia.answer) != nil, "\(toInnerMongolia)")
        #expect(try Replicas.head(beijing.socketPath).seq == 1 && Replicas.head(innerMongolia.socketPath).seq == 1)
        #expect(try TryReplica.records(beijing.socketPath).first?["entity"] == .string(orgA))
        #expect(try TryReplica.records(innerMongolia.socketPath).first?["entity"] == .string(orgB))

        // Misrouted (the routing key names Beijing, the event is Inner Mongolia's): the shard refuses it.
        let misrouted = try Self.post(router.url + "/v1/append?entity=\(orgA)", ["events": [licenceEvent("route-c", entity: orgB)]], lab: lab, as: "writer")
        #expect(misrouted.status == 400 && misrouted.answer["error"]?["field"] == "events[0].entity", "\(misrouted)")
        // A person by the region of their ID number; the shard serves the auditor as the
        // certificate nginx forwarded (its grant, its name in the access log).
        let person = try Self.post(
            router.url + "/v1/status?entity=\(Self.beijingPerson)", ["purpose": "分片路由核对"], lab: lab, as: "auditor")
        #expect(person.status == 200 && result(person.answer)?["entity"] == .string(Self.beijingPerson), "\(person)")
        let access = try #require(result(try beijing.client().call(["op": "access-log", "purpose": "test"]))?["records"]?.arrayValue)
        #expect(access.contains { $0["op"] == "status" && $0["certificate"] == "cn:auditor-zhang" }, "\(access)")
        // The router's access log names the op and the caller, never the ID number it routed on.
        #expect(router.accessLog().contains("/v1/status") && !router.accessLog().contains(Self.beijingPerson), "\(router.accessLog())")
        // The body's entity must match the routing key.
        let differing = try Self.post(router.url + "/v1/display?entity=\(orgA)", ["entity": .string(orgB)], lab: lab, as: "writer")
        #expect(differing.status == 400 && differing.answer["error"]?["field"] == "entity", "\(differing)")
        // Ops without an entity name a shard; with neither, the router says how to route.
        let ping = try Self.post(router.url + "/v1/ping?shard=15", [:], lab: lab, as: "writer")
        let innerMongoliaHead = try Replicas.head(innerMongolia.socketPath)
        #expect(ping.status == 200 && result(ping.answer)?["headHash"] == .string(innerMongoliaHead.hash))
        let unrouted = try Self.post(router.url + "/v1/ping", [:], lab: lab, as: "writer")
        #expect(unrouted.status == 400 && unrouted.answer["error"]?["field"] == "entity", "\(unrouted)")

        // Only the router may forward a certificate: a writer sending the auditor's is still a writer.
        let auditorPEM = try String(contentsOfFile: lab.certificate("auditor").cert, encoding: .utf8)
        let escaped = auditorPEM.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let forged = try Self.post(
            lab.url(0) + "/v1/status", ["entity": .string(orgA), "purpose": "伪造"], lab: lab, as: "writer", headers: ["X-Client-Certificate: \(escaped)"])
        #expect(forged.status == 403 && errorCode(forged.answer) == "forbidden", "\(forged)")
        #expect(beijing.terminate() == 0 && innerMongolia.terminate() == 0)
    }
}
