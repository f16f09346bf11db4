import Foundation
import LedgerJSON
import Testing

/// `creditctl import` against the daemon: good rows in, bad rows reported, nothing twice.
@Suite(.serialized) struct ImportTests {
    static let sample = Daemon.repository.appendingPathComponent("Tests/Fixtures/sgs-penalties.csv").path

    func importSample(_ daemon: Daemon, options: [String] = []) throws -> (status: Int32, summary: JSONValue) {
        let result = try AccessControlTests.run(Daemon.binary("creditctl"), ["import", Self.sample, "--socket", daemon.socketPath, "--json"] + options)
        let last = result.output.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
        return (result.status, try JSONParser.parse(last))
    }

    @Test func importsGoodRowsReportsBadOnesAndAppendsNothingTheSecondTime() throws {
        let daemon = Daemon()
        try daemon.start()
        let first = try importSample(daemon)
        #expect(first.status == 1, "rows were rejected")
        #expect(first.summary["rows"] == 8 && first.summary["appended"] == 3 && first.summary["duplicates"] == 1 && first.summary["rejected"] == 4)
        #expect(first.summary["rejections"]?.arrayValue?.map { $0["line"] } == [6, 7, 8, 9])
        #expect(first.summary["repeatedInFile"] == [["line": 5, "sameAsLine": 2]])
        let second = try importSample(daemon)
        #expect(second.summary["appended"] == 0 && second.summary["duplicates"] == 4)
        let client = try daemon.client()
        #expect(result(try client.call(["op": "ping"]))?["head"] == 3)
        #expect(result(try client.call(["op": "verify"]))?["ok"] == true)
        #expect(daemon.terminate() == 0)
    }

    /// One row per batch, four batches in flight: refused rows come back out of order with the
    /// mapper's own rejections, and the outcome is the one-batch-at-a-time one.
    @Test func batchesInFlightImportTheSameRows() throws {
        let daemon = Daemon()
        try daemon.start()
        let pipelined = try importSample(daemon, options: ["--batch-size", "1", "--in-flight", "4"])
        #expect(pipelined.status == 1)
        #expect(pipelined.summary["appended"] == 3 && pipelined.summary["duplicates"] == 1 && pipelined.summary["rejected"] == 4)
        #expect(pipelined.summary["rejections"]?.arrayValue?.map { $0["line"] } == [6, 7, 8, 9])
        #expect(result(try daemon.client().call(["op": "ping"]))?["head"] == 3)
        #expect(daemon.terminate() == 0)
    }
}
