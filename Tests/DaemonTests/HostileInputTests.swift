import Foundation
import LedgerJSON
import LedgerProtocol
import TestSupport
import Testing

/// A bounded fuzz campaign (the long one belongs to Tools/soak): the daemon must answer
/// every line with one line, never crash or hang, and keep serving well-behaved clients.
@Suite(.serialized) struct HostileInputTests {
    static let valid: [String] = [
        #"{"op":"ping","id":1}"#,
        #"{"op":"get","seq":1,"purpose":"test"}"#,
        #"{"op":"read","from":1,"limit":5,"purpose":"test"}"#,
        #"{"op":"history","entity":"91110000600037341L","knownAt":3,"purpose":"test"}"#,
        #"{"op":"status","entity":"91110000600037341L","at":"2026-06-01","knownAt":"at","purpose":"test"}"#,
        #"{"op":"display","entity":"91110000600037341L","at":"2026-06-01","channel":"gsxt"}"#,
        #"{"op":"verify","from":1,"to":2}"#,
        #"{"op":"append","events":[{"eventId":"f-1","kind":"license.granted","entity":"91110000600037341L","occurredOn":"2024-03-01","source":{"authority":"a"},"body":{"decisionNo":"d","category":"c","content":"x","validFrom":"2024-03-01","validUntil":"9999-12-31"}}]}"#,
        #"{"op":"append","events":[{"eventId":"f-2","kind":"ban.imposed","entity":"91110000600037341L","occurredOn":"2199-12-31","source":{"authority":"a"},"body":{"scope":"market","termUntil":"9999-12-31"}}]}"#,
    ]

    static let hostileValues: [String] = [
        "null", "true", "-1", "0", "1e308", "-1e308", "18446744073709551616", "9223372036854775807", "1.5", #""""#,
        #""9999-12-31""#, #""0000-00-00""#, #""2024-02-30""#, #""at""#, #""\u0000""#, "[]", "{}", #"[[[[[[]]]]]]"#,
        "\"" + String(repeating: "界", count: 5000) + "\"",
    ]

    /// One hostile line, chosen by `random`.
    static func hostileLine(_ random: inout SeededGenerator) -> [UInt8] {
        let base = Array(valid.randomElement(using: &random)!.utf8)
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }.filter { $0 != 0x0A }
        case 1: return Array(base.prefix(Int.random(in: 0..<base.count, using: &random)))
        case 2:
            var bytes = base
            for _ in 0..<Int.random(in: 1...5, using: &random) { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            return bytes.filter { $0 != 0x0A }
        case 3: return Array(String(repeating: "[", count: Int.random(in: 60...20_000, using: &random)).utf8)
        case 4:
            // A valid request with one value replaced by a hostile one.
            let text = valid.randomElement(using: &random)!
            let value = hostileValues.randomElement(using: &random)!
            guard let range = text.range(of: #":(\d+|"[^"]*")"#, options: .regularExpression) else { return base }
            return Array(text.replacingCharacters(in: range, with: ":" + value).utf8)
        case 5: return [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]  // invalid UTF-8 in a key
        case 6: return Array(#"{"op":"read","limit":"#.utf8) + Array(String(repeating: "9", count: 400).utf8) + [0x7D]
        default: return Array(#"{"op":"get","eventId":""#.utf8) + Array(String(repeating: "x", count: 100_000).utf8) + Array(#""}"#.utf8)
        }
    }

    @Test func survivesHostileLinesAndKeepsServing() throws {
        let lines = Int(ProcessInfo.processInfo.environment["CREDITLEDGER_FUZZ_LINES"] ?? "") ?? 3000
        let daemon = Daemon()
        try daemon.start()
        let setup = try daemon.client()
        for line in Self.valid where line.contains("append") { _ = try setup.call(try JSONParser.parse(line)) }

        var random = SeededGenerator(state: 20_261_123)
        for connection in 0..<4 {
            let client = try daemon.client()
            var batch: [UInt8] = []
            let count = lines / 4
            for _ in 0..<count { batch += Self.hostileLine(&random) + [0x0A] }
            try client.send(batch)
            client.finishSending()
            var answers = 0
            while let answer = try client.readLine() {
                // Every answer is one JSON object with ok true or false.
                let value = try JSONParser.parse(answer)
                #expect(value["ok"]?.boolValue != nil, "connection \(connection): \(String(decoding: answer.prefix(200), as: UTF8.self))")
                answers += 1
            }
            #expect(answers == count, "connection \(connection): \(answers) answers for \(count) lines")
        }
        // Still alive, intact, and serving well-behaved clients correctly.
        let check = try daemon.client()
        #expect(result(try check.call(["op": "verify"]))?["ok"] == true)
        #expect(result(try check.call(["op": "get", "purpose": "test", "eventId": "f-1"]))?["event"]?["eventId"] == "f-1")
        let status = try #require(result(try check.call(["op": "status", "purpose": "test", "entity": "91110000600037341L", "at": "2199-12-31"])))
        #expect(status["entity"] == "91110000600037341L")
        #expect(daemon.terminate() == 0)
    }
}


@Suite(.serialized) struct SlowReaderTests {
    /// A client that sends and never reads must be slowed down, not buffered without bound.
    @Test func aClientThatNeverReadsIsThrottledNotBuffered() throws {
        let daemon = Daemon()
        try daemon.start()
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(daemon.socketPath.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(connected == 0)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        // Each ping is 14 bytes and earns a ~140-byte answer. Without backpressure the daemon
        // would read all 64 MiB and queue ~640 MiB of answers.
        let chunk = Array(String(repeating: "{\"op\":\"ping\"}\n", count: 4096).utf8)
        var sent = 0
        var stalledSince: Date?
        let limit = 64 << 20
        while sent < limit {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                sent += written
                stalledSince = nil
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                if stalledSince == nil { stalledSince = Date() }
                if Date().timeIntervalSince(stalledSince!) > 2 { break }  // the daemon stopped reading: good
                usleep(10_000)
            } else {
                Issue.record("write failed: \(errno)")
                break
            }
        }
        #expect(sent < limit, "the daemon read \(sent) bytes from a client that never reads its answers")
        // And it still serves others.
        #expect(result(try daemon.client().call(["op": "ping"])) != nil)
        #expect(daemon.terminate() == 0)
    }
}

extension SlowReaderTests {
    /// Large answers to requests already read are produced only as the client takes them.
    @Test func largeAnswersWaitForAClientThatDoesNotRead() throws {
        let daemon = Daemon()
        try daemon.start()
        let writer = try daemon.client()
        for batch in 0..<4 {
            _ = try writer.call(appendRequest((0..<500).map { licenceEvent("big-\(batch)-\($0)") }))
        }
        let client = try daemon.client()
        // 300 reads of 2,000 records (~1 MB each) in one go, then not reading for a while.
        let request = Array(#"{"op":"read","limit":2000,"purpose":"test"}"#.utf8) + [0x0A]
        try client.send(Array((0..<300).map { _ in request }.joined()))
        Thread.sleep(forTimeInterval: 2)
        let residentMegabytes = try Self.residentMegabytes(pid: daemon.process!.processIdentifier)
        #expect(residentMegabytes < 200, "daemon RSS \(residentMegabytes) MB with a client not reading")
        // Reading them all still works.
        let ok = Array(#"{"id":null,"ok":true"#.utf8)
        var answers = 0
        for _ in 0..<300 where try client.readLine()?.starts(with: ok) == true { answers += 1 }
        #expect(answers == 300)
        #expect(daemon.terminate() == 0)
    }

    static func residentMegabytes(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
