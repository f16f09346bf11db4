import CreditDomain
import LedgerJSON
import LedgerStore

extension Ledger {
    /// Records one use of non-public data in the access log (its own hash chain in the same
    /// store); `completion` runs once the record is durable, with its seq.
    public func recordAccess(_ record: JSONValue, completion: @escaping @Sendable (Result<UInt64, LedgerError>) -> Void) {
        guard let writer else { return completion(.failure(LedgerError(.unavailable, "the ledger is open read-only"))) }
        let content = CanonicalJSON.encode(record)
        do {
            try writer.submit(
                weight: 1,
                apply: { log in try log.accessLog().append(id: "access", stream: "access", content: content).seq },
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
