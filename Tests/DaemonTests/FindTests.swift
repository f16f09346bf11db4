import Foundation
import Glibc
import LedgerJSON
import LedgerProtocol
import Testing

/// `find`: entities by (part of) their current profile name, from the name index kept with
/// the stored projections; an audited read of auditors and admins.
@Suite struct FindTests {
    static let orgC = "91110105000000393F"
    static let person = "11010519491231002X"
    static let purpose: JSONValue = "专项检查 2026-0117"

    static func profile(_ id: String, _ entity: String, _ name: String, type: String = "enterprise", on day: String = "2024-01-02") -> JSONValue {
        [
            "eventId": .string(id), "kind": "entity.profiled", "entity": .string(entity), "occurredOn": .string(day),
            "source": ["authority": "北京市市场监督管理局"], "body": ["name": .string(name), "entityType": .string(type), "region": "110105"],
        ]
    }

    /// Three organisations and a person profiled; orgA renamed by a second profile, orgC's
    /// name corrected by a record.corrected of its profile.
    static func fill(_ client: LineClient) throws {
        let first = try client.call(appendRequest([
            profile("pf-a", orgA, "北京某某科技有限公司"),
            profile("pf-b", orgB, "上海某某科技有限公司"),
            profile("pf-c", orgC, "北京另一家贸易有限公司"),
            profile("pf-p", person, "张某某", type: "natural-person"),
        ]))
        #expect(result(first) != nil, "\(first)")
        let renamed = try client.call(appendRequest([
            profile("pf-a2", orgA, "北京新名信息技术有限公司", on: "2025-03-01"),
            [
                "eventId": "pc-c", "kind": "record.corrected", "entity": .string(orgC), "occurredOn": "2025-03-02", "refs": ["pf-c"],
                "source": ["authority": "北京市市场监督管理局"], "body": ["fields": ["name": "北京另一家商贸有限公司"], "reason": "名称登记有误"],
            ],
        ]))
        #expect(result(renamed) != nil, "\(renamed)")
    }

    static func find(_ client: LineClient, _ name: String, limit: Int? = nil) throws -> JSONValue {
        var request: JSONValue = ["op": "find", "name": .string(name), "purpose": purpose]
        if let limit, case var .object(members) = request {
            members.append(("limit", .int(Int64(limit))))
            request = .object(members)
        }
        return try client.call(request)
    }

    /// The codes a find answered, in order.
    static func codes(_ answer: JSONValue) -> [String] {
        (result(answer)?["entities"]?.arrayValue ?? []).compactMap { $0["entity"]?.stringValue }
    }

    @Test func findListsEntitiesByTheirCurrentNameInNameOrderAndIsRecorded() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        try Self.fill(client)

        // 某某: orgB and the person (orgA only had it before its rename), by name bytes.
        let both = try Self.find(client, "某某")
        let expected = [("上海某某科技有限公司", orgB), ("张某某", Self.person)].sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        #expect(Self.codes(both) == expected.map(\.1), "\(both)")
        let entities = try #require(result(both)?["entities"]?.arrayValue)
        #expect(entities.map { $0["name"]?.stringValue } == expected.map(\.0))
        #expect(entities.first { $0["entity"] == .string(Self.person) }?["entityKind"] == "natural-person")
        #expect(entities.first { $0["entity"] == .string(orgB) }?["entityKind"] == "organisation")
        #expect(result(both)?["more"] == false)
        // The renamed one under its new name only; the corrected one under its corrected name.
        #expect(Self.codes(try Self.find(client, "北京某某")) == [])
        let renamed = try Self.find(client, "新名信息")
        #expect(Self.codes(renamed) == [orgA] && result(renamed)?["entities"]?[0]?["name"] == "北京新名信息技术有限公司")
        #expect(Self.codes(try Self.find(client, "贸易")) == [])
        #expect(Self.codes(try Self.find(client, "商贸")) == [Self.orgC])

        // limit and more: three organisations hold 有限公司, in name order.
        let all = try Self.find(client, "有限公司")
        #expect(Self.codes(all).count == 3 && result(all)?["more"] == false)
        let two = try Self.find(client, "有限公司", limit: 2)
        #expect(Self.codes(two) == Array(Self.codes(all).prefix(2)) && result(two)?["more"] == true)
        #expect(Self.codes(try Self.find(client, "有限公司", limit: 3)).count == 3)

        // Refusals: a purpose, a name of 2 or more visible characters, a bounded limit.
        let noPurpose = try client.call(["op": "find", "name": "某某"])
        #expect(errorCode(noPurpose) == "missing_field" && noPurpose["error"]?["field"] == "purpose")
        let noName = try client.call(["op": "find", "purpose": Self.purpose])
        #expect(errorCode(noName) == "missing_field" && noName["error"]?["field"] == "name")
        for bad: JSONValue in ["某", "  ", .int(5), .string(String(repeating: "某", count: 70))] {
            let answer = try client.call(["op": "find", "name": bad, "purpose": Self.purpose])
            #expect(errorCode(answer) == "invalid_field" && answer["error"]?["field"] == "name", "\(bad): \(answer)")
        }
        for bad: JSONValue in [0, 101, "20"] {
            let answer = try client.call(["op": "find", "name": "某某", "limit": bad, "purpose": Self.purpose])
            #expect(errorCode(answer) == "invalid_field" && answer["error"]?["field"] == "limit", "\(bad): \(answer)")
        }

        // The access log: each answered find with its purpose and name; refused ones not at all.
        let log = try #require(result(try client.call(["op": "access-log", "purpose": "审计"])))
        let finds = (log["records"]?.arrayValue ?? []).filter { $0["op"] == "find" }
        #expect(finds.count == 8)
        #expect(finds.allSatisfy { $0["purpose"] == Self.purpose })
        #expect(finds.first?["parameters"]?["name"] == "某某")
        #expect(finds.contains { $0["parameters"]?["limit"] == 2 && $0["parameters"]?["name"] == "有限公司" })
        #expect(daemon.terminate() == 0)
    }

    @Test func theNameIndexSurvivesARestartAndARebuild() throws {
        let daemon = Daemon()
        try daemon.start()
        var client = try daemon.client()
        try Self.fill(client)
        let before = try Self.find(client, "有限公司")
        #expect(Self.codes(before).count == 3)
        #expect(daemon.terminate() == 0)

        try daemon.start()
        client = try daemon.client()
        #expect(try Self.find(client, "有限公司") == before)
        let verified = try #require(result(try client.call(["op": "rebuild", "verify": true])))
        #expect(verified["identical"] == true && verified["mismatches"] == 0, "\(verified)")
        let rewritten = try #require(result(try client.call(["op": "rebuild", "verify": false])))
        #expect(rewritten["identical"] == true && rewritten["storedDigest"] == verified["storedDigest"], "\(rewritten)")
        #expect(try Self.find(client, "有限公司") == before)
        #expect(Self.codes(try Self.find(client, "某某")).count == 2)
        // A later rename moves the entity in the index, and the rebuild still agrees.
        #expect(result(try client.call(appendRequest([Self.profile("pf-b2", orgB, "上海后来科技有限公司", on: "2025-04-01")]))) != nil)
        #expect(Self.codes(try Self.find(client, "某某")) == [Self.person])
        #expect(Self.codes(try Self.find(client, "后来科技")) == [orgB])
        #expect(result(try client.call(["op": "rebuild", "verify": true]))?["identical"] == true)
        #expect(daemon.terminate() == 0)
    }

    @Test(.enabled(if: getuid() == 0, "switching uid needs root"))
    func onlyAuditorsAndAdminsMayFind() throws {
        let auditor = try AccessControlTests.systemUser("cl-test-auditor")
        let outsider = try AccessControlTests.systemUser("cl-test-public")
        let daemon = Daemon()
        chmod(daemon.directory, 0o755)
        try daemon.start(config: ["socketMode": "0666", "access": ["auditor": ["uids": [.int(Int64(auditor.uid))]]]])
        let admin = try daemon.client()
        try Self.fill(admin)
        let socket = ["--socket", daemon.socketPath, "--json"]
        let refused = try AccessControlTests.creditctl(as: outsider, ["find", "某某", "--purpose", "看看"] + socket)
        #expect(refused.status == 77 && refused.output.contains("forbidden") && refused.output.contains("admin or auditor"), "\(refused.output)")
        // An auditor's uid is answered, and its find recorded under its uid and grant.
        let found = try AccessControlTests.creditctl(as: auditor, ["find", "某某", "--purpose", "专项检查", "--limit", "1"] + socket)
        #expect(found.status == 0, "\(found.output)")
        let answer = try JSONParser.parse(Array(found.output.utf8.prefix { $0 != 0x0A }))
        #expect(answer["entities"]?.arrayValue?.count == 1 && answer["more"] == true, "\(found.output)")
        // creditctl's table (the daemon's own uid holds every grant).
        let table = try AccessControlTests.run(Daemon.binary("creditctl"), ["find", "某某", "--purpose", "专项检查", "--socket", daemon.socketPath])
        #expect(table.status == 0 && table.output.contains("张某某") && table.output.contains("自然人"), "\(table.output)")
        let log = try #require(result(try admin.call(["op": "access-log", "purpose": "审计"])))
        let records = (log["records"]?.arrayValue ?? []).filter { $0["op"] == "find" }
        #expect(records.count == 2)
        #expect(records.first?["uid"] == .int(Int64(auditor.uid)) && records.first?["role"] == "auditor" && records.first?["purpose"] == "专项检查")
        #expect(!(log["records"]?.arrayValue ?? []).contains { $0["uid"] == .int(Int64(outsider.uid)) })
        #expect(daemon.terminate() == 0)
    }
}
