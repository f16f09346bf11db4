import Foundation
import LedgerJSON

/// The body schemas of every event kind, loaded from `Schemas/events/<kind>.json`.
public struct SchemaCatalogue: Sendable {
    let bodies: [EventKind: JSONSchema]
    /// Each kind's `examples` (bodies), for tests and documentation.
    public let examples: [EventKind: [JSONValue]]

    public enum LoadError: Error, CustomStringConvertible {
        case missing(kind: String, path: String)
        case unreadable(path: String, reason: String)

        public var description: String {
            switch self {
            case let .missing(kind, path): return "no schema for kind \(kind): \(path) is missing"
            case let .unreadable(path, reason): return "schema \(path): \(reason)"
            }
        }
    }

    /// Loads one schema per kind from `directory` (the `Schemas/events` folder).
    /// - Throws: `LoadError` naming the file and the reason; start-up must stop on it.
    public init(directory: String) throws(LoadError) {
        var bodies: [EventKind: JSONSchema] = [:]
        var examples: [EventKind: [JSONValue]] = [:]
        for kind in EventKind.allCases {
            let path = directory + "/" + kind.rawValue + ".json"
            guard let data = FileManager.default.contents(atPath: path) else { throw .missing(kind: kind.rawValue, path: path) }
            do {
                let value = try JSONParser.parse(Array(data))
                bodies[kind] = try JSONSchema(value)
                examples[kind] = value["examples"]?.arrayValue ?? []
                for (index, example) in (examples[kind] ?? []).enumerated() {
                    do { try bodies[kind]!.validate(example) } catch {
                        throw LoadError.unreadable(path: path, reason: "example \(index) does not validate: \(error)")
                    }
                }
            } catch let error as LoadError {
                throw error
            } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
        }
        self.bodies = bodies
        self.examples = examples
    }

    /// Checks `body` against the schema of `kind`.
    public func validate(body: JSONValue, kind: EventKind) throws(LedgerError) {
        guard let schema = bodies[kind] else { preconditionFailure("catalogue holds every kind") }
        try schema.validate(body)
    }

    /// The `Schemas` folder: `$CREDITLEDGER_SCHEMAS`, else `./Schemas` when present, else the
    /// one in the source tree this binary was built from.
    public static func defaultDirectory() -> String {
        if let configured = ProcessInfo.processInfo.environment["CREDITLEDGER_SCHEMAS"] { return configured }
        let local = FileManager.default.currentDirectoryPath + "/Schemas"
        if FileManager.default.fileExists(atPath: local + "/events") { return local }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return source.appendingPathComponent("Schemas").path
    }
}
