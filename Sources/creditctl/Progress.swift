import Foundation

/// Progress of long work: a bar on a terminal, a plain line now and then otherwise.
struct Progress {
    let label: String
    let total: Int?
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private var lastShown = Date.distantPast

    init(label: String, total: Int?) {
        self.label = label
        self.total = total
    }

    /// Shows `done` (at most ten times a second on a terminal, every 5 s otherwise).
    mutating func update(_ done: Int, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastShown) >= (isTerminal ? 0.1 : 5) else { return }
        lastShown = now
        let rate = Double(done) / max(now.timeIntervalSince(started), 0.001)
        var line: String
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            line = isTerminal ? "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] " : ""
            line += "\(label) \(done)/\(total) (\(Int(fraction * 100))%)"
        } else {
            line = "\(label) \(done)"
        }
        line += String(format: " %.0f/s", rate)
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + line + (isTerminal ? "\u{1B}[K" : "\n")).utf8))
    }

    /// Shows the final figure and ends the line.
    mutating func finish(_ done: Int) {
        update(done, force: true)
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
