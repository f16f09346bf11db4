import Foundation
import LedgerStore

/// The socket path, claimed by one daemon at a time (issue 11): a lock file beside it is held
/// for the daemon's life, and a socket that still accepts connections is never replaced.
/// Only a stale socket file (nobody listening: a crash) is removed before binding.
enum SocketPath {
    /// Why the path cannot be used.
    enum Failure: Error, CustomStringConvertible {
        case served(String)
        case notASocket(String)
        case locked(String)
        case group(String)

        var description: String {
            switch self {
            case let .served(path): "\(path) is served by another running daemon; stop it first or choose another socketPath"
            case let .notASocket(path): "\(path) exists and is not a socket; refusing to replace it"
            case let .locked(reason): "the socket path is taken: \(reason)"
            case let .group(reason): reason
            }
        }
    }

    /// Takes the lock beside `path` and removes a stale socket file there.
    /// - Returns: the lock, to keep for as long as the socket is served.
    static func claim(_ path: String) throws -> ExclusiveLock {
        let lock: ExclusiveLock
        do { lock = try ExclusiveLock(path: path + ".lock") } catch { throw Failure.locked("\(error)") }
        var status = stat()
        guard lstat(path, &status) == 0 else { return lock }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else { throw Failure.notASocket(path) }
        // A daemon of a version without the lock file may still be listening: ask the socket.
        // Only a refused connection means nobody listens; anything else is not proof of that.
        switch probe(path) {
        case 0: throw Failure.served(path)
        case ECONNREFUSED: unlink(path)
        case let reason: throw Failure.locked("cannot tell whether \(path) is served (\(String(cString: strerror(reason)))); refusing to replace it")
        }
        return lock
    }

    /// 0 when a connection to the socket at `path` succeeds, else the `errno` of the attempt
    /// (non-blocking: a full backlog answers EAGAIN, never a hang).
    static func probe(_ path: String) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return ENAMETOOLONG }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        return connected ? 0 : errno
    }
}
