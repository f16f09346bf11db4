import Foundation
import Logging

/// Why the writer did not take or did not commit a job.
public enum WriterError: Error, Sendable, Equatable {
    /// More jobs are waiting than the configured bound.
    case queueFull
    /// The writer is stopping or stopped.
    case stopped
    /// The store's map is full; nothing of the job was written.
    case storeFull
    /// The commit failed (disk error, …); nothing of the job was written.
    case commitFailed(String)
}

/// Figures about commits, for `stats` and metrics.
public struct CommitStatistics: Sendable {
    public var commits: Int = 0
    public var jobs: Int = 0
    public var failedCommits: Int = 0
    /// The latest commit durations (write transaction begin to durable), in microseconds.
    public var recentCommitMicroseconds: [Int] = []
    /// The latest batch sizes (jobs per commit).
    public var recentBatchJobs: [Int] = []
    static let recentLimit = 4096
    public init() {}
}

/// The single writer of a ``LogStore``, committing many jobs in one durable transaction.
///
/// Jobs wait in a bounded queue. The writer thread takes every waiting job (up to the
/// per-commit bounds), runs each in a nested transaction — so a job that throws leaves no
/// trace while the others go on — then commits once with sync. Each job's completion runs
/// only after that commit is durable, or with the error that kept it from being durable.
public final class GroupCommitWriter: @unchecked Sendable {
    /// Limits of the writer. Every bound is explicit.
    public struct Limits: Sendable {
        /// Jobs waiting for the writer at most; more are refused with `queueFull`.
        public var maximumQueuedJobs: Int = 8192
        /// Jobs in one commit at most.
        public var maximumJobsPerCommit: Int = 2048
        /// Sum of job weights (events) in one commit at most; one job may exceed it alone.
        public var maximumWeightPerCommit: Int = 20_000
        public init() {}
    }

    private struct Job {
        let weight: Int
        let apply: (LogTransaction) throws -> Void
        let complete: (Error?) -> Void
    }

    private let store: LogStore
    private let limits: Limits
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var queueHead = 0
    private var stopping = false
    private var finished = false
    private var statistics = CommitStatistics()
    private var commitObservers: [@Sendable (LogHead) -> Void] = []

    /// Starts the writer thread.
    /// - Parameters:
    ///   - clock: milliseconds since the epoch, for `recordedAt` (the only clock read).
    public init(
        store: LogStore, limits: Limits = Limits(), logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        precondition(!store.readOnly, "a read-only store has no writer")
        self.store = store
        self.limits = limits
        self.logger = logger
        self.clock = clock
        let thread = Thread { [self] in self.run() }
        thread.name = "ledger-writer"
        thread.start()
    }

    /// Calls `observer` on the writer thread after every durable commit, with the new head.
    public func onCommit(_ observer: @escaping @Sendable (LogHead) -> Void) {
        condition.lock()
        commitObservers.append(observer)
        condition.unlock()
    }

    /// Queues a job.
    /// - Parameters:
    ///   - weight: the events it appends, for the per-commit bound.
    ///   - apply: runs on the writer thread in a nested transaction; a throw undoes it.
    ///   - completion: runs on the writer thread once, after the commit, with the result
    ///     of `apply`, or the error that kept it out of the log.
    /// - Throws: `WriterError.queueFull` or `.stopped`; then nothing runs.
    public func submit<Result: Sendable>(
        weight: Int,
        apply: @escaping (LogTransaction) throws -> Result,
        completion: @escaping (Swift.Result<Result, Error>) -> Void
    ) throws(WriterError) {
        var outcome: Result?
        let job = Job(
            weight: max(weight, 1),
            apply: { outcome = try apply($0) },
            complete: { error in
                if let error {
                    completion(.failure(error))
                } else {
                    completion(.success(outcome!))
                }
            })
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw .stopped }
        guard queue.count - queueHead < limits.maximumQueuedJobs else { throw .queueFull }
        queue.append(job)
        condition.signal()
    }

    /// Stops taking jobs, commits those already queued, and waits for the thread to end.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// A copy of the commit figures.
    public func commitStatistics() -> CommitStatistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    private func takeBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.count == queueHead && !stopping { condition.wait() }
        if queue.count == queueHead { return nil }
        var batch: [Job] = []
        var weight = 0
        while queueHead < queue.count, batch.count < limits.maximumJobsPerCommit {
            let job = queue[queueHead]
            if !batch.isEmpty && weight + job.weight > limits.maximumWeightPerCommit { break }
            batch.append(job)
            weight += job.weight
            queueHead += 1
        }
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return batch
    }

    private func run() {
        while let batch = takeBatch() {
            commit(batch)
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func commit(_ batch: [Job]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var outcomes: [Error?] = []
        outcomes.reserveCapacity(batch.count)
        var committed = false
        var head: LogHead?
        do {
            let parent = try store.beginWrite(parent: nil)
            for job in batch {
                let child = try store.beginWrite(parent: parent)
                do {
                    let view = try LogTransaction(transaction: child, databases: store.databases, recordedAtMilliseconds: clock())
                    try job.apply(view)
                    try child.commit()
                    outcomes.append(nil)
                } catch let error as LMDBError where error.isMapFull {
                    child.abort()
                    outcomes.append(WriterError.storeFull)
                } catch {
                    child.abort()
                    outcomes.append(error)
                }
            }
            let view = try LogTransaction(transaction: parent, databases: store.databases, recordedAtMilliseconds: nil)
            head = view.head
            try parent.commit()
            committed = true
        } catch where error.isMapFull {
            logger.error("store.full", metadata: ["commit.batch_size": "\(batch.count)"])
            outcomes = batch.map { _ in WriterError.storeFull }
        } catch {
            logger.error("commit.failed", metadata: ["error": "\(error)", "commit.batch_size": "\(batch.count)"])
            outcomes = batch.map { _ in WriterError.commitFailed("\(error)") }
        }
        assert(outcomes.count == batch.count)
        let elapsedMicroseconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1000)

        condition.lock()
        statistics.commits += committed ? 1 : 0
        statistics.failedCommits += committed ? 0 : 1
        statistics.jobs += batch.count
        if statistics.recentCommitMicroseconds.count >= CommitStatistics.recentLimit {
            statistics.recentCommitMicroseconds.removeFirst(CommitStatistics.recentLimit / 2)
            statistics.recentBatchJobs.removeFirst(CommitStatistics.recentLimit / 2)
        }
        statistics.recentCommitMicroseconds.append(elapsedMicroseconds)
        statistics.recentBatchJobs.append(batch.count)
        let observers = commitObservers
        condition.unlock()

        for (job, outcome) in zip(batch, outcomes) { job.complete(outcome) }
        if committed, let head {
            for observer in observers { observer(head) }
        }
    }
}
