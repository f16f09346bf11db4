import ArgumentParser
import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol

/// `ledger-bench`: the load generator behind `Tools/bench` (not shipped).
@main
struct LedgerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-bench", abstract: "Load generator for CreditLedger benchmarks.",
        subcommands: [AppendLoad.self, StatusLoad.self])
}

/// Appends from many connections, one request outstanding per connection, and reports
/// events/s and request latency. Bounded by a request count and a time cap.
struct AppendLoad: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append")

    @Option var socket: String
    @Option(help: "Concurrent connections.") var clients = 1
    @Option(help: "Events per append request.") var batch = 1
    @Option(help: "Requests per connection.") var requests = 1000
    @Option(help: "Stop after this many seconds even if requests remain.") var maxSeconds = 30.0
    @Option(help: "Distinct entities the events are spread over.") var entities = 5000
    @Option(help: "Makes eventIds unique across runs on one store.") var prefix = "bench"

    func run() throws {
        let codes = benchEntityCodes(entities)
        let started = Date()
        let batch = self.batch
        let requests = self.requests
        let prefix = self.prefix
        let load = EventLoopLoad(requestsPerConnection: requests, maxSeconds: maxSeconds) { client, request in
            var line = Array(#"{"op":"\#(LedgerOperation.append.name)","events":["#.utf8)
            for item in 0..<batch {
                if item > 0 { line.append(UInt8(ascii: ",")) }
                let index = (client * requests + request) * batch + item
                line += Self.event(id: "\(prefix)-\(client)-\(request)-\(item)", entity: codes[index % codes.count], index: index)
            }
            line += Array("]}\n".utf8)
            return line
        }
        let outcome = try load.run(socketPath: socket, connections: clients)
        let latencies = outcome.latenciesNanoseconds
        let failures = outcome.failures
        let events = (latencies.count - failures.count) * batch
        let seconds = Date().timeIntervalSince(started)
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
        }
        print(String(format: "RESULT eps=%.0f rps=%.0f p50_ms=%.3f p99_ms=%.3f events=%d requests=%d seconds=%.2f failures=%d",
            Double(events) / seconds, Double(sorted.count) / seconds, percentile(0.5), percentile(0.99), events, sorted.count, seconds, failures.count))
        if let first = failures.first { FileHandle.standardError.write(Data("first failure: \(first)\n".utf8)) }
    }

    /// A penalty decision of about 400 bytes, like the baselines' payload.
    static func event(id: String, entity: String, index: Int) -> [UInt8] {
        let amount = 1000 + index % 200 * 500
        return Array("""
            {"eventId":"\(id)","kind":"penalty.imposed","entity":"\(entity)","occurredOn":"2024-0\(1 + index % 9)-1\(index % 10)","source":{"authority":"北京市朝阳区市场监督管理局"},"body":{"decisionNo":"京朝市监罚〔2024〕\(index)号","procedure":"ordinary","measures":[{"type":"fine","amountYuan":\(amount)}],"violation":"销售超过保质期的食品","legalBasis":"《中华人民共和国食品安全法》第一百二十四条","sector":"food"}}
            """.utf8)
    }
}

/// The entity codes the benchmarks spread events over (the same for append and status).
func benchEntityCodes(_ count: Int) -> [String] {
    (0..<count).map { index in
        EntityCode.makeUSCC(region: "110105", organisationBody: String(format: "%08d", index * 7919 % 100_000_000))
    }
}

/// `status` for random entities: latency unpipelined (`--depth 1`) or throughput pipelined.
struct StatusLoad: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status")

    @Option var socket: String
    @Option(help: "Connections.") var clients = 1
    @Option(help: "Requests in flight per connection.") var depth = 1
    @Option(help: "Queries per connection.") var requests = 10_000
    @Option(help: "Entities the ledger was loaded with (ledger-bench append --entities).") var entities = 5000
    @Option var maxSeconds = 30.0
    @Option(help: "The op to ask: status, display, history, check or find.") var op = "status"
    @Option(help: "The measure `check` asks about.") var measure = "restrict.public-procurement"
    @Option(help: "Entity codes to ask about, one per line (instead of the generated ones of `append`).") var entitiesFile: String?
    @Option(help: "The date asked about.") var at = "2026-06-01"
    @Option(help: "Sent with audited reads (status, history, find).") var purpose = "bench"
    @Option(help: "The text `find` looks for in profile names (a history of Tools/gen has 有限公司 in most).") var name = "有限公司"

    /// The ops this load asks that take an entity and a date.
    static let entityOps: Set<LedgerOperation> = [.status, .display, .history, .check]
    /// Every op this load asks: the entity ops and `find` (a name).
    static let ops: Set<LedgerOperation> = entityOps.union([.find])

    func validate() throws {
        guard let operation = LedgerOperation(name: op), Self.ops.contains(operation) else {
            throw ValidationError("--op must be one of: \(Self.ops.map(\.name).sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        var chosen = benchEntityCodes(entities)
        if let entitiesFile {
            chosen = try String(contentsOfFile: entitiesFile, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            if entities < chosen.count { chosen = Array(chosen.prefix(entities)) }
        }
        let codes = chosen
        let op = self.op
        let at = self.at
        let operation = LedgerOperation(name: op)!
        let extra = (operation == .check ? #","measure":"\#(measure)""# : "") + (operation.isAudited ? #","purpose":"\#(purpose)""# : "")
        let findLine = CanonicalJSON.encode(["op": .string(op), "name": .string(name), "purpose": .string(purpose)]) + [UInt8(ascii: "\n")]
        let load = EventLoopLoad(requestsPerConnection: requests, maxSeconds: maxSeconds, depth: depth) { client, number in
            if operation == .find { return findLine }
            let entity = codes[(client * 7_368_787 + number * 104_729) % codes.count]
            return Array(#"{"op":"\#(op)","entity":"\#(entity)","at":"\#(at)"\#(extra)}"#.utf8) + [UInt8(ascii: "\n")]
        }
        let started = Date()
        let outcome = try load.run(socketPath: socket, connections: clients)
        let seconds = Date().timeIntervalSince(started)
        let sorted = outcome.latenciesNanoseconds.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
        }
        print(String(format: "RESULT qps=%.0f p50_ms=%.3f p99_ms=%.3f queries=%d seconds=%.2f failures=%d",
            Double(sorted.count) / seconds, percentile(0.5), percentile(0.99), sorted.count, seconds, outcome.failures.count))
        if let first = outcome.failures.first { FileHandle.standardError.write(Data("first failure: \(first)\n".utf8)) }
    }
}
