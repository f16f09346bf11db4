import CreditLedger
import Logging
import ServiceLifecycle

/// The daemon as a lifecycle service: serve until graceful shutdown, then drain. The server
/// is started before (``LedgerServer/start()``), so that a start-up error ends the process
/// with its reason before any service runs.
public struct LedgerService: Service {
    let server: LedgerServer
    /// Called once the socket is listening (the readiness signal).
    let onReady: @Sendable () -> Void

    public init(server: LedgerServer, onReady: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.onReady = onReady
    }

    public func run() async throws {
        onReady()
        try? await gracefulShutdown()
        await server.drain()
    }
}
