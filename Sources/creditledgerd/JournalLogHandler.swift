import Foundation
import Logging

/// Log lines for journald when stderr is the journal's stream: each line starts with its
/// syslog priority as `<N>` (sd-daemon(3)), so that `journalctl -p err` and alerting see a
/// `critical` as critical instead of everything as "info" (issue 11).
struct JournalLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// True when systemd connected stderr to the journal: `JOURNAL_STREAM` names stderr's
    /// device and inode (systemd.exec(5)).
    static var stderrIsJournal: Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return stream == "\(status.st_dev):\(status.st_ino)"
    }

    /// The syslog priority of a level: 2 critical … 7 debug.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    func log(event: LogEvent) {
        var line = "<\(Self.priority(event.level))>\(event.level) \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        // One write per line, newlines inside a value escaped: a line is one journal entry.
        line = line.replacingOccurrences(of: "\n", with: "\\n") + "\n"
        // write(2), not FileHandle.write (which traps when stderr is gone): a log line never
        // ends the daemon; a line the journal does not take is dropped.
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
