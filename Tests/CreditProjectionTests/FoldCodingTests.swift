import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

@Suite struct FoldCodingTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func aFoldReadsBackToTheSameBytes(seed: UInt64) throws {
        let events = HistoryGenerator.history(seed: seed, count: 60)
        var fold = EntityFold(entity: events[0].event.entity)
        for event in events { fold.apply(event) }
        let bytes = CanonicalJSON.encode(fold.json)
        let back = try EntityFold(json: try JSONParser.parse(bytes))
        #expect(CanonicalJSON.encode(back.json) == bytes, "\(String(decoding: bytes, as: UTF8.self))")
    }
}
