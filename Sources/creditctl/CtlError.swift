import ArgumentParser
import Foundation
import LedgerJSON
import LedgerProtocol

/// creditctl's exit statuses: `sysexits.h` where one fits, documented in `creditctl --help`
/// and the README. Scripts rely on them, so a case never changes its number.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    /// The answer found something: `check` restricted at least one entity; `import` had rows
    /// rejected.
    case found = 1
    /// A verification found a difference: `verify`, `rebuild --verify`, the access log's chain.
    case mismatch = 2
    /// EX_USAGE: bad options or arguments (ArgumentParser prints the usage).
    case usage = 64
    /// EX_DATAERR: the daemon refused the request's data (an invalid code, date or measure,
    /// a rule violation …), or an input file holds lines that could not be checked.
    case dataError = 65
    /// EX_NOINPUT: what was asked for does not exist (`not_found`).
    case notFound = 66
    /// EX_UNAVAILABLE: cannot connect, the connection was lost, or the daemon is unavailable.
    case unavailable = 69
    /// EX_SOFTWARE: the daemon's `internal` error, or an answer creditctl cannot read.
    case software = 70
    /// EX_IOERR: a data dir or file could not be read or written (offline commands).
    case ioError = 74
    /// EX_TEMPFAIL: a paged answer changed while its pages were read; run the command again.
    case tryAgain = 75
    /// EX_NOPERM: the caller's grants do not allow the op, or a purpose is missing (`forbidden`).
    case forbidden = 77
    /// EX_CONFIG: the document settings or the report's template cannot be used.
    case config = 78

    /// The status for one of the daemon's error codes (protocol.md, "Error codes").
    static func forDaemonCode(_ code: String) -> ExitStatus {
        switch code {
        case "not_found": return .notFound
        case "forbidden": return .forbidden
        case "unavailable": return .unavailable
        case "internal": return .software
        // bad_json, line_too_long, unknown_op, missing_field, invalid_field, invalid_entity,
        // unknown_kind, unknown_ref, rule_violation, conflict, version_mismatch, too_large:
        // the request's data was refused.
        default: return .dataError
        }
    }

    /// What the status means, for `--help` (the README has the same table); short enough
    /// for one line of an 80-column help.
    var meaning: String {
        switch self {
        case .success: return "ok"
        case .found: return "found something: check restricted an entity; import rejected rows; append had a batch refused"
        case .mismatch: return "a verification found a difference (verify, rebuild, access-log, report --verify)"
        case .usage: return "usage: bad options or arguments (the usage is printed)"
        case .dataError: return "refused data (code, date, measure, rule); --entities lines not checked"
        case .notFound: return "not found (not_found)"
        case .unavailable: return "cannot connect, connection lost, or the daemon is unavailable"
        case .software: return "internal error (the daemon's, or an answer creditctl cannot read)"
        case .ioError: return "a data dir or file could not be read or written"
        case .tryAgain: return "a paged answer changed while its pages were read: run again"
        case .forbidden: return "forbidden: no grant for the op, or no --purpose"
        case .config: return "the document settings or the report template cannot be used"
        }
    }

    /// The table of statuses for `creditctl --help`.
    static var documentation: String {
        "EXIT STATUS\n" + allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\($0.meaning)" }.joined(separator: "\n")
            + "\nA runtime error prints one line to standard error, `creditctl: CODE: MESSAGE`, and no usage."
    }
}

/// Why a command failed at run time: a stable code (the daemon's error code, or creditctl's
/// own for failures on this side), a message for people, the field at fault when the daemon
/// named one, and the exit status. `CreditCtl.main` prints it as one line, never with usage.
struct CtlError: Error, CustomStringConvertible {
    let code: String
    let message: String
    let field: String?
    let exitStatus: ExitStatus

    init(_ code: String, _ message: String, field: String? = nil, exitStatus: ExitStatus) {
        self.code = code
        self.message = message
        self.field = field
        self.exitStatus = exitStatus
    }

    /// The daemon's `error` member of a failed answer.
    init(daemonError error: JSONValue?, context: String? = nil) {
        let code = error?["code"]?.stringValue ?? "internal"
        let message = error?["message"]?.stringValue ?? "the daemon failed without a message: \(error.map { CanonicalJSON.string($0) } ?? "null")"
        let field = error?["field"]?.stringValue
        // A read without its purpose is refused like one without a grant: it may not be made.
        let status: ExitStatus = code == "missing_field" && field == "purpose" ? .forbidden : .forDaemonCode(code)
        self.init(code, context.map { "\($0): \(message)" } ?? message, field: field, exitStatus: status)
    }

    /// A connection that could not be made, or broke.
    static func connection(_ failure: LineClient.Failure) -> CtlError {
        let code = failure.description.hasPrefix("cannot connect") ? "cannot_connect" : "connection_lost"
        return CtlError(code, failure.description, exitStatus: .unavailable)
    }

    /// An answer line that is not what the protocol promises.
    static func badAnswer(_ detail: String) -> CtlError {
        CtlError("bad_answer", "the daemon's answer cannot be read: \(detail)", exitStatus: .software)
    }

    /// `CODE: MESSAGE (field F)`, as printed after `creditctl: `.
    var description: String {
        // One line whatever the message holds.
        let text = message.replacingOccurrences(of: "\n", with: " ")
        return "\(code): \(text)" + (field.map { " (field \($0))" } ?? "")
    }
}
