import Foundation
import LedgerJSON
import LedgerProtocol
import Testing

/// Issue 11, item 7: one daemon per store and per socket; a missing store is an error, not a crash.
@Suite(.serialized) struct ExclusivityTests {
    static func daemon(dataDirectory: String, socket: String) throws -> (status: Int32, output: String) {
        try AccessControlTests.run(
            Daemon.binary("creditledgerd"),
            ["--data-dir", dataDirectory, "--socket", socket, "--schemas", Daemon.repository.appendingPathComponent("Schemas").path])
    }

    @Test func aSecondDaemonOnTheSameStoreIsRefusedWith78() throws {
        let first = Daemon()
        try first.start()
        #expect(result(try first.client().call(appendRequest([licenceEvent("l-1")]))) != nil)
        let second = try Self.daemon(dataDirectory: first.dataDirectory, socket: first.directory + "/other.sock")
        #expect(second.status == 78, "\(second.output)")
        #expect(second.output.contains("writer.lock") && second.output.contains("locked by another process"), "\(second.output)")
        // The first goes on serving, its store untouched.
        let ping = try #require(result(try first.client().call(["op": "ping"])))
        #expect(ping["head"] == 1)
        #expect(first.terminate() == 0)
    }

    @Test func aServedSocketIsNeverTakenOver() throws {
        let first = Daemon()
        try first.start()
        let other = first.directory + "/other-data"
        let second = try Self.daemon(dataDirectory: other, socket: first.socketPath)
        #expect(second.status == 78, "\(second.output)")
        #expect(second.output.contains("socket path is taken"), "\(second.output)")
        // The socket still leads to the first daemon.
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        #expect(result(try first.client().call(["op": "ping"])) != nil)
        #expect(first.terminate() == 0)
    }

    @Test func aStaleSocketFileIsReplacedAndAPlainFileIsNot() throws {
        let daemon = Daemon()
        try daemon.start()
        daemon.kill()  // SIGKILL: the socket file stays behind, nobody listening.
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath))
        try daemon.start()
        #expect(result(try daemon.client().call(["op": "ping"])) != nil)
        #expect(daemon.terminate() == 0)

        let plain = daemon.directory + "/plain"
        FileManager.default.createFile(atPath: plain, contents: Data("keep me".utf8))
        let refused = try Self.daemon(dataDirectory: daemon.dataDirectory, socket: plain)
        #expect(refused.status == 78 && refused.output.contains("not a socket"), "\(refused.output)")
        #expect(FileManager.default.contents(atPath: plain) == Data("keep me".utf8))
    }

    @Test func aMissingStoreIsAClearErrorNotACrash() throws {
        let directory = Daemon().directory + "/no-such-store"
        for command in [["verify"], ["export", "--output", "/dev/null"]] {
            let run = try OperatorTests.ctl(command + ["--data-dir", directory])
            #expect(run.status != 0 && run.status < 128, "\(command): exit \(run.status) \(run.output)")
            #expect(!run.output.contains("double free") && run.output.contains("no-such-store"), "\(run.output)")
        }
        // Run as root, the failed export must not have replaced /dev/null with a file of its own.
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR && (status.st_mode & 0o666) == 0o666)
    }

    /// An export to a device writes into it (it was once renamed over, which as root replaced
    /// /dev/null with a private file for every later process).
    @Test func anExportToADeviceLeavesTheDeviceAsItIs() throws {
        let daemon = Daemon()
        try daemon.start()
        #expect(result(try daemon.client().call(appendRequest([licenceEvent("l-1")]))) != nil)
        #expect(daemon.terminate() == 0)
        let run = try OperatorTests.ctl(["export", "--output", "/dev/null", "--data-dir", daemon.dataDirectory])
        #expect(run.status == 0, "\(run.output)")
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR && (status.st_mode & 0o666) == 0o666)
    }
}
