/// Canonical JSON: the one byte form of a value that is hashed and compared.
///
/// The rules (documented in `Schemas/canonical-encoding.md`):
/// - no white space; object members sorted by the UTF-8 bytes of their keys;
/// - strings escape only `"`, `\` and control characters below U+0020 (as `\b \f \n \r \t`
///   or `\u00XX` in lower-case hex); everything else is literal UTF-8;
/// - integers (and doubles with no fraction within ±2^53) as plain decimal; other numbers
///   in the shortest form that reads back to the same double.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        append(value, to: &output)
        return output
    }

    /// Appends the canonical bytes of `value` to `output`.
    public static func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case let .bool(b): output.append(contentsOf: (b ? "true" : "false").utf8)
        case let .int(i): output.append(contentsOf: String(i).utf8)
        case let .double(d):
            if let exact = value.intValue {
                output.append(contentsOf: String(exact).utf8)
            } else {
                output.append(contentsOf: d.description.utf8)
            }
        case let .string(s): appendString(s, to: &output)
        case let .array(elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case let .object(members):
            output.append(UInt8(ascii: "{"))
            func precedes(_ a: (String, JSONValue), _ b: (String, JSONValue)) -> Bool { bytesPrecede(a.0, b.0) }
            // Members parsed from canonical bytes are in order already: no sorted copy then.
            let inOrder = members.indices.dropFirst().allSatisfy { precedes(members[$0 - 1], members[$0]) }
            for (offset, member) in (inOrder ? members : members.sorted(by: precedes)).enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                appendString(member.0, to: &output)
                output.append(UInt8(ascii: ":"))
                append(member.1, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// True when `a`'s UTF-8 bytes sort before `b`'s (the canonical member order).
    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for index in 0..<min(x.count, y.count) where x[index] != y[index] { return x[index] < y[index] }
                return x.count < y.count
            }
        }
    }

    /// Appends `string` as a canonical JSON string literal.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Fast path: most strings need no escape and go in as one copy.
        var copy = string
        let plain = copy.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
