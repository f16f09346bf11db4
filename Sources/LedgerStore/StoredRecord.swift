import Crypto

/// One entry of the chained log, as stored: its canonical bytes and their hash.
///
/// `canonical` is the stored record without its hash, a JSON object that begins with a
/// fixed header, `{"seq":N,"recordedAt":"…","prevHash":"…",`, and goes on with the
/// appended content's canonical members (see `Schemas/canonical-encoding.md`).
/// `hash` is SHA-256 of exactly these bytes.
public struct StoredRecord: Sendable, Equatable {
    public let seq: UInt64
    public let hash: [UInt8]
    public let canonical: [UInt8]

    /// The hash in lower-case hex.
    public var hashHex: String { Hex.encode(hash) }

    /// The record as a client sees it: the canonical bytes with `"hash"` added last.
    public func jsonWithHash() -> [UInt8] {
        assert(canonical.last == UInt8(ascii: "}"))
        var output = canonical
        output.removeLast()
        output.append(contentsOf: #","hash":""#.utf8)
        output.append(contentsOf: hashHex.utf8)
        output.append(contentsOf: #""}"#.utf8)
        return output
    }

    /// The fields of the fixed header, or `nil` when the bytes do not start with one.
    public var header: RecordHeader? { RecordHeader(parsing: canonical) }
}

/// The log-owned fields at the start of every stored record.
public struct RecordHeader: Sendable, Equatable {
    public let seq: UInt64
    public let recordedAt: String
    public let prevHashHex: String
    /// Where the appended content's members begin in the canonical bytes.
    public let contentOffset: Int

    static let seqPrefix = Array(#"{"seq":"#.utf8)
    static let recordedAtPrefix = Array(#","recordedAt":""#.utf8)
    static let prevHashPrefix = Array(#"","prevHash":""#.utf8)
    static let timestampLength = 24
    static let hashHexLength = 64

    /// The header bytes for a new record.
    static func encode(seq: UInt64, recordedAt: String, prevHashHex: String) -> [UInt8] {
        precondition(recordedAt.utf8.count == timestampLength && prevHashHex.utf8.count == hashHexLength)
        var bytes = seqPrefix
        bytes.append(contentsOf: String(seq).utf8)
        bytes.append(contentsOf: recordedAtPrefix)
        bytes.append(contentsOf: recordedAt.utf8)
        bytes.append(contentsOf: prevHashPrefix)
        bytes.append(contentsOf: prevHashHex.utf8)
        bytes.append(contentsOf: #"","#.utf8)
        return bytes
    }

    init?(parsing bytes: [UInt8]) {
        var index = 0
        func take(_ prefix: [UInt8]) -> Bool {
            guard bytes.count >= index + prefix.count, bytes[index..<index + prefix.count].elementsEqual(prefix) else { return false }
            index += prefix.count
            return true
        }
        guard take(Self.seqPrefix) else { return nil }
        var seq: UInt64 = 0
        let digitsStart = index
        while index < bytes.count, (48...57).contains(bytes[index]), index - digitsStart < 20 {
            let (product, overflow1) = seq.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(UInt64(bytes[index] - 48))
            guard !overflow1, !overflow2 else { return nil }
            seq = sum
            index += 1
        }
        guard index > digitsStart, take(Self.recordedAtPrefix), bytes.count >= index + Self.timestampLength else { return nil }
        let recordedAt = String(decoding: bytes[index..<index + Self.timestampLength], as: UTF8.self)
        index += Self.timestampLength
        guard take(Self.prevHashPrefix), bytes.count >= index + Self.hashHexLength + 2 else { return nil }
        let prevHash = String(decoding: bytes[index..<index + Self.hashHexLength], as: UTF8.self)
        index += Self.hashHexLength
        guard take(Array(#"","#.utf8)) else { return nil }
        self.seq = seq
        self.recordedAt = recordedAt
        self.prevHashHex = prevHash
        self.contentOffset = index
    }
}

/// The last record of the log: where the next one chains from.
public struct LogHead: Sendable, Equatable {
    /// The last seq (0 for an empty log).
    public let seq: UInt64
    /// The last record's hash (32 zero bytes for an empty log).
    public let hash: [UInt8]
    /// The last record's `recordedAt`, in milliseconds since the epoch (0 when empty).
    public let recordedAtMilliseconds: Int64

    public static let empty = LogHead(seq: 0, hash: [UInt8](repeating: 0, count: 32), recordedAtMilliseconds: 0)

    public var hashHex: String { Hex.encode(hash) }

    func encode() -> [UInt8] {
        BigEndian.bytes(seq) + hash + BigEndian.bytes(UInt64(bitPattern: recordedAtMilliseconds))
    }

    init(seq: UInt64, hash: [UInt8], recordedAtMilliseconds: Int64) {
        precondition(hash.count == 32)
        self.seq = seq
        self.hash = hash
        self.recordedAtMilliseconds = recordedAtMilliseconds
    }

    init?(decoding bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        guard array.count == 48 else { return nil }
        self.init(
            seq: BigEndian.uint64(array[0..<8]), hash: Array(array[8..<40]),
            recordedAtMilliseconds: Int64(bitPattern: BigEndian.uint64(array[40..<48])))
    }
}

/// Where an id was stored.
public struct IdEntry: Sendable, Equatable {
    public let seq: UInt64
    /// The bytes given as `tag` when it was appended.
    public let tag: [UInt8]
}

/// Unsigned integers as 8 big-endian bytes: how keys and stored counters sort and read.
package enum BigEndian {
    package static func bytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    package static func uint64(_ bytes: some Collection<UInt8>) -> UInt64 {
        precondition(bytes.count == 8)
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the hex digits of `bytes` to `output`.
    static func append(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
    }
}

enum Digest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}

