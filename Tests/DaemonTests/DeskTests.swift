import Foundation
import LedgerJSON
import Testing

/// Issue 13: `creditctl desk`, the auditor's desk — a web application on 127.0.0.1 that talks
/// to the real daemon as the user who started it. The desk runs as an auditor (setpriv), so
/// the daemon's grants and access log are the ones that apply; curl and headless Chromium
/// (Tools/desk/browser-check.py) are its clients.
@Suite(.serialized) struct DeskTests {
    static let purpose = "专项检查 2026-0042（查询台浏览器测试）"
    static let showcase = Daemon.repository.appendingPathComponent("Tools/samples/showcase.jsonl").path

    /// The daemon with the showcase fixture, and the desk started by an auditor on it.
    struct Session {
        let daemon = Daemon()
        let auditor: (uid: UInt32, gid: UInt32)
        let desk: Process
        /// The line the desk printed: `http://127.0.0.1:PORT/?token=TOKEN`.
        let url: URL
        let entity: String
        let nameFragment: String

        init() throws {
            auditor = try AccessControlTests.systemUser("cl-test-auditor")
            try daemon.start(config: ["socketMode": "0666", "access": ["auditor": ["uids": [.int(Int64(auditor.uid))]]]])
            (entity, nameFragment) = try Self.appendFixture(daemon)
            let output = daemon.directory + "/desk.out"
            FileManager.default.createFile(atPath: output, contents: nil)
            let handle = try #require(FileHandle(forWritingAtPath: output))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=\(auditor.uid)", "--regid=\(auditor.gid)", "--clear-groups", "--", Daemon.binary("creditctl"), "desk", "--socket", daemon.socketPath,
            ]
            process.standardOutput = handle
            process.standardError = handle
            try ChildProcess.run(process)
            desk = process
            let deadline = Date().addingTimeInterval(60)
            var line: String?
            while Date() < deadline, line == nil {
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                if text.hasSuffix("\n") { line = text.split(separator: "\n").first.map(String.init) }
                guard ChildProcess.isRunning(process) else { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let printed = try #require(line, "the desk printed no address: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
            url = try #require(URL(string: printed))
        }

        /// Tools/samples/showcase.jsonl; returns its richly historied organisation (北京示例食品科技有限公司)
        /// and a fragment of its name that another entity's name shares.
        static func appendFixture(_ daemon: Daemon) throws -> (entity: String, nameFragment: String) {
            let appended = try ChildProcess.output(of: Daemon.binary("creditctl"), ["append", DeskTests.showcase, "--socket", daemon.socketPath])
            try #require(appended.status == 0, "\(appended.output)")
            return ("911101054423232294", "示例")
        }

        var port: Int { url.port ?? 0 }
        var token: String { URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "token" }?.value ?? "" }
        func address(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

        /// curl: the HTTP status and the body.
        func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
            let marker = "\n--status:"
            let run = try ChildProcess.output(of: "/usr/bin/curl", ["-s", "--max-time", "60", "-w", marker + "%{http_code}"] + arguments)
            guard let range = run.output.range(of: marker, options: .backwards) else { return (0, run.output) }
            return (Int(run.output[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, String(run.output[..<range.lowerBound]))
        }

        /// `POST /api/call` with the token.
        func call(_ request: JSONValue) throws -> (status: Int, answer: JSONValue?) {
            let reply = try curl(["-H", "X-Desk-Token: \(token)", "-H", "Content-Type: application/json", "--data-binary", CanonicalJSON.string(request), address("/api/call")])
            return (reply.status, try? JSONParser.parse(Array(reply.body.utf8)))
        }

        func stop() -> Int32 {
            let status = ChildProcess.terminate(desk)
            daemon.terminate()
            return status
        }
    }

    @Test func theDeskPrintsOneAddressOnLoopbackWithAFreshToken() throws {
        let session = try Session()
        #expect(session.url.host == "127.0.0.1" && session.port > 0)
        #expect(session.token.count == 64 && session.token.allSatisfy(\.isHexDigit), "32 random bytes as hex: \(session.token)")
        let index = try session.curl([session.url.absoluteString])
        #expect(index.status == 200 && index.body.contains("信用账本查询台"))
        #expect(session.stop() == 0, "SIGTERM stops the desk cleanly")
    }

    @Test func theTokenIsRequiredAndOnlyTheDesksOwnHostIsServed() throws {
        let session = try Session()
        defer { _ = session.stop() }
        let ping = CanonicalJSON.string(["op": "ping"])
        // The API: no token 401, a wrong one 403, the right one answers.
        #expect(try session.curl(["--data-binary", ping, session.address("/api/call")]).status == 401)
        #expect(try session.curl(["-H", "X-Desk-Token: " + String(repeating: "0", count: 64), "--data-binary", ping, session.address("/api/call")]).status == 403)
        #expect(try session.curl(["-H", "X-Desk-Token: \(session.token)x", session.address("/api/labels")]).status == 403)
        #expect(try session.curl([session.address("/api/labels")]).status == 401)
        #expect(try session.curl([session.address("/api/report?entity=\(orgA)&from=2024-01-01&to=2024-12-31")]).status == 401)
        let labels = try session.curl(["-H", "X-Desk-Token: \(session.token)", session.address("/api/labels")])
        #expect(labels.status == 200 && labels.body.contains("严重违法失信名单"))
        #expect(try session.call(["op": "ping"]).answer?["ok"] == true)
        // The page: without the token a short Chinese page, 401; a wrong token 403.
        let bare = try session.curl([session.address("/")])
        #expect(bare.status == 401 && bare.body.contains("需要访问令牌"))
        #expect(try session.curl([session.address("/?token=" + String(repeating: "a", count: 64))]).status == 403)
        // DNS rebinding: another name for 127.0.0.1 is refused, token or not.
        let rebound = try session.curl(["-H", "Host: desk.example.com:\(session.port)", "-H", "X-Desk-Token: \(session.token)", "--data-binary", ping, session.address("/api/call")])
        #expect(rebound.status == 403)
        #expect(try session.curl(["-H", "Host: desk.example.com:\(session.port)", session.url.absoluteString]).status == 403)
        #expect(try session.curl(["-H", "Host: localhost:\(session.port)", session.url.absoluteString]).status == 200)
        // Headers: nothing cached, no framing, no inline script, no CORS.
        let headers = try session.curl(["-D", "-", "-o", "/dev/null", session.url.absoluteString]).body.lowercased()
        #expect(headers.contains("cache-control: no-store"))
        #expect(headers.contains("x-frame-options: deny"))
        #expect(headers.contains("content-security-policy: default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"))
        #expect(!headers.contains("access-control-allow-origin"))
        // Assets by plain name only: no way out of the assets folder.
        for path in ["/..%2F..%2Fetc%2Fpasswd", "/../../etc/passwd", "/%2e%2e%2fREADME.md"] {
            #expect(try session.curl(["--path-as-is", session.address(path)]).status == 404, "\(path)")
        }
        #expect(try session.curl([session.address("/desk.js")]).status == 200)
        // Only read ops go through.
        let append = try session.call(appendRequest([licenceEvent("desk-1")]))
        #expect(append.status == 400 && append.answer?["error"]?["field"] == "op")
    }

    @Test func anAuditorWithoutAPurposeSeesNoNonPublicData() throws {
        let session = try Session()
        defer { _ = session.stop() }
        for op in ["status", "history"] {
            let refused = try session.call(["op": .string(op), "entity": .string(session.entity)])
            #expect(refused.status == 200, "the daemon's refusal is the answer")
            #expect(refused.answer?["ok"] == false && refused.answer.flatMap(errorCode) == "missing_field", "\(op): \(String(describing: refused.answer))")
            #expect(refused.answer?["error"]?["field"] == "purpose")
            #expect(refused.answer?["result"] == nil)
        }
        // Public data needs none; with a purpose the auditor reads, and the daemon records it as the auditor's.
        #expect(try session.call(["op": "display", "entity": .string(session.entity), "channel": "gsxt"]).answer?["ok"] == true)
        let read = try session.call(["op": "status", "entity": .string(session.entity), "purpose": .string(Self.purpose)])
        #expect(read.answer?["result"]?["records"]?.arrayValue?.isEmpty == false)
        let log = try #require(result(try session.daemon.client().call(["op": "access-log", "purpose": "复核查询台访问记录"])))
        let reads = (log["records"]?.arrayValue ?? []).filter { $0["purpose"]?.stringValue == Self.purpose }
        #expect(reads.count == 1 && reads.first?["uid"] == .int(Int64(session.auditor.uid)) && reads.first?["role"] == "auditor", "\(reads)")
        #expect((log["records"]?.arrayValue ?? []).allSatisfy { $0["purpose"] != nil }, "refused reads are not recorded")
    }

    @Test func theDesksMainFlowsWorkInHeadlessChromium() throws {
        for (path, package) in [("/usr/bin/chromium", "chromium"), ("/usr/bin/chromedriver", "chromium-driver"), ("/usr/bin/python3", "python3")] {
            try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing (\(package)): run Tools/setup")
        }
        let selenium = try ChildProcess.output(of: "/usr/bin/python3", ["-c", "import selenium"])
        try #require(selenium.status == 0, "python3-selenium is missing: run Tools/setup")
        let session = try Session()
        defer { _ = session.stop() }
        let screenshots = ProcessInfo.processInfo.environment["DESK_SCREENSHOTS"] != nil
            ? Daemon.repository.appendingPathComponent("Tools/bench/results/desk").path
            : session.daemon.directory + "/screenshots"
        let check = try ChildProcess.output(of: "/usr/bin/python3", [
            Daemon.repository.appendingPathComponent("Tools/desk/browser-check.py").path, session.url.absoluteString, session.entity,
            session.nameFragment, screenshots,
        ])
        #expect(check.status == 0, "\(check.output)")
        for name in ["desk-lookup.png", "desk-state.png", "desk-compare.png", "desk-report.png"] {
            #expect(FileManager.default.fileExists(atPath: screenshots + "/" + name), "\(name) missing")
        }
    }
}
