import ArgumentParser
import Dispatch
import Foundation
import LedgerDesk
import LedgerDocuments
import LedgerJSON
import Logging

/// `creditctl desk`: the auditor's desk, a small web application on 127.0.0.1 (a random port
/// and a one-time token in the URL) that talks to the daemon as the person who started it.
struct DeskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk",
        abstract: "Serve the auditor's desk (查询台) on 127.0.0.1: look up an entity, its state on a day as known at a moment, compare, print the report.",
        discussion: """
            Prints one line, the address to open (http://127.0.0.1:PORT/?token=TOKEN; with --json {"url":…,"port":…}), \
            then serves until Ctrl-C or SIGTERM. The token is made anew for every run; without it the desk answers \
            nothing. Every read goes to the daemon as you, so your grants and the access log apply: non-public \
            reads need the purpose (查询用途) entered on the page.
            """)

    /// Where a package installs the assets.
    static let installedAssets = "/usr/share/creditledger/desk"

    @Option(name: .long, help: "The daemon's socket (default $CREDITLEDGER_SOCKET or var/ledger.sock).")
    var socket: String = ProcessInfo.processInfo.environment["CREDITLEDGER_SOCKET"] ?? "var/ledger.sock"
    @Option(name: .long, help: "The port on 127.0.0.1 (default: a free one chosen by the system).")
    var port: Int = 0
    @Option(name: .long, help: "The folder of the desk's pages (default: Deploy/desk above the executable, then \(installedAssets)).")
    var assets: String?
    @Option(name: .long, help: "The document settings for the report page (as creditctl report's --documents).")
    var documents: String?
    @Flag(name: .long, help: "Print {\"url\":…,\"port\":…} instead of the bare address.")
    var json = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    }

    func run() throws {
        let assetsDirectory = try assets ?? Self.findAssets()
        guard FileManager.default.fileExists(atPath: assetsDirectory + "/index.html") else {
            throw CtlError("not_found", "no index.html in \(assetsDirectory)", exitStatus: .notFound)
        }
        let settings = try Report.settings(documents)
        let configuration = DeskConfiguration(
            socketPath: socket, assetsDirectory: assetsDirectory, port: port, labels: Labels.json,
            // The one place the desk renders the report: the officer's document, as creditctl report writes it.
            renderReport: { report in try Report.page(ReportDocument(report: report, issuer: settings.issuer), settings: settings) })
        var logger = Logger(label: "creditctl.desk")
        logger.logLevel = .warning
        let server = DeskServer(configuration: configuration, logger: logger)
        let printJSON = json
        let token = configuration.token
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task.detached {
            do {
                try await server.run { port in
                    let url = "http://\(DeskConfiguration.host):\(port)/?token=\(token)"
                    if printJSON { Output.json(["url": .string(url), "port": .int(Int64(port))]) } else { Output.line(url) }
                }
            } catch {
                failure.set(error)
            }
            finished.signal()
        }
        finished.wait()
        if let error = failure.error { throw CtlError("cannot_serve", "\(error)", exitStatus: .unavailable) }
    }

    /// `Deploy/desk` of the source tree the executable was built in (a build in the
    /// repository), else the installed folder.
    /// - Throws: ``CtlError`` `not_found` (exit 66) naming the places looked at.
    static func findAssets() throws -> String {
        if let deploy = DocumentSettings.sourceTreeDeploy(containing: "desk/index.html") { return deploy + "/desk" }
        if FileManager.default.fileExists(atPath: installedAssets + "/index.html") { return installedAssets }
        throw CtlError(
            "not_found", "the desk's pages (index.html) are neither in a Deploy/desk above \(DocumentSettings.runningExecutable) nor in \(installedAssets); give --assets DIR",
            exitStatus: .notFound)
    }
}

/// The server task's error, read by the waiting thread after the task signalled.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ error: Error) { lock.withLock { stored = error } }
}
