import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// The files in Schemas/ against an independent validator, and their examples against the daemon.
@Suite(.serialized) struct SchemaFileTests {
    static let repository = Daemon.repository.path

    func runChecker(instances: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repository + "/Tools/check-schemas.py", Self.repository + "/Schemas"] + (instances.map { ["--instances", $0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func everySchemaIsValidForPythonJsonschema() throws {
        let (status, output) = try runChecker()
        #expect(status == 0, "\(output)")
        #expect(output.contains("0 problems"))
    }

    @Test func theDaemonAcceptsEveryExampleAndItsAnswersMatchTheProtocolSchemas() throws {
        let catalogue = try SchemaCatalogue(directory: Self.repository + "/Schemas/events")
        let daemon = Daemon()
        try daemon.start()
        let client = try daemon.client()
        var answers: [JSONValue] = []
        var counter = 0
        /// Appends `body` as an event of `kind`, first appending a record it may act on.
        @discardableResult
        func append(_ kind: EventKind, body: JSONValue) throws -> String {
            var refs: [JSONValue] = []
            if kind.refRule.minimum > 0 {
                let target = kind.refRule.targets.contains(.penaltyImposed) ? EventKind.penaltyImposed : kind.refRule.targets.first!
                refs.append(.string(try append(target, body: catalogue.examples[target]![0])))
            }
            counter += 1
            let eventId = "example-\(counter)-\(kind.rawValue)"
            let event: JSONValue = [
                "eventId": .string(eventId), "kind": .string(kind.rawValue), "entity": .string(orgA), "occurredOn": "2025-01-15",
                "source": ["authority": "国家市场监督管理总局"], "refs": .array(refs), "body": body,
            ]
            let answer = try client.call(appendRequest([event], id: .string(eventId)))
            #expect(answer["ok"] == true, "\(kind.rawValue): \(CanonicalJSON.string(answer))")
            answers.append(["schema": "protocol/response.json", "instance": answer])
            return eventId
        }
        for kind in EventKind.allCases {
            for body in catalogue.examples[kind] ?? [] { try append(kind, body: body) }
        }
        let page = try client.call(["op": "read", "limit": 10_000])
        answers.append(["schema": "protocol/response.json", "instance": page])
        for event in page["result"]?["events"]?.arrayValue ?? [] {
            answers.append(["schema": "protocol/stored-event.json", "instance": event])
        }
        for request: JSONValue in [["op": "fly"], ["op": "get", "seq": 999], ["op": "history", "entity": "123"]] {
            answers.append(["schema": "protocol/response.json", "instance": try client.call(request)])
        }
        let file = daemon.directory + "/answers.jsonl"
        FileManager.default.createFile(atPath: file, contents: Data(answers.flatMap { CanonicalJSON.encode($0) + [0x0A] }))
        let (status, output) = try runChecker(instances: file)
        #expect(status == 0, "\(output)")
        #expect(daemon.terminate() == 0)
    }
}
