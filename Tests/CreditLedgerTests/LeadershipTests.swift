import CreditDomain
import CreditProjection
import Foundation
import Logging
import Testing

@testable import CreditLedger

/// Replication's epochs and fence, kept with the log (issue 15).
@Suite struct LeadershipTests {
    static func open(_ path: String) throws -> Ledger {
        try Ledger(
            directory: path, schemas: try SchemaCatalogue(directory: schemaDirectory),
            rules: try RuleSet(directory: schemaDirectory.replacingOccurrences(of: "/events", with: "/rules")), mapSizeBytes: 64 << 20,
            logger: Logger(label: "test"))
    }

    @Test func theStoredFormReadsBackAndNothingElseReadsAsOne() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let epoch = UInt64.random(in: 1...UInt64.max, using: &generator)
            let leadership = Leadership(epoch: epoch, met: UInt64.random(in: 0...UInt64.max, using: &generator), following: Bool.random(using: &generator))
            #expect(Leadership(bytes: leadership.bytes) == leadership)
            #expect(leadership.met >= leadership.epoch)
        }
        #expect(Leadership(bytes: []) == nil && Leadership(bytes: [UInt8](repeating: 0, count: 17)) == nil, "epoch 0 is no epoch")
        #expect(Leadership(bytes: Leadership.first.bytes.dropLast() + [2]) == nil && Leadership(bytes: Leadership.first.bytes + [0]) == nil)
    }

    @Test func promotionGoesAboveEveryEpochKnownAndAFenceIsKeptAcrossARestart() throws {
        let path = NSTemporaryDirectory() + "creditledger-leadership-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var ledger = try Self.open(path)
        #expect(ledger.leadership == .first && !ledger.leadership.isFenced)
        // An epoch already known changes nothing; a higher one fences.
        #expect(try ledger.meet(epoch: 1) == false)
        #expect(try ledger.meet(epoch: 3) == true)
        #expect(ledger.leadership == Leadership(epoch: 1, met: 3, following: false) && ledger.leadership.isFenced)
        ledger.shutdown()
        ledger = try Self.open(path)
        #expect(ledger.leadership.isFenced && ledger.leadership.met == 3, "the fence is kept with the log")
        // Promotion: above the highest epoch met, not only above its own.
        #expect(ledger.leadership.promoted == Leadership(epoch: 4, met: 4, following: false))
        try ledger.setLeadership(Leadership(epoch: 4, met: 4, following: true))
        ledger.shutdown()
        ledger = try Self.open(path)
        #expect(ledger.leadership == Leadership(epoch: 4, met: 4, following: true))
        ledger.shutdown()
    }
}
