import TestSupport
import Testing

@testable import CreditDomain

/// Codes from ../shared/spec/domain.md §1 and hand-checked GB 11643 numbers.
@Suite struct EntityCodeTests {
    @Test(arguments: [
        ("91110000600037341L", EntityCode.Kind.organisation),
        ("121200004013590816", .organisation),
        ("91310115MA1K3BTP2B", .organisation),
        ("9115220107837757XE", .organisation),
        ("91152201078371135X", .organisation),
        ("91310115ma1k3btp2b", .organisation),
        ("11010519491231002X", .naturalPerson),
        ("110101199003074477", .naturalPerson),
        ("11010519491231002x", .naturalPerson),
    ])
    func acceptsValidCodes(code: String, kind: EntityCode.Kind) throws {
        let entity = try EntityCode(validating: code)
        #expect(entity.kind == kind)
        #expect(entity.code == code.uppercased())
    }

    /// The region a shard routes on (Deploy/shards.md): positions 3-8 of a USCC, 1-6 of an ID number.
    @Test(arguments: [
        ("91110000600037341L", "110000"), ("121200004013590816", "120000"), ("91310115MA1K3BTP2B", "310115"),
        ("9115220107837757XE", "152201"), ("11010519491231002X", "110105"), ("110101199003074477", "110101"),
    ])
    func carriesItsRegionForLife(code: String, region: String) throws {
        #expect(try EntityCode(validating: code).regionCode == region)
    }

    @Test(arguments: [
        ("91110000600037341N", "check character"),
        ("12345", "length"),
        ("9111000060003734IL", "alphabet"),
        ("91A10000600037341L", "region"),
        ("110105194912310021", "check digit"),
        ("110105194902300028", "not a valid USCC"),
        ("", "length"),
        ("91110000600037341L ", "length"),
    ])
    func rejectsInvalidCodesWithTheReason(code: String, reason: String) {
        do {
            _ = try EntityCode(validating: code)
            Issue.record("\(code) was accepted")
        } catch {
            #expect(error.code == .invalidEntity)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func warnsOnAnOrganisationCodeCheckMismatchWithoutRejecting() throws {
        // 91110000600037341L has a GB 11714 part (600037341) whose check holds; alter the
        // organisation code and recompute the GB 32100 check so only GB 11714 fails.
        let body = Array("91110000600037351")
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        let sum = zip(body, weights).reduce(0) { $0 + alphabet.firstIndex(of: $1.0)! * $1.1 }
        let code = String(body) + String(alphabet[(31 - sum % 31) % 31])
        let entity = try EntityCode(validating: code)
        #expect(entity.kind == .organisation)
        #expect(entity.warnings.map(\.finding) == [.organisationCodeCheck])
        #expect(entity.warnings[0].message.hasPrefix("organisation code: "))
        #expect(try EntityCode(validating: "91110000600037341L").warnings.isEmpty)
    }

    struct ClassificationCase: Sendable, CustomStringConvertible {
        let code: String
        let kind: EntityCode.Kind
        let finding: EntityCode.Finding?
        let why: String
        var description: String { "\(code) → \(kind.rawValue): \(why)" }
    }

    /// How a valid code is read, and the warning it carries. Codes marked "both" pass the
    /// GB 32100 and the GB 11643 checks (found with `EntityCode.makeUSCC`); the region rule
    /// decides them (Schemas/rules/README.md §14).
    static let classificationCases: [ClassificationCase] = [
        ClassificationCase(code: "91110000600037341L", kind: .organisation, finding: nil, why: "domain.md §1 test code"),
        ClassificationCase(code: "121200004013590816", kind: .organisation, finding: nil, why: "domain.md §1 test code"),
        ClassificationCase(code: "91310115MA1K3BTP2B", kind: .organisation, finding: nil, why: "domain.md §1 test code"),
        ClassificationCase(code: "9115220107837757XE", kind: .organisation, finding: nil, why: "domain.md §1 test code"),
        ClassificationCase(code: "91152201078371135X", kind: .organisation, finding: nil, why: "domain.md §1 test code"),
        ClassificationCase(code: "911101198506120039", kind: .organisation, finding: nil, why: "both; 911101 is no county code"),
        ClassificationCase(code: "110100198506124682", kind: .organisation, finding: .unknownRegion, why: "both; 110100 is a prefecture with counties (USCC region 010019 unknown)"),
        ClassificationCase(code: "110105198506122064", kind: .naturalPerson, finding: nil, why: "both; 朝阳区 110105 in use in 1985"),
        ClassificationCase(code: "110103198506121341", kind: .naturalPerson, finding: nil, why: "both; 崇文区 110103 in use until 2010, born 1985"),
        ClassificationCase(code: "110103201506120538", kind: .organisation, finding: .unknownRegion, why: "both; 崇文区 110103 abolished after 2010, born 2015"),
        ClassificationCase(code: "441900197003054113", kind: .organisation, finding: .unknownRegion, why: "both; 东莞市 441900 (a city without counties) not yet in use in 1970: the issue's birth-year rule reads an organisation"),
        ClassificationCase(code: "810000198001011252", kind: .naturalPerson, finding: nil, why: "both; Hong Kong residence permit"),
        ClassificationCase(code: "110105203001010810", kind: .organisation, finding: .unknownRegion, why: "both; birth year 2030 is past the region table"),
        ClassificationCase(code: "11010519491231002X", kind: .naturalPerson, finding: nil, why: "ID only; 朝阳区"),
        ClassificationCase(code: "110199199003071001", kind: .naturalPerson, finding: .unknownRegion, why: "ID only; 110199 is no GB/T 2260 code"),
        ClassificationCase(code: EntityCode.makeUSCC(region: "990000", organisationBody: "MA1K3BTP"), kind: .organisation, finding: .unknownRegion, why: "USCC only; 990000 is no GB/T 2260 code"),
        ClassificationCase(code: EntityCode.makeUSCC(prefix: "11", region: "100000", organisationBody: "MA1K3BTP"), kind: .organisation, finding: nil, why: "USCC only; a national registration"),
    ]

    @Test(arguments: classificationCases)
    func readsAValidCodeAsPersonOrOrganisationByTheRegionRule(row: ClassificationCase) throws {
        let entity = try EntityCode(validating: row.code)
        #expect(entity.kind == row.kind)
        #expect(entity.warnings.map(\.finding) == (row.finding.map { [$0] } ?? []), "\(entity.warnings)")
        for warning in entity.warnings { #expect(warning.message.hasPrefix(warning.finding.rawValue + ": ")) }
        let digits = Array(row.code.dropFirst(6).prefix(8))
        let birthDate = CivilDate("\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))")
        #expect(entity.birthDate == (row.kind == .naturalPerson ? birthDate : nil))
    }

    @Test func warnsOnUnknownRegionsWithAStablePrefixAndThePositions() throws {
        let person = try EntityCode(validating: "110199199003071001")
        #expect(person.warnings.map(\.message) == ["region: region code 110199 is not a GB/T 2260 county-level code in use in 1990 or later"])
        let organisation = try EntityCode(validating: EntityCode.makeUSCC(region: "990000", organisationBody: "MA1K3BTP"))
        #expect(organisation.warnings.map(\.message) == ["region: region code 990000 (positions 3-8) is not a known GB/T 2260 code"])
        #expect(organisation.hasWarning(.unknownRegion) && !organisation.hasWarning(.organisationCodeCheck))
    }

    /// Whether an ambiguous code is a person's by the rule of Schemas/rules/README.md §14,
    /// restated here from the region table's public answers.
    static func regionRuleSaysPerson(_ code: String) -> Bool {
        let region = String(code.prefix(6))
        let birthYear = Int(code.dropFirst(6).prefix(4))!
        return birthYear <= RegionCodes.tableYear
            && (["810000", "820000", "830000"].contains(region) || RegionCodes.isCountyLevel(region) && RegionCodes.wasInUse(region, in: birthYear))
    }

    /// Over many valid USCCs, the ones that also pass the GB 11643 check are persons exactly
    /// when the region rule says so; all others are organisations. Two populations, seed 2026:
    /// - 50,000 codes with realistic all-digit prefixes, real region codes and random bodies:
    ///   33 pass both checks (1 in 1,500), and 1 of those is read as a person (its first six
    ///   digits happen to be a county code): 1 organisation in 50,000 is still masked, where
    ///   all 33 were before.
    /// - 20,000 codes shaped like ID numbers (a table code, a birth date 1900-2039): 559 pass
    ///   both (1 in 36: the last character must also be the ID check), and 419 of those
    ///   (3 in 4) are persons; the others have a code that is abolished before the birth
    ///   year, is not county-level, or a birth year past the table.
    @Test func ambiguousCodesArePersonsOnlyWhenTheRegionRuleSaysSo() throws {
        var random = SeededGenerator(state: 2026)
        let prefixes = ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "39", "41", "51", "52", "53", "61", "62", "71", "81", "91", "92", "93"]
        let regions = RegionCodes.spansByCode.keys.sorted().map { String($0) }
        func digits(_ count: Int) -> String { (0..<count).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined() }
        func check(_ code: String) throws -> (ambiguous: Bool, person: Bool) {
            let entity = try EntityCode(validating: code)
            guard EntityCode.residentIdProblem(Array(code.utf8)) == nil else {
                #expect(entity.kind == .organisation, "\(code)")
                return (false, false)
            }
            let person = Self.regionRuleSaysPerson(code)
            #expect(entity.kind == (person ? .naturalPerson : .organisation), "\(code)")
            return (true, person)
        }
        var realistic = (ambiguous: 0, persons: 0)
        for _ in 0..<50_000 {
            let code = EntityCode.makeUSCC(prefix: prefixes.randomElement(using: &random)!, region: regions.randomElement(using: &random)!, organisationBody: digits(8))
            let (ambiguous, person) = try check(code)
            realistic.ambiguous += ambiguous ? 1 : 0
            realistic.persons += person ? 1 : 0
        }
        var idShaped = (ambiguous: 0, persons: 0)
        for _ in 0..<20_000 {
            let region = regions.randomElement(using: &random)!
            let year = String(Int.random(in: 1900...2039, using: &random))
            let month = String(Int.random(in: 101...112, using: &random)).dropFirst()
            let day = String(Int.random(in: 101...128, using: &random)).dropFirst()
            let code = EntityCode.makeUSCC(prefix: String(region.prefix(2)), region: String(region.dropFirst(2)) + year.prefix(2), organisationBody: String(year.dropFirst(2)) + month + day + digits(2))
            let (ambiguous, person) = try check(code)
            idShaped.ambiguous += ambiguous ? 1 : 0
            idShaped.persons += person ? 1 : 0
        }
        print("realistic: \(realistic), ID-shaped: \(idShaped)")
        #expect(realistic.ambiguous > 0 && realistic.persons * 10 < realistic.ambiguous)
        #expect(idShaped.ambiguous > 500 && idShaped.persons > 0 && idShaped.persons < idShaped.ambiguous)
    }

    @Test func masksANaturalPersonsNumber() throws {
        #expect(try EntityCode(validating: "11010519491231002X").masked == "110105********002X")
        #expect(try EntityCode(validating: "91110000600037341L").masked == "91110000600037341L")
    }
}

@Suite struct CivilDateTests {
    @Test(arguments: ["2024-02-29", "2000-02-29", "2026-12-31", "0001-01-01"])
    func acceptsRealDates(text: String) {
        #expect(CivilDate(text)?.description == text)
    }

    @Test(arguments: ["2023-02-29", "1900-02-29", "2024-13-01", "2024-04-31", "2024-1-01", "20240101", "2024-01-01T00:00", ""])
    func rejectsOtherText(text: String) {
        #expect(CivilDate(text) == nil)
    }
}

@Suite struct EntityCodeBuilderTests {
    @Test func buildsCodesThatValidateWithoutWarnings() throws {
        for index in [0, 1, 42, 99_999_999] {
            let body = String(String(index).reversed()).padding(toLength: 8, withPad: "0", startingAt: 0)
            let code = EntityCode.makeUSCC(region: "110105", organisationBody: body)
            let entity = try EntityCode(validating: code)
            #expect(entity.kind == .organisation)
            #expect(entity.warnings.isEmpty, "\(code)")
        }
        #expect(EntityCode.makeUSCC(region: "110000", organisationBody: "60003734") == "91110000600037341L")
    }
}
