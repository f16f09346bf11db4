import CreditLedger
import Logging
import ServiceLifecycle

/// The daemon as a lifecycle service: listen until graceful shutdown, then drain.
public struct LedgerService: Service {
    let server: LedgerServer
    /// Called once the socket is listening (the readiness signal).
    let onReady: @Sendable () -> Void

    public init(server: LedgerServer, onReady: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.onReady = onReady
    }

    public func run() async throws {
        try await server.start()
        onReady()
        try? await gracefulShutdown()
        await server.drain()
    }
}
