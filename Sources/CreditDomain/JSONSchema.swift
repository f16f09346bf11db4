import LedgerJSON

/// A compiled JSON Schema (draft 2020-12), limited to the keywords the ledger's schemas use.
///
/// Loading refuses any other keyword, so a schema can never silently mean more than this
/// validator checks. The same files are checked by an independent validator in the tests.
public final class JSONSchema: Sendable {
    /// Keywords that only annotate.
    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "examples", "default", "x-refs"]

    let types: [String]?
    let properties: [(String, JSONSchema)]
    let required: [String]
    let additionalProperties: Bool
    let enumeration: [JSONValue]?
    let constant: JSONValue?
    let items: JSONSchema?
    let minimumItems: Int?
    let maximumItems: Int?
    let minimumLength: Int?
    let maximumLength: Int?
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let format: String?
    let allOf: [JSONSchema]
    let anyOf: [JSONSchema]
    let ifSchema: JSONSchema?
    let thenSchema: JSONSchema?
    let elseSchema: JSONSchema?
    let notSchema: JSONSchema?

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compiles `value`; `path` names where it is, for error messages.
    public init(_ value: JSONValue, path: String = "#") throws(LoadError) {
        guard case let .object(members) = value else { throw LoadError(description: "\(path): a schema must be an object") }
        func schema(_ name: String) throws(LoadError) -> JSONSchema? {
            guard let member = value[name] else { return nil }
            return try JSONSchema(member, path: path + "/" + name)
        }
        func schemas(_ name: String) throws(LoadError) -> [JSONSchema] {
            guard let member = value[name] else { return [] }
            guard let array = member.arrayValue, !array.isEmpty else { throw LoadError(description: "\(path)/\(name): must be a non-empty array") }
            var compiled: [JSONSchema] = []
            for (index, element) in array.enumerated() { compiled.append(try JSONSchema(element, path: "\(path)/\(name)/\(index)")) }
            return compiled
        }
        func integer(_ name: String) throws(LoadError) -> Int? {
            guard let member = value[name] else { return nil }
            guard let integer = member.intValue, integer >= 0 else { throw LoadError(description: "\(path)/\(name): must be a non-negative integer") }
            return Int(integer)
        }
        func number(_ name: String) throws(LoadError) -> Double? {
            guard let member = value[name] else { return nil }
            guard let number = member.doubleValue else { throw LoadError(description: "\(path)/\(name): must be a number") }
            return number
        }
        let known: Set<String> = [
            "type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems", "maxItems",
            "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "format", "allOf", "anyOf", "if", "then",
            "else", "not",
        ]
        for (name, _) in members where !known.contains(name) && !Self.annotations.contains(name) {
            throw LoadError(description: "\(path): keyword '\(name)' is not supported by the ledger's validator")
        }
        switch value["type"] {
        case nil: types = nil
        case let .string(name)?: types = [name]
        case let .array(names)?: types = names.compactMap(\.stringValue)
        default: throw LoadError(description: "\(path)/type: must be a string or an array of strings")
        }
        let validTypes: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]
        for name in types ?? [] where !validTypes.contains(name) { throw LoadError(description: "\(path)/type: unknown type '\(name)'") }
        var compiledProperties: [(String, JSONSchema)] = []
        if let propertyMembers = value["properties"] {
            guard let object = propertyMembers.objectValue else { throw LoadError(description: "\(path)/properties: must be an object") }
            for (name, member) in object { compiledProperties.append((name, try JSONSchema(member, path: "\(path)/properties/\(name)"))) }
        }
        properties = compiledProperties
        required = value["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch value["additionalProperties"] {
        case nil: additionalProperties = true
        case let .bool(allowed)?: additionalProperties = allowed
        default: throw LoadError(description: "\(path)/additionalProperties: only true or false is supported")
        }
        enumeration = value["enum"]?.arrayValue
        constant = value["const"]
        items = try schema("items")
        minimumItems = try integer("minItems")
        maximumItems = try integer("maxItems")
        minimumLength = try integer("minLength")
        maximumLength = try integer("maxLength")
        minimum = try number("minimum")
        maximum = try number("maximum")
        exclusiveMinimum = try number("exclusiveMinimum")
        format = value["format"]?.stringValue
        if let format, format != "date" { throw LoadError(description: "\(path)/format: only 'date' is supported") }
        allOf = try schemas("allOf")
        anyOf = try schemas("anyOf")
        ifSchema = try schema("if")
        thenSchema = try schema("then")
        elseSchema = try schema("else")
        notSchema = try schema("not")
    }

    /// One step of the path to the value being checked; rendered only for an error.
    enum PathElement {
        case member(String)
        case index(Int)
    }

    static func render(_ path: [PathElement]) -> String? {
        guard !path.isEmpty else { return nil }
        var text = ""
        for element in path {
            switch element {
            case let .member(name): text += text.isEmpty ? name : "." + name
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }

    /// Checks `value`; the error's field is a path below the value (`measures[0].type`).
    public func validate(_ value: JSONValue) throws(LedgerError) {
        var path: [PathElement] = []
        try validate(value, path: &path)
    }

    func validate(_ value: JSONValue, path: inout [PathElement]) throws(LedgerError) {
        func fail(_ message: String, _ code: ErrorCode = .invalidField) -> LedgerError {
            LedgerError(code, message, field: Self.render(path))
        }
        if let types, !types.contains(where: { Self.matches(value, type: $0) }) {
            throw fail("must be \(types.joined(separator: " or ")), got \(value.typeName)")
        }
        if let enumeration, !enumeration.contains(value) {
            let allowed = enumeration.map { CanonicalJSON.string($0) }.joined(separator: ", ")
            throw fail("must be one of \(allowed)")
        }
        if let constant, constant != value { throw fail("must be \(CanonicalJSON.string(constant))") }
        switch value {
        case let .string(string):
            if minimumLength != nil || maximumLength != nil {
                // JSON Schema counts code points, not grapheme clusters.
                let count = string.unicodeScalars.count
                if let minimumLength, count < minimumLength { throw fail("must have at least \(minimumLength) character(s)") }
                if let maximumLength, count > maximumLength { throw fail("must have at most \(maximumLength) characters") }
            }
            if format == "date", CivilDate(string) == nil { throw fail("must be a real date as YYYY-MM-DD") }
        case .int, .double:
            let number = value.doubleValue!
            if let minimum, number < minimum { throw fail("must be at least \(Self.show(minimum))") }
            if let maximum, number > maximum { throw fail("must be at most \(Self.show(maximum))") }
            if let exclusiveMinimum, number <= exclusiveMinimum { throw fail("must be more than \(Self.show(exclusiveMinimum))") }
        case let .array(elements):
            if let minimumItems, elements.count < minimumItems { throw fail("must have at least \(minimumItems) item(s)") }
            if let maximumItems, elements.count > maximumItems { throw fail("must have at most \(maximumItems) items") }
            if let items {
                for (index, element) in elements.enumerated() {
                    path.append(.index(index))
                    try items.validate(element, path: &path)
                    path.removeLast()
                }
            }
        case let .object(members):
            for name in required where value[name] == nil {
                path.append(.member(name))
                throw LedgerError(.missingField, "\(name) is required", field: Self.render(path))
            }
            for (name, member) in members {
                path.append(.member(name))
                if let schema = properties.first(where: { $0.0 == name })?.1 {
                    try schema.validate(member, path: &path)
                } else if !additionalProperties {
                    throw LedgerError(.invalidField, "unknown member '\(name)'", field: Self.render(path))
                }
                path.removeLast()
            }
        default:
            break
        }
        for schema in allOf { try schema.validate(value, path: &path) }
        if !anyOf.isEmpty {
            var firstError: LedgerError?
            for schema in anyOf {
                do {
                    try schema.validate(value, path: &path)
                    firstError = nil
                    break
                } catch {
                    if firstError == nil { firstError = error }
                }
            }
            if let firstError { throw firstError }
        }
        if let ifSchema {
            if ifSchema.accepts(value) {
                try thenSchema?.validate(value, path: &path)
            } else {
                try elseSchema?.validate(value, path: &path)
            }
        }
        if let notSchema, notSchema.accepts(value) {
            throw fail(notSchema.constant.map { "must not be \(CanonicalJSON.string($0))" } ?? "is not allowed here")
        }
    }

    /// True when `value` validates (for `if` and `not`, whose errors are never shown).
    func accepts(_ value: JSONValue) -> Bool {
        var path: [PathElement] = []
        do {
            try validate(value, path: &path)
            return true
        } catch {
            return false
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch type {
        case "number": return value.doubleValue != nil
        case "integer": return value.intValue != nil
        default: return value.typeName == type
        }
    }

    static func show(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
