import ArgumentParser
import CreditDomain
import Foundation
import LedgerImport
import LedgerJSON
import LedgerProtocol
import LedgerStore

/// `creditctl import`: 双公示 CSV files of penalties or licences into the ledger.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a 双公示 CSV file of administrative penalties or licences (Chinese column names).",
        discussion: """
            The header decides the kind (行政处罚决定书文号: penalties; 行政许可决定文书号: licences). Every row becomes \
            one event with an eventId derived from the decision, so importing a file again appends nothing. Rows that \
            cannot become events, or that the daemon refuses, are reported with their line and reason; the rest are \
            appended in all-or-nothing batches, several in flight (a refused row is taken out and its batch sent again \
            without it, after the batches already sent). \
            Lines count records: a field with a line break inside counts as one line. Exit status 1 when a row was rejected.

            The file may be UTF-8 (with or without a byte-order mark) or GB18030/GBK, as Chinese Excel saves \
            "CSV (逗号分隔)"; the encoding is detected unless --encoding names it. With --rejects FILE the rejected rows \
            go back to the source office as a CSV file: its header and columns, then 原文件行号 (the line) and 拒绝原因 \
            (the reason), in the input's encoding (UTF-8 with a byte-order mark, so that Excel reads it); the office \
            can correct the rows there and import that file as it is. --historical marks every record as historical \
            (source.historical): records of the past entered now, which count in no publication-timeliness figure. \
            The mark is part of the record: the same rows imported once with it and once without conflict.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The CSV file (UTF-8 or GB18030/GBK; XLSX exported as CSV).") var file: String
    @Option(name: .long, help: "Events per append request (1-1000).") var batchSize = 1000
    @Option(name: .long, help: "Batches sent ahead of their answers at most (1-\(Append.maximumInFlight)).")
    var inFlight = 4
    @Flag(name: .long, help: "Map and check the rows, append nothing.") var dryRun = false
    @Option(name: .long, help: "The file's encoding: utf8 or gb18030 (gbk, gb2312 are read as gb18030); detected when not given.")
    var encoding: String?
    @Option(name: .long, help: "Write the rejected rows with their reasons to this CSV file (for the source office).")
    var rejects: String?
    @Flag(name: .long, help: "Mark the records historical: entered long after the fact, in no timeliness figure.")
    var historical = false

    func validate() throws {
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 1000") }
        guard (1...Append.maximumInFlight).contains(inFlight) else { throw ValidationError("--in-flight must be 1 to \(Append.maximumInFlight)") }
        if let encoding, TextEncoding(name: encoding) == nil { throw ValidationError("--encoding must be utf8 or gb18030 (gbk), not \(encoding)") }
    }

    func run() throws {
        let csv: SgsFile
        do { csv = try SgsFile(path: file, encoding: encoding.flatMap(TextEncoding.init(name:))) } catch { throw ValidationError(error.description) }
        csv.mapper.historical = historical
        let client = dryRun ? nil : try connection.connect()
        var rejected: [(line: Int, reason: String)] = []
        var rejectedRows = SgsRejects(header: csv.header)
        func reject(line: Int, fields: [String], reason: String) {
            rejected.append((line, reason))
            rejectedRows.add(line: line, fields: fields, reason: reason)
        }
        var rows = 0
        var repeated: [(line: Int, first: Int)] = []
        var appended = 0
        var duplicates = 0
        var batch: [(line: Int, fields: [String], event: JSONValue)] = []
        var firstLineOf: [String: Int] = [:]
        var progress = Progress(label: "imported rows", total: nil)
        let started = Date()

        typealias Row = (line: Int, fields: [String], event: JSONValue)
        /// Batches sent and not yet answered, in order (the daemon answers a connection in order).
        var sent: [(id: Int64, rows: [Row])] = []
        var nextId: Int64 = 1
        /// Why appending stopped (an error naming no row): the answers of batches sent before are still counted.
        var stopped: String?

        func send(_ rows: [Row]) throws {
            guard let client, !rows.isEmpty, stopped == nil else { return }
            try client.send(connection.completed(["op": "append", "id": .int(nextId), "events": .array(rows.map(\.event))]))
            sent.append((nextId, rows))
            nextId += 1
        }

        /// Takes the answer of the oldest batch sent; a row at fault is rejected and the rest of its batch sent again.
        func receive() throws {
            guard let client, !sent.isEmpty else { return }
            let answer = try client.readValue()
            var (id, rows) = sent.removeFirst()
            guard answer["id"]?.intValue == id else {
                throw ValidationError("an answer came for request \(CanonicalJSON.string(answer["id"] ?? .null)), expected \(id)")
            }
            if let result = answer["result"], answer["ok"]?.boolValue == true {
                for event in result["appended"]?.arrayValue ?? [] {
                    if event["duplicate"]?.boolValue == true { duplicates += 1 } else { appended += 1 }
                }
                return
            }
            let error = answer["error"]
            let code = error?["code"]?.stringValue ?? "error"
            let message = error?["message"]?.stringValue ?? CanonicalJSON.string(answer)
            // A row's fault names it ("events[3]…"): take it out and send the rest again.
            guard let field = error?["field"]?.stringValue, let index = LedgerError.eventIndex(inField: field), rows.indices.contains(index) else {
                if stopped == nil { stopped = "\(code): \(message) — the batch from line \(rows[0].line) was not appended" }
                return
            }
            reject(line: rows[index].line, fields: rows[index].fields, reason: "\(code): \(message) (\(field))")
            rows.remove(at: index)
            try send(rows)
        }

        func flush() throws {
            defer { batch.removeAll(keepingCapacity: true) }
            guard client != nil, stopped == nil else { return }
            while sent.count >= inFlight { try receive() }
            try send(batch)
        }

        while let (line, fields) = csv.next() {
            rows += 1
            do {
                let event = try csv.mapper.event(for: fields)
                let eventId = event["eventId"]?.stringValue ?? ""
                if let first = firstLineOf[eventId] {
                    // The same decision twice in one file: stored once, like a re-import.
                    duplicates += 1
                    repeated.append((line, first))
                    continue
                }
                firstLineOf[eventId] = line
                batch.append((line, fields, event))
            } catch {
                reject(line: line, fields: fields, reason: error.description)
            }
            if batch.count == batchSize { try flush() }
            if stopped != nil { break }
            progress.update(rows)
        }
        if let error = csv.error { throw ValidationError("\(file): reading stopped at line \(csv.rowNumber): \(error)") }
        try flush()
        while !sent.isEmpty { try receive() }
        if let stopped { throw ValidationError("\(stopped); \(appended) event(s) of other batches were") }
        // Refusals come back as the answers do, after the mapper's own: reported by line.
        rejected.sort { $0.line < $1.line }
        progress.finish(rows)
        if let rejects {
            // Names, codes and reasons of the office's rows: private like an export.
            do {
                try PrivateFiles.write(try rejectedRows.bytes(encoding: csv.encoding), to: rejects)
            } catch {
                throw ValidationError("cannot write the rejected rows to \(rejects): \(error)")
            }
        }
        let seconds = max(Date().timeIntervalSince(started), 0.000_001)
        let summary: JSONValue = [
            "file": .string(file), "encoding": .string(csv.encoding.rawValue), "historical": .bool(historical),
            "rejectsFile": rejects.map { .string($0) } ?? .null, "kind": .string(csv.mapper.kind.rawValue), "rows": .int(Int64(rows)),
            "appended": .int(Int64(appended)), "duplicates": .int(Int64(duplicates)), "rejected": .int(Int64(rejected.count)),
            "rowsPerSecond": .int(Int64(Double(rows) / seconds)), "dryRun": .bool(dryRun),
            "rejections": .array(rejected.map { ["line": .int(Int64($0.line)), "reason": .string($0.reason)] }),
            "repeatedInFile": .array(repeated.map { ["line": .int(Int64($0.line)), "sameAsLine": .int(Int64($0.first))] }),
        ]
        if connection.json {
            Output.json(summary)
        } else {
            for rejection in rejected { Output.line("line \(rejection.line): \(rejection.reason)") }
            for again in repeated { Output.line("line \(again.line): the same decision as line \(again.first) (counted as already stored)") }
            Output.line("\(rows) row(s): \(appended) appended, \(duplicates) already stored, \(rejected.count) rejected\(dryRun ? " (dry run)" : "")")
        }
        if !rejected.isEmpty { throw ExitCode(1) }
    }
}
