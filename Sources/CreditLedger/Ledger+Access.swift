import CreditDomain
import LedgerJSON
import LedgerStore

extension Ledger {
    /// Records one use of non-public data in the access log (its own hash chain in the same
    /// store); `completion` runs once the record is durable, with its seq.
    public func recordAccess(_ record: JSONValue, completion: @escaping @Sendable (Result<UInt64, LedgerError>) -> Void) {
        recordAccess([record]) { result in completion(result.map { $0[0] }) }
    }

    /// Records several uses (a pipelined burst of audited reads) in one writer job, so in
    /// one commit; `completion` runs once they are durable, with their seqs in order.
    public func recordAccess(_ records: [JSONValue], completion: @escaping @Sendable (Result<[UInt64], LedgerError>) -> Void) {
        precondition(!records.isEmpty, "at least one access record")
        guard let writer else { return completion(.failure(LedgerError(.unavailable, "the ledger is open read-only"))) }
        let contents = records.map { CanonicalJSON.encode($0) }
        do {
            try writer.submit(
                weight: contents.count,
                apply: { log in
                    let access = try log.accessLog()
                    return try contents.map { try access.append(id: "access", stream: "access", content: $0).seq }
                },
                completion: { result in
                    completion(result.mapError { error in
                        switch error {
                        case let error as WriterError: return LedgerError(error)
                        default: return LedgerError(.internal, "the access record could not be written: \(error)")
                        }
                    })
                })
        } catch {
            completion(.failure(LedgerError(error)))
        }
    }

    /// Up to `limit` access records from `seq` on, and the access log's head.
    public func accessRecords(from seq: UInt64, limit: Int) throws -> (records: [StoredRecord], head: LogHead) {
        try store.read { log in
            let access = try log.accessLog()
            return (try access.records(from: seq, limit: min(limit, Self.maximumReadLimit)), access.head)
        }
    }

    /// Checks the access log's chain.
    public func verifyAccessLog() throws -> VerificationReport {
        try store.verify(accessLog: true)
    }
}
