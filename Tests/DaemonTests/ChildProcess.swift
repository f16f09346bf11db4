import Foundation
import Synchronization

/// Child processes for the black-box tests, without Foundation's `Process.waitUntilExit`:
/// on Linux, with many processes started from several test threads at once, its monitor can
/// miss a child's exit (the child stays a zombie and the wait spins forever — seen in the suite).
enum ChildProcess {
    /// Serialises starts: launching from several threads at once is where children leak each
    /// other's descriptors and exits go unseen.
    static let launch = NSLock()
    /// How long a wait may last before the test fails instead of hanging.
    static let maximumWaitSeconds = 300.0

    /// Pids this file reaped itself, with their exit status. Foundation may go on calling those
    /// processes running, and their pid may belong to another process by now (pid_max is 32768
    /// here): no signal may go to them. A pid leaves when a process started here takes it again.
    private static let reapedHere = Mutex<[Int32: Int32]>([:])

    /// Starts `process` under the launch lock.
    static func run(_ process: Process) throws {
        try launch.withLock {
            try process.run()
            _ = reapedHere.withLock { $0.removeValue(forKey: process.processIdentifier) }
        }
    }

    /// Whether `process` has not exited yet, as far as Foundation and this file know.
    static func isRunning(_ process: Process) -> Bool {
        process.isRunning && reapedHere.withLock { $0[process.processIdentifier] == nil }
    }

    /// Sends `signal` to `process` if it still runs: never to a pid that may have been reused.
    static func send(_ signal: Int32, to process: Process) {
        launch.withLock {
            guard isRunning(process) else { return }
            _ = kill(process.processIdentifier, signal)
        }
    }

    /// SIGTERM to `process` if it still runs, then its exit status.
    @discardableResult
    static func terminate(_ process: Process) -> Int32 {
        send(SIGTERM, to: process)
        return wait(process)
    }

    /// Waits for `process` to exit and returns its exit status (128 + the signal when killed by
    /// one): from Foundation when it saw the exit, else by reaping the child here.
    @discardableResult
    static func wait(_ process: Process) -> Int32 {
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(maximumWaitSeconds)
        while Date() < deadline {
            if !process.isRunning {
                return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            }
            var status: Int32 = 0
            if let reaped = reapedHere.withLock({ $0[pid] }) { return reaped }
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7F
                let exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                reapedHere.withLock { $0[pid] = exitStatus }
                return exitStatus
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return -1
    }

    /// Runs `executable` to its end; its output (stdout and stderr) goes through a file, not a
    /// pipe whose write end could leak into a process another test starts.
    static func output(of executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "cl-run-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try run(process)
        let status = wait(process)
        try output.close()
        return (status, String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self))
    }
}
