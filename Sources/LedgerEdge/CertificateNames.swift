import Crypto
import LedgerServer
import NIOSSL
import X509

/// The names of a verified client certificate (swift-certificates reads them; NIOSSL keeps
/// its own accessors internal).
enum CertificateNames {
    /// `cn:` for each common name of the subject, then `dns:`, `uri:` and `email:` for the
    /// subject alternative names; and the SHA-256 fingerprint of the DER.
    static func identity(of certificate: NIOSSLCertificate) throws -> CertificateIdentity {
        try identity(der: try certificate.toDERBytes())
    }

    /// The names and fingerprint of the certificate whose DER is `der`.
    static func identity(der: [UInt8]) throws -> CertificateIdentity {
        let parsed = try X509.Certificate(derEncoded: der)
        var names: [String] = []
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let text = String(attribute.value) { names.append("cn:" + text) }
            }
        }
        for name in try parsed.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
            switch name {
            case let .dnsName(text): names.append("dns:" + text)
            case let .uniformResourceIdentifier(text): names.append("uri:" + text)
            case let .rfc822Name(text): names.append("email:" + text)
            default: continue
            }
        }
        let fingerprint = SHA256.hash(data: der).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return CertificateIdentity(names: names, fingerprint: fingerprint)
    }
}
