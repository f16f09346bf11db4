import Foundation
import Logging
import Metrics

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
    /// The disk is full (`ENOSPC` while writing the commit's pages); nothing of the job was
    /// written and the store is as before: appends work again once space is freed.
    case diskFull
    /// A flush (or a commit) failed: the writer stopped for good, since Linux reports a lost
    /// write once per file and a later flush may "succeed" over lost pages. Restart the
    /// process: LMDB opens at its last durable commit.
    case failed(String)
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
/// per-commit bounds), runs them one after another in one write transaction, and commits.
/// A job must make all its checks before its first write: one that throws before writing
/// fails alone, while the others go on.
///
/// Durability is overlapped. A commit flushes its data pages but not its meta page
/// (`MDB_NOMETASYNC`), then goes to a second thread, the syncer, which flushes the file
/// again (`mdb_env_sync`) and only then answers the commit's jobs. Meanwhile the writer
/// already runs the next batch, so the second flush of LMDB's usual two no longer holds
/// up the writer. No job is answered before its commit is on stable storage.
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

    // swift-metrics: no-ops until the process bootstraps a backend (the daemon: Prometheus).
    static let commitTimer = Metrics.Timer(label: "creditledger_commit_duration_seconds")
    static let batchRequests = Recorder(label: "creditledger_commit_batch_requests")
    static let batchEvents = Recorder(label: "creditledger_commit_batch_events")
    static let failedCommits = Counter(label: "creditledger_commits_failed_total")

    private struct Job {
        let weight: Int
        /// Committed in a transaction of its own (no other job's writes with it).
        let alone: Bool
        let apply: (LogTransaction) throws -> Void
        let complete: (Error?) -> Void
    }

    private let store: LogStore
    private let limits: Limits
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let condition = NSCondition()
    /// Waiting jobs from `queueHead` on; taken ones are set to nil at once, so a taken job's
    /// events are freed when it completes (not when the array is next compacted).
    private var queue: [Job?] = []
    private var queueHead = 0
    private var stopping = false
    private var finished = false
    private var statistics = CommitStatistics()
    private var commitObservers: [@Sendable (LogHead) -> Void] = []
    /// Why the writer stopped for good (a failed flush or commit); set once, never cleared.
    private var failure: String?
    private var failureObservers: [@Sendable (String) -> Void] = []
    /// Committed jobs whose commit is not yet known durable, with their outcomes (syncer's input).
    private var awaitingFlush: [(Job, Error?)] = []
    /// The heads of the last commit in `awaitingFlush` (by chain), published once flushed.
    private var awaitingHeads: [[UInt8]: LogHead] = [:]
    /// The event log's head of the last commit in `awaitingFlush`, for the commit observers.
    private var awaitingHead: LogHead?
    private let syncCondition = NSCondition()
    private var writerFinished = false
    private var syncerFinished = false
    /// True while the syncer flushes (guarded by `syncCondition`).
    private var flushInProgress = false

    /// Starts the writer thread.
    /// - Parameters:
    ///   - clock: milliseconds since the epoch, for `recordedAt` (the only clock read).
    public init(
        store: LogStore, limits: Limits = Limits(), logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        precondition(!store.readOnly && store.holdsWriterLock, "only a store opened for writing, with its writer lock, has a writer")
        self.store = store
        self.limits = limits
        self.logger = logger
        self.clock = clock
        let thread = Thread { [self] in self.run() }
        thread.name = "ledger-writer"
        thread.start()
        let syncer = Thread { [self] in self.runSyncer() }
        syncer.name = "ledger-syncer"
        syncer.start()
    }

    /// Calls `observer` on the writer thread after every durable commit, with the new head.
    public func onCommit(_ observer: @escaping @Sendable (LogHead) -> Void) {
        condition.lock()
        commitObservers.append(observer)
        condition.unlock()
    }

    /// Calls `observer` once, on the thread that saw it, when a failed flush or commit stops
    /// the writer for good (the daemon logs `critical` and exits for its supervisor).
    public func onFailure(_ observer: @escaping @Sendable (String) -> Void) {
        condition.lock()
        failureObservers.append(observer)
        condition.unlock()
    }

    /// Why the writer stopped for good, or `nil` while it works.
    public var failureReason: String? { condition.withLock { failure } }

    /// Stops the writer for good: every job waiting and every later one fails with `.failed`.
    /// Never retried (fail closed).
    private func fail(_ reason: String) {
        condition.lock()
        let first = failure == nil
        if first { failure = reason }
        let observers = failureObservers
        condition.broadcast()
        condition.unlock()
        guard first else { return }
        logger.critical("store.failed", metadata: ["error": "\(reason)"])
        for observer in observers { observer(reason) }
    }

    /// Queues a job.
    /// - Parameters:
    ///   - weight: the events it appends, for the per-commit bound.
    ///   - alone: run it in a transaction of its own, with no other job before or after it.
    ///   - apply: runs on the writer thread in a nested transaction; a throw undoes it.
    ///   - completion: runs on the writer thread once, after the commit, with the result
    ///     of `apply`, or the error that kept it out of the log.
    /// - Throws: `WriterError.queueFull` or `.stopped`; then nothing runs.
    public func submit<Result: Sendable>(
        weight: Int,
        alone: Bool = false,
        apply: @escaping (LogTransaction) throws -> Result,
        completion: @escaping (Swift.Result<Result, Error>) -> Void
    ) throws(WriterError) {
        var outcome: Result?
        let job = Job(
            weight: max(weight, 1),
            alone: alone,
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
        if let failure { throw .failed(failure) }
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
        syncCondition.lock()
        while !syncerFinished { syncCondition.wait() }
        syncCondition.unlock()
    }

    /// A copy of the commit figures.
    public func commitStatistics() -> CommitStatistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    /// The next jobs to commit, waiting for some; `nil` once stopping with nothing left.
    private func takeBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.count == queueHead && !stopping { condition.wait() }
        if queue.count == queueHead { return nil }

        var batch: [Job] = []
        var weight = 0
        while queueHead < queue.count, batch.count < limits.maximumJobsPerCommit {
            guard let job = queue[queueHead] else { preconditionFailure("a waiting job slot is empty") }
            if !batch.isEmpty && (job.alone || weight + job.weight > limits.maximumWeightPerCommit) { break }
            batch.append(job)
            queue[queueHead] = nil
            weight += job.weight
            queueHead += 1
            if job.alone { break }
        }
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return batch
    }

    private func run() {
        while let batch = takeBatch() {
            if let reason = failureReason {
                for job in batch { job.complete(WriterError.failed(reason)) }
                continue
            }
            let outcome = commit(batch)
            if outcome.committed {
                // Answers wait for the syncer's flush, even for jobs that wrote nothing:
                // they may rest on a commit that is not yet durable.
                syncCondition.lock()
                awaitingFlush += zip(batch, outcome.errors)
                if outcome.wrote { awaitingHead = outcome.head }
                // Every chain's (the access log's own appends do not count in `wrote`).
                awaitingHeads = outcome.chainHeads
                syncCondition.signal()
                syncCondition.unlock()
            } else {
                for (job, error) in zip(batch, outcome.errors) { job.complete(error) }
            }
        }
        syncCondition.lock()
        writerFinished = true
        syncCondition.signal()
        syncCondition.unlock()
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The syncer: flushes the file after commits and answers their jobs.
    private func runSyncer() {
        while true {
            syncCondition.lock()
            while awaitingFlush.isEmpty && !writerFinished { syncCondition.wait() }
            if awaitingFlush.isEmpty && writerFinished {
                syncerFinished = true
                syncCondition.broadcast()
                syncCondition.unlock()
                return
            }
            let jobs = awaitingFlush
            flushInProgress = true
            let head = awaitingHead
            let heads = awaitingHeads
            awaitingFlush.removeAll(keepingCapacity: true)
            awaitingHead = nil
            awaitingHeads = [:]
            syncCondition.unlock()
            defer { syncCondition.withLock { flushInProgress = false } }
            if let reason = failureReason {
                // Committed after a failed flush: never reported durable (fail closed).
                for (job, _) in jobs { job.complete(WriterError.failed(reason)) }
                continue
            }
            do {
                try store.sync()
                // Readers see the commits before their answers leave: a client that reads
                // after its append's answer finds it.
                store.durableHeads.markDurable(heads)
                for (job, error) in jobs { job.complete(error) }
                if let head {
                    let observers = condition.withLock { commitObservers }
                    for observer in observers { observer(head) }
                }
            } catch {
                // The commits are in the file but not known durable: say so, never "ok", and
                // write nothing more (fail closed; the supervisor restarts the process).
                let reason = "the flush to disk failed (\(error))"
                fail(reason)
                let failure = WriterError.failed(reason + "; the events may or may not be stored: resubmit them after the restart, eventIds make that safe")
                for (job, _) in jobs { job.complete(failure) }
            }
        }
    }

    /// True while commits wait for, or are in, the syncer's flush. A failed write then cannot be
    /// called a full disk: Linux reports a write error to one flush of the file only, and it may
    /// have been an earlier commit's (fail closed instead).
    private var flushPending: Bool { syncCondition.withLock { flushInProgress || !awaitingFlush.isEmpty } }

    /// Runs the jobs in one write transaction and commits it with sync.
    ///
    /// A job that throws before writing simply fails. A job that throws after writing
    /// (its checks were not all done first) would leave part of itself behind, so the
    /// transaction is dropped and the batch runs again without it. A full store fails
    /// the whole batch: nothing of it is written.
    private struct CommitOutcome {
        let errors: [Error?]
        let committed: Bool
        /// True when the commit wrote pages (and so flushed the file).
        let wrote: Bool
        let head: LogHead?
        /// Every chain's head after the commit, by head key.
        let chainHeads: [[UInt8]: LogHead]
    }

    private func commit(_ batch: [Job]) -> CommitOutcome {
        let started = DispatchTime.now().uptimeNanoseconds
        var wrote = false
        var outcomes: [Error?] = []
        var excluded: [Int: Error] = [:]
        var committed = false
        var head: LogHead?
        var chainHeads: [[UInt8]: LogHead] = [:]
        attempt: while true {
            outcomes.removeAll(keepingCapacity: true)
            do {
                let transaction = try store.beginWrite(parent: nil)
                let view = try LogTransaction(transaction: transaction, databases: store.databases, recordedAtMilliseconds: clock())
                for (index, job) in batch.enumerated() {
                    if let error = excluded[index] {
                        outcomes.append(error)
                        continue
                    }
                    let writesBefore = view.writeCount
                    do {
                        try job.apply(view)
                        outcomes.append(nil)
                    } catch let error as LMDBError where error.isMapFull {
                        throw error
                    } catch {
                        guard view.writeCount == writesBefore else {
                            logger.warning("commit.job_failed_after_writing", metadata: ["error": "\(error)"])
                            excluded[index] = error
                            transaction.abort()
                            continue attempt
                        }
                        outcomes.append(error)
                    }
                }
                try view.storeHead()
                head = view.head
                chainHeads = try view.chainHeads()
                wrote = view.writeCount > 0
                try transaction.commit()
                committed = true
                view.runCommitActions()
            } catch where (error as? LMDBError)?.isMapFull == true {
                logger.error("store.full", metadata: ["commit.batch_size": "\(batch.count)"])
                outcomes = batch.map { _ in WriterError.storeFull }
            } catch where store.refusedForSpace(error) && !flushPending {
                // LMDB writes and flushes the commit's pages before its meta page, and writes no
                // meta page when that fails: the store stays at its previous commit and the
                // refused pages are referenced by nothing (a later commit writes any it reuses
                // anew). So a full disk refuses appends without stopping the writer; a failed
                // flush of a commit already visible (the syncer's) does stop it.
                logger.error("store.disk_full", metadata: ["error": "\(error)", "commit.batch_size": "\(batch.count)"])
                outcomes = batch.map { _ in WriterError.diskFull }
            } catch {
                logger.error("commit.failed", metadata: ["error": "\(error)", "commit.batch_size": "\(batch.count)"])
                outcomes = batch.map { _ in WriterError.commitFailed("\(error)") }
                // LMDB's own failures at commit (an I/O error, MDB_PANIC) leave the environment
                // unusable or in doubt: stop writing (fail closed).
                if error is LMDBError { fail("the commit failed (\(error))") }
            }
            break
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
        condition.unlock()
        Self.commitTimer.recordMicroseconds(elapsedMicroseconds)
        Self.batchRequests.record(batch.count)
        Self.batchEvents.record(batch.reduce(0) { $0 + $1.weight })
        if !committed { Self.failedCommits.increment() }
        return CommitOutcome(errors: outcomes, committed: committed, wrote: wrote, head: head, chainHeads: chainHeads)
    }
}
