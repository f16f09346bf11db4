import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 12, item 2: the HTTPS edge with mutual TLS — real certificates (openssl), the real
/// daemon (Tools/try-https) and curl as the client.
@Suite(.serialized) struct EdgeTests {
    static func event(_ id: String, authority: String = "北京市市场监督管理局") -> JSONValue {
        guard case var .object(members) = licenceEvent(id) else { return .null }
        members = members.map { $0.0 == "source" ? ("source", ["authority": .string(authority)]) : $0 }
        return .object(members)
    }

    @Test func aWriterAppendsOnlyForItsAuthorityAndThePublicCannotAppend() throws {
        let edge = try TryHTTPS()
        let own = try edge.call("append", ["events": [Self.event("h-1")]], as: "writer")
        #expect(own.status == 200)
        #expect(own.answer?["result"]?["appended"]?[0]?["seq"]?.intValue == 1, "\(String(describing: own.answer))")
        let other = try edge.call("append", ["events": [Self.event("h-2", authority: "上海市市场监督管理局")]], as: "writer")
        #expect(other.status == 403)
        #expect(other.answer.flatMap(errorCode) == "forbidden")
        #expect(other.answer?["served"] == ["epoch": 1, "seq": 1], "a refusal says what served it too")
        #expect(other.answer?["error"]?["field"]?.stringValue == "events[0].source.authority")
        let publicCaller = try edge.call("append", ["events": [Self.event("h-3")]], as: "public")
        #expect(publicCaller.status == 403)
        #expect(publicCaller.answer?["error"]?["message"]?.stringValue?.contains("cn:public-portal") == true)
        // Public ops are open to any certificate from the CA; non-public reads are not.
        #expect(try edge.call("ping", [:], as: "public").status == 200)
        #expect(try edge.call("status", ["entity": .string(orgA), "purpose": "核查"], as: "public").status == 403)
        // The same answer as the socket's, byte for byte (the log is the same).
        let socket = try LineClient(socketPath: edge.socketPath)
        let viaSocket = try socket.call(["op": "get", "seq": 1, "purpose": "对照"])
        let viaEdge = try edge.call("get", ["seq": 1, "purpose": "对照"], as: "admin")
        #expect(viaEdge.answer.map { CanonicalJSON.string($0) } == CanonicalJSON.string(viaSocket))
        #expect(edge.stop() == 0)
    }

    @Test func noCertificateOrAForeignOneIsRefusedAtTheHandshake() throws {
        let edge = try TryHTTPS()
        let anonymous = try edge.post("ping", "{}", as: nil)
        #expect(anonymous.status == 0, "no HTTP answer without a client certificate")
        #expect(anonymous.curlExit != 0)
        // A certificate signed by another CA.
        let directory = NSTemporaryDirectory() + "cl-foreign-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try ChildProcess.output(of: "/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", directory + "/k.pem", "-out", directory + "/c.pem",
            "-days", "1", "-subj", "/CN=licensing-bureau-writer",
        ])
        #expect(made.status == 0, "\(made.output)")
        let foreign = try edge.post("ping", "{}", as: nil, extra: ["--cert", directory + "/c.pem", "--key", directory + "/k.pem"])
        #expect(foreign.status == 0, "a self-signed certificate with a granted name is still refused")
        #expect(try edge.post("ping", "{}", as: "auditor").status == 200)
    }

    @Test func anAuditorsReadIsInTheAccessLogWithItsCertificate() throws {
        let edge = try TryHTTPS()
        #expect(try edge.call("append", ["events": [Self.event("a-1")]], as: "writer").status == 200)
        let noPurpose = try edge.call("status", ["entity": .string(orgA)], as: "auditor")
        #expect(noPurpose.status == 400)
        #expect(noPurpose.answer.flatMap(errorCode) == "missing_field")
        let read = try edge.call("status", ["entity": .string(orgA), "at": "2024-06-01", "purpose": "专项检查 2024-17", "id": 7], as: "auditor")
        #expect(read.status == 200)
        #expect(read.answer?["id"]?.intValue == 7)
        #expect(read.answer?["result"]?["entity"]?.stringValue == orgA)
        // The auditor may not read the access log; the admin may, and finds the read there.
        #expect(try edge.call("access-log", ["purpose": "审计"], as: "auditor").status == 200)
        let log = try edge.call("access-log", ["purpose": "复核访问记录"], as: "admin")
        let records = log.answer?["result"]?["records"]?.arrayValue ?? []
        let auditorRead = records.first { $0["op"]?.stringValue == "status" && $0["purpose"]?.stringValue == "专项检查 2024-17" }
        #expect(auditorRead?["certificate"]?.stringValue == "cn:auditor-zhang", "\(records.map { CanonicalJSON.string($0) })")
        #expect(auditorRead?["fingerprint"]?.stringValue?.count == 64)
        #expect(auditorRead?["uid"] == nil)
    }

    @Test func errorsHaveTheLineProtocolsCodesAndFittingStatuses() throws {
        let edge = try TryHTTPS()
        let badJSON = try edge.post("ping", "{not json", as: "admin")
        #expect(badJSON.status == 400)
        #expect((try? JSONParser.parse(Array(badJSON.body.utf8))).flatMap(errorCode) == "bad_json")
        let unknown = try edge.call("fly", [:], as: "admin")
        #expect(unknown.status == 404)
        #expect(unknown.answer.flatMap(errorCode) == "unknown_op" && unknown.answer?["served"]?["epoch"] == 1)
        let mismatched = try edge.call("ping", ["op": "stats"], as: "admin")
        #expect(mismatched.status == 400)
        #expect(mismatched.answer?["error"]?["field"]?.stringValue == "op")
        let invalidEntity = try edge.call("display", ["entity": "91110000600037341X"], as: "public")
        #expect(invalidEntity.status == 400)
        #expect(invalidEntity.answer.flatMap(errorCode) == "invalid_entity")
        let missing = try edge.call("get", ["seq": 99, "purpose": "核对"], as: "admin")
        #expect(missing.status == 404)
        #expect(missing.answer.flatMap(errorCode) == "not_found")
        #expect(try edge.call("append", ["events": [Self.event("c-1")]], as: "writer").status == 200)
        var changed = Self.event("c-1")
        if case var .object(members) = changed {
            members = members.map { $0.0 == "occurredOn" ? ("occurredOn", "2024-03-02") : $0 }
            changed = .object(members)
        }
        let conflict = try edge.call("append", ["events": [changed]], as: "writer")
        #expect(conflict.status == 409)
        #expect(conflict.answer.flatMap(errorCode) == "conflict")
        let huge = try edge.post("ping", "{\"id\":\"" + String(repeating: "x", count: 1 << 20) + "\"}", as: "admin")
        #expect(huge.status == 413)
    }

    @Test func subscribeStreamsJSONLines() throws {
        let edge = try TryHTTPS()
        for index in 0..<3 { #expect(try edge.call("append", ["events": [Self.event("s-\(index)")]], as: "writer").status == 200) }
        // curl ends the stream after 3 s; what arrived by then is the answer line and the events.
        let stream = try edge.post("subscribe", #"{"from":2,"purpose":"同步"}"#, as: "admin", extra: ["--max-time", "3", "-N"])
        let lines = stream.body.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
        #expect(lines.first?["result"]?["subscribed"]?.boolValue == true)
        #expect(lines.dropFirst().compactMap { $0["event"]?["seq"]?.intValue } == [2, 3])
    }
}
