import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Audited reads in groups (issue 14, part 4): a pipelined burst of recorded reads is recorded
/// in a commit or two, not one commit per few reads, and each read is still recorded, with its
/// purpose, before its answer leaves.
@Suite struct AuditedBurstTests {
    static let burst = 32

    @Test func aPipelinedBurstOfAuditedReadsSharesItsCommits() throws {
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1")]))) != nil)
        let before = try #require(result(try client.call(["op": "access-log", "purpose": "test"]))?["head"]?.intValue)

        // 32 statuses written in one go, then the answers read.
        var lines: [UInt8] = []
        for number in 0..<Self.burst {
            lines += CanonicalJSON.encode(["op": "status", "id": .int(Int64(number)), "entity": .string(orgA), "at": "2026-06-01", "purpose": "专项检查 2026-0200"])
            lines.append(UInt8(ascii: "\n"))
        }
        try client.send(lines)
        var answered: [Int64] = []
        for _ in 0..<Self.burst {
            let answer = try client.readValue()
            #expect(result(answer)?["records"]?.arrayValue?.count == 1, "\(answer)")
            answered.append(try #require(answer["id"]?.intValue))
        }
        #expect(answered == Array(0..<Int64(Self.burst)), "answers in request order")

        // Every read is in the access log; a commit stamps one recordedAt on all its records.
        let log = try #require(result(try client.call(["op": "access-log", "purpose": "test", "from": .int(before + 1)])))
        let reads = try #require(log["records"]?.arrayValue).filter { $0["op"] == "status" }
        #expect(reads.count == Self.burst && reads.allSatisfy { $0["purpose"] == "专项检查 2026-0200" })
        let commits = Set(reads.compactMap { $0["recordedAt"]?.stringValue })
        // The lines of one socket read are recorded in one writer job; a burst split over two
        // reads of the socket takes two. (Before: a read held one of four read slots from its
        // record to its answer, so 8 commits at least.)
        #expect(commits.count <= 2, "the burst took \(commits.count) commits")
        #expect(daemon.terminate() == 0)
    }
}
