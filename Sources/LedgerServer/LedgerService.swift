import CreditLedger
import Logging
import ServiceLifecycle

/// The daemon as a lifecycle service: listen until graceful shutdown, then drain. Started
/// inside the service group, so that a SIGTERM arriving as soon as the socket answers is
/// already a graceful shutdown.
public struct LedgerService: Service {
    /// The socket could not be served (another daemon has it, bind failed …).
    public struct StartFailure: Error, CustomStringConvertible {
        public let underlying: Error
        public var description: String { "\(underlying)" }
    }

    let server: LedgerServer
    /// Called once the socket is listening (the readiness signal).
    let onReady: @Sendable () -> Void

    public init(server: LedgerServer, onReady: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.onReady = onReady
    }

    public func run() async throws {
        do {
            try await server.start()
        } catch {
            throw StartFailure(underlying: error)
        }
        onReady()
        try? await gracefulShutdown()
        await server.drain()
    }
}
