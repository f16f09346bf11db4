import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 6: both chains' heads are published outside the store, and `verify` with
/// those checkpoints finds a truncated or rewritten log; the daemon refuses to serve such a store.
@Suite(.serialized) struct CheckpointTests {
    static func lines(_ path: String) -> [JSONValue] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }
    }

    @Test func aRolledBackOrRewrittenStoreIsFoundAndRefused() throws {
        let daemon = Daemon()
        let checkpoints = daemon.directory + "/checkpoints/data.heads.jsonl"
        try daemon.start()
        let client = try daemon.client()
        #expect(result(try client.call(appendRequest([licenceEvent("c-1")]))) != nil)
        let backup = daemon.directory + "/backup-at-1"
        #expect(try OperatorTests.ctl(["backup", "--data-dir", daemon.dataDirectory, backup]).status == 0)
        #expect(result(try client.call(appendRequest([licenceEvent("c-2"), licenceEvent("c-3")]))) != nil)
        #expect(result(try client.call(["op": "history", "entity": .string(orgA), "purpose": "checkpoint test"])) != nil)
        #expect(daemon.terminate() == 0)

        // Published: private, append-only lines with both heads; the last one at the final heads.
        #expect(OperatorTests.mode(checkpoints) == 0o600)
        let last = try #require(Self.lines(checkpoints).last)
        #expect(last["events"]?["seq"] == 3 && last["access"]?["seq"] == 1, "\(last)")
        let intact = try OperatorTests.ctl(["verify", "--data-dir", daemon.dataDirectory, "--checkpoints", checkpoints, "--json"])
        #expect(intact.status == 0 && intact.output.contains("\"ok\":true"), "\(intact.output)")

        // Rolled back to the backup (seq 1): truncated, found offline and refused at start.
        let live = daemon.directory + "/live-data"
        try FileManager.default.moveItem(atPath: daemon.dataDirectory, toPath: live)
        try FileManager.default.moveItem(atPath: backup, toPath: daemon.dataDirectory)
        let truncated = try OperatorTests.ctl(["verify", "--data-dir", daemon.dataDirectory, "--checkpoints", checkpoints, "--json"])
        #expect(truncated.status == 2 && truncated.output.contains("truncated"), "\(truncated.output)")
        let refused = try ExclusivityTests.daemon(dataDirectory: daemon.dataDirectory, socket: daemon.socketPath)
        #expect(refused.status == 78 && refused.output.contains("does not match"), "\(refused.output)")

        // Rewritten: another store with as many events, other contents.
        let other = Daemon()
        try other.start()
        #expect(result(try other.client().call(appendRequest([licenceEvent("x-1"), licenceEvent("x-2"), licenceEvent("x-3")]))) != nil)
        #expect(other.terminate() == 0)
        let rewritten = try OperatorTests.ctl(["verify", "--data-dir", other.dataDirectory, "--checkpoints", checkpoints, "--json"])
        #expect(rewritten.status == 2 && rewritten.output.contains("rewritten"), "\(rewritten.output)")

        // The live store back: it agrees, starts, and `verify` with checkpoints says so online.
        try FileManager.default.removeItem(atPath: daemon.dataDirectory)
        try FileManager.default.moveItem(atPath: live, toPath: daemon.dataDirectory)
        try daemon.start()
        let online = try #require(result(try daemon.client().call(["op": "verify", "checkpoints": true])))
        #expect(online["ok"] == true && online["checkpoints"]?.intValue ?? 0 >= 2, "\(online)")
        #expect(daemon.terminate() == 0)
    }
}
