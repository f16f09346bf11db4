import Foundation
import LedgerProtocol
import Testing

/// The HTTPS edge's contract (Schemas/openapi.json) and the per-op result schemas it is
/// generated from, checked by the Python tools under Tools/openapi against the real daemon.
@Suite(.serialized) struct OpenAPITests {
    static let repository = Daemon.repository.path

    /// Runs a Python tool of the repository; its exit status and output.
    func run(_ tool: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        try ChildProcess.output(of: "/usr/bin/env", ["python3", Self.repository + "/" + tool] + arguments)
    }

    @Test func theOpenAPIDocumentIsUpToDateValidAndSelfContained() throws {
        let (status, output) = try run("Tools/openapi/validate")
        #expect(status == 0, "\(output)")
        #expect(output.contains(" 0 problems"), "\(output)")
    }

    @Test func everyOpsRealAnswersMatchItsResultSchemaAndTheDocumentedErrors() throws {
        let (status, output) = try run("Tools/openapi/check-answers", ["--daemon", Daemon.binary("creditledgerd")])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" 0 problems"), "\(output)")
    }

    /// schemathesis against the real HTTPS edge (Tools/try-https), as an admin (every op is
    /// open to it): every answer conforms to the document, no 5xx, statuses and content types
    /// documented.
    @Test func theRealEdgeAnswersEveryFuzzedRequestAsTheDocumentSays() throws {
        let edge = try TryHTTPS()
        guard let admin = edge.certificates["admin"] else { throw LineClient.Failure(description: "no admin certificate") }
        let (status, output) = try run(
            "Tools/openapi/fuzz-edge",
            ["--url", edge.url, "--ca", edge.ca, "--cert", admin.cert, "--key", admin.key, "--max-examples", "10", "--seconds", "60"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("fuzz-edge: passed"), "\(output)")
        #expect(edge.stop() == 0)
    }
}
