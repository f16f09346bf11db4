import CreditLedger
import Foundation
import Logging
import ServiceLifecycle

/// Publishes both chains' durable heads outside the store (issue 11): a line appended to the
/// checkpoint file and a log line, every `interval` while commits happen, and once more after
/// the drain (``writeIfChanged()`` by the daemon).
final class CheckpointService: Service, @unchecked Sendable {
    let ledger: Ledger
    let path: String
    let intervalSeconds: Int
    let logger: Logger
    private let lock = NSLock()
    private var last: (events: UInt64, access: UInt64)?

    init(ledger: Ledger, path: String, intervalSeconds: Int, logger: Logger) {
        precondition(intervalSeconds > 0)
        self.ledger = ledger
        self.path = path
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(self.intervalSeconds))
                self.writeOrLog()
            }
        }
    }

    /// Appends a checkpoint when either head moved since the last one; a failure (a full disk)
    /// is logged and tried again at the next interval: publishing the heads never stops the
    /// ledger, whose own writes fail closed on their own.
    func writeOrLog() {
        do {
            try writeIfChanged()
        } catch {
            logger.error("checkpoint.failed", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    /// Appends a checkpoint when either head moved since the last one.
    func writeIfChanged() throws {
        try lock.withLock {
            let checkpoint = try ledger.checkpoint(writtenAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            guard last.map({ $0 != (checkpoint.events.seq, checkpoint.access.seq) }) ?? true else { return }
            try CheckpointFile.append(checkpoint, to: path)
            last = (checkpoint.events.seq, checkpoint.access.seq)
            logger.notice("checkpoint", metadata: [
                "events.seq": "\(checkpoint.events.seq)", "events.hash": "\(checkpoint.events.hashHex)",
                "access.seq": "\(checkpoint.access.seq)", "access.hash": "\(checkpoint.access.hashHex)",
            ])
        }
    }
}
