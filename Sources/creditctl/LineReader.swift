import ArgumentParser
import Foundation

/// The lines of a file or of standard input, read in chunks: memory is bounded by the
/// longest line, never by the input (`append`, `load`).
final class LineReader {
    /// Bytes read from the input at a time.
    static let chunkBytes = 1 << 20
    /// The longest line accepted by default (a stored record or an event is far shorter).
    static let defaultMaximumLineBytes = 16 << 20

    let name: String
    let maximumLineBytes: Int
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes after `start` already searched for a line break.
    private var scanned = 0
    private var ended = false
    /// The number of the line last returned (1-based).
    private(set) var lineNumber = 0

    /// Opens `path`; `nil` or `-` reads standard input.
    init(path: String?, maximumLineBytes: Int = LineReader.defaultMaximumLineBytes) throws {
        self.maximumLineBytes = maximumLineBytes
        if let path, path != "-" {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
            ownsDescriptor = true
            name = path
        } else {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            name = "standard input"
        }
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// The next line without its line break (a trailing `\r` removed), or `nil` at the end.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                scanned = 0
                lineNumber += 1
                return line
            }
            scanned = buffer.count - start
            guard scanned <= maximumLineBytes else {
                throw ValidationError("\(name): line \(lineNumber + 1) is longer than \(maximumLineBytes) bytes")
            }
            if ended {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                scanned = 0
                lineNumber += 1
                return line
            }
            // Drop what was returned before reading more: the buffer holds one line and a chunk at most.
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let previousCount = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: Self.chunkBytes))
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + previousCount, Self.chunkBytes) }
            let readError = errno
            if count < 0 {
                buffer.removeLast(Self.chunkBytes)
                if readError == EINTR { continue }
                throw ValidationError("\(name): \(String(cString: strerror(readError)))")
            }
            buffer.removeLast(Self.chunkBytes - count)
            if count == 0 { ended = true }
        }
    }

    /// True when `line` holds only white space.
    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
