import Foundation
import LedgerJSON
import Testing

/// swift-metrics through Prometheus: the `metrics` op, `creditctl metrics` and the loopback HTTP listener.
@Suite(.serialized) struct MetricsTests {
    @Test func exposesAppendsCommitsQueriesErrorsConnectionsAndStoreSize() throws {
        let daemon = Daemon()
        let port = 20_000 + Int.random(in: 0..<20_000)
        try daemon.start(config: ["metricsHTTP": .string("127.0.0.1:\(port)")])
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("l-1"), licenceEvent("l-2")]))) != nil)
        #expect(errorCode(try client.call(["op": "get", "purpose": "test", "seq": 99])) == "not_found")
        #expect(result(try client.call(["op": "display", "entity": .string(orgA)])) != nil)
        let text = try #require(result(try client.call(["op": "metrics"]))?["text"]?.stringValue)
        for expected in [
            "creditledger_appended_events_total 2", #"creditledger_requests_total{op="append"} 1"#, #"creditledger_requests_total{op="display"} 1"#,
            #"creditledger_errors_total{code="not_found"} 1"#, "creditledger_commit_duration_seconds_bucket", "creditledger_commit_batch_events",
            "creditledger_connections 1", "creditledger_store_bytes ", "creditledger_head_seq 2",
        ] {
            #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
        }
        let cli = try AccessControlTests.run(Daemon.binary("creditctl"), ["metrics", "--socket", daemon.socketPath])
        #expect(cli.status == 0 && cli.output.contains("creditledger_appended_events_total 2"))
        let http = try AccessControlTests.run("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(port)/metrics"])
        #expect(http.output.contains("200 OK") && http.output.contains("creditledger_appended_events_total 2"), "\(http.output)")
        #expect(try AccessControlTests.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/other"]).output == "404")
        #expect(daemon.terminate() == 0)
    }
}
