import CreditDomain
import CreditProjection
import Foundation
import LedgerJSON
import LedgerStore

/// Refused events counted per source authority, month and error code, without keeping
/// their payloads (domain.md §5, "重错码率"). Counts wait in memory and reach the store in
/// one writer job at a time; a crash may lose the last moments' counts (they are figures
/// about refusals, never acknowledged data).
final class RejectionTally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: UInt64] = [:]
    private var flushPending = false

    /// Error codes that are the event's own fault (not the daemon's state, not the request's form).
    static let countedCodes: Set<ErrorCode> = [
        .invalidField, .missingField, .invalidEntity, .unknownKind, .unknownRef, .ruleViolation, .conflict, .versionMismatch,
    ]

    /// Adds one; returns true when a flush must be scheduled.
    func add(_ counter: String) -> Bool {
        lock.withLock {
            counts[counter, default: 0] += 1
            guard !flushPending else { return false }
            flushPending = true
            return true
        }
    }

    func drain() -> [String: UInt64] {
        lock.withLock {
            defer { counts.removeAll() }
            return counts
        }
    }

    /// After a flush: true when more arrived meanwhile (flush again).
    func flushed() -> Bool {
        lock.withLock {
            flushPending = !counts.isEmpty
            return flushPending
        }
    }
}

extension Ledger {
    /// Counts a refused append against the authority of the event at fault.
    func countRejection(_ error: LedgerError, events: [JSONValue]) {
        guard RejectionTally.countedCodes.contains(error.code), let index = error.field.flatMap(LedgerError.eventIndex(inField:)),
            events.indices.contains(index)
        else { return }
        let authority = events[index]["source"]?["authority"]?.stringValue.map { String($0.prefix(256)) } ?? "(no authority)"
        let month = String(Self.chinaDate(millisecondsSinceEpoch: now()).description.prefix(7))
        let counter = Counters.quality(authority: authority, month: month, metric: Quality.Metric.rejected(error.code.rawValue))
        if rejections.add(counter) { flushRejections() }
    }

    func flushRejections() {
        guard let writer else { return }
        let tally = rejections
        do {
            try writer.submit(
                weight: 1,
                apply: { log in
                    for (name, count) in tally.drain() { try log.increment(name, by: count) }
                },
                completion: { [weak self] _ in
                    if tally.flushed() { self?.flushRejections() }
                })
        } catch {
            logger.warning("quality.rejections_not_counted", metadata: ["error": "\(error)"])
            _ = tally.flushed()
        }
    }
}
