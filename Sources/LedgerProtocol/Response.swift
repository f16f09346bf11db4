import CreditDomain
import LedgerJSON

/// Encodes answer lines: one JSON object, then `\n`.
public enum Response {
    /// `{"id":…,"ok":true,"result":<result>}\n`, with `result` given as JSON bytes.
    public static func success(id: JSONValue?, resultJSON: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(resultJSON.count + 48)
        appendId(id, to: &output)
        output.append(contentsOf: #","ok":true,"result":"#.utf8)
        output.append(contentsOf: resultJSON)
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    /// `{"id":…,"ok":true,"result":<result>}\n`.
    public static func success(id: JSONValue?, result: JSONValue) -> [UInt8] {
        success(id: id, resultJSON: CanonicalJSON.encode(result))
    }

    /// `{"id":…,"ok":false,"error":{"code","message","field"?}}\n`.
    public static func failure(id: JSONValue?, error: LedgerError) -> [UInt8] {
        var members: [(String, JSONValue)] = [("code", .string(error.code.rawValue)), ("message", .string(error.message))]
        if let field = error.field { members.append(("field", .string(field))) }
        var output: [UInt8] = []
        appendId(id, to: &output)
        output.append(contentsOf: #","ok":false,"error":"#.utf8)
        CanonicalJSON.append(.object(members), to: &output)
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    private static func appendId(_ id: JSONValue?, to output: inout [UInt8]) {
        output.append(contentsOf: #"{"id":"#.utf8)
        CanonicalJSON.append(id ?? .null, to: &output)
    }
}

/// Builds a JSON object from members, some of them already-encoded JSON bytes.
public struct JSONObjectBuilder {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    public init() {}

    public mutating func add(_ name: String, _ value: JSONValue) {
        addRaw(name, CanonicalJSON.encode(value))
    }

    /// Adds a member whose value is given as JSON bytes (e.g. a stored event).
    public mutating func addRaw(_ name: String, _ json: [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        CanonicalJSON.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: json)
    }

    /// Adds an array member whose elements are given as JSON bytes.
    public mutating func addRawArray(_ name: String, _ elements: [[UInt8]]) {
        var array: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in elements.enumerated() {
            if index > 0 { array.append(UInt8(ascii: ",")) }
            array.append(contentsOf: element)
        }
        array.append(UInt8(ascii: "]"))
        addRaw(name, array)
    }

    public func finish() -> [UInt8] { bytes + [UInt8(ascii: "}")] }
}
