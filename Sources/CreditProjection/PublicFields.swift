import CreditDomain
import LedgerJSON

/// `Schemas/rules/public-fields.json`: what public answers may show of a body — an allow-list
/// per kind (domain.md §6), with resident-ID-shaped runs in shown strings masked.
public struct PublicFields: Sendable {
    let kinds: [EventKind: Set<String>]
    let nested: [String: Set<String>]
    let organisationProfile: Set<String>
    let organisationProfileNested: [String: Set<String>]
    let naturalPersonProfile: Set<String>

    init(_ value: JSONValue) throws(RuleError) {
        func names(_ value: JSONValue?, _ what: String) throws(RuleError) -> Set<String> {
            guard let list = value?.arrayValue else { throw RuleError("public-fields.json: \(what) must be a list of field names") }
            return Set(list.compactMap(\.stringValue))
        }
        var kinds: [EventKind: Set<String>] = [:]
        for (name, fields) in value["kinds"]?.objectValue ?? [] {
            guard let kind = EventKind(rawValue: name) else { throw RuleError("public-fields.json: kinds.\(name) is not an event kind") }
            kinds[kind] = try names(fields, "kinds.\(name)")
        }
        self.kinds = kinds
        var nested: [String: Set<String>] = [:]
        for (name, fields) in value["nested"]?.objectValue ?? [] { nested[name] = try names(fields, "nested.\(name)") }
        self.nested = nested
        organisationProfile = try names(value["organisationProfile"], "organisationProfile")
        var profileNested: [String: Set<String>] = [:]
        for (name, fields) in value["organisationProfileNested"]?.objectValue ?? [] { profileNested[name] = try names(fields, "organisationProfileNested.\(name)") }
        organisationProfileNested = profileNested
        naturalPersonProfile = try names(value["naturalPersonProfile"], "naturalPersonProfile")
    }

    /// The public part of a record's body: only allowed fields, ID-shaped runs masked.
    public func body(_ body: JSONValue, kind: EventKind) -> JSONValue {
        Self.keep(body, allowed: kinds[kind] ?? [], nested: nested)
    }

    /// The public part of a profile; a person's name shows only its first character.
    public func profile(_ body: JSONValue, person: Bool) -> JSONValue {
        guard person else { return Self.keep(body, allowed: organisationProfile, nested: organisationProfileNested) }
        guard case let .object(members) = Self.keep(body, allowed: naturalPersonProfile, nested: [:]) else { return .object([]) }
        return .object(members.map { name, value in
            guard name == "name", let text = value.stringValue, let first = text.first else { return (name, value) }
            return (name, .string(String(first) + String(repeating: "*", count: max(1, text.count - 1))))
        })
    }

    static func keep(_ value: JSONValue, allowed: Set<String>, nested: [String: Set<String>]) -> JSONValue {
        guard case let .object(members) = value else { return .object([]) }
        return .object(members.compactMap { name, member in
            guard allowed.contains(name) else { return nil }
            return (name, keepNested(member, allowed: nested[name]))
        })
    }

    static func keepNested(_ value: JSONValue, allowed: Set<String>?) -> JSONValue {
        switch value {
        case let .string(text): return .string(maskIdentityNumbers(text))
        case let .array(elements): return .array(elements.map { keepNested($0, allowed: allowed) })
        case .object: return allowed.map { keep(value, allowed: $0, nested: [:]) } ?? .object([])
        default: return value
        }
    }

    /// Length of a resident ID number (GB 11643).
    static let identityNumberLength = 18

    /// `text` with every run shaped like a resident ID number (17 digits then a digit or X,
    /// not inside a longer run of digits) masked to its first 6 and last 4 characters.
    public static func maskIdentityNumbers(_ text: String) -> String {
        // Most text holds no run of 17 digits: look at the bytes before building scalars.
        var run = 0
        var longest = 0
        for byte in text.utf8 {
            run = (48...57).contains(byte) ? run + 1 : 0
            longest = max(longest, run)
        }
        guard longest >= identityNumberLength - 1 else { return text }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= identityNumberLength else { return text }
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        var output = String.UnicodeScalarView()
        var index = 0
        var changed = false
        while index < scalars.count {
            let end = index + identityNumberLength
            if end <= scalars.count, !isDigit(index - 1), (index..<(end - 1)).allSatisfy(isDigit),
                isDigit(end - 1) || scalars[end - 1] == "X" || scalars[end - 1] == "x", !isDigit(end)
            {
                output.append(contentsOf: scalars[index..<(index + 6)])
                output.append(contentsOf: String(repeating: "*", count: 8).unicodeScalars)
                output.append(contentsOf: scalars[(end - 4)..<end])
                index = end
                changed = true
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return changed ? String(output) : text
    }
}
