import Foundation
import LedgerJSON
import LedgerProtocol

/// `Tools/try-https` run for a test: the daemon with its HTTPS edge, throwaway certificates,
/// and curl as the client (a real HTTP/TLS client, not ours).
final class TryHTTPS: @unchecked Sendable {
    let url: String
    let ca: String
    let socketPath: String
    /// Certificate and key files by role: writer, auditor, admin, public.
    let certificates: [String: (cert: String, key: String, name: String)]
    private let tool: AnnouncingProcess

    /// Starts the tool with the built daemon and waits for its JSON line.
    init() throws {
        tool = try AnnouncingProcess(Daemon.repository.appendingPathComponent("Tools/try-https").path, ["--binaries", Daemon.buildDirectory.path])
        let line = tool.line
        guard let url = line["url"]?.stringValue, let ca = line["ca"]?.stringValue, let socket = line["socket"]?.stringValue,
            let certs = line["certs"]?.objectValue
        else { throw LineClient.Failure(description: "try-https printed no usable line") }
        self.url = url
        self.ca = ca
        self.socketPath = socket
        var certificates: [String: (String, String, String)] = [:]
        for (role, files) in certs {
            certificates[role] = (files["cert"]?.stringValue ?? "", files["key"]?.stringValue ?? "", files["name"]?.stringValue ?? "")
        }
        self.certificates = certificates
    }

    /// SIGTERM to the tool (which stops the daemon); its exit status.
    func stop() -> Int32 { tool.stop() }

    /// One curl run: `POST /v1/{op}` with `body` as `role` (nil: no client certificate);
    /// the HTTP status (0 when no HTTP answer came) and the body.
    func post(_ op: String, _ body: String, as role: String?, extra: [String] = []) throws -> (status: Int, body: String, curlExit: Int32) {
        // A body too long for an argument goes through a file.
        let bodyFile = NSTemporaryDirectory() + "cl-body-" + UUID().uuidString
        FileManager.default.createFile(atPath: bodyFile, contents: Data(body.utf8))
        defer { try? FileManager.default.removeItem(atPath: bodyFile) }
        var arguments = ["-s", "--cacert", ca, "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "--data-binary", "@" + bodyFile]
        if let role, let files = certificates[role] { arguments += ["--cert", files.cert, "--key", files.key] }
        arguments += extra + ["\(url)/v1/\(op)"]
        let run = try ChildProcess.output(of: "/usr/bin/curl", arguments)
        var lines = run.output.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"), run.status)
    }

    /// `post` with a JSON body, the answer parsed (nil when the body is not JSON).
    func call(_ op: String, _ request: JSONValue, as role: String?) throws -> (status: Int, answer: JSONValue?) {
        let answer = try post(op, CanonicalJSON.string(request), as: role)
        return (answer.status, try? JSONParser.parse(Array(answer.body.utf8)))
    }
}
