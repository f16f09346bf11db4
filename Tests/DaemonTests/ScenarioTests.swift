import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// The credit domain over the socket: the lives of records as an auditor and the public see them.
@Suite(.serialized) struct ScenarioTests {
    let entity = "91110000600037341L"

    func event(_ id: String, _ kind: String, on date: String, refs: [String] = [], body: JSONValue = [:]) -> JSONValue {
        ["eventId": .string(id), "kind": .string(kind), "entity": .string(entity), "occurredOn": .string(date),
         "source": ["authority": "北京市朝阳区市场监督管理局"], "refs": .array(refs.map { .string($0) }), "body": body]
    }

    func penalty(_ id: String, on date: String, fineYuan: Int64 = 80_000, measures: JSONValue? = nil) -> JSONValue {
        event(id, "penalty.imposed", on: date, body: [
            "decisionNo": .string("京朝市监罚〔2026〕\(id)号"), "procedure": "ordinary",
            "measures": measures ?? [["type": "fine", "amountYuan": .int(fineYuan)]],
            "violation": "销售过期食品", "legalBasis": "食品安全法第一百二十四条",
        ])
    }

    func append(_ client: LineClient, _ events: JSONValue...) throws -> JSONValue {
        try client.call(appendRequest(events))
    }

    func status(_ client: LineClient, at: String, knownAt: JSONValue = nil) throws -> JSONValue {
        try #require(result(try client.call(["op": "status", "purpose": "test", "entity": .string(entity), "at": .string(at), "knownAt": knownAt])))
    }

    func displayed(_ client: LineClient, at: String, channel: String = "creditchina") throws -> [String] {
        let answer = try #require(result(try client.call(["op": "display", "entity": .string(entity), "at": .string(at), "channel": .string(channel)])))
        return answer["records"]?.arrayValue?.compactMap { $0["eventId"]?.stringValue } ?? []
    }

    @Test func aPenaltysLifeFromDecisionToRepair() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try append(client, penalty("p-1", on: "2026-05-01"))) != nil)

        let shown = try #require(result(try client.call(["op": "display", "entity": .string(entity), "at": "2026-06-01"])))
        let record = try #require(shown["records"]?[0])
        #expect(record["eventId"] == "p-1" && record["severity"] == "general")
        #expect(record["window"]?["from"] == "2026-05-01" && record["window"]?["until"] == "2027-05-01")
        #expect(record["window"]?["repairableFrom"] == "2026-08-02")
        #expect(record["window"]?["rules"]?.arrayValue?.contains("ndrc-36-art12-general") == true)

        // Too early, and not yet fulfilled: both refused, naming the rule.
        let early = try append(client, event("r-0", "repair.applied", on: "2026-07-01", refs: ["p-1"], body: ["commitment": "已整改"]))
        #expect(errorCode(early) == "rule_violation")
        let unfulfilled = try append(client, event("r-0", "repair.applied", on: "2026-08-05", refs: ["p-1"], body: ["commitment": "已整改"]))
        #expect(errorCode(unfulfilled) == "rule_violation")
        #expect(unfulfilled["error"]?["message"]?.stringValue?.contains("fulfilled") == true)

        #expect(result(try append(client, event("f-1", "penalty.fulfilled", on: "2026-07-15", refs: ["p-1"]))) != nil)
        #expect(result(try append(client, event("r-1", "repair.applied", on: "2026-08-05", refs: ["p-1"], body: ["commitment": "已整改"]))) != nil)
        let pending = try status(client, at: "2026-08-05")["pending"]?[0]
        #expect(pending?["kind"] == "repair" && pending?["stage"] == "acceptance" && pending?["deadline"] == "2026-08-07")
        #expect(try status(client, at: "2026-08-20")["pending"]?[0]?["overdue"] == true)

        #expect(result(try append(client, event("r-2", "repair.accepted", on: "2026-08-06", refs: ["r-1"]))) != nil)
        #expect(result(try append(client, event("r-3", "repair.granted", on: "2026-08-10", refs: ["r-1"]))) != nil)
        #expect(errorCode(try append(client, event("r-4", "repair.granted", on: "2026-08-11", refs: ["r-1"]))) == "rule_violation")

        #expect(try displayed(client, at: "2026-08-09") == ["p-1"])
        #expect(try displayed(client, at: "2026-08-10").isEmpty)
        let after = try status(client, at: "2026-09-01")
        let window = try #require(after["records"]?[0]?["windows"]?["creditchina"])
        #expect(window["until"] == "2026-08-09" && window["endReason"] == "repaired")
        #expect(after["records"]?[0]?["displayed"]?["creditchina"] == false)
        #expect(after["records"]?[0]?["supersededBy"]?.arrayValue?.contains { $0["eventId"] == "r-3" } == true)
        daemon.terminate()
    }

    @Test func aRevocationChangesThePastWhileKnownAtStillShowsWhatWasKnown() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let first = try #require(result(try append(client, penalty("p-1", on: "2026-05-01"))))
        let seqBefore = try #require(first["appended"]?[0]?["seq"])
        #expect(result(try append(client, event("x-1", "record.revoked", on: "2026-09-01", refs: ["p-1"], body: ["reason": "decision-revoked"]))) != nil)

        // What was known then: the penalty, on display in June.
        let then = try status(client, at: "2026-06-01", knownAt: seqBefore)
        #expect(then["records"]?[0]?["displayed"]?["creditchina"] == true)
        #expect(then["knownAt"] == seqBefore)
        // Knowing what we know now: never valid, never to be shown — even in June.
        let now = try status(client, at: "2026-06-01")
        #expect(now["records"]?[0]?["displayed"]?["creditchina"] == false)
        #expect(now["records"]?[0]?["windows"]?["creditchina"]?["endReason"] == "revoked")
        #expect(try displayed(client, at: "2026-06-01").isEmpty)
        // "What the public saw on D" is as known at the end of D: these events were recorded
        // today, so on 2026-06-01 nothing was known yet (the ledger tests cover a clock in the past).
        let sawThen = try status(client, at: "2026-06-01", knownAt: "at")
        #expect(sawThen["knownAt"] == 0)
        #expect(sawThen["records"]?.arrayValue?.isEmpty == true)
        daemon.terminate()
    }

    @Test func aSeriousDishonestyListingExitsByItselfOrEarlyAfterAYear() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try append(client,
            penalty("p-1", on: "2023-01-10", measures: [["type": "business-restriction", "termUntil": "2023-06-30"], ["type": "fine", "amountYuan": 300_000]]),
            event("l-1", "list.entered", on: "2023-01-10", refs: ["p-1"], body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]))) != nil)

        let listed = try status(client, at: "2025-06-01")
        #expect(listed["lists"]?[0]?["list"] == "serious-dishonesty" && listed["lists"]?[0]?["until"] == "2026-01-10")
        #expect(listed["supervisionClass"] == "D")
        #expect(listed["flags"]?.arrayValue?.contains("seriousDishonesty") == true)
        // Automatic exit after 3 years (Order 44 Art. 21): no event needed.
        let later = try status(client, at: "2026-01-11")
        #expect(later["lists"]?.arrayValue?.isEmpty == true)
        #expect(later["flags"]?.arrayValue?.contains("seriousDishonesty") == false)

        // Early removal: refused before a full year, accepted after.
        let tooEarly = try append(client, event("x-0", "list.exited", on: "2023-06-01", refs: ["l-1"], body: ["reason": "early-removal"]))
        #expect(errorCode(tooEarly) == "rule_violation" && tooEarly["error"]?["field"] == "events[0].occurredOn")
        #expect(result(try append(client, event("x-1", "list.exited", on: "2024-01-11", refs: ["l-1"], body: ["reason": "early-removal"]))) != nil)
        #expect(errorCode(try append(client, event("x-2", "list.exited", on: "2024-02-01", refs: ["l-1"], body: ["reason": "other"]))) == "rule_violation")
        let removed = try status(client, at: "2024-02-01")
        #expect(removed["lists"]?.arrayValue?.isEmpty == true)
        // The exit ends the display of the penalty the listing rested on (Order 107 Art. 13).
        let penaltyWindow = removed["records"]?[0]?["windows"]?["creditchina"]
        #expect(penaltyWindow?["until"] == "2024-01-10" && penaltyWindow?["endReason"] == "list-exit")
        daemon.terminate()
    }

    @Test func aRepairedListingIsAnExitFromTheList() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        _ = try append(client, event("l-1", "list.entered", on: "2023-01-10", body: ["list": "serious-dishonesty", "authority": "北京市市场监督管理局"]))
        let early = try append(client, event("a-0", "repair.applied", on: "2023-06-01", refs: ["l-1"], body: ["commitment": "已整改"]))
        #expect(errorCode(early) == "rule_violation" && early["error"]?["field"] == "events[0].occurredOn")
        #expect(result(try append(client, event("a-1", "repair.applied", on: "2024-02-01", refs: ["l-1"], body: ["commitment": "已整改"]))) != nil)
        #expect(try status(client, at: "2024-02-02")["pending"]?[0]?["target"] == "l-1")
        #expect(result(try append(client, event("g-1", "repair.granted", on: "2024-03-01", refs: ["a-1"]))) != nil)
        #expect(try status(client, at: "2024-02-29")["lists"]?.arrayValue?.count == 1)
        let after = try status(client, at: "2024-03-01")
        #expect(after["lists"]?.arrayValue?.isEmpty == true && after["supervisionClass"] != "D")
        daemon.terminate()
    }

    @Test func objectionsAreFlaggedAndResolved() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        _ = try append(client, penalty("p-1", on: "2026-05-01"), penalty("p-2", on: "2026-05-02"))
        _ = try append(client,
            event("o-1", "objection.filed", on: "2026-06-01", refs: ["p-1"], body: ["grounds": "文书送达有误"]),
            event("o-2", "objection.filed", on: "2026-06-01", refs: ["p-2"], body: ["grounds": "处罚决定已被撤销"]))
        let flagged = try status(client, at: "2026-06-02")
        #expect(flagged["records"]?.arrayValue?.allSatisfy { $0["underObjection"] == true } == true)
        #expect(flagged["pending"]?.arrayValue?.filter { $0["kind"] == "objection" }.first?["deadline"] == "2026-06-11", "forwarded in 1 working day, checked in 7 (Order 36 Art. 18)")
        #expect(try displayed(client, at: "2026-06-02") == ["p-1", "p-2"], "display continues while objected to")

        _ = try append(client,
            event("o-3", "objection.resolved", on: "2026-06-05", refs: ["o-1"], body: ["outcome": "rejected"]),
            event("o-4", "objection.resolved", on: "2026-06-05", refs: ["o-2"], body: ["outcome": "upheld", "action": "revoked"]))
        #expect(errorCode(try append(client, event("o-5", "objection.resolved", on: "2026-06-06", refs: ["o-1"], body: ["outcome": "rejected"]))) == "rule_violation")
        let resolved = try status(client, at: "2026-06-10")
        #expect(resolved["records"]?.arrayValue?.allSatisfy { $0["underObjection"] == false } == true)
        #expect(try displayed(client, at: "2026-06-10") == ["p-1"], "an upheld objection with revocation removes p-2 from display")
        daemon.terminate()
    }

    @Test func publicAnswersMaskAPersonsData() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let person = "11010519491231002X"
        _ = try client.call(appendRequest([
            ["eventId": "pp-1", "kind": "entity.profiled", "entity": .string(person), "occurredOn": "2026-01-01", "source": ["authority": "卫健委"],
             "body": ["name": "张三丰", "entityType": "natural-person", "region": "110105", "address": "北京市某街道1号"]],
            ["eventId": "pp-2", "kind": "penalty.imposed", "entity": .string(person), "occurredOn": "2026-05-01", "source": ["authority": "卫健委"],
             "body": ["decisionNo": "京卫罚〔2026〕1号", "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 8000]], "violation": "v", "legalBasis": "b"]],
        ]))
        let gsxt = try #require(result(try client.call(["op": "display", "entity": .string(person), "at": "2026-06-01", "channel": "gsxt"])))
        #expect(gsxt["entity"] == "110105********002X")
        #expect(gsxt["profile"]?["name"] == "张**" && gsxt["profile"]?["address"] == nil)
        #expect(gsxt["records"]?.arrayValue?.count == 1)
        let creditChina = try #require(result(try client.call(["op": "display", "entity": .string(person), "at": "2026-06-01"])))
        #expect(creditChina["records"]?.arrayValue?.isEmpty == true, "a person's negative records are not shown on creditchina")
        daemon.terminate()
    }
}
