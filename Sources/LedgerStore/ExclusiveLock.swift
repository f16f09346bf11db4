import Foundation

/// An exclusive, advisory lock held on a file for as long as this value lives: one daemon per
/// data directory and per socket path (issue 11). `flock` locks belong to the open file, so
/// the kernel releases them when the process ends, however it ends; a stale lock file is
/// harmless. The holder's pid is written into the file for the message of the one refused.
public final class ExclusiveLock: @unchecked Sendable {
    /// Why the lock was not taken.
    public enum Failure: Error, CustomStringConvertible {
        /// Another process holds it.
        case held(path: String, holder: String)
        /// The lock file could not be opened.
        case unavailable(path: String, reason: String)

        public var description: String {
            switch self {
            case let .held(path, holder): "\(path) is locked by another process (\(holder))"
            case let .unavailable(path, reason): "cannot open the lock file \(path): \(reason)"
            }
        }
    }

    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock on `path` (created 0600 when missing) without waiting.
    /// - Throws: ``Failure/held(path:holder:)`` when another open file holds it.
    public init(path: String) throws(Failure) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, PrivateFiles.fileMode)
        guard descriptor >= 0 else { throw .unavailable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var holder = [UInt8](repeating: 0, count: 32)
            let count = read(descriptor, &holder, holder.count)
            close(descriptor)
            guard reason == EWOULDBLOCK else { throw .unavailable(path: path, reason: String(cString: strerror(reason))) }
            let pid = count > 0 ? String(decoding: holder[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw .held(path: path, holder: pid.isEmpty ? "pid unknown" : "pid \(pid)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Who holds the lock on `path` now ("pid N"), or `nil` when no one does (then the lock
    /// is taken and given up at once).
    public static func holder(of path: String) -> String? {
        do {
            _ = try ExclusiveLock(path: path)
            return nil
        } catch {
            guard case let .held(_, holder) = error else { return nil }
            return holder
        }
    }
}
