import LedgerJSON
import Mustache

/// A credit report as the officer files and prints it: the daemon's `report` answer (all
/// pages joined) with its number, verification code and issuer. The file form
/// (`{"document":{…},"report":{…}}`, canonical JSON) is what `--verify` checks; the page
/// form is the template's rendering of it. Both are functions of the report and the issuer:
/// the same inputs give the same bytes.
public struct ReportDocument: Sendable {
    public let report: JSONValue
    public let issuer: JSONValue
    public let identity: ReportIdentity

    /// A new document for `report`, issued by `issuer`.
    public init(report: JSONValue, issuer: DocumentSettings.Issuer) {
        self.report = report
        self.issuer = issuer.json
        identity = ReportIdentity(report: report, issuer: self.issuer)
    }

    /// The document in a report file, as written: its number and code are read back as
    /// printed, to be compared with ``sealIsIntact`` and the daemon's recomputation.
    /// - Throws: ``DocumentError/notAReportFile(path:reason:)``.
    public init(fileBytes: [UInt8], path: String) throws(DocumentError) {
        let value: JSONValue
        do { value = try JSONParser.parse(fileBytes) } catch { throw .notAReportFile(path: path, reason: "not JSON (\(error))") }
        guard let document = value["document"], let report = value["report"], report["report"]?.stringValue == "public-credit-report" else {
            throw .notAReportFile(path: path, reason: "no document and public-credit-report members")
        }
        guard let number = document["number"]?.stringValue, let code = document["verificationCode"]?.stringValue, let issuer = document["issuer"],
            issuer["name"]?.stringValue != nil
        else { throw .notAReportFile(path: path, reason: "the document has no number, verificationCode or issuer") }
        self.report = report
        self.issuer = issuer
        printed = ReportIdentity(number: number, verificationCode: code)
        identity = ReportIdentity(report: report, issuer: issuer)
        isCanonical = fileBytes == self.fileBytes
    }

    /// The number and code as the file printed them (`nil` for a document made here).
    public private(set) var printed: ReportIdentity? = nil

    /// False when the file's bytes are not the canonical form this type writes (a changed
    /// `issuedAt`, an added member, other spacing).
    private var isCanonical = true

    /// True when the printed number and code are those of the file's content and issuer, and
    /// the file is byte for byte what a report file of that content is.
    public var sealIsIntact: Bool { isCanonical && (printed.map { $0 == identity } ?? true) }

    /// The report file's bytes: canonical JSON and a newline.
    public var fileBytes: [UInt8] {
        let document: JSONValue = .object([
            ("number", .string(identity.number)), ("verificationCode", .string(identity.verificationCode)),
            ("issuedAt", report["head"]?["recordedAt"] ?? .null), ("issuer", issuer),
        ])
        return CanonicalJSON.encode(.object([("document", document), ("report", report)])) + [UInt8(ascii: "\n")]
    }

    /// The printable page from `template`.
    public func html(template: MustacheTemplate) throws(DocumentError) -> String {
        let issuer: DocumentSettings.Issuer
        do { issuer = try DocumentSettings.Issuer(self.issuer, path: "the report file") } catch { throw error }
        return template.render(ReportContent(report: report, identity: identity, issuer: issuer).context)
    }
}

extension ReportIdentity {
    /// A number and code as printed on a document.
    init(number: String, verificationCode: String) {
        self.number = number
        self.verificationCode = verificationCode
    }
}
