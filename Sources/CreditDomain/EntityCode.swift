import Foundation

/// A validated entity key: an organisation's Unified Social Credit Code (GB 32100) or a
/// natural person's resident identity number (GB 11643), upper-cased.
public struct EntityCode: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case organisation
        case naturalPerson = "natural-person"
    }

    /// What a warning is about, so that callers count warnings without reading messages.
    /// The raw value is the prefix every message of the kind starts with.
    public enum Finding: String, Sendable {
        /// The region code is not a GB/T 2260 code (for a person: not one in use in the
        /// birth year or later).
        case unknownRegion = "region"
        /// The GB 11714 check of positions 9-17 of a USCC fails.
        case organisationCodeCheck = "organisation code"
    }

    /// A finding that does not make the code invalid, with a message for people that starts
    /// with the finding's prefix (`region: …`).
    public struct Warning: Sendable, Hashable, CustomStringConvertible {
        public let finding: Finding
        public let message: String

        init(_ finding: Finding, _ text: String) {
            self.finding = finding
            self.message = finding.rawValue + ": " + text
        }

        public var description: String { message }
    }

    /// The 18 characters, upper case.
    public let code: String
    public let kind: Kind
    /// Findings that do not make the code invalid: an unknown region code, the GB 11714
    /// check of positions 9-17.
    public let warnings: [Warning]

    public var description: String { code }

    /// The GB 32100 alphabet: digits and capitals without I, O, S, V, Z.
    static let usccAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let idCheckCharacters = Array("10X98765432")
    static let organisationCodeWeights = [3, 7, 9, 10, 5, 8, 4, 2]
    /// The earliest birth year a resident ID number may carry.
    static let earliestBirthYear = 1900
    /// The latest birth year an ambiguous code may carry to be read as a person's: later
    /// years cannot be checked against the compiled region table.
    static let latestAmbiguousBirthYear = RegionCodes.tableYear
    /// Region codes of the residence permits of Hong Kong, Macao and Taiwan residents
    /// (港澳台居民居住证, 国办发〔2018〕81号), numbered like resident ID numbers.
    static let residencePermitRegions: Set<Int> = [810_000, 820_000, 830_000]
    /// The region code of organisations registered at the national level (positions 3-8).
    static let nationalRegistrationRegion = 100_000

    /// Validates `text` (lower case is accepted).
    ///
    /// A code that passes both checks (about 1 in 1,650 organisation codes, and 1 in 31 ID
    /// numbers) is read as a resident ID number only when its first six digits are a
    /// county-level GB/T 2260 code in use in its birth year (the rule; a code that can
    /// only be an ID number is warned about only when its code was not in use in the birth year
    /// or later), and the birth year is at most ``RegionCodes/tableYear``; otherwise as a USCC
    /// (Schemas/rules/README.md, choice 14).
    /// - Throws: `LedgerError` with code `invalid_entity` and the reason.
    public init(validating text: String) throws(LedgerError) {
        // Work on bytes: every valid code is ASCII, so anything else fails the alphabet.
        var bytes = Array(text.utf8)
        guard bytes.count == 18 else {
            throw LedgerError(.invalidEntity, "length: a USCC or resident ID number has 18 characters, got \(text.count)")
        }
        for index in bytes.indices where (97...122).contains(bytes[index]) { bytes[index] -= 32 }
        let personProblem = Self.residentIdProblem(bytes)
        let usccProblem = Self.usccProblem(bytes)
        let isPerson: Bool
        switch (personProblem, usccProblem) {
        case let (personProblem?, usccProblem?):
            let looksLikeId = bytes[0..<17].allSatisfy { (48...57).contains($0) }
            throw LedgerError(.invalidEntity, looksLikeId ? "not a valid USCC (\(usccProblem)) nor resident ID number (\(personProblem))" : usccProblem)
        case (nil, nil): isPerson = Self.isPersonsRegion(bytes, birthYearAtMost: Self.latestAmbiguousBirthYear, inBirthYear: true)
        case (nil, _?): isPerson = true
        case (_?, nil): isPerson = false
        }
        self.code = String(decoding: bytes, as: UTF8.self)
        self.kind = isPerson ? .naturalPerson : .organisation
        self.warnings = isPerson ? Self.personWarnings(bytes) : Self.organisationWarnings(bytes)
    }

    /// The six-digit GB/T 2260 region the code carries for life: positions 3-8 of a USCC (its
    /// registration authority's region), positions 1-6 of a resident ID number. What a region
    /// shard routes on (Deploy/nginx).
    public var regionCode: Substring {
        kind == .naturalPerson ? code.prefix(6) : code.dropFirst(2).prefix(6)
    }

    /// A person's birth date (positions 7-14); `nil` for an organisation.
    public var birthDate: CivilDate? {
        guard kind == .naturalPerson else { return nil }
        let bytes = Array(code.utf8)
        return CivilDate(year: Self.number(bytes, 6..<10), month: Self.number(bytes, 10..<12), day: Self.number(bytes, 12..<14))
    }

    /// Whether the entity code carries a warning about `finding`.
    public func hasWarning(_ finding: Finding) -> Bool {
        warnings.contains { $0.finding == finding }
    }

    /// The decimal value of ASCII digits.
    static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        bytes[range].reduce(0) { $0 * 10 + Int($1 &- 48) }
    }

    /// Whether the first six digits of a valid resident ID number can be where it was
    /// issued: a county-level code in use in the birth year or later, or a residence permit's.
    /// - Parameter inBirthYear: require the code in use in the birth year itself (the issue's
    ///   rule for a code that is also a valid USCC); otherwise in that year or later (enough for
    ///   a code that can only be an ID number not to be warned about).
    static func isPersonsRegion(_ bytes: [UInt8], birthYearAtMost latestBirthYear: Int = .max, inBirthYear: Bool = false) -> Bool {
        let region = number(bytes, 0..<6)
        let birthYear = number(bytes, 6..<10)
        guard birthYear <= latestBirthYear else { return false }
        if residencePermitRegions.contains(region) { return true }
        guard RegionCodes.isCountyLevel(region) else { return false }
        // Schemas/rules/README.md, choice 14.
        return inBirthYear ? RegionCodes.wasInUse(region, in: birthYear) : RegionCodes.wasInUse(region, inOrAfter: birthYear)
    }

    static func personWarnings(_ bytes: [UInt8]) -> [Warning] {
        guard !isPersonsRegion(bytes) else { return [] }
        let region = String(decoding: bytes[0..<6], as: UTF8.self)
        let birthYear = number(bytes, 6..<10)
        return [Warning(.unknownRegion, "region code \(region) is not a GB/T 2260 county-level code in use in \(birthYear) or later")]
    }

    static func organisationWarnings(_ bytes: [UInt8]) -> [Warning] {
        var warnings: [Warning] = []
        let region = number(bytes, 2..<8)
        if region != nationalRegistrationRegion && !RegionCodes.isKnown(region) {
            let text = String(decoding: bytes[2..<8], as: UTF8.self)
            warnings.append(Warning(.unknownRegion, "region code \(text) (positions 3-8) is not a known GB/T 2260 code"))
        }
        if let problem = organisationCodeProblem(bytes) { warnings.append(Warning(.organisationCodeCheck, problem)) }
        return warnings
    }

    /// The value of each byte in the GB 32100 alphabet, or -1.
    static let usccValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in usccAlphabet.enumerated() { table[Int(character.asciiValue!)] = Int8(value) }
        return table
    }()

    static func describe(_ byte: UInt8) -> String {
        byte < 0x80 ? String(UnicodeScalar(byte)) : String(format: "0x%02X", byte)
    }

    /// The first reason `bytes` (upper case) is not a USCC, or `nil` when it is one.
    static func usccProblem(_ bytes: [UInt8]) -> String? {
        var values = [Int](repeating: 0, count: 18)
        for (position, byte) in bytes.enumerated() {
            let value = usccValues[Int(byte)]
            guard value >= 0 else {
                return "alphabet: '\(describe(byte))' at position \(position + 1) is not in the GB 32100 alphabet"
            }
            values[position] = Int(value)
        }
        for position in 2..<8 where values[position] > 9 {
            return "region: positions 3-8 must be digits, '\(describe(bytes[position]))' at position \(position + 1)"
        }
        var sum = 0
        for position in 0..<17 { sum += values[position] * usccWeights[position] }
        let check = (31 - sum % 31) % 31
        guard check == values[17] else {
            return "check character: expected '\(usccAlphabet[check])', got '\(describe(bytes[17]))'"
        }
        return nil
    }

    /// The first reason `bytes` (upper case) is not a resident ID number, or `nil` when it is one.
    static func residentIdProblem(_ bytes: [UInt8]) -> String? {
        let isDigit = { (byte: UInt8) in (48...57).contains(byte) }
        guard bytes[0..<17].allSatisfy(isDigit), isDigit(bytes[17]) || bytes[17] == UInt8(ascii: "X") else {
            return "alphabet: 17 digits and a digit or X expected"
        }
        let year = number(bytes, 6..<10)
        let month = number(bytes, 10..<12)
        let day = number(bytes, 12..<14)
        guard year >= earliestBirthYear, CivilDate(year: year, month: month, day: day) != nil else {
            return "birth date: '\(String(decoding: bytes[6..<14], as: UTF8.self))' in positions 7-14 is not a real date"
        }
        var sum = 0
        for position in 0..<17 { sum += Int(bytes[position] - 48) * idWeights[position] }
        let check = idCheckCharacters[sum % 11]
        guard check.asciiValue! == bytes[17] else { return "check digit: expected '\(check)', got '\(describe(bytes[17]))'" }
        return nil
    }

    /// GB 11714: positions 9-17 are an organisation code whose last character checks the
    /// other eight. A mismatch is reported, not refused (old codes were issued with errors).
    static func organisationCodeProblem(_ bytes: [UInt8]) -> String? {
        var sum = 0
        for (byte, weight) in zip(bytes[8..<16], organisationCodeWeights) {
            let value: Int
            switch byte {
            case 48...57: value = Int(byte - 48)
            case 65...90: value = Int(byte) - 55
            default: return "unexpected character '\(describe(byte))' in positions 9-17"
            }
            sum += value * weight
        }
        let remainder = 11 - sum % 11
        let expected: UInt8 = remainder == 10 ? UInt8(ascii: "X") : remainder == 11 ? UInt8(ascii: "0") : UInt8(48 + remainder)
        guard bytes[16] == expected else {
            return "check character of positions 9-17 expected '\(describe(expected))', got '\(describe(bytes[16]))' (GB 11714)"
        }
        return nil
    }

    /// Builds a valid USCC from its parts, computing both check characters (for test data
    /// and load generators).
    /// - Parameters:
    ///   - prefix: registration authority and organisation type, e.g. `91` (a company).
    ///   - region: the six-digit GB/T 2260 region code.
    ///   - organisationBody: the first eight characters of the GB 11714 organisation code.
    public static func makeUSCC(prefix: String = "91", region: String, organisationBody: String) -> String {
        precondition(prefix.count == 2 && region.count == 6 && organisationBody.count == 8)
        let body = Array(prefix + region + organisationBody)
        let sum = zip(body[8..<16], organisationCodeWeights).reduce(0) { total, pair in
            total + (pair.0.isASCIIDigit ? Int(pair.0.asciiValue! - 48) : Int(pair.0.asciiValue!) - 55) * pair.1
        }
        let remainder = 11 - sum % 11
        let organisationCheck: Character = remainder == 10 ? "X" : remainder == 11 ? "0" : Character(String(remainder))
        let first17 = body + [organisationCheck]
        let total = zip(first17, usccWeights).reduce(0) { $0 + usccAlphabet.firstIndex(of: $1.0)! * $1.1 }
        return String(first17) + String(usccAlphabet[(31 - total % 31) % 31])
    }

    /// The code as public answers show it: a person's number keeps its first 6 and last 4
    /// characters (domain.md §6); an organisation's code is public.
    public var masked: String {
        guard kind == .naturalPerson else { return code }
        return String(code.prefix(6)) + String(repeating: "*", count: 8) + String(code.suffix(4))
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
