import Foundation
import LedgerJSON
import Testing

@testable import CreditDomain

/// The fuzzer's seeds (Tools/fuzz/corpus) stay what they are meant to be: request lines
/// whose appended events pass validation, so that fuzzing starts deep in the validator
/// rather than at its first refusal when a schema changes.
@Suite struct FuzzSeedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/fuzz/corpus")

    static var seedNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    @Test func thereAreSeeds() {
        #expect(Self.seedNames.count >= 10)
        #expect(Self.seedNames.contains { $0.hasPrefix("append") })
    }

    @Test(arguments: seedNames)
    func seedIsARequestWhoseEventsValidate(name: String) throws {
        var bytes = Array(try Data(contentsOf: Self.corpus.appendingPathComponent(name)))
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let request = try JSONParser.parse(bytes)
        #expect(request["op"]?.stringValue != nil, "\(name): no op")
        guard request["op"] == "append" else { return }
        let envelope = EventEnvelope(schemas: try SchemaCatalogue(directory: schemaDirectory))
        let events = try #require(request["events"]?.arrayValue)
        #expect(!events.isEmpty)
        for (index, event) in events.enumerated() {
            #expect(throws: Never.self, "\(name): events[\(index)]") { try envelope.validate(event) }
        }
    }
}
