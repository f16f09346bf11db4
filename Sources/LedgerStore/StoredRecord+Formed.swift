/// Records formed elsewhere — an export's lines, a leader's records — checked before they
/// are stored byte for byte (``LogTransaction/appendPreformed(_:id:stream:tag:)``).
extension StoredRecord {
    /// A record from its parts as a client sees them (`seq`, `recordedAt`, `prevHash`, the
    /// content's members, `hash`), in the stored byte form of `Schemas/canonical-encoding.md`.
    /// Checks the form only; whether it chains is ``LogHead/chained(_:)``'s question.
    /// - Parameters:
    ///   - content: the content's canonical bytes, a JSON object with at least one member
    ///     (and none of the log's own).
    ///   - hashHex: the hash the record claims, 64 lower-case hex digits.
    /// - Throws: ``LogError/malformedRecord(seq:reason:)``.
    public init(seq: UInt64, recordedAt: String, prevHashHex: String, content: [UInt8], hashHex: String) throws(LogError) {
        func malformed(_ reason: String) -> LogError { .malformedRecord(seq: seq, reason: reason) }
        guard seq >= 1 else { throw malformed("seq must be 1 or more") }
        guard recordedAt.utf8.count == RecordHeader.timestampLength, let milliseconds = Timestamp.parse(recordedAt),
            Timestamp.format(millisecondsSinceEpoch: milliseconds) == recordedAt
        else { throw malformed("recordedAt '\(recordedAt)' is not a UTC timestamp with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)") }
        guard Hex.isLowerCaseHex(prevHashHex, length: RecordHeader.hashHexLength) else { throw malformed("prevHash is not 64 lower-case hex digits") }
        guard let hash = Hex.decode(hashHex), hash.count == RecordLayout.hashLength, Hex.isLowerCaseHex(hashHex, length: RecordHeader.hashHexLength) else {
            throw malformed("hash is not 64 lower-case hex digits")
        }
        guard content.count > 2, content.first == UInt8(ascii: "{"), content.last == UInt8(ascii: "}") else {
            throw malformed("the content is not a JSON object with members")
        }
        var canonical = RecordHeader.encode(seq: seq, recordedAt: recordedAt, prevHashHex: prevHashHex)
        canonical.append(contentsOf: content[1...])
        self.init(seq: seq, hash: hash, canonical: canonical)
    }
}

extension LogHead {
    /// The head after `record`, when `record` may follow this head: the next seq, a header in
    /// canonical form naming it, `prevHash` equal to this head's hash, a `recordedAt` not
    /// before this head's, and a hash equal to SHA-256 of the record's bytes.
    /// - Throws: ``LogError/notChained(seq:reason:)`` naming what is wrong.
    public func chained(_ record: StoredRecord) throws(LogError) -> LogHead {
        func refused(_ reason: String) -> LogError { .notChained(seq: record.seq, reason: reason) }
        guard record.seq == seq + 1 else { throw refused("record \(record.seq) cannot follow seq \(seq): seq \(seq + 1) is next") }
        guard let header = record.header, header.seq == record.seq else { throw refused("the record's bytes do not begin with the header of seq \(record.seq)") }
        guard header.prevHashHex == hashHex else {
            throw refused("prevHash \(header.prevHashHex) is not the hash of seq \(seq) (\(hashHex))")
        }
        guard let milliseconds = Timestamp.parse(header.recordedAt),
            record.canonical[..<header.contentOffset].elementsEqual(RecordHeader.encode(seq: record.seq, recordedAt: header.recordedAt, prevHashHex: header.prevHashHex))
        else { throw refused("the header is not in canonical form") }
        guard milliseconds >= recordedAtMilliseconds else {
            throw refused("recordedAt \(header.recordedAt) is before the previous record's (recordedAt never decreases)")
        }
        guard record.canonical.count > header.contentOffset + 1, record.canonical.last == UInt8(ascii: "}") else {
            throw refused("the record has no content after its header")
        }
        guard record.hash.count == RecordLayout.hashLength, Digest.sha256(record.canonical) == record.hash else {
            throw refused("hash does not match the record's bytes")
        }
        return LogHead(seq: record.seq, hash: record.hash, recordedAtMilliseconds: milliseconds)
    }
}

extension Hex {
    /// The bytes of an even-length string of hex digits (either case), or `nil`.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 48...57: digit - 48
            case 97...102: digit - 87
            case 65...70: digit - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// True when `text` is exactly `length` lower-case hex digits.
    static func isLowerCaseHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
