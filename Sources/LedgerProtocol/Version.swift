/// The release of CreditLedger: `ping` answers it and both binaries print it for `--version`.
public enum CreditLedgerVersion {
    public static let current = "0.2.0"
}
