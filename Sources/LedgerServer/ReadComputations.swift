import Dispatch
import Foundation

/// Recorded reads computed at once, over all connections and the HTTPS edge: what a burst of
/// requests can add before their answers are counted in the ``BufferBudget`` (at most this
/// many answers of up to `Operations.maximumAnswerBytes` each). Two per core: more only queue
/// for the CPU while their answers wait, unsent, in memory.
///
/// The bound applies once a read's access record is durable, not before: a pipelined burst
/// of audited reads is recorded in one commit (the writer takes every queued record), and
/// its answers are then computed a few at a time, in the order their records committed.
package final class ReadComputations: @unchecked Sendable {
    /// Reads computed at once at most.
    package static let maximumConcurrent = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    private let lock = NSLock()
    private var running = 0
    /// Reads whose records are durable, waiting for a turn (first in, first out).
    private var waiting: [@Sendable () -> Void] = []
    private var waitingHead = 0

    package init() {}

    /// Runs `work` on a global queue once fewer than ``maximumConcurrent`` are running.
    package func run(_ work: @escaping @Sendable () -> Void) {
        let startNow: Bool = lock.withLock {
            guard running < Self.maximumConcurrent else {
                waiting.append(work)
                return false
            }
            running += 1
            return true
        }
        if startNow { start(work) }
    }

    private func start(_ work: @escaping @Sendable () -> Void) {
        DispatchQueue.global().async { [self] in
            work()
            finished()
        }
    }

    /// Starts the next waiting read in the finished one's place, or frees its turn.
    private func finished() {
        let next: (@Sendable () -> Void)? = lock.withLock {
            guard waitingHead < waiting.count else {
                running -= 1
                assert(running >= 0, "more reads finished than started")
                waiting.removeAll(keepingCapacity: true)
                waitingHead = 0
                return nil
            }
            let work = waiting[waitingHead]
            waitingHead += 1
            return work
        }
        if let next { start(next) }
    }
}
