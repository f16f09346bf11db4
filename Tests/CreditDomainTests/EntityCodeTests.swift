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
        #expect(entity.warnings.count == 1)
        #expect(try EntityCode(validating: "91110000600037341L").warnings.isEmpty)
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
