/// How a record is kept in its B-tree: its 32-byte hash, then one of two layouts, told apart
/// by the next byte.
///
/// - full (a `{`): the canonical bytes as they are hashed. Stores written before the
///   compact layout existed hold these; they stay readable as they are.
/// - compact (`0x00`): `recordedAt` as milliseconds (8 bytes, big-endian), then the canonical
///   bytes after the header. The header is rebuilt on reading from what the store says
///   anyway: the seq is the key and `prevHash` is the previous record's stored hash. That
///   leaves out about 120 bytes a record; the hash still covers the rebuilt bytes, so
///   verification and the chain are unchanged.
enum RecordLayout {
    static let compactMarker: UInt8 = 0
    static let hashLength = 32

    /// The stored value of a record in the compact layout.
    static func compactValue(hash: [UInt8], recordedAtMilliseconds: Int64, canonical: [UInt8], headerLength: Int) -> [UInt8] {
        precondition(hash.count == hashLength && headerLength < canonical.count)
        var value: [UInt8] = []
        value.reserveCapacity(hashLength + 9 + canonical.count - headerLength)
        value += hash
        value.append(compactMarker)
        value += BigEndian.bytes(UInt64(bitPattern: recordedAtMilliseconds))
        value += canonical[headerLength...]
        return value
    }

    /// True when `value` (a stored record) is in the compact layout.
    static func isCompact(_ value: UnsafeRawBufferPointer) -> Bool { value.count > hashLength && value[hashLength] == compactMarker }

    /// Rebuilds the canonical bytes of the compact record `seq` into `output` (replacing
    /// what it held).
    /// - Parameters:
    ///   - value: the stored value (hash, marker, milliseconds, the rest).
    ///   - previousHash: the stored hash of record `seq - 1` (zeros for the first record).
    static func expand(seq: UInt64, value: UnsafeRawBufferPointer, previousHash: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(LogError) {
        guard value.count > hashLength + 9, value[hashLength] == compactMarker, previousHash.count == hashLength else {
            throw LogError.invalidContent
        }
        let milliseconds = Int64(bitPattern: BigEndian.uint64(value[(hashLength + 1)..<(hashLength + 9)]))
        output.removeAll(keepingCapacity: true)
        output += RecordHeader.seqPrefix
        output += String(seq).utf8
        output += RecordHeader.recordedAtPrefix
        Timestamp.append(millisecondsSinceEpoch: milliseconds, to: &output)
        output += RecordHeader.prevHashPrefix
        Hex.append(previousHash, to: &output)
        output += #"","#.utf8
        output += value[(hashLength + 9)...]
    }
}
