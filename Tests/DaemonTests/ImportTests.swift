import Foundation
import LedgerJSON
import Testing

/// `creditctl import` against the daemon: good rows in, bad rows reported, nothing twice.
@Suite(.serialized) struct ImportTests {
    static let sample = Daemon.repository.appendingPathComponent("Tests/Fixtures/sgs-penalties.csv").path

    func importSample(_ daemon: Daemon) throws -> (status: Int32, summary: JSONValue) {
        let result = try AccessControlTests.run(Daemon.binary("creditctl"), ["import", Self.sample, "--socket", daemon.socketPath, "--json"])
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
}
