import ArgumentParser
import Foundation
import LedgerDocuments
import LedgerJSON
import LedgerProtocol
import LedgerStore

/// `creditctl report`: the officer's 公共信用信息报告 as a file and a printable page, and
/// `--verify` of such a file.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The public credit report (公共信用信息报告) of an entity over a period: a report file and a printable A4 page; or --verify a report file.",
        discussion: """
            Pinned to the ledger head: the same entity, period and head give the same bytes, the same 报告编号 and the same 验证码. \
            Writes report-NUMBER.json (the report file, kept for verification) and .html (the page, from the template \
            named in the document settings: --documents, $CREDITLEDGER_DOCUMENTS, /etc/creditctl/documents.json, or the source \
            tree's Deploy/documents.json). Tools/report-pdf prints the page to PDF.
            --verify FILE.json recomputes the report at the file's head and rules and compares it byte for byte: exit 0 when it \
            is genuine, 2 when not. A person's report carries a masked code: give the full code as ENTITY.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The entity's USCC or ID number (with --verify: only for a report whose code is masked).") var entity: String?
    @Option(name: .long, help: ArgumentHelp(DayArgument.help + " The first day.", valueName: "day")) var from: DayArgument?
    @Option(name: .long, help: ArgumentHelp(DayArgument.help + " The last day.", valueName: "day")) var to: DayArgument?
    @Option(name: .long, help: "Recompute at this ledger seq instead of the head.") var head: Int64?
    @Option(name: .long, help: "The folder to write into.") var output: String = "."
    @Option(name: .long, help: "The document settings (issuing office, template).") var documents: String?
    @Option(name: .long, help: ArgumentHelp("Check a report file instead of writing one.", valueName: "file.json")) var verify: String?

    func validate() throws {
        if verify != nil {
            guard from == nil, to == nil, head == nil else { throw ValidationError("--verify takes the period and head from the file: no --from, --to or --head") }
        } else {
            guard entity != nil, from != nil, to != nil else { throw ValidationError("give ENTITY, --from and --to (or --verify FILE.json)") }
        }
    }

    func run() throws {
        if let verify { return try check(verify) }
        guard let entity, let from, let to else { return }
        let settings = try Self.settings(documents)
        var request: [(String, JSONValue)] = [("entity", .string(entity)), ("from", from.json), ("to", to.json)]
        if let head { request.append(("head", .int(head))) }
        let document = ReportDocument(report: try fetch(request), issuer: settings.issuer)
        if !FileManager.default.fileExists(atPath: output) { try PrivateFiles.directory(output) }
        // Named by the 报告编号: a person's code is masked, and the number names the question.
        let base = output + "/report-\(document.identity.number)"
        let page = try Self.page(document, settings: settings)
        try PrivateFiles.write(document.fileBytes, to: base + ".json")
        try PrivateFiles.write(Array(page.utf8), to: base + ".html")
        let identity = document.identity
        if connection.json {
            Output.json([
                "json": .string(base + ".json"), "html": .string(base + ".html"), "number": .string(identity.number),
                "verificationCode": .string(identity.verificationCode), "head": document.report["head"] ?? .null,
                "statements": document.report["statements"] ?? .null,
            ])
        } else {
            Output.line("报告编号 \(identity.number)  验证码 \(identity.verificationCode)")
            Output.line("wrote \(base).json and \(base).html (head seq \(CanonicalJSON.string(document.report["head"]?["seq"] ?? 0)))")
        }
    }

    /// The report, all pages joined, pinned to the first page's head and rules.
    func fetch(_ request: [(String, JSONValue)]) throws -> JSONValue {
        try Pages.joined(connection, try connection.connect(), .report, request: request)
    }

    static func settings(_ path: String?) throws -> DocumentSettings {
        do { return try DocumentSettings.locate(explicit: path) } catch { throw CtlError("documents", error.description, exitStatus: .config) }
    }

    static func page(_ document: ReportDocument, settings: DocumentSettings) throws -> String {
        do { return try document.html(template: settings.reportTemplate) } catch { throw CtlError("documents", error.description, exitStatus: .config) }
    }

    /// `--verify`: the file's number and code against its content, then its content against
    /// the report recomputed at its head under its rules.
    func check(_ path: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw CtlError("not_found", "cannot read \(path)", exitStatus: .notFound)
        }
        let document: ReportDocument
        do { document = try ReportDocument(fileBytes: Array(bytes), path: path) } catch {
            return try verdict(genuine: false, document: nil, reason: "不是报告文件：\(error.description)")
        }
        guard document.sealIsIntact else {
            return try verdict(genuine: false, document: document, reason: "报告编号或验证码与报告内容不符（内容或出具机构被改动）")
        }
        let report = document.report
        guard let printedEntity = report["entity"]?.stringValue, let from = report["from"], let to = report["to"],
            let seq = report["head"]?["seq"], let rules = report["basis"]?["rulesDigest"]
        else { return try verdict(genuine: false, document: document, reason: "报告缺少主体、期间、账本位置或规则摘要") }
        let masked = printedEntity.contains("*")
        guard let code = masked ? entity : (entity ?? printedEntity) else {
            throw CtlError("usage", "the report's code is masked (\(printedEntity)): give the full code as ENTITY", exitStatus: .usage)
        }
        let request: [(String, JSONValue)] = [("entity", .string(code)), ("from", from), ("to", to), ("head", seq), ("rulesDigest", rules)]
        let recomputed: JSONValue
        do { recomputed = try fetch(request) } catch let error as CtlError where error.exitStatus == .dataError {
            return try verdict(genuine: false, document: document, reason: "无法在该账本位置重新计算：\(error.message)")
        }
        guard CanonicalJSON.encode(recomputed) == CanonicalJSON.encode(report) else {
            let differing = Self.firstDifference(report, recomputed) ?? "报告"
            return try verdict(genuine: false, document: document, reason: "与账本第 \(CanonicalJSON.string(seq)) 号记录处重新计算的报告不一致（\(differing)）")
        }
        try verdict(genuine: true, document: document, reason: "与账本第 \(CanonicalJSON.string(seq)) 号记录处重新计算的报告逐字节一致")
    }

    /// Prints the verdict; a report that is not genuine exits with ``ExitStatus/mismatch``.
    func verdict(genuine: Bool, document: ReportDocument?, reason: String) throws {
        if connection.json {
            Output.json([
                "genuine": .bool(genuine), "number": document?.printed.map { .string($0.number) } ?? .null,
                "verificationCode": document?.printed.map { .string($0.verificationCode) } ?? .null, "reason": .string(reason),
            ])
        } else {
            let number = document?.printed?.number ?? "—"
            Output.line(genuine ? "报告真实：报告编号 \(number)，\(reason)。" : "报告不真实：报告编号 \(number)，\(reason)。")
        }
        if !genuine { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// The first member (as a path) where two reports differ, for the verdict.
    static func firstDifference(_ left: JSONValue, _ right: JSONValue, path: String = "") -> String? {
        if CanonicalJSON.encode(left) == CanonicalJSON.encode(right) { return nil }
        if case let .object(leftMembers) = left, case let .object(rightMembers) = right {
            for (key, value) in leftMembers {
                let other = rightMembers.first { $0.0 == key }?.1 ?? .null
                if let found = firstDifference(value, other, path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return path.isEmpty ? nil : path
        }
        if case let .array(leftItems) = left, case let .array(rightItems) = right, leftItems.count == rightItems.count {
            for (index, pair) in zip(leftItems, rightItems).enumerated() {
                if let found = firstDifference(pair.0, pair.1, path: "\(path)[\(index)]") { return found }
            }
        }
        return path.isEmpty ? nil : path
    }
}
