import ArgumentParser
import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol

/// `creditctl append`: JSON Lines of events into the ledger, streamed.
///
/// The input is read and sent batch by batch, so memory does not grow with it. A sender
/// thread reads, checks and sends batches while this thread reads the answers (in request
/// order, as the protocol promises): up to `--in-flight` batches wait for their answers at
/// once on the one connection. Reading answers on a thread of its own keeps the daemon from
/// ever waiting on a full socket while the sender waits on the daemon.
struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append events from JSON Lines (a file, or standard input), streamed in batches.",
        discussion: """
            The input is read and sent batch by batch: memory does not grow with the input. Up to --in-flight batches \
            wait for their answers at once on one connection. Each batch is all-or-nothing. When a batch is refused no \
            further batch is sent; the batches already sent are answered and counted (with --in-flight 1 nothing after \
            the refused batch is appended). Refused batches are reported with their first line and the line at fault, \
            and the command exits 1.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A JSON Lines file of events; - or nothing for standard input.")
    var file: String?
    @Option(name: .long, help: "Events per append request (1-1000).")
    var batchSize = 1000
    @Option(name: .long, help: "Batches sent ahead of their answers at most (1-\(Self.maximumInFlight)).")
    var inFlight = 4

    /// The most batches one connection keeps waiting for their answers.
    static let maximumInFlight = 64

    func validate() throws {
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 1000") }
        guard (1...Self.maximumInFlight).contains(inFlight) else { throw ValidationError("--in-flight must be 1 to \(Self.maximumInFlight)") }
    }

    func run() throws {
        let reader = try LineReader(path: file)
        let client = try connection.connect()
        let pipeline = AppendPipeline(client: client, reader: reader, batchSize: batchSize, inFlight: inFlight, epoch: connection.epoch)
        let outcome = try pipeline.run()
        var summary: [(String, JSONValue)] = [("appended", .int(Int64(outcome.appended))), ("duplicates", .int(Int64(outcome.duplicates)))]
        if !outcome.refused.isEmpty {
            summary.append(("refused", .array(outcome.refused.map { ["firstLine": .int(Int64($0.firstLine)), "line": $0.line.map { .int(Int64($0)) } ?? .null, "error": .string($0.error)] })))
        }
        if connection.json {
            Output.json(.object(summary))
        } else {
            Output.line("appended \(outcome.appended) event(s), \(outcome.duplicates) already stored")
        }
        for refusal in outcome.refused {
            let at = refusal.line.map { ", line \($0)" } ?? ""
            FileHandle.standardError.write(Data("creditctl append: the batch from line \(refusal.firstLine) was refused\(at): \(refusal.error)\n".utf8))
        }
        if let problem = outcome.inputProblem {
            FileHandle.standardError.write(Data("creditctl append: \(problem); nothing after it was sent\n".utf8))
        }
        if !outcome.refused.isEmpty || outcome.inputProblem != nil { throw ExitCode(1) }
    }
}

/// The two sides of a streamed `append`: a sender thread and the answers read here.
final class AppendPipeline: @unchecked Sendable {
    struct Refusal {
        let firstLine: Int
        /// The input line of the event at fault, when the error names one.
        let line: Int?
        let error: String
    }

    struct Outcome {
        var appended = 0
        var duplicates = 0
        var refused: [Refusal] = []
        /// Why reading the input stopped early (a line that is not JSON, an unreadable input).
        var inputProblem: String?
    }

    /// A batch sent and not yet answered: its request id and the input line of each event.
    private struct SentBatch {
        let id: Int64
        let lines: [Int]
    }

    private let client: LineClient
    private let reader: LineReader
    private let batchSize: Int
    private let inFlight: Int
    /// The leadership epoch sent with each batch (`--epoch`), if any.
    private let epoch: Int64?
    private let lock = NSLock()
    /// Free places for batches in flight.
    private let places: DispatchSemaphore
    /// Signalled once per batch sent, and once when the sender is done.
    private let sent = DispatchSemaphore(value: 0)
    private let senderFinished = DispatchSemaphore(value: 0)
    private var waiting: [SentBatch] = []
    private var sendingDone = false
    private var stopSending = false
    private var inputProblem: String?
    private var sendFailure: Error?

    init(client: LineClient, reader: LineReader, batchSize: Int, inFlight: Int, epoch: Int64?) {
        self.client = client
        self.reader = reader
        self.batchSize = batchSize
        self.inFlight = inFlight
        self.epoch = epoch
        // Made at 0 and raised: libdispatch refuses to free a semaphore left below its initial
        // value, as this one is when sending stops early.
        places = DispatchSemaphore(value: 0)
        for _ in 0..<inFlight { places.signal() }
    }

    func run() throws -> Outcome {
        let sender = Thread { [self] in
            send()
            senderFinished.signal()
        }
        sender.name = "creditctl-append-sender"
        sender.start()
        var outcome = Outcome()
        var progress = Progress(label: "appended", total: nil)
        var receiveFailure: Error?
        while true {
            sent.wait()
            let next: SentBatch? = lock.withLock { waiting.first }
            guard let batch = next else {
                if lock.withLock({ sendingDone }) { break }
                continue
            }
            do {
                let answer = try client.readValue()
                guard answer["id"]?.intValue == batch.id else {
                    throw LineClient.Failure(description: "an answer came for request \(CanonicalJSON.string(answer["id"] ?? .null)), expected \(batch.id)")
                }
                if let result = answer["result"], answer["ok"]?.boolValue == true {
                    for event in result["appended"]?.arrayValue ?? [] {
                        if event["duplicate"]?.boolValue == true { outcome.duplicates += 1 } else { outcome.appended += 1 }
                    }
                } else {
                    let error = answer["error"]
                    let field = error?["field"]?.stringValue
                    let line = field.flatMap(LedgerError.eventIndex(inField:)).flatMap { batch.lines.indices.contains($0) ? batch.lines[$0] : nil }
                    let message = "\(error?["code"]?.stringValue ?? "error"): \(error?["message"]?.stringValue ?? CanonicalJSON.string(answer))"
                    outcome.refused.append(Refusal(firstLine: batch.lines.first ?? 0, line: line, error: message + (field.map { " (field \($0))" } ?? "")))
                    lock.withLock { stopSending = true }
                }
            } catch {
                receiveFailure = error
                lock.withLock { stopSending = true }
            }
            lock.withLock { _ = waiting.removeFirst() }
            places.signal()
            progress.update(outcome.appended + outcome.duplicates)
            if receiveFailure != nil { break }
        }
        if receiveFailure != nil {
            // Wake a sender waiting for a place or blocked on a full socket: it sends nothing more.
            for _ in 0..<inFlight { places.signal() }
            client.finishSending()
        }
        senderFinished.wait()
        progress.finish(outcome.appended + outcome.duplicates)
        if let receiveFailure { throw receiveFailure }
        if let sendFailure = lock.withLock({ sendFailure }) { throw sendFailure }
        outcome.inputProblem = lock.withLock { inputProblem }
        return outcome
    }

    /// The sender: reads lines, checks each is JSON, and sends them in batches.
    private func send() {
        var lines: [Int] = []
        var request: [UInt8] = []
        var nextId: Int64 = 1
        func flush() -> Bool {
            guard !lines.isEmpty else { return true }
            places.wait()
            if lock.withLock({ stopSending }) { return false }
            request.append(contentsOf: #"],"id":\#(nextId),"op":"append""#.utf8)
            if let epoch { request.append(contentsOf: #","epoch":\#(epoch)"#.utf8) }
            request.append(UInt8(ascii: "}"))
            request.append(UInt8(ascii: "\n"))
            lock.withLock { waiting.append(SentBatch(id: nextId, lines: lines)) }
            do {
                try client.send(request)
            } catch {
                lock.withLock {
                    sendFailure = error
                    waiting.removeLast()
                }
                places.signal()
                return false
            }
            sent.signal()
            nextId += 1
            lines.removeAll(keepingCapacity: true)
            request.removeAll(keepingCapacity: true)
            return true
        }
        defer {
            lock.withLock { sendingDone = true }
            sent.signal()
        }
        do {
            while let line = try reader.nextLine() {
                if LineReader.isBlank(line) { continue }
                do {
                    _ = try JSONParser.parse(line)
                } catch {
                    lock.withLock { inputProblem = "line \(reader.lineNumber) is not JSON: \(error)" }
                    _ = flush()
                    return
                }
                request.append(contentsOf: lines.isEmpty ? Array(#"{"events":["#.utf8) : [UInt8(ascii: ",")])
                request.append(contentsOf: line)
                lines.append(reader.lineNumber)
                if lines.count == batchSize, !flush() { return }
            }
            _ = flush()
        } catch {
            lock.withLock { inputProblem = "\(error)" }
            _ = flush()
        }
    }
}
