import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// `creditctl desk`: a small web application on 127.0.0.1 for an auditor, talking to the
/// daemon as the person who started it (issue 13). Serves the assets, the label tables, read
/// ops forwarded to the daemon and the printable report, until SIGINT or SIGTERM.
public struct DeskServer: Sendable {
    let configuration: DeskConfiguration
    let logger: Logger

    /// - Parameters:
    ///   - configuration: what to serve and where the daemon is.
    ///   - logger: the server's logger (the executable chooses its level).
    public init(configuration: DeskConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until SIGINT or SIGTERM, then returns.
    /// - Parameter onListening: called once with the port bound (the one chosen when 0 was asked).
    /// - Throws: when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        let boundPort = NIOLockedValueBox(0)
        let routes = DeskRoutes(configuration: configuration)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: DeskGuard(port: boundPort))
        router.get("/") { request, _ in routes.index(request) }
        router.get("/:asset") { _, context in routes.asset(context.parameters.get("asset") ?? "") }
        let api = router.group("api").add(middleware: DeskTokenGuard(token: configuration.token))
        api.get("labels") { _, _ in routes.labels() }
        api.post("call") { request, _ in await routes.call(request) }
        api.get("report") { request, _ in await routes.report(request) }
        api.post("report") { request, _ in await routes.report(request) }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(DeskConfiguration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.withLockedValue { $0 = port }
                onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
