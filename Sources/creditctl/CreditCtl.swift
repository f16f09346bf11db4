import ArgumentParser
import CreditDomain
import Foundation
import LedgerProtocol
import LedgerStore

/// `creditctl`: the admin and auditor tool of CreditLedger.
@main
struct CreditCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Talk to a running creditledgerd, or read a stopped data dir offline.",
        discussion: """
            Auditors: status, display, check and stats print aligned tables; --json prints the daemon's answer \
            as one line of canonical JSON. Days are YYYY-MM-DD in China time; --known-at takes a day (its end), \
            an RFC 3339 timestamp or a seq, the same in every command.
            Shell completion: creditctl --generate-completion-script bash|zsh|fish (see the README).

            \(ExitStatus.documentation)
            """,
        version: CreditLedgerVersion.current,
        subcommands: [
            Ping.self, Append.self, Get.self, StatusCommand.self, FindCommand.self, DisplayCommand.self, CheckCommand.self, Report.self, History.self, Tail.self,
            Export.self, Verify.self, Rebuild.self, AccessLog.self, Import.self, QualityReport.self, StatsCommand.self, MetricsCommand.self, Backup.self,
            Restore.self, Load.self, DeskCommand.self, Promote.self,
        ])

    /// Parses and runs the command. Bad options are usage errors (ArgumentParser prints the
    /// usage, exit 64); a failure while running prints one line and exits with its status.
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            let failure = runtimeError(error)
            guard let failure else { exit(withError: error) }
            Output.errorLine("creditctl: \(failure)")
            Foundation.exit(failure.exitStatus.rawValue)
        }
    }

    /// The one-line error for a failure while running, or nil for ArgumentParser's own
    /// (`ExitCode`, `ValidationError`, `CleanExit`, and the internal ones its help command
    /// throws), which it reports itself.
    static func runtimeError(_ error: Error) -> CtlError? {
        if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { return nil }
        switch error {
        case let error as CtlError: return error
        case let failure as LineClient.Failure: return .connection(failure)
        case let error as LedgerError: return CtlError(error.code.rawValue, error.message, field: error.field, exitStatus: .forDaemonCode(error.code.rawValue))
        case is LMDBError, is PrivateFiles.Failure: return CtlError("io_error", "\(error)", exitStatus: .ioError)
        default: return CtlError("internal", "\(error)", exitStatus: .software)
        }
    }
}
