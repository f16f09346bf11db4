import Foundation
import LedgerJSON
import LedgerProtocol

/// The built `creditledgerd`, started in a temp dir for a black-box test.
final class Daemon: @unchecked Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let buildDirectory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        .deletingLastPathComponent()

    let directory: String
    var socketPath: String { directory + "/ledger.sock" }
    var dataDirectory: String { directory + "/data" }
    private(set) var process: Process?
    /// The network namespace to run in (`NetworkLab`), or `nil`.
    var namespace: String?

    /// A fresh temp dir; `start()` runs the daemon on it.
    init() {
        directory = NSTemporaryDirectory() + "cl-" + UUID().uuidString.prefix(8)
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        if let process {
            if ChildProcess.isRunning(process) {
                ChildProcess.terminate(process)
            } else {
                // It ended without a test stopping it: say how, with its log (the directory goes now).
                FileHandle.standardError.write(Data("daemon in \(directory) exited by itself, status \(ChildProcess.wait(process)); its log:\n\(log())\n".utf8))
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func binary(_ name: String) -> String { buildDirectory.appendingPathComponent(name).path }

    /// Starts the daemon and waits until its socket answers.
    /// - Parameters:
    ///   - umask: run the daemon under this file-creation mask (octal text, e.g. "000").
    ///   - environment: variables added to the daemon's environment.
    func start(config: JSONValue? = nil, umask: String? = nil, environment: [String: String] = [:]) throws {
        var arguments = ["--data-dir", dataDirectory, "--socket", socketPath, "--schemas", Self.repository.appendingPathComponent("Schemas").path, "--log-level", "warning"]
        if let config {
            let path = directory + "/config.json"
            FileManager.default.createFile(atPath: path, contents: Data(CanonicalJSON.encode(config)))
            arguments += ["--config", path]
        }
        let process = Process()
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(umask); exec \"$0\" \"$@\"", Self.binary("creditledgerd")] + arguments
        } else if let namespace {
            // `ip netns exec` execs the daemon in place: the pid is the daemon's (kill -9 reaches it).
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", namespace, Self.binary("creditledgerd")] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary("creditledgerd"))
            process.arguments = arguments
        }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let log = directory + "/daemon.log"
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = FileHandle(forWritingAtPath: log)!
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try ChildProcess.run(process)
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let client = try? LineClient(socketPath: socketPath), (try? client.call(["op": "ping"])) != nil { return }
            guard ChildProcess.isRunning(process) else {
                self.process = nil
                throw LineClient.Failure(description: "daemon exited with status \(ChildProcess.wait(process)): \(self.log())")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw LineClient.Failure(description: "daemon did not start: \(self.log())")
    }

    func log() -> String { (try? String(contentsOfFile: directory + "/daemon.log", encoding: .utf8)) ?? "" }

    /// A connected client whose reads fail after 120 s of silence (a hang fails the test; a
    /// machine saturated by the soak's flushes may be slow).
    func client() throws -> LineClient {
        let client = try LineClient(socketPath: socketPath)
        client.setReceiveTimeout(seconds: 120)
        return client
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    func terminate() -> Int32 {
        guard let process else { return -1 }
        let status = ChildProcess.terminate(process)
        self.process = nil
        return status
    }

    /// SIGKILL, as a crash.
    /// Waits for the daemon to exit on its own; its exit status (128 + signal when killed).
    @discardableResult
    func waitForExit() -> Int32 {
        guard let process else { return -1 }
        let status = ChildProcess.wait(process)
        self.process = nil
        return status
    }

    func kill() {
        guard let process else { return }
        ChildProcess.send(SIGKILL, to: process)
        ChildProcess.wait(process)
        self.process = nil
    }
}

/// The `result` of an ok answer (nil otherwise).
func result(_ answer: JSONValue) -> JSONValue? { answer["ok"]?.boolValue == true ? answer["result"] : nil }

/// The error code of a failed answer.
func errorCode(_ answer: JSONValue) -> String? { answer["error"]?["code"]?.stringValue }

let orgA = "91110000600037341L"
let orgB = "9115220107837757XE"

func licenceEvent(_ id: String, entity: String = orgA) -> JSONValue {
    [
        "eventId": .string(id), "kind": "license.granted", "entity": .string(entity), "occurredOn": "2024-03-01",
        "source": ["authority": "北京市市场监督管理局"],
        "body": ["decisionNo": .string("京市监许〔2024〕\(id)号"), "category": "普通", "content": "食品经营许可", "validFrom": "2024-03-01"],
    ]
}

func appendRequest(_ events: [JSONValue], id: JSONValue = nil) -> JSONValue {
    ["op": "append", "id": id, "events": .array(events)]
}
