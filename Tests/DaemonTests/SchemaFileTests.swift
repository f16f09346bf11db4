import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// The files in Schemas/ against an independent validator, and their examples against the daemon.
@Suite(.serialized) struct SchemaFileTests {
    static let repository = Daemon.repository.path

    func runChecker(instances: String? = nil) throws -> (status: Int32, output: String) {
        try ChildProcess.output(
            of: "/usr/bin/env", ["python3", Self.repository + "/Tools/check-schemas.py", Self.repository + "/Schemas"] + (instances.map { ["--instances", $0] } ?? []))
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
        let dates = ["2024-01-10", "2024-02-01", "2024-06-01", "2024-07-01"]

        /// Appends one event and returns its eventId.
        @discardableResult
        func append(_ kind: EventKind, body: JSONValue, entity: String, on date: String, refs: [String] = []) throws -> String {
            counter += 1
            let eventId = "example-\(counter)-\(kind.rawValue)"
            let event: JSONValue = [
                "eventId": .string(eventId), "kind": .string(kind.rawValue), "entity": .string(entity), "occurredOn": .string(date),
                "source": ["authority": "国家市场监督管理总局"], "refs": .array(refs.map { .string($0) }), "body": body,
            ]
            let answer = try client.call(appendRequest([event], id: .string(eventId)))
            #expect(answer["ok"] == true, "\(kind.rawValue): \(CanonicalJSON.string(answer))")
            answers.append(["schema": "protocol/response.json", "instance": answer])
            return eventId
        }
        func example(_ kind: EventKind) -> JSONValue { catalogue.examples[kind]![0] }

        /// Appends a legal history that an event of `kind` may act on; returns its ref.
        func prerequisite(for kind: EventKind, entity: String) throws -> String? {
            switch kind {
            case .repairApplied, .penaltyFulfilled, .objectionFiled, .recordCorrected, .recordRevoked, .warningIssued, .interviewRecorded:
                let penalty = try append(.penaltyImposed, body: example(.penaltyImposed), entity: entity, on: dates[0])
                if kind == .repairApplied { try append(.penaltyFulfilled, body: example(.penaltyFulfilled), entity: entity, on: dates[1], refs: [penalty]) }
                return penalty
            case .repairExtended:
                let application = try prerequisite(for: .repairAccepted, entity: entity)!
                try append(.repairAccepted, body: example(.repairAccepted), entity: entity, on: dates[3], refs: [application])
                return application
            case .repairAccepted, .repairGranted, .repairRejected:
                let penalty = try prerequisite(for: .repairApplied, entity: entity)!
                return try append(.repairApplied, body: example(.repairApplied), entity: entity, on: dates[2], refs: [penalty])
            case .repairRevoked:
                let application = try prerequisite(for: .repairGranted, entity: entity)!
                return try append(.repairGranted, body: example(.repairGranted), entity: entity, on: dates[3], refs: [application])
            case .objectionResolved:
                let penalty = try prerequisite(for: .objectionFiled, entity: entity)!
                return try append(.objectionFiled, body: example(.objectionFiled), entity: entity, on: dates[2], refs: [penalty])
            case .listExited: return try append(.listEntered, body: example(.listEntered), entity: entity, on: dates[0])
            case .banLifted: return try append(.banImposed, body: example(.banImposed), entity: entity, on: dates[0])
            case .shieldingEnded: return try append(.shieldingStarted, body: example(.shieldingStarted), entity: entity, on: dates[0])
            case .commitmentFulfilled, .commitmentBreached: return try append(.commitmentMade, body: example(.commitmentMade), entity: entity, on: dates[0])
            case .licenseEnded: return try append(.licenseGranted, body: example(.licenseGranted), entity: entity, on: dates[0])
            default: return kind.refRule.minimum > 0 ? try append(.penaltyImposed, body: example(.penaltyImposed), entity: entity, on: dates[0]) : nil
            }
        }

        var entityNumber = 0
        for kind in EventKind.allCases {
            for body in catalogue.examples[kind] ?? [] {
                // A fresh entity for each example, so that one example's state never blocks another.
                entityNumber += 1
                let entity = EntityCode.makeUSCC(region: "110105", organisationBody: String(format: "%08d", entityNumber))
                let ref = try prerequisite(for: kind, entity: entity)
                try append(kind, body: body, entity: entity, on: "2025-01-15", refs: ref.map { [$0] } ?? [])
            }
        }
        let page = try client.call(["op": "read", "purpose": "test", "limit": 10_000])
        answers.append(["schema": "protocol/response.json", "instance": page])
        for event in page["result"]?["events"]?.arrayValue ?? [] {
            answers.append(["schema": "protocol/stored-event.json", "instance": event])
        }
        for request: JSONValue in [["op": "fly"], ["op": "get", "purpose": "test", "seq": 999], ["op": "history", "purpose": "test", "entity": "123"]] {
            answers.append(["schema": "protocol/response.json", "instance": try client.call(request)])
        }
        let file = daemon.directory + "/answers.jsonl"
        FileManager.default.createFile(atPath: file, contents: Data(answers.flatMap { CanonicalJSON.encode($0) + [0x0A] }))
        let (status, output) = try runChecker(instances: file)
        #expect(status == 0, "\(output)")
        #expect(daemon.terminate() == 0)
    }
}
