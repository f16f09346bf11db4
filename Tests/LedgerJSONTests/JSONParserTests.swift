import Testing

@testable import LedgerJSON

@Suite struct JSONParserTests {
    @Test func parsesEveryValueKind() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5, true, false, null, "x\u00e9\n"], "b": {"c": 1e3}} "#)
        #expect(value["a"] == [1, -2.5, true, false, nil, "xé\n"])
        #expect(value["b"]?["c"] == .double(1000))
    }

    @Test(arguments: [
        ("", JSONParseError.Reason.unexpectedEnd),
        ("{", .unexpectedEnd),
        ("{\"a\":1,}", .unexpectedCharacter),
        ("[1 2]", .unexpectedCharacter),
        ("01", .trailingData),
        ("1.", .invalidNumber),
        ("-", .unexpectedEnd),
        ("1e400", .numberOutOfRange),
        ("\"\\x\"", .invalidEscape),
        ("\"\\ud800\"", .invalidEscape),
        ("\"a\u{01}\"", .controlCharacter),
        ("{\"a\":1,\"a\":2}", .duplicateKey),
        ("tru", .unexpectedEnd),
        ("{} {}", .trailingData),
    ])
    func rejectsMalformedInput(text: String, reason: JSONParseError.Reason) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.reason == reason, "\(text)")
        }
    }

    /// An object of many keys: duplicates found through a set beyond the first few (linear work),
    /// and no more than `maximumMembersPerObject` members (issue 11: a 60,000-key line).
    @Test func findsDuplicatesInLargeObjectsAndBoundsTheirMembers() throws {
        func object(_ keys: [String]) -> String { "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}" }
        let distinct = (0..<JSONParser.maximumMembersPerObject).map { "k\($0)" }
        #expect(try JSONParser.parse(object(distinct)).objectValue?.count == JSONParser.maximumMembersPerObject)
        for duplicate in ["k0", "k15", "k16", "k4000"] {
            do {
                _ = try JSONParser.parse(object(Array(distinct.prefix(4090)) + [duplicate]))
                Issue.record("\(duplicate) twice was accepted")
            } catch {
                #expect(error.reason == .duplicateKey)
            }
        }
        do {
            _ = try JSONParser.parse(object((0..<60_000).map { "k\($0)" }))
            Issue.record("60,000 members were accepted")
        } catch {
            #expect(error.reason == .tooManyMembers)
        }
        // Canonically equal keys are the same key, as with the direct comparison.
        #expect(throws: JSONParseError.self) { try JSONParser.parse(object(Array(distinct.prefix(20)) + ["\u{E9}", "e\u{301}"])) }
    }

    @Test func rejectsInvalidUTF8AndNulBytes() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0x00, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x7B, 0x00, 0x7D]) }
    }

    @Test func boundsNestingDepth() throws {
        let shallow = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(throws: Never.self) { try JSONParser.parse(shallow) }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }
}

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysByBytesAndDropsWhiteSpace() throws {
        let value = try JSONParser.parse(#"{ "b": 1, "a": {"z": [1, 2], "B": "x"}, "é": null, "A": true }"#)
        #expect(CanonicalJSON.string(value) == #"{"A":true,"a":{"B":"x","z":[1,2]},"b":1,"é":null}"#)
    }

    @Test(arguments: [
        ("1.0", "1"), ("-0.5", "-0.5"), ("1e2", "100"), ("1.5e300", "1.5e+300"), ("0.1", "0.1"), ("12345678901234567", "12345678901234567"),
    ])
    func writesNumbersInOneForm(input: String, canonical: String) throws {
        #expect(CanonicalJSON.string(try JSONParser.parse(input)) == canonical)
    }

    @Test func escapesOnlyWhatJSONRequires() {
        #expect(CanonicalJSON.string(.string("a\"b\\c\n\u{01}/é")) == #""a\"b\\c\n\u0001/é""#)
    }

    @Test func roundTripsThroughTheParser() throws {
        let texts = [#"{"x":[{"y":"中文"},-1,2.5,null]}"#, #"[]"#, #"{}"#, #""\t""#]
        for text in texts {
            let once = CanonicalJSON.encode(try JSONParser.parse(text))
            #expect(CanonicalJSON.encode(try JSONParser.parse(once)) == once)
        }
    }
}
