import LedgerProtocol
import LedgerServer

/// The HTTPS edge's settings (config `https`): where it listens, its certificate, the CA
/// whose client certificates it accepts, and the grants of certificate names.
public struct EdgeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8443
    /// The server's certificate chain (PEM).
    public var certificateFile: String
    /// The server's private key (PEM).
    public var keyFile: String
    /// The CA (PEM) whose client certificates are accepted; no certificate, no connection.
    public var clientCAFile: String
    /// Grants by certificate name: `cn:…`, `dns:…`, `uri:…` or `email:…`. A certificate from
    /// the CA that matches none is a public caller.
    public var identities: [String: Grant] = [:]
    /// Certificate names of trusted reverse proxies (`https.proxies`, issue 15's shard router):
    /// a request from one is served as the client certificate it forwards in
    /// ``ForwardedCertificate/header`` (checked to chain to `clientCAFile`).
    public var proxies: Set<String> = []
    /// Connections at once; more are refused at accept.
    public var maximumConnections = 1024
    /// A connection idle this long is closed.
    public var idleTimeoutSeconds: Int64 = 300
    /// The largest request body, as the socket's line limit.
    public var maximumBodyBytes = Request.defaultMaximumLineBytes
    /// The OpenAPI document served at `/v1/openapi.json`.
    public var openAPIFile: String?

    public init(certificateFile: String, keyFile: String, clientCAFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }

    /// The grant of a certificate, and the name it is known by.
    public func grant(of identity: CertificateIdentity) -> (grant: Grant, name: String) {
        var grant = Grant()
        for name in identity.names { if let granted = identities[name] { grant = grant.union(granted) } }
        return (grant, identity.displayName(granted: Set(identities.keys)))
    }
}
