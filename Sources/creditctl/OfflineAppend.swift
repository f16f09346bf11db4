import CreditDomain
import CreditLedger
import Dispatch
import Foundation
import LedgerJSON

/// `creditctl load --events`: JSON Lines of events appended offline through the ledger's own
/// append path — the same validation, rules, chain, quality figures and projections as the
/// daemon's `append`, without a socket or a request per batch. The batches go to the ledger's
/// group-commit writer several at a time, so commits take as many events as it allows.
struct OfflineAppend {
    /// Events per append: the ledger's own bound for one request.
    static let eventsPerBatch = Ledger.maximumEventsPerAppend
    /// Batches handed to the writer before the first is answered.
    static let batchesInFlight = 8

    let ledger: Ledger
    let path: String

    /// What happened to the file's events.
    struct Outcome {
        var appended = 0
        var duplicates = 0
        /// The first refused batch: its first line, the line at fault when the ledger named one, why.
        var refusal: (firstLine: Int, line: Int?, error: String)?
    }

    /// The outcome, shared by the writer's completions and the reading thread.
    final class SharedOutcome: @unchecked Sendable {
        private let lock = NSLock()
        private var outcome = Outcome()
        var value: Outcome { lock.withLock { outcome } }
        var refused: Bool { lock.withLock { outcome.refusal != nil } }
        func count(appended: Int, duplicates: Int) { lock.withLock { outcome.appended += appended; outcome.duplicates += duplicates } }
        /// Keeps the refusal of the earliest batch (answers of batches in flight may come in any order).
        func refuse(firstLine: Int, line: Int?, error: String) {
            lock.withLock {
                if let earlier = outcome.refusal, earlier.firstLine < firstLine { return }
                outcome.refusal = (firstLine, line, error)
            }
        }
    }

    /// Reads the file and appends it batch by batch; stops sending at the first refusal (the
    /// batches in flight are answered and counted, as `creditctl append` does).
    func run() throws -> Outcome {
        let reader = try LineReader(path: path)
        let shared = SharedOutcome()
        let slots = DispatchSemaphore(value: Self.batchesInFlight)
        let inFlight = DispatchGroup()
        var progress = Progress(label: "appended", total: nil)
        var events: [JSONValue] = []
        var lines: [Int] = []
        var sent = 0

        func send() {
            guard !events.isEmpty else { return }
            slots.wait()
            inFlight.enter()
            let batchLines = lines
            ledger.append(events: events) { result in
                switch result {
                case let .success(result):
                    let duplicates = result.appended.count { $0.duplicate }
                    shared.count(appended: result.appended.count - duplicates, duplicates: duplicates)
                case let .failure(error):
                    let line = error.field.flatMap(LedgerError.eventIndex(inField:)).flatMap { batchLines.indices.contains($0) ? batchLines[$0] : nil }
                    shared.refuse(firstLine: batchLines[0], line: line, error: "\(error.code.rawValue): \(error.message)" + (error.field.map { " (field \($0))" } ?? ""))
                }
                slots.signal()
                inFlight.leave()
            }
            sent += events.count
            progress.update(sent)
            events.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
        }

        while !shared.refused, let line = try reader.nextLine() {
            if LineReader.isBlank(line) { continue }
            do {
                events.append(try JSONParser.parse(line))
                lines.append(reader.lineNumber)
            } catch {
                send()
                shared.refuse(firstLine: reader.lineNumber, line: reader.lineNumber, error: "bad_json: \(error)")
                break
            }
            if events.count == Self.eventsPerBatch { send() }
        }
        if !shared.refused { send() }
        inFlight.wait()
        progress.finish(sent)
        return shared.value
    }
}
