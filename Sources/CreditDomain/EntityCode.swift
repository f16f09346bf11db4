import Foundation

/// A validated entity key: an organisation's Unified Social Credit Code (GB 32100) or a
/// natural person's resident identity number (GB 11643), upper-cased.
public struct EntityCode: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case organisation
        case naturalPerson = "natural-person"
    }

    /// The 18 characters, upper case.
    public let code: String
    public let kind: Kind
    /// Findings that do not make the code invalid (the GB 11714 check of positions 9-17).
    public let warnings: [String]

    public var description: String { code }

    /// The GB 32100 alphabet: digits and capitals without I, O, S, V, Z.
    static let usccAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let idCheckCharacters = Array("10X98765432")
    static let organisationCodeWeights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// Validates `text` (lower case is accepted).
    ///
    /// A code that passes both checks is read as a resident ID number: masking a rare
    /// all-digit organisation code is the safe error, showing a person's number is not.
    /// - Throws: `LedgerError` with code `invalid_entity` and the reason.
    public init(validating text: String) throws(LedgerError) {
        // Work on bytes: every valid code is ASCII, so anything else fails the alphabet.
        var bytes = Array(text.utf8)
        guard bytes.count == 18 else {
            throw LedgerError(.invalidEntity, "length: a USCC or resident ID number has 18 characters, got \(text.count)")
        }
        for index in bytes.indices where (97...122).contains(bytes[index]) { bytes[index] -= 32 }
        let personProblem = Self.residentIdProblem(bytes)
        if personProblem == nil {
            self.code = String(decoding: bytes, as: UTF8.self)
            self.kind = .naturalPerson
            self.warnings = []
            return
        }
        if let usccProblem = Self.usccProblem(bytes) {
            let looksLikeId = bytes[0..<17].allSatisfy { (48...57).contains($0) }
            let reason = looksLikeId ? "not a valid USCC (\(usccProblem)) nor resident ID number (\(personProblem!))" : usccProblem
            throw LedgerError(.invalidEntity, reason)
        }
        self.code = String(decoding: bytes, as: UTF8.self)
        self.kind = .organisation
        self.warnings = Self.organisationCodeWarning(bytes).map { [$0] } ?? []
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
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let year = number(6..<10)
        let month = number(10..<12)
        let day = number(12..<14)
        guard year >= 1900, CivilDate(year: year, month: month, day: day) != nil else {
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
    static func organisationCodeWarning(_ bytes: [UInt8]) -> String? {
        var sum = 0
        for (byte, weight) in zip(bytes[8..<16], organisationCodeWeights) {
            let value: Int
            switch byte {
            case 48...57: value = Int(byte - 48)
            case 65...90: value = Int(byte) - 55
            default: return "organisation code (positions 9-17): unexpected character '\(describe(byte))'"
            }
            sum += value * weight
        }
        let remainder = 11 - sum % 11
        let expected: UInt8 = remainder == 10 ? UInt8(ascii: "X") : remainder == 11 ? UInt8(ascii: "0") : UInt8(48 + remainder)
        guard bytes[16] == expected else {
            return "organisation code (positions 9-17): check character expected '\(describe(expected))', got '\(describe(bytes[16]))' (GB 11714)"
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
