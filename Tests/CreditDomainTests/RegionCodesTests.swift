import Foundation
import LedgerJSON
import Testing

@testable import CreditDomain

/// The compiled GB/T 2260 table (`RegionCodes+Table.swift`) against its source,
/// `Schemas/rules/gbt2260-regions.json`, and the year rules read from it.
@Suite struct RegionCodesTests {
    static let sourcePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas/rules/gbt2260-regions.json").path

    /// The spans of use the JSON gives, read as `Tools/gen-regions.py` documents: an entry's
    /// own `from`/`until`, and one more span per later name in `name` ("东郊区,[1992-]东丽区").
    static func sourceSpans() throws -> [Int: [RegionCodes.Span]] {
        let file = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: sourcePath))), maximumMembers: .max)
        let codes = try #require(file["codes"]?.objectValue)
        #expect(Int64(codes.count) == file["count"]?.intValue)
        var spans: [Int: [RegionCodes.Span]] = [:]
        for (code, entries) in codes {
            let number = try #require(RegionCodes.number(code), "\(code)")
            for entry in try #require(entries.arrayValue) {
                func year(_ name: String) -> Int? { entry[name]?.intValue.map(Int.init) }
                spans[number, default: []].append(RegionCodes.Span(from: year("from"), until: year("until")))
                for rename in try #require(entry["name"]?.stringValue).split(separator: "[").dropFirst() {
                    let years = rename.prefix { $0 != "]" }.split(separator: "-", omittingEmptySubsequences: false)
                    try #require(years.count == 2 && years[0].count == 4, "\(code): \(rename)")
                    spans[number, default: []].append(RegionCodes.Span(from: Int(years[0]), until: Int(years[1])))
                }
            }
        }
        return spans
    }

    @Test func compiledTableHasExactlyTheCodesAndYearsOfTheJSON() throws {
        let source = try Self.sourceSpans()
        let compiled = RegionCodes.spansByCode
        #expect(compiled.count == source.count)
        #expect(Set(compiled.keys) == Set(source.keys), "run Tools/gen-regions.py")
        for (code, spans) in source where compiled[code] != spans {
            Issue.record("\(code): compiled \(compiled[code] ?? []), JSON \(spans): run Tools/gen-regions.py")
        }
    }

    struct YearCase: Sendable, CustomStringConvertible {
        let code: String
        let year: Int
        let inUse: Bool
        let why: String
        var description: String { "\(code) in \(year): \(inUse)" }
    }

    static let yearCases: [YearCase] = [
        YearCase(code: "110105", year: 1950, inUse: true, why: "朝阳区: from null, since before the records"),
        YearCase(code: "110105", year: 2026, inUse: true, why: "until null: still in use"),
        YearCase(code: "110103", year: 1985, inUse: true, why: "崇文区 until 2010"),
        YearCase(code: "110103", year: 2010, inUse: true, why: "the last year is included"),
        YearCase(code: "110103", year: 2015, inUse: false, why: "abolished"),
        YearCase(code: "441900", year: 1987, inUse: false, why: "东莞市 from 1988"),
        YearCase(code: "441900", year: 1988, inUse: true, why: "the first year is included"),
        YearCase(code: "440305", year: 1995, inUse: true, why: "南头区办事处, renamed 南山区 in 1990: '[1990-]南山区'"),
        YearCase(code: "330502", year: 1995, inUse: false, why: "城区 until 1987, the code reused for 吴兴区 from 2003"),
        YearCase(code: "330502", year: 2005, inUse: true, why: "'[2003-]吴兴区'"),
        YearCase(code: "110199", year: 2000, inUse: false, why: "no such code"),
    ]

    @Test(arguments: yearCases)
    func aCodeIsInUseInTheYearsOfAnyOfItsSpans(row: YearCase) {
        #expect(RegionCodes.wasInUse(row.code, in: row.year) == row.inUse, "\(row.why)")
    }

    @Test func aCodeIsInUseInOrAfterAYearUnlessAbolishedBefore() {
        #expect(RegionCodes.wasInUse("441900", inOrAfter: 1960), "东莞市 from 1988: an ID number issued then to someone born in 1960")
        #expect(RegionCodes.wasInUse("110103", inOrAfter: 2010))
        #expect(!RegionCodes.wasInUse("110103", inOrAfter: 2011))
        #expect(RegionCodes.wasInUse("330502", inOrAfter: 1990), "reused from 2003")
        #expect(!RegionCodes.wasInUse("110199", inOrAfter: 1900))
    }

    @Test func countyLevelCodesIncludePrefectureCitiesWithoutCounties() {
        #expect(RegionCodes.isCountyLevel("110105"))
        #expect(RegionCodes.isCountyLevel("441900"), "东莞市 has no counties")
        #expect(!RegionCodes.isCountyLevel("110100"), "北京市市辖区 has districts under it")
        #expect(!RegionCodes.isCountyLevel("110000"), "a province")
        #expect(!RegionCodes.isCountyLevel("110199"), "unknown")
        #expect(RegionCodes.isKnown("110000") && RegionCodes.isKnown("110103") && !RegionCodes.isKnown("11010"))
    }
}
