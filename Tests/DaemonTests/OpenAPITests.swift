import Foundation
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

    /// The fuzzing harness the real edge's test runs, against a stub edge in front of the real
    /// daemon: its schemathesis options, the client certificates and the document work together.
    @Test func theEdgeFuzzHarnessPassesAgainstAStubEdge() throws {
        let (status, output) = try run(
            "Tools/openapi/fuzz-stub", ["--daemon", Daemon.binary("creditledgerd"), "--max-examples", "5", "--seconds", "15"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("fuzz-edge: passed"), "\(output)")
    }
}
