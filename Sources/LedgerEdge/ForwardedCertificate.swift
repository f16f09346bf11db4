import CreditDomain
import Foundation
import HTTPTypes
import LedgerServer
import NIOSSL
import X509

/// The client certificate a trusted reverse proxy forwards (issue 15's shard router: nginx
/// terminates the client's TLS, verifies its certificate and passes it on as
/// `$ssl_client_escaped_cert`). The edge serves such a request as that certificate — its grants,
/// its name in the access log — after checking it chains to the edge's own client CA, so a
/// proxy can only pass on certificates the CA issued. From any other caller the header is ignored.
struct ForwardedCertificate: Sendable {
    /// The header holding the URL-escaped PEM.
    static let header = "X-Client-Certificate"
    static let headerName = HTTPField.Name(header)!
    /// The largest header value read.
    static let maximumBytes = 16 << 10

    /// The CA the forwarded certificates must chain to (the edge's client CA).
    let roots: [X509.Certificate]

    init(clientCAFile: String) throws {
        roots = try NIOSSLCertificate.fromPEMFile(clientCAFile).map { try X509.Certificate(derEncoded: try $0.toDERBytes()) }
    }

    /// The identity of the certificate in `value`, once it is shown to chain to the CA and be
    /// valid now.
    func identity(_ value: String) async throws -> CertificateIdentity {
        guard value.utf8.count <= Self.maximumBytes, let pem = value.removingPercentEncoding else {
            throw LedgerError(.forbidden, "the forwarded client certificate (\(Self.header)) is not a URL-escaped PEM certificate")
        }
        let der: [UInt8]
        let certificate: X509.Certificate
        do {
            der = try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem).toDERBytes()
            certificate = try X509.Certificate(derEncoded: der)
        } catch {
            throw LedgerError(.forbidden, "the forwarded client certificate (\(Self.header)) cannot be read: \(error)")
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        guard case .validCertificate = await verifier.validate(leaf: certificate, intermediates: CertificateStore()) else {
            throw LedgerError(.forbidden, "the forwarded client certificate does not chain to the client CA, or is not valid now")
        }
        return try CertificateNames.identity(der: der)
    }
}
