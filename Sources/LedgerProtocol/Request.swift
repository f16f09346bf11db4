import CreditDomain
import LedgerJSON

/// A request that could not be parsed, with the id to echo when there was one.
public struct RequestError: Error, Sendable {
    public let id: JSONValue?
    public let error: LedgerError

    public init(id: JSONValue?, error: LedgerError) {
        self.id = id
        self.error = error
    }
}

/// One request line, parsed: its op, its echoed id, and its parameters.
public struct Request: Sendable {
    /// The most bytes of a request line, unless configured otherwise.
    public static let defaultMaximumLineBytes = 1 << 20

    /// What is asked, from the catalogue.
    public let operation: LedgerOperation
    /// The op's name on the wire.
    public var op: String { operation.name }
    /// Echoed back verbatim in the answer (any JSON value, or absent).
    public let id: JSONValue?
    public let parameters: JSONValue

    /// Parses a line (without its `\n`; a trailing `\r` is tolerated).
    /// - Throws: `bad_json` for anything that is not one JSON object; `missing_field` or
    ///   `invalid_field` for a missing or non-string `op`, `unknown_op` for a name not in the
    ///   catalogue (the id is still echoed then).
    public static func parse(line: some Collection<UInt8>) -> Result<Request, RequestError> {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return .failure(RequestError(id: nil, error: LedgerError(.badJSON, "the line is not valid JSON: \(error)")))
        }
        guard case .object = value else {
            return .failure(RequestError(id: nil, error: LedgerError(.badJSON, "a request must be a JSON object, got \(value.typeName)")))
        }
        let id = value["id"]
        guard let opValue = value["op"] else { return .failure(RequestError(id: id, error: LedgerError(.missingField, "op is required", field: "op"))) }
        guard let name = opValue.stringValue else { return .failure(RequestError(id: id, error: LedgerError(.invalidField, "op must be a string", field: "op"))) }
        guard let operation = LedgerOperation(name: name) else {
            return .failure(RequestError(id: id, error: LedgerError(.unknownOp, "unknown op '\(name.prefix(100))'", field: "op")))
        }
        return .success(Request(operation: operation, id: id, parameters: value))
    }

    public init(operation: LedgerOperation, id: JSONValue?, parameters: JSONValue) {
        self.operation = operation
        self.id = id
        self.parameters = parameters
    }

    public subscript(name: String) -> JSONValue? { parameters[name] }

    /// A required string parameter.
    public func string(_ name: String) throws(LedgerError) -> String {
        guard let value = parameters[name] else { throw LedgerError(.missingField, "\(name) is required", field: name) }
        guard let string = value.stringValue else { throw LedgerError(.invalidField, "\(name) must be a string", field: name) }
        return string
    }

    /// An optional non-negative integer parameter, within `range`.
    public func integer(_ name: String, in range: ClosedRange<Int64>) throws(LedgerError) -> Int64? {
        guard let value = parameters[name], !value.isNull else { return nil }
        guard let integer = value.intValue else { throw LedgerError(.invalidField, "\(name) must be an integer", field: name) }
        guard range.contains(integer) else {
            throw LedgerError(.invalidField, "\(name) must be between \(range.lowerBound) and \(range.upperBound)", field: name)
        }
        return integer
    }

    /// The `entity` parameter, validated.
    public func entity() throws(LedgerError) -> EntityCode {
        let text = try string("entity")
        do {
            return try EntityCode(validating: text)
        } catch {
            throw LedgerError(.invalidEntity, error.message, field: "entity")
        }
    }
}
