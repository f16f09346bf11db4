import ArgumentParser
import LedgerProtocol

/// `creditctl`: the admin and auditor tool of CreditLedger.
@main
struct CreditCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Talk to a running creditledgerd, or read a stopped data dir offline.",
        version: CreditLedgerVersion.current,
        subcommands: [Ping.self, Append.self, Get.self, Report.self, History.self, Tail.self, Export.self, Verify.self, Rebuild.self, AccessLog.self, Import.self, QualityReport.self, MetricsCommand.self, Backup.self,
            Restore.self, Load.self])
}
