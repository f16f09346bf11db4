import CreditDomain
import Foundation
import LedgerJSON
import LedgerServer
import LedgerStore
import Logging

/// Everything the daemon reads at start: flags over the config file over the embedded default.
struct DaemonConfiguration {
    var dataDirectory = "var/data"
    var socketPath = "var/ledger.sock"
    var socketMode: UInt16 = 0o660
    var schemaDirectory = SchemaCatalogue.defaultDirectory()
    var mapSizeBytes = LogStore.defaultMapSizeBytes
    var maximumConnections = 1024
    var maximumLineBytes = 1 << 20
    var maximumPipelinedRequests = 1024
    var maximumQueuedAppends = 8192
    var logLevel = Logger.Level.info

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Applies a JSON config file (`Deploy/config.example.json` shows every key).
    mutating func apply(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read config file \(path)") }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch { throw Invalid(description: "config \(path): \(error)") }
        guard let members = value.objectValue else { throw Invalid(description: "config \(path): must be a JSON object") }
        for (key, member) in members {
            func string() throws -> String {
                guard let text = member.stringValue else { throw Invalid(description: "config \(path): \(key) must be a string") }
                return text
            }
            func integer() throws -> Int {
                guard let number = member.intValue, number > 0 else { throw Invalid(description: "config \(path): \(key) must be a positive integer") }
                return Int(number)
            }
            switch key {
            case "dataDirectory": dataDirectory = try string()
            case "socketPath": socketPath = try string()
            case "socketMode":
                guard let mode = UInt16(try string(), radix: 8), mode <= 0o777 else { throw Invalid(description: "config \(path): socketMode must be octal, e.g. \"0660\"") }
                socketMode = mode
            case "schemaDirectory": schemaDirectory = try string()
            case "mapSizeBytes": mapSizeBytes = try integer()
            case "maximumConnections": maximumConnections = try integer()
            case "maximumLineBytes": maximumLineBytes = try integer()
            case "maximumPipelinedRequests": maximumPipelinedRequests = try integer()
            case "maximumQueuedAppends": maximumQueuedAppends = try integer()
            case "logLevel":
                guard let level = Logger.Level(rawValue: try string()) else { throw Invalid(description: "config \(path): logLevel must be trace, debug, info, notice, warning, error or critical") }
                logLevel = level
            default:
                throw Invalid(description: "config \(path): unknown key '\(key)'")
            }
        }
    }

    var server: ServerConfiguration {
        var configuration = ServerConfiguration(socketPath: socketPath)
        configuration.socketMode = socketMode
        configuration.maximumConnections = maximumConnections
        configuration.maximumLineBytes = maximumLineBytes
        configuration.maximumPipelinedRequests = maximumPipelinedRequests
        return configuration
    }
}
