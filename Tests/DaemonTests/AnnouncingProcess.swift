import Foundation
import LedgerJSON
import LedgerProtocol

/// A helper that announces itself with one JSON line on standard output and then serves until
/// SIGTERM (`Tools/try-https`, `Tools/try-replica`, `Tests/Fixtures/fake-leader.py`).
final class AnnouncingProcess: @unchecked Sendable {
    /// How long the helper may take to print its line.
    static let announceSeconds = 60.0

    /// The line it printed.
    let line: JSONValue
    private let process: Process
    private let outputPath: String

    /// Starts `executable` and waits for its first line.
    init(_ executable: String, _ arguments: [String]) throws {
        outputPath = NSTemporaryDirectory() + "cl-announce-" + UUID().uuidString
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)!
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try ChildProcess.run(process)
        let deadline = Date().addingTimeInterval(Self.announceSeconds)
        var line: JSONValue?
        while Date() < deadline, line == nil {
            let text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
            if let first = text.split(separator: "\n").first { line = try JSONParser.parse(Array(first.utf8)) }
            if line == nil {
                guard ChildProcess.isRunning(process) else { throw LineClient.Failure(description: "\(executable) exited: \(text)") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let line else { throw LineClient.Failure(description: "\(executable) printed nothing in \(Self.announceSeconds) s") }
        self.line = line
    }

    deinit {
        ChildProcess.terminate(process)
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    /// SIGTERM; its exit status.
    func stop() -> Int32 {
        ChildProcess.terminate(process)
    }
}
