import Foundation

/// Files that hold personal data are private to the daemon's user, whatever the umask
/// (issue 11): directories 0700, files 0600, and copies flushed with their directory.
public enum PrivateFiles {
    /// Mode of a directory holding a store, a backup or an export.
    public static let directoryMode: mode_t = 0o700
    /// Mode of a store file, a backup's data file or an export.
    public static let fileMode: mode_t = 0o600
    /// The files LMDB keeps in a data directory.
    static let storeFiles = ["data.mdb", "lock.mdb"]

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates `path` (and missing parents) as a private directory, or makes an existing one
    /// private; refuses a directory another user owns.
    public static func directory(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { throw Failure(description: "\(path) is not a directory") }
        guard status.st_uid == geteuid() else {
            throw Failure(description: "\(path) belongs to uid \(status.st_uid), not to this user (uid \(geteuid())): choose a directory of your own")
        }
        try restrict(path, to: directoryMode)
    }

    /// Makes the store files in `directory` private (files made under another umask, or by an
    /// older version, included).
    public static func storeFiles(in directory: String) throws {
        for name in storeFiles where FileManager.default.fileExists(atPath: directory + "/" + name) {
            try restrict(directory + "/" + name, to: fileMode)
        }
    }

    /// Makes `path` private, flushes it, then flushes its directory (a backup or an export is
    /// durable once this returns). A device or a pipe (`/dev/null`, `/dev/stdout`) is left as
    /// it is: it holds nothing, and a root process must not change its mode.
    public static func seal(_ path: String) throws {
        guard try isRegularFile(path) else { return }
        try restrict(path, to: fileMode)
        try flush(path)
        try flush(parent(of: path))
    }

    /// True when `path` is a regular file (not a device, a pipe or a socket).
    static func isRegularFile(_ path: String) throws -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Failure(description: "cannot look at \(path): \(String(cString: strerror(errno)))") }
        return (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Opens `path` to write an export or a report into: created private (0600) or truncated,
    /// in place — never replaced through a rename, so a device (`/dev/null`) stays one.
    public static func openOutput(_ path: String) throws -> FileHandle {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        if try isRegularFile(path) { try restrict(path, to: fileMode) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes `bytes` to a new private file at `path` and seals it.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        try seal(path)
    }

    /// The directory holding `path` ("." for a bare name).
    public static func parent(of path: String) -> String {
        // Not NSString.deletingLastPathComponent: Foundation on Linux traps on a one-character
        // name without a slash (`--data-dir d` crashed the daemon, `--output e` creditctl).
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        var parent = trimmed[..<slash]
        while parent.hasSuffix("/") { parent.removeLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    static func restrict(_ path: String, to mode: mode_t) throws {
        guard chmod(path, mode) == 0 else { throw Failure(description: "cannot make \(path) private: \(String(cString: strerror(errno)))") }
    }

    static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path) to flush it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(description: "cannot flush \(path): \(String(cString: strerror(errno)))") }
    }
}
