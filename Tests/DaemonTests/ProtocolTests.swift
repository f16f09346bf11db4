import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Drives every op of the daemon over its socket.
@Suite(.serialized) struct ProtocolTests {
    @Test func answersEveryReadOpAfterAnAppend() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()

        let ping = try #require(result(try client.call(["op": "ping", "id": "p"])))
        #expect(ping["head"] == 0)

        let appended = try #require(result(try client.call(appendRequest([licenceEvent("l-1"), licenceEvent("l-2", entity: orgB), licenceEvent("l-3")], id: 7))))
        let rows = try #require(appended["appended"]?.arrayValue)
        #expect(rows.map { $0["seq"] } == [1, 2, 3])
        #expect(rows.allSatisfy { $0["duplicate"] == false && $0["hash"]?.stringValue?.count == 64 })

        let bySeq = try #require(result(try client.call(["op": "get", "purpose": "test", "seq": 2]))?["event"])
        #expect(bySeq["eventId"] == "l-2")
        #expect(bySeq["hash"] == rows[1]["hash"])
        #expect(bySeq["prevHash"] == rows[0]["hash"])
        let byId = try #require(result(try client.call(["op": "get", "purpose": "test", "eventId": "l-3"]))?["event"])
        #expect(byId["seq"] == 3)
        #expect(errorCode(try client.call(["op": "get", "purpose": "test", "eventId": "none"])) == "not_found")
        #expect(errorCode(try client.call(["op": "get", "purpose": "test"])) == "missing_field")

        let page = try #require(result(try client.call(["op": "read", "purpose": "test", "from": 2, "limit": 1])))
        #expect(page["events"]?.arrayValue?.map { $0["seq"] } == [2])
        #expect(page["next"] == 3)
        #expect(errorCode(try client.call(["op": "read", "purpose": "test", "limit": 10_001])) == "invalid_field")

        let history = try #require(result(try client.call(["op": "history", "purpose": "test", "entity": .string(orgA.lowercased())])))
        #expect(history["events"]?.arrayValue?.map { $0["eventId"] } == ["l-1", "l-3"])
        let earlier = try #require(result(try client.call(["op": "history", "purpose": "test", "entity": .string(orgA), "knownAt": 2])))
        #expect(earlier["events"]?.arrayValue?.count == 1)
        #expect(earlier["knownAt"] == 2)
        let byTime = try #require(result(try client.call(["op": "history", "purpose": "test", "entity": .string(orgA), "knownAt": "2000-01-01T00:00:00+08:00"])))
        #expect(byTime["events"]?.arrayValue?.isEmpty == true)

        let verify = try #require(result(try client.call(["op": "verify"])))
        #expect(verify["ok"] == true && verify["checked"] == 3 && verify["headHash"] == rows[2]["hash"])

        let stats = try #require(result(try client.call(["op": "stats"])))
        #expect(stats["events"] == 3 && stats["entities"] == 2 && stats["byKind"]?["license.granted"] == 3)

        let check = try #require(result(try client.call(["op": "check", "entity": .string(orgA), "measure": "eligible.green-channel", "at": "2026-06-01"])))
        #expect(check["decision"] == "eligible" && check["measure"] == "eligible.green-channel" && check["rule"] == "incentive-green-channel")
        let restricted = try #require(result(try client.call(["op": "check", "entity": .string(orgA), "measure": "restrict.honours"])))
        #expect(restricted["decision"] == "none" && restricted["basis"] == [])
        #expect(errorCode(try client.call(["op": "check", "entity": .string(orgA)])) == "missing_field")
        #expect(errorCode(try client.call(["op": "check", "entity": .string(orgA), "measure": "restrict.everything"])) == "invalid_field")

        let rebuilt = try #require(result(try client.call(["op": "rebuild", "verify": true])))
        #expect(rebuilt["identical"] == true && rebuilt["entities"] == 2 && rebuilt["events"] == 3)
        #expect(rebuilt["storedDigest"] == rebuilt["rebuiltDigest"] && rebuilt["storedDigest"]?.stringValue?.count == 64)
        let rewritten = try #require(result(try client.call(["op": "rebuild", "verify": false])))
        #expect(rewritten["identical"] == true && rewritten["rewritten"] == 3 && rewritten["storedDigest"] == rebuilt["storedDigest"])
        #expect(errorCode(try client.call(["op": "rebuild", "verify": "yes"])) == "invalid_field")
        #expect(daemon.terminate() == 0)
    }

    @Test func answersBadInputWithSpecificErrorsAndKeepsTheConnection() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        try client.send(Array("this is not json\n".utf8))
        let notJSON = try client.readValue()
        #expect(errorCode(notJSON) == "bad_json")
        // Every answer says what served it, refusals before any op included (issue 15).
        #expect(notJSON["served"] == ["epoch": 1, "seq": 0], "\(notJSON)")
        try client.send(Array("[1,2]\n".utf8))
        #expect(errorCode(try client.readValue()) == "bad_json")
        try client.send(Array("{\"op\":\"ping\",\"id\":{\"k\":[1]}}\r\n".utf8))
        let echoed = try client.readValue()
        #expect(echoed["id"] == ["k": [1]] && echoed["ok"] == true)
        #expect(errorCode(try client.call(["id": 1])) == "missing_field")
        let unknown = try client.call(["op": "fly"])
        #expect(errorCode(unknown) == "unknown_op" && unknown["served"] == ["epoch": 1, "seq": 0], "\(unknown)")

        var invalid = licenceEvent("x-1").objectValue!
        invalid.removeAll { $0.0 == "entity" }
        invalid.append(("entity", "91110000600037341N"))
        let answer = try client.call(appendRequest([licenceEvent("x-0"), .object(invalid)], id: "bad"))
        #expect(answer["id"] == "bad")
        #expect(errorCode(answer) == "invalid_entity")
        #expect(answer["error"]?["field"] == "events[1].entity")
        #expect(answer["error"]?["message"]?.stringValue?.contains("check character") == true)
        #expect(result(try client.call(["op": "ping"]))?["head"] == 0, "a failed batch wrote nothing")

        // A line over the 1 MiB limit is skipped; the next line on the same connection works.
        var huge = Array(#"{"op":"ping","pad":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 2 << 20)
        huge += Array("\"}\n".utf8)
        try client.send(huge)
        let tooLong = try client.readValue()
        #expect(errorCode(tooLong) == "line_too_long" && tooLong["served"] == ["epoch": 1, "seq": 0], "\(tooLong)")
        #expect(result(try client.call(["op": "ping", "id": "after"])) != nil)

        // Invalid UTF-8 and NUL bytes.
        try client.send([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D, 0x0A, 0x00, 0x0A])
        #expect(errorCode(try client.readValue()) == "bad_json")
        #expect(errorCode(try client.readValue()) == "bad_json")

        _ = try client.call(appendRequest([licenceEvent("c-1")]))
        var changed = licenceEvent("c-1").objectValue!
        changed.removeAll { $0.0 == "occurredOn" }
        changed.append(("occurredOn", "2024-03-02"))
        #expect(errorCode(try client.call(appendRequest([.object(changed)]))) == "conflict")
        let duplicate = try #require(result(try client.call(appendRequest([licenceEvent("c-1")]))))
        #expect(duplicate["appended"]?[0]?["duplicate"] == true)
        #expect(daemon.terminate() == 0)
    }

    @Test func answersPipelinedRequestsInOrderAndReadsItsOwnWrites() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        var lines: [UInt8] = []
        let count = 300
        for n in 0..<count {
            let request: JSONValue
            switch n % 3 {
            case 0: request = appendRequest([licenceEvent("pipe-\(n)")], id: .int(Int64(n)))
            case 1: request = ["op": "get", "purpose": "test", "eventId": .string("pipe-\(n - 1)"), "id": .int(Int64(n))]
            default: request = ["op": "ping", "id": .int(Int64(n))]
            }
            lines += CanonicalJSON.encode(request) + [UInt8(ascii: "\n")]
        }
        try client.send(lines)
        for n in 0..<count {
            let answer = try client.readValue()
            #expect(answer["id"] == .int(Int64(n)))
            #expect(answer["ok"] == true, "request \(n): \(CanonicalJSON.string(answer))")
            if n % 3 == 1 { #expect(answer["result"]?["event"]?["eventId"] == .string("pipe-\(n - 1)")) }
        }
        #expect(result(try client.call(["op": "stats"]))?["events"] == .int(Int64(count / 3)))
        #expect(daemon.terminate() == 0)
    }

    @Test func aClientThatHalfClosesStillGetsEveryAnswer() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        let requests = (0..<20).map { appendRequest([licenceEvent("hc-\($0)")], id: .int(Int64($0))) }
        try client.send(requests.flatMap { CanonicalJSON.encode($0) + [UInt8(ascii: "\n")] })
        client.finishSending()
        var answers = 0
        while let line = try client.readLine() {
            #expect(try JSONParser.parse(line)["ok"] == true)
            answers += 1
        }
        #expect(answers == 20)
        #expect(daemon.terminate() == 0)
    }

    @Test func refusesConnectionsBeyondTheBound() throws {
        let daemon = Daemon()
        try daemon.start(config: ["maximumConnections": 2])
        let first = try daemon.client()
        // The start-up probe's connection closes asynchronously; wait until only ours is open.
        while result(try first.call(["op": "stats"]))?["connections"] != 1 { Thread.sleep(forTimeInterval: 0.01) }
        let second = try daemon.client()
        #expect(result(try second.call(["op": "ping"])) != nil)
        let third = try daemon.client()
        let refused = try third.readValue()
        #expect(errorCode(refused) == "unavailable" && refused["served"]?["epoch"] == 1, "\(refused)")
        #expect(try third.readLine() == nil)
        #expect(result(try first.call(["op": "ping"])) != nil)
        #expect(daemon.terminate() == 0)
    }

    @Test func streamsPastThenLiveEventsToASubscriber() throws {
        let daemon = Daemon()
        try daemon.start()
        let writer = try daemon.client()
        _ = try writer.call(appendRequest((1...5).map { licenceEvent("s-\($0)") }))
        let subscriber = try daemon.client()
        let ack = try subscriber.call(["op": "subscribe", "purpose": "test", "from": 3, "id": "sub"])
        #expect(ack["ok"] == true && ack["id"] == "sub")
        for seq in 3...5 { #expect(try subscriber.readValue()["event"]?["seq"] == .int(Int64(seq))) }
        _ = try writer.call(appendRequest([licenceEvent("s-6"), licenceEvent("s-7")]))
        _ = try writer.call(appendRequest([licenceEvent("s-8")]))
        for seq in 6...8 {
            let line = try subscriber.readValue()
            #expect(line["event"]?["seq"] == .int(Int64(seq)))
            #expect(line["event"]?["eventId"] == .string("s-\(seq)"))
        }
        #expect(daemon.terminate() == 0)
    }
}
