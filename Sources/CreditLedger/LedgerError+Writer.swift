import CreditDomain
import LedgerStore

extension LedgerError {
    /// What a client is told when the writer could not take or commit its append.
    init(_ error: WriterError) {
        switch error {
        case .queueFull: self.init(.unavailable, "too many appends are waiting for the writer; retry shortly")
        case .stopped: self.init(.unavailable, "the ledger is shutting down")
        case .storeFull: self.init(.unavailable, "the store is full: nothing was written; raise mapSizeBytes or free disk space")
        case let .commitFailed(reason): self.init(.unavailable, "the commit failed and nothing was written: \(reason)")
        case .diskFull: self.init(.unavailable, "the disk is full: nothing was written; free disk space and retry")
        case let .failed(reason): self.init(.unavailable, "the store stopped taking writes after a storage error: \(reason); the daemon restarts")
        }
    }
}
