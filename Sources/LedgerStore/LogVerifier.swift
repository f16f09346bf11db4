/// The outcome of checking the chain.
public struct VerificationReport: Sendable, Equatable {
    /// True when every checked record is intact and chained.
    public let ok: Bool
    /// Records checked.
    public let checked: UInt64
    /// Bytes hashed.
    public let bytes: Int
    /// The first record found bad, when not ok.
    public let firstBadSeq: UInt64?
    /// What is wrong with it.
    public let problem: String?
    /// The head's hash at the time of checking.
    public let headHashHex: String
    public let headSeq: UInt64
}

extension LogStore {
    /// Checks seqs `from...to` (default: the whole log): gap-free keys, each record's
    /// header naming its own seq, its prevHash equal to the hash before it, and its hash
    /// equal to SHA-256 of its bytes; then that the stored head matches the last record.
    /// - Parameter progress: called now and then with the last seq checked.
    public func verify(from: UInt64 = 1, to: UInt64? = nil, accessLog: Bool = false, progress: ((UInt64) -> Void)? = nil) throws -> VerificationReport {
        try read { events in
            let log = accessLog ? try events.accessLog() : events
            let head = log.head
            let first = max(from, 1)
            let last = min(to ?? head.seq, head.seq)
            var checked: UInt64 = 0
            var bytes = 0
            func report(bad seq: UInt64?, _ problem: String?) -> VerificationReport {
                VerificationReport(ok: seq == nil, checked: checked, bytes: bytes, firstBadSeq: seq, problem: problem, headHashHex: head.hashHex, headSeq: head.seq)
            }
            guard first <= last else { return report(bad: nil, nil) }
            var previousHash: [UInt8]
            if first == 1 {
                previousHash = LogHead.empty.hash
            } else {
                guard let before = try log.record(seq: first - 1) else { return report(bad: first - 1, "record missing") }
                previousHash = before.hash
            }
            var expected = first
            var failure: (UInt64, String)?
            do {
                try log.forEachRecord(from: first) { seq, hash, canonical in
                    guard seq <= last else { return false }
                    guard seq == expected else {
                        failure = (expected, "record missing (next present: \(seq))")
                        return false
                    }
                    let canonicalBytes = Array(canonical)
                    guard let header = RecordHeader(parsing: canonicalBytes), header.seq == seq else {
                        failure = (seq, "header does not name seq \(seq)")
                        return false
                    }
                    guard header.prevHashHex == Hex.encode(previousHash) else {
                        failure = (seq, "prevHash does not match the hash of seq \(seq - 1)")
                        return false
                    }
                    let computed = Digest.sha256(canonicalBytes)
                    guard computed.elementsEqual(hash) else {
                        failure = (seq, "hash does not match the record's bytes")
                        return false
                    }
                    previousHash = computed
                    checked += 1
                    bytes += canonicalBytes.count
                    expected += 1
                    if checked % 65_536 == 0 { progress?(seq) }
                    return true
                }
            } catch let LogError.recordMissing(seq) {
                // A compact record after a gap cannot be rebuilt: the gap is the damage.
                failure = (seq, "record missing")
            }
            if let failure { return report(bad: failure.0, failure.1) }
            guard expected == last + 1 else { return report(bad: expected, "record missing") }
            if last == head.seq, !previousHash.elementsEqual(head.hash) {
                return report(bad: head.seq, "stored head hash does not match the last record")
            }
            progress?(last)
            return report(bad: nil, nil)
        }
    }
}
