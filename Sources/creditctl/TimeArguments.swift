import ArgumentParser
import CreditDomain
import LedgerJSON
import LedgerStore

/// A calendar day, `YYYY-MM-DD`, in China Standard Time (protocol.md, "Values"): what `--at`,
/// `--from` and `--to` take in every command. A value that is not one is a usage error (exit
/// 64) naming the option, before anything is sent.
struct DayArgument: ExpressibleByArgument, CustomStringConvertible {
    /// The help text every day option shares.
    static let help = "A day, YYYY-MM-DD (China time)."

    let date: CivilDate

    init?(argument: String) {
        // The daemon's own range, so that a date accepted here is never refused there.
        guard let date = CivilDate(argument), CivilDate.plausibleRange.contains(date) else { return nil }
        self.date = date
    }

    var description: String { date.description }
    var json: JSONValue { .string(date.description) }
}

/// `--known-at`: what the ledger knew at a moment, in one of three forms, the same in every
/// command that takes it:
/// - a day `YYYY-MM-DD`: the end of that day in China time (23:59:59.999 +08:00), i.e.
///   everything recorded by the close of that day;
/// - an RFC 3339 timestamp (`2025-07-01T09:30:00+08:00`, `2025-07-01T01:30:00Z`): everything
///   recorded at or before it;
/// - a seq (`1234`): everything up to and including that log position.
enum KnownAtArgument: ExpressibleByArgument, CustomStringConvertible {
    /// The help text every `--known-at` shares.
    static let help = ArgumentHelp(
        "What the ledger knew: a day YYYY-MM-DD (its end, 23:59:59.999 China time), an RFC 3339 timestamp, or a seq (default: everything recorded).",
        valueName: "day|timestamp|seq")

    case endOfDay(CivilDate)
    case timestamp(String)
    case seq(Int64)

    init?(argument: String) {
        if let day = DayArgument(argument: argument) {
            self = .endOfDay(day.date)
        } else if let seq = Int64(argument) {
            guard seq >= 0 else { return nil }
            self = .seq(seq)
        } else if Timestamp.parse(argument) != nil {
            self = .timestamp(argument)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case let .endOfDay(date): return date.description
        case let .timestamp(text): return text
        case let .seq(seq): return String(seq)
        }
    }

    /// The request's `knownAt`: a seq, or an RFC 3339 timestamp (a day becomes its last
    /// millisecond in China time, which the daemon reads like any other timestamp).
    var json: JSONValue {
        switch self {
        case let .endOfDay(date): return .string("\(date.description)T23:59:59.999+08:00")
        case let .timestamp(text): return .string(text)
        case let .seq(seq): return .int(seq)
        }
    }

}
