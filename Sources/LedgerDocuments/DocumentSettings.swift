import Foundation
import LedgerJSON
import Mustache

/// What a province sets for its documents, without a rebuild (Deploy/documents.json): the
/// issuing office printed on each report and the page template (swift-mustache).
///
/// ```json
/// {"issuer": {"name": "…市场监督管理局", "department": "信用监管科", "address": "…", "telephone": "…", "window": "…"},
///  "reportTemplate": "templates/report.html.mustache"}
/// ```
/// A relative template path is read from the settings file's directory.
public struct DocumentSettings: Sendable {
    /// The issuing office, as printed and as sealed into the verification code.
    public let issuer: Issuer
    /// The report page's template.
    public let reportTemplate: MustacheTemplate
    /// Where the settings were read from.
    public let path: String

    /// The settings file's name in Deploy/ and in /etc/creditledger/.
    public static let fileName = "documents.json"
    /// The installed settings.
    public static let installedPath = "/etc/creditctl/" + fileName
    /// Parents of the executable searched for a source tree's Deploy/ (a build under .build/).
    static let sourceTreeDepth = 6

    /// The issuing office (出具机构).
    public struct Issuer: Sendable {
        public let name: String
        public let department: String?
        public let address: String?
        public let telephone: String?
        /// The service window where the report is handed out.
        public let window: String?

        /// The issuer as sealed into the verification code and kept in the report file.
        public var json: JSONValue {
            .object(
                [("name", .string(name))]
                    + [("department", department), ("address", address), ("telephone", telephone), ("window", window)].compactMap { key, value in
                        value.map { (key, .string($0)) }
                    })
        }

        /// - Throws: ``DocumentError/invalidSettings(path:reason:)`` naming the member at fault.
        init(_ value: JSONValue?, path: String) throws(DocumentError) {
            guard let value, value.objectValue != nil else { throw .invalidSettings(path: path, reason: "issuer: an object with the issuing office's name is required") }
            guard let name = value["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalidSettings(path: path, reason: "issuer.name: the issuing office's name is required")
            }
            for key in ["department", "address", "telephone", "window"] where value[key] != nil && value[key]?.stringValue == nil {
                throw .invalidSettings(path: path, reason: "issuer.\(key) must be a string")
            }
            self.name = name
            department = value["department"]?.stringValue
            address = value["address"]?.stringValue
            telephone = value["telephone"]?.stringValue
            window = value["window"]?.stringValue
        }
    }

    /// Reads the settings and their template.
    /// - Throws: ``DocumentError`` naming the file and what is wrong in it.
    public init(path: String) throws(DocumentError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missingSettings(tried: [path]) }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch { throw .invalidSettings(path: path, reason: "not JSON: \(error)") }
        issuer = try Issuer(value["issuer"], path: path)
        guard let templatePath = value["reportTemplate"]?.stringValue else {
            throw .invalidSettings(path: path, reason: "reportTemplate: the path of the report's template is required")
        }
        let resolved = templatePath.hasPrefix("/") ? templatePath : (path as NSString).deletingLastPathComponent + "/" + templatePath
        guard let template = FileManager.default.contents(atPath: resolved).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw .invalidSettings(path: path, reason: "reportTemplate: cannot read \(resolved)")
        }
        do { reportTemplate = try MustacheTemplate(string: template) } catch let error as MustacheTemplate.ParserError {
            let context = error.context
            throw .invalidTemplate(path: resolved, reason: "line \(context.lineNumber), column \(context.columnNumber) (\(context.line)): \(error.error)")
        } catch {
            throw .invalidTemplate(path: resolved, reason: "\(error)")
        }
        self.path = path
    }

    /// The settings a command uses: `explicit` when given, else `$CREDITLEDGER_DOCUMENTS`, else
    /// /etc/creditctl/documents.json (readable by the officers, unlike the daemon's /etc/creditledger), else the source tree's Deploy/documents.json (a
    /// creditctl run from its build directory).
    public static func locate(explicit: String?) throws(DocumentError) -> DocumentSettings {
        if let explicit { return try DocumentSettings(path: explicit) }
        if let environment = ProcessInfo.processInfo.environment["CREDITLEDGER_DOCUMENTS"], !environment.isEmpty {
            return try DocumentSettings(path: environment)
        }
        var tried = [installedPath]
        if FileManager.default.fileExists(atPath: installedPath) { return try DocumentSettings(path: installedPath) }
        if let deploy = sourceTreeDeploy(containing: fileName) { return try DocumentSettings(path: deploy + "/" + fileName) }
        tried.append("Deploy/\(fileName) above the executable")
        throw .missingSettings(tried: tried)
    }

    /// The Deploy/ folder of the source tree the running executable was built in, when it
    /// holds `file` (searched up to ``sourceTreeDepth`` parents of the executable's real path).
    public static func sourceTreeDeploy(containing file: String) -> String? {
        var directory = URL(fileURLWithPath: runningExecutable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<sourceTreeDepth {
            let deploy = directory.appendingPathComponent("Deploy").path
            if FileManager.default.fileExists(atPath: deploy + "/" + file) { return deploy }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// The running executable's path (Linux: /proc/self/exe, whatever the command line said).
    public static var runningExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Why a document cannot be made or checked.
public enum DocumentError: Error, CustomStringConvertible, Equatable {
    /// No settings file where one was looked for.
    case missingSettings(tried: [String])
    case invalidSettings(path: String, reason: String)
    case invalidTemplate(path: String, reason: String)
    /// A report file that is not one (not JSON, or without its members).
    case notAReportFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingSettings(let tried):
            return "no document settings (issuing office, template) at \(tried.joined(separator: " or ")); install Deploy/\(DocumentSettings.fileName) or pass --documents FILE"
        case .invalidSettings(let path, let reason): return "\(path): \(reason)"
        case .invalidTemplate(let path, let reason): return "\(path): the template does not parse: \(reason)"
        case .notAReportFile(let path, let reason): return "\(path) is not a report file: \(reason)"
        }
    }
}
