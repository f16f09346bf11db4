import Crypto
import LedgerJSON

/// The 报告编号 and 验证码 of a report document, both derived from what the document says,
/// so the same report gives the same number and code on every run (no counter, no clock).
///
/// - The number names the report: the issue date (the head's commit, China time) and ten
///   digits of SHA-256 over the entity, the period and the head. The same question at the same
///   head is the same report, whoever prints it.
/// - The verification code seals the content: sixteen digits of SHA-256 over the report's
///   canonical bytes and the issuer printed on it. A changed record, date or issuing office
///   gives another code; `creditctl report --verify` recomputes both and the report itself.
///
/// Digits only, so that an officer can read them out over the telephone and the page carries
/// no Latin letters but the entity's code.
public struct ReportIdentity: Sendable, Equatable {
    /// "20261201-4832091657".
    public let number: String
    /// "4832 0916 5712 0098".
    public let verificationCode: String

    /// Digits of the hash in the number, after the date.
    static let numberHashDigits = 10
    /// Digits of the verification code (10^16 < 2^64: taken from the first 8 bytes of the hash).
    static let verificationCodeDigits = 16
    /// The number's date when the log is empty (no commit to date it by).
    static let emptyLogDate = "00000000"

    /// - Parameters:
    ///   - report: the daemon's `report` answer, all pages joined.
    ///   - issuer: the issuing office as printed on the document.
    public init(report: JSONValue, issuer: JSONValue) {
        let head = report["head"] ?? .null
        let named: JSONValue = .array([
            report["entity"] ?? .null, report["from"] ?? .null, report["to"] ?? .null, head["seq"] ?? .null, head["hash"] ?? .null,
        ])
        let date = head["recordedAt"]?.stringValue.flatMap(ChinaTime.compactDate(utc:)) ?? Self.emptyLogDate
        number = date + "-" + Self.digits(of: Array("报告编号\n".utf8) + CanonicalJSON.encode(named), count: Self.numberHashDigits)
        let sealed = Array("验证码\n".utf8) + CanonicalJSON.encode(report) + [UInt8(ascii: "\n")] + CanonicalJSON.encode(issuer)
        let code = Self.digits(of: sealed, count: Self.verificationCodeDigits)
        verificationCode = stride(from: 0, to: code.count, by: 4).map { start in
            String(code.dropFirst(start).prefix(4))
        }.joined(separator: " ")
    }

    /// `count` decimal digits (at most 19) of SHA-256 over `bytes`: its first 8 bytes, big-endian, modulo 10^count.
    static func digits(of bytes: [UInt8], count: Int) -> String {
        precondition((1...19).contains(count))
        let hash = Array(SHA256.hash(data: bytes))
        let value = hash.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var modulus: UInt64 = 1
        for _ in 0..<count { modulus *= 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: count - text.count) + text
    }
}
