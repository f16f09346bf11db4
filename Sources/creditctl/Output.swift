import Foundation
import LedgerJSON

/// Writes answers: JSON for scripts (`--json`), readable lines for people.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func json(_ value: JSONValue) { line(CanonicalJSON.string(value)) }

    /// One line to standard error (a runtime error, `creditctl: CODE: MESSAGE`).
    static func errorLine(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func rawLine(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes + [UInt8(ascii: "\n")]))
    }

    /// A readable form of an object: `key: value` lines, nested objects indented.
    static func human(_ value: JSONValue, indent: String = "") {
        guard let members = value.objectValue else {
            line(indent + CanonicalJSON.string(value))
            return
        }
        for (key, member) in members {
            switch member {
            case .object:
                line("\(indent)\(key):")
                human(member, indent: indent + "  ")
            case let .string(text): line("\(indent)\(key): \(text)")
            default: line("\(indent)\(key): \(CanonicalJSON.string(member))")
            }
        }
    }

    /// One stored event as a short line: seq, date, kind, entity, eventId.
    static func summary(_ event: JSONValue) -> String {
        let seq = event["seq"].map { CanonicalJSON.string($0) } ?? "?"
        return "#\(seq) \(event["occurredOn"]?.stringValue ?? "") \(event["kind"]?.stringValue ?? "") \(event["entity"]?.stringValue ?? "") \(event["eventId"]?.stringValue ?? "")"
    }
}
