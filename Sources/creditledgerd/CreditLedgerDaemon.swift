import ArgumentParser
import CMalloc
import CreditDomain
import CreditLedger
import CreditProjection
import Foundation
import LedgerEdge
import LedgerProtocol
import LedgerReplication
import LedgerServer
import LedgerStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `creditledgerd`: the CreditLedger daemon.
@main
struct CreditLedgerDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditledgerd",
        abstract: "The CreditLedger daemon: an append-only credit-event log served on a Unix socket.",
        discussion: "With no options it keeps its data in var/data and listens on var/ledger.sock under the working directory.",
        version: CreditLedgerVersion.current)

    @Option(name: .long, help: "A JSON config file (see Deploy/config.example.json).")
    var config: String?
    @Option(name: .long, help: "The data directory (default var/data).")
    var dataDir: String?
    @Option(name: .long, help: "The socket path (default var/ledger.sock).")
    var socket: String?
    @Option(name: .long, help: "The Schemas folder (default ./Schemas or the source tree's).")
    var schemas: String?
    @Option(name: .long, help: "The store's size limit in MiB (default 65536).")
    var mapSizeMib: Int?
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    /// The exit status after a storage error (EX_IOERR): not 78, so that systemd restarts.
    static let storageFailureExitCode: Int32 = 74
    /// How long the answers of refused requests get to leave before that exit.
    static let storageFailureGraceMilliseconds = 500

    /// A configuration or start-up error: one line on stderr, exit 78 (EX_CONFIG), so that
    /// systemd does not restart into the same error (`RestartPreventExitStatus=78`).
    static func configurationError(_ reason: String) -> ExitCode {
        FileHandle.standardError.write(Data(("creditledgerd: " + reason.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
        return ExitCode(78)
    }

    /// Answers of megabytes are allocated and freed all day long (reads, displays, reports).
    /// glibc's malloc raises its mmap threshold each time such a block is freed, after which
    /// large blocks come from the per-thread heaps and stay there: under 500 slow readers the
    /// daemon's anonymous memory grew from ~220 MB to ~340 MB (`Tools/soak --phases hostile`).
    /// A fixed threshold keeps every block past it in its own mapping, given back when freed.
    static let mmapThresholdBytes: Int32 = 256 << 10

    static func returnLargeAnswersToTheSystem() {
        #if os(Linux)
        let accepted = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes)
        assert(accepted == 1, "mallopt(M_MMAP_THRESHOLD) refused")
        #endif
    }

    /// How often freed heap memory is given back to the system.
    static let heapTrimIntervalSeconds = 10
    /// A burst of appends keeps many entities' folds in memory until their persisting
    /// transaction; glibc keeps the freed blocks in its per-thread heaps afterwards (318 MB
    /// anonymous after `Tools/bench/full`'s load and reads). Trimming every few seconds gives
    /// them back; it takes well under a millisecond when there is nothing to give.
    static func trimTheHeapPeriodically() -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "heap-trim", qos: .utility))
        timer.schedule(deadline: .now() + .seconds(heapTrimIntervalSeconds), repeating: .seconds(heapTrimIntervalSeconds))
        timer.setEventHandler {
            #if os(Linux)
            _ = malloc_trim(0)
            #endif
        }
        timer.resume()
        return timer
    }

    func run() async throws {
        // SIGHUP is not a stop signal here: a closed terminal or a stray `kill -HUP` must not end
        // the daemon (issue 11); configuration is read at start only.
        signal(SIGHUP, SIG_IGN)
        Self.returnLargeAnswersToTheSystem()
        let heapTrim = Self.trimTheHeapPeriodically()
        defer { heapTrim.cancel() }
        var settings = DaemonConfiguration()
        do {
            if let config { try settings.apply(file: config) }
        } catch {
            throw Self.configurationError("\(error)")
        }
        if let dataDir { settings.dataDirectory = dataDir }
        if let socket { settings.socketPath = socket }
        if let schemas { settings.schemaDirectory = schemas }
        if let mapSizeMib {
            guard mapSizeMib > 0 else { throw Self.configurationError("--map-size-mib must be positive") }
            settings.mapSizeBytes = mapSizeMib << 20
        }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw Self.configurationError("unknown log level '\(logLevel)'") }
            settings.logLevel = level
        }
        let level = settings.logLevel
        let journal = JournalLogHandler.stderrIsJournal
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(logLevel: level, label: label) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "creditledgerd")
        // swift-metrics into a Prometheus registry: the `metrics` op and the optional HTTP listener.
        // The families' help texts and buckets come from MetricFamily.all.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry))
        ServerMetrics.publishInitialSeries(startTimeSeconds: Date().timeIntervalSince1970)

        let catalogue: SchemaCatalogue
        do {
            catalogue = try SchemaCatalogue(directory: settings.schemaDirectory + "/events")
        } catch {
            logger.critical("start.schemas_invalid", metadata: ["error": "\(error)"])
            throw Self.configurationError("\(error)")
        }
        let rules: RuleSet
        do {
            rules = try RuleSet(directory: settings.schemaDirectory + "/rules")
        } catch {
            logger.critical("start.rules_invalid", metadata: ["error": "\(error)"])
            throw Self.configurationError("\(error)")
        }
        var limits = GroupCommitWriter.Limits()
        limits.maximumQueuedJobs = settings.maximumQueuedAppends
        let ledger: Ledger
        do {
            ledger = try Ledger(
                directory: settings.dataDirectory, schemas: catalogue, rules: rules, mapSizeBytes: settings.mapSizeBytes,
                writerLimits: limits, logger: logger)
        } catch {
            logger.critical("start.store_unavailable", metadata: ["data": "\(settings.dataDirectory)", "error": "\(error)"])
            throw Self.configurationError("cannot open the store in \(settings.dataDirectory): \(error)")
        }
        // Fail closed: after a failed flush nothing more is written; the process exits so that
        // systemd restarts it and LMDB opens at its last durable commit (issue 11).
        ledger.onStorageFailure { reason in
            logger.critical("exiting.storage_failed", metadata: ["error": "\(reason)", "exit": "\(Self.storageFailureExitCode)"])
            // A moment for the refused requests' answers to leave; nothing is written meanwhile.
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Self.storageFailureGraceMilliseconds)) {
                Foundation.exit(Self.storageFailureExitCode)
            }
        }
        // The store must agree with the heads it published before (truncated or rewritten: refused).
        let checkpoints = CheckpointService(ledger: ledger, path: settings.checkpointPath, intervalSeconds: settings.checkpointIntervalSeconds, logger: logger)
        do {
            try PrivateFiles.directory(PrivateFiles.parent(of: checkpoints.path))
            if let problem = try ledger.disagreement(with: try CheckpointFile.read(checkpoints.path)) {
                logger.critical("start.checkpoint_mismatch", metadata: ["file": "\(checkpoints.path)", "problem": "\(problem)"])
                throw Self.configurationError("the store in \(settings.dataDirectory) does not match \(checkpoints.path): \(problem). If a backup was restored on purpose, move that file aside (keep it for the audit)")
            }
            checkpoints.writeOrLog()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw Self.configurationError("checkpoints \(checkpoints.path): \(error)")
        }
        let leadership = ledger.leadership
        if leadership.following && settings.follow == nil {
            throw Self.configurationError(
                "the store in \(settings.dataDirectory) follows a leader (epoch \(leadership.epoch)): started without \"follow\" it would lead beside that leader. Promote it (creditctl promote) while it runs as a follower, or configure follow (Deploy/running.md, \"Promotion\")")
        }
        let head = try ledger.head()
        logger.info("store.opened", metadata: ["data": "\(settings.dataDirectory)", "seq": "\(head.seq)"])

        // The only wall-clock reads: recordedAt (in the writer) and this default "today".
        var serverConfiguration = settings.server
        serverConfiguration.metricsText = { registry.emitToString() }
        // A follower copies its leader's log; it takes no appends of its own.
        let follower = settings.follow.map { Follower(configuration: $0, ledger: ledger, logger: logger) }
        if let follower {
            serverConfiguration.replication.attach(.init(
                publicStatus: { follower.publicStatusJSON }, adminStatus: { follower.adminStatusJSON }, stop: { await follower.stop() },
                tellFormerLeader: { await follower.tellFormerLeader(epoch: $0) }))
        }
        let server = LedgerServer(configuration: serverConfiguration, ledger: ledger, logger: logger) {
            let chinaDay = Int((Date().timeIntervalSince1970 + 8 * 3600) / 86_400)
            return CivilDate(dayNumber: chinaDay)
        }
        let socketPath = settings.socketPath
        let service = LedgerService(server: server) {
            SystemdNotify.ready()
            logger.info("ready", metadata: ["socket": "\(socketPath)", "pid": "\(getpid())"])
        }
        var edgeServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if var edge = settings.https {
            edge.openAPIFile = settings.schemaDirectory + "/openapi.json"
            do { _ = try HTTPSEdge.tlsConfiguration(edge) } catch { throw Self.configurationError("\(error)") }
            // Listed after the socket: stopped first at the graceful shutdown, before the ledger drains.
            edgeServices.append(.init(service: HTTPSEdge(configuration: edge, server: server, logger: logger)))
        }
        let followerServices: [ServiceGroupConfiguration.ServiceConfiguration] = follower.map { [.init(service: $0)] } ?? []
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: service)
                ] + edgeServices + followerServices + [

                    // Ends at the graceful shutdown; the drain goes on (its final checkpoint is written below).
                    .init(service: checkpoints, successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let failure as LedgerService.StartFailure {
            logger.critical("start.socket_unavailable", metadata: ["socket": "\(socketPath)", "error": "\(failure)"])
            throw Self.configurationError("cannot serve \(socketPath): \(failure)")
        } catch let failure as HTTPSEdge.StartFailure {
            logger.critical("start.https_unavailable", metadata: ["error": "\(failure)"])
            throw Self.configurationError("\(failure)")
        }
        // After the drain: the heads of the last commits, published.
        checkpoints.writeOrLog()
        SystemdNotify.stopping()
        // A storage failure during the drain: still the status that has systemd restart it.
        if ledger.storageFailureReason != nil { throw ExitCode(Self.storageFailureExitCode) }
    }
}
