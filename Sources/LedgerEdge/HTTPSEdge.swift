import CreditDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LedgerServer
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The HTTPS edge (issue 12): every op over `POST /v1/{op}` with mutual TLS, for systems on
/// other machines. Hummingbird serves HTTP; swift-nio-ssl does TLS and verifies the client
/// certificate against the configured CA. Runs as a lifecycle service beside the socket.
public struct HTTPSEdge: Service {
    /// The edge could not start (certificate files, bind).
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    let configuration: EdgeConfiguration
    let server: LedgerServer
    let logger: Logger

    public init(configuration: EdgeConfiguration, server: LedgerServer, logger: Logger) {
        self.configuration = configuration
        self.server = server
        self.logger = logger
    }

    /// Server certificate and key, and client certificates required and verified against
    /// the clients' CA (TLS 1.2 at least).
    public static func tlsConfiguration(_ configuration: EdgeConfiguration) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(configuration.clientCAFile))
            // A server that verifies asks for a certificate and refuses a connection without one.
            tls.certificateVerification = .noHostnameVerification
            return tls
        } catch {
            throw StartFailure(description: "https: cannot load the certificates (\(configuration.certificateFile), \(configuration.keyFile), \(configuration.clientCAFile)): \(error)")
        }
    }

    /// Methods answered 405 on `/v1/{op}` (GET on `/v1/openapi.json` serves the contract).
    static let refusedMethods: [HTTPRequest.Method] = [.get, .put, .delete, .patch, .head, .options, .trace]

    static func methodNotAllowed(_ operations: Operations) -> Response {
        let answer = operations.refusal(id: nil, LedgerError(.unknownOp, "every op is POST /v1/{op} with a JSON body", field: "op"))
        return Response(
            status: .methodNotAllowed, headers: [.contentType: "application/json", .allow: "POST"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer.bytes)))
    }

    public func run() async throws {
        let tls = try Self.tlsConfiguration(configuration)
        let shared = server.shared
        let forwarded = configuration.proxies.isEmpty ? nil : try ForwardedCertificate(clientCAFile: configuration.clientCAFile)
        let responder = EdgeResponder(operations: shared.operations, hub: shared.hub, budget: shared.budget, configuration: configuration, forwarded: forwarded)
        let router = Router(context: EdgeContext.self)
        router.post("/v1/:op") { request, context in try await responder.respond(request, context: context) }
        // Every other method on an op's path: 405 naming the one allowed (never a 5xx).
        for method in Self.refusedMethods {
            router.on("/v1/:op", method: method) { _, _ in Self.methodNotAllowed(shared.operations) }
        }
        if let openAPIFile = configuration.openAPIFile {
            router.get("/v1/openapi.json") { _, _ in
                guard let document = FileManager.default.contents(atPath: openAPIFile) else { throw HTTPError(.notFound) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
            }
        }
        let logger = self.logger
        let address = "\(configuration.host):\(configuration.port)"
        let application = Application(
            router: router,
            server: try .tls(.http1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))), tlsConfiguration: tls),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "creditledgerd",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
            onServerRunning: { _ in logger.info("https.listening", metadata: ["address": "\(address)"]) },
            logger: logger)
        do {
            try await application.run()
        } catch {
            // Binding the address is the only failure expected here.
            throw StartFailure(description: "https: cannot serve \(address): \(error)")
        }
    }
}
