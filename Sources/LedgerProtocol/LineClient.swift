import Foundation
import LedgerJSON

/// A blocking client of the line protocol over a Unix socket (for tools and tests).
public final class LineClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Bytes after `bufferStart` already searched for `\n` (a long line is not searched again).
    private var scanned = 0

    /// Connects to the daemon's socket.
    public init(socketPath: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw Failure(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(description: "cannot connect to \(socketPath): \(reason) (is creditledgerd running?)")
        }
    }

    deinit { close(descriptor) }

    /// Makes reads fail after `seconds` without data (tests use it so a hang is a failure).
    public func setReceiveTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends bytes as they are (a line should end in `\n`).
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a daemon that closed the connection is an error here, not a SIGPIPE
            // that ends the calling process.
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "write: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Sends one request object as a line.
    public func send(_ request: JSONValue) throws {
        var bytes = CanonicalJSON.encode(request)
        bytes.append(UInt8(ascii: "\n"))
        try send(bytes)
    }

    /// The next line without its `\n`, or `nil` when the daemon closed the connection.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let newline = buffer[(bufferStart + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[bufferStart..<newline])
                bufferStart = newline + 1
                scanned = 0
                if bufferStart > 65_536 {
                    buffer.removeFirst(bufferStart)
                    bufferStart = 0
                }
                return line
            }
            scanned = buffer.count - bufferStart
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return nil }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// The next line, parsed.
    public func readValue() throws -> JSONValue {
        guard let line = try readLine() else { throw Failure(description: "the daemon closed the connection") }
        return try JSONParser.parse(line)
    }

    /// Sends `request` and waits for its answer.
    public func call(_ request: JSONValue) throws -> JSONValue {
        try send(request)
        return try readValue()
    }

    /// Shuts down the sending side; the daemon still answers what it has.
    public func finishSending() { shutdown(descriptor, Int32(SHUT_WR)) }
}
