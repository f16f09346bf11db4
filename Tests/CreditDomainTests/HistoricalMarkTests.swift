import LedgerJSON
import Testing

@testable import CreditDomain

/// `source.historical`: records of the past entered now, kept as a mark in the source.
@Suite struct HistoricalMarkTests {
    let envelope = EventEnvelope(schemas: try! SchemaCatalogue(directory: schemaDirectory))

    func source(_ historical: JSONValue) -> JSONValue {
        penalty([("source", ["authority": "北京市朝阳区市场监督管理局", "historical": historical])])
    }

    @Test func theMarkIsKeptOnlyWhenTrue() throws {
        let (marked, _) = try envelope.validate(source(true))
        #expect(marked.isHistorical && marked.source["historical"] == true)
        #expect(String(decoding: marked.canonicalContent(), as: UTF8.self).contains(#""source":{"authority":"北京市朝阳区市场监督管理局","historical":true}"#))
        let (unmarked, _) = try envelope.validate(source(false))
        let (plain, _) = try envelope.validate(penalty())
        #expect(!unmarked.isHistorical && unmarked.canonicalContent() == plain.canonicalContent(), "false is the same as no mark")
        #expect(try CreditEvent(stored: JSONParser.parse(marked.canonicalContent())).isHistorical)
    }

    @Test func aMarkThatIsNotABooleanIsRefused() {
        #expect {
            try envelope.validate(source("yes"))
        } throws: { error in
            (error as? LedgerError)?.field == "source.historical"
        }
    }
}
