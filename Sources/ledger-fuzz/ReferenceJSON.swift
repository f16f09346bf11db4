/// An independent recogniser of RFC 8259 JSON, written apart from `JSONParser` so that the
/// two can be compared: it only says whether bytes are one JSON text (and how deep it
/// nests, whether a number overflows a double), building no values.
///
/// It follows the RFC grammar and the ledger's two stricter choices that are about the
/// text itself: strings must be valid UTF-8, and `\u` escapes must not leave a surrogate
/// unpaired. The limits (depth, members, duplicate keys, number range) are not checked
/// here; the fuzz target checks that `JSONParser` refuses exactly for those reasons when
/// this recogniser accepts.
struct ReferenceJSON {
    /// What the recogniser saw in an accepted text.
    struct Facts {
        var maximumDepth = 0
        var hasOutOfRangeNumber = false
        /// The most members of one object.
        var maximumMembers = 0
    }

    enum Outcome {
        case accepted(Facts)
        case rejected
        /// Nesting beyond ``abandonDepth``: not followed further (the parser must refuse it,
        /// for its depth or for an error before it).
        case abandoned
    }

    /// Far beyond `JSONParser.maximumDepth`, and shallow enough for this recursion's stack.
    static let abandonDepth = 256

    private let bytes: [UInt8]
    private var position = 0
    private var facts = Facts()

    static func recognise(_ bytes: [UInt8]) -> Outcome {
        var reference = ReferenceJSON(bytes: bytes)
        reference.whitespace()
        let accepted = reference.value(depth: 0)
        if reference.abandoned { return .abandoned }
        guard accepted else { return .rejected }
        reference.whitespace()
        guard reference.position == bytes.count else { return .rejected }
        return .accepted(reference.facts)
    }

    private var abandoned = false

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func whitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func literal(_ text: String) -> Bool {
        for byte in text.utf8 {
            guard current == byte else { return false }
            position += 1
        }
        return true
    }

    private mutating func value(depth: Int) -> Bool {
        guard let byte = current else { return false }
        if (byte == 0x7B || byte == 0x5B) && depth >= Self.abandonDepth {
            abandoned = true
            return false
        }
        switch byte {
        case 0x7B:  // {
            facts.maximumDepth = max(facts.maximumDepth, depth + 1)
            position += 1
            whitespace()
            if current == 0x7D { position += 1; return true }
            var members = 0
            while true {
                whitespace()
                guard current == 0x22, string() else { return false }
                members += 1
                facts.maximumMembers = max(facts.maximumMembers, members)
                whitespace()
                guard current == 0x3A else { return false }
                position += 1
                whitespace()
                guard value(depth: depth + 1) else { return false }
                whitespace()
                if current == 0x2C { position += 1; continue }
                if current == 0x7D { position += 1; return true }
                return false
            }
        case 0x5B:  // [
            facts.maximumDepth = max(facts.maximumDepth, depth + 1)
            position += 1
            whitespace()
            if current == 0x5D { position += 1; return true }
            while true {
                whitespace()
                guard value(depth: depth + 1) else { return false }
                whitespace()
                if current == 0x2C { position += 1; continue }
                if current == 0x5D { position += 1; return true }
                return false
            }
        case 0x22: return string()
        case 0x74: return literal("true")
        case 0x66: return literal("false")
        case 0x6E: return literal("null")
        case 0x2D, 0x30...0x39: return number()
        default: return false
        }
    }

    private mutating func digits() -> Int {
        var count = 0
        while let byte = current, (0x30...0x39).contains(byte) { position += 1; count += 1 }
        return count
    }

    private mutating func number() -> Bool {
        let start = position
        if current == 0x2D { position += 1 }
        guard let first = current else { return false }
        if first == 0x30 {
            position += 1
        } else if (0x31...0x39).contains(first) {
            _ = digits()
        } else {
            return false
        }
        if current == 0x2E {
            position += 1
            guard digits() > 0 else { return false }
        }
        if current == 0x65 || current == 0x45 {
            position += 1
            if current == 0x2B || current == 0x2D { position += 1 }
            guard digits() > 0 else { return false }
        }
        // Overflow of a double: decided with the standard library (only a fact, not the grammar).
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let double = Double(text), double.isFinite {} else { facts.hasOutOfRangeNumber = true }
        return true
    }

    private mutating func hex4() -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { return nil }
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: return nil
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    /// One well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func utf8Sequence() -> Bool {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return false
        }
        guard position + length <= bytes.count else { return false }
        guard (low...high).contains(bytes[position + 1]) else { return false }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[position + offset]) { return false }
        position += length
        return true
    }

    private mutating func string() -> Bool {
        position += 1  // the opening quote
        while let byte = current {
            switch byte {
            case 0x22:
                position += 1
                return true
            case 0x5C:
                position += 1
                guard let escape = current else { return false }
                position += 1
                switch escape {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: break
                case 0x75:
                    guard let unit = hex4() else { return false }
                    if (0xDC00...0xDFFF).contains(unit) { return false }
                    if (0xD800...0xDBFF).contains(unit) {
                        guard current == 0x5C else { return false }
                        position += 1
                        guard current == 0x75 else { return false }
                        position += 1
                        guard let second = hex4(), (0xDC00...0xDFFF).contains(second) else { return false }
                    }
                default: return false
                }
            case 0x00..<0x20: return false
            case 0x20..<0x80: position += 1
            default: guard utf8Sequence() else { return false }
            }
        }
        return false
    }
}
