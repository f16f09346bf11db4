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
        FileHandle.standardError.write(Data(line.utf8))
    }
}
