import CreditDomain
import LedgerJSON

/// What served an answer (issue 15): the leadership epoch of the daemon that answered and the
/// log position it reflects — every event up to `seq` (an append's: its own last event).
public struct Served: Sendable, Equatable {
    public var epoch: UInt64
    public var seq: UInt64
    public init(epoch: UInt64, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// Encodes answer lines: one JSON object, then `\n`.
public enum Response {
    /// `{"id":…,"ok":true,"result":<result>,"served":{"epoch","seq"}?}\n`, with `result` given as JSON bytes.
    public static func success(id: JSONValue?, resultJSON: [UInt8], served: Served? = nil) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(resultJSON.count + 96)
        appendId(id, to: &output)
        output.append(contentsOf: #","ok":true,"result":"#.utf8)
        output.append(contentsOf: resultJSON)
        appendServed(served, to: &output)
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    /// `{"id":…,"ok":true,"result":<result>,"served":…?}\n`.
    public static func success(id: JSONValue?, result: JSONValue, served: Served? = nil) -> [UInt8] {
        success(id: id, resultJSON: CanonicalJSON.encode(result), served: served)
    }

    /// `{"id":…,"ok":false,"error":{"code","message","field"?},"served":…?}\n`.
    public static func failure(id: JSONValue?, error: LedgerError, served: Served? = nil) -> [UInt8] {
        var members: [(String, JSONValue)] = [("code", .string(error.code.rawValue)), ("message", .string(error.message))]
        if let field = error.field { members.append(("field", .string(field))) }
        var output: [UInt8] = []
        appendId(id, to: &output)
        output.append(contentsOf: #","ok":false,"error":"#.utf8)
        CanonicalJSON.append(.object(members), to: &output)
        appendServed(served, to: &output)
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    private static func appendServed(_ served: Served?, to output: inout [UInt8]) {
        guard let served else { return }
        output.append(contentsOf: #","served":{"epoch":"#.utf8)
        output.append(contentsOf: String(served.epoch).utf8)
        output.append(contentsOf: #","seq":"#.utf8)
        output.append(contentsOf: String(served.seq).utf8)
        output.append(UInt8(ascii: "}"))
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
