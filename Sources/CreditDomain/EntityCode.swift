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
    /// - Throws: `ValidationError` with code `invalid_entity` and the reason.
    public init(validating text: String) throws(ValidationError) {
        let upper = text.uppercased()
        let characters = Array(upper)
        guard characters.count == 18 else {
            throw ValidationError(.invalidEntity, "length: a USCC or resident ID number has 18 characters, got \(characters.count)")
        }
        let personProblem = Self.residentIdProblem(characters)
        if personProblem == nil {
            self.code = upper
            self.kind = .naturalPerson
            self.warnings = []
            return
        }
        if let usccProblem = Self.usccProblem(characters) {
            let looksLikeId = characters[0..<17].allSatisfy(\.isASCIIDigit)
            let reason = looksLikeId ? "not a valid USCC (\(usccProblem)) nor resident ID number (\(personProblem!))" : usccProblem
            throw ValidationError(.invalidEntity, reason)
        }
        self.code = upper
        self.kind = .organisation
        self.warnings = Self.organisationCodeWarning(characters).map { [$0] } ?? []
    }

    /// The first reason `characters` is not a USCC, or `nil` when it is one.
    static func usccProblem(_ characters: [Character]) -> String? {
        var sum = 0
        var values: [Int] = []
        for (position, character) in characters.enumerated() {
            guard let value = usccAlphabet.firstIndex(of: character) else {
                return "alphabet: '\(character)' at position \(position + 1) is not in the GB 32100 alphabet"
            }
            values.append(value)
        }
        for position in 2..<8 where values[position] > 9 {
            return "region: positions 3-8 must be digits, '\(characters[position])' at position \(position + 1)"
        }
        for position in 0..<17 { sum += values[position] * usccWeights[position] }
        let check = (31 - sum % 31) % 31
        guard check == values[17] else {
            return "check character: expected '\(usccAlphabet[check])', got '\(characters[17])'"
        }
        return nil
    }

    /// The first reason `characters` is not a resident ID number, or `nil` when it is one.
    static func residentIdProblem(_ characters: [Character]) -> String? {
        guard characters[0..<17].allSatisfy(\.isASCIIDigit), characters[17].isASCIIDigit || characters[17] == "X" else {
            return "alphabet: 17 digits and a digit or X expected"
        }
        let digits = characters[0..<17].map { Int($0.asciiValue! - 48) }
        let birth = String(characters[6..<14])
        guard let year = Int(birth.prefix(4)), let month = Int(birth.dropFirst(4).prefix(2)), let day = Int(birth.suffix(2)),
            year >= 1900, CivilDate(year: year, month: month, day: day) != nil
        else {
            return "birth date: '\(birth)' in positions 7-14 is not a real date"
        }
        let sum = zip(digits, idWeights).reduce(0) { $0 + $1.0 * $1.1 }
        let check = idCheckCharacters[sum % 11]
        guard check == characters[17] else { return "check digit: expected '\(check)', got '\(characters[17])'" }
        return nil
    }

    /// GB 11714: positions 9-17 are an organisation code whose last character checks the
    /// other eight. A mismatch is reported, not refused (old codes were issued with errors).
    static func organisationCodeWarning(_ characters: [Character]) -> String? {
        let body = characters[8..<16]
        var sum = 0
        for (character, weight) in zip(body, organisationCodeWeights) {
            let value: Int
            if character.isASCIIDigit {
                value = Int(character.asciiValue! - 48)
            } else if let ascii = character.asciiValue, (65...90).contains(ascii) {
                value = Int(ascii) - 55
            } else {
                return "organisation code (positions 9-17): unexpected character '\(character)'"
            }
            sum += value * weight
        }
        let remainder = 11 - sum % 11
        let expected: Character = remainder == 10 ? "X" : remainder == 11 ? "0" : Character(String(remainder))
        guard characters[16] == expected else {
            return "organisation code (positions 9-17): check character expected '\(expected)', got '\(characters[16])' (GB 11714)"
        }
        return nil
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
