import Foundation

extension LogStore {
    /// Why a data directory cannot receive a restored store.
    public struct RestoreRefusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Copies this store (a backup, opened read-only and verified by the caller) into the data
    /// directory `directory`, for a daemon to start on.
    ///
    /// `directory` must be missing or empty, and no process may hold its writer lock (a daemon
    /// running on it is refused by name). The writer lock is held from before the copy until
    /// the copy is verified, so no daemon starts on a half-restored directory. The directory is
    /// made private (0700), the data file is 0600 and flushed with its directory; on any
    /// failure the files made here are removed again.
    /// - Parameter verify: checks the copy (opened read-only) before the lock is given up;
    ///   a throw undoes the restore.
    /// - Returns: the copy's event log head.
    /// - Throws: ``RestoreRefusal`` for a directory that cannot receive it; the copy's errors.
    public func restore<Report>(into directory: String, verify: (LogStore) throws -> Report) throws -> (head: LogHead, report: Report) {
        let existed = FileManager.default.fileExists(atPath: directory)
        let lockPath = directory + "/" + Self.writerLockName
        let lockExisted = FileManager.default.fileExists(atPath: lockPath)
        func takeLock() throws -> ExclusiveLock {
            do {
                return try ExclusiveLock(path: lockPath)
            } catch let .held(_, holder) {
                throw RestoreRefusal(description: "\(directory) is in use by a daemon (\(holder)): stop it first, and restore into an empty directory")
            } catch {
                throw RestoreRefusal(description: "\(error)")
            }
        }
        func refuseUnlessEmpty() throws {
            let contents = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != Self.writerLockName }
            guard contents.isEmpty else {
                throw RestoreRefusal(description: "\(directory) is not empty (\(contents.sorted().prefix(5).joined(separator: ", "))): restore only into an empty or new directory")
            }
        }
        // Look before touching anything: a directory in use or holding files is left as it is.
        if existed {
            if lockExisted { _ = try takeLock() }
            try refuseUnlessEmpty()
        }
        try PrivateFiles.directory(directory)
        let lock = try takeLock()
        try refuseUnlessEmpty()
        var made = [directory + "/data.mdb", directory + "/lock.mdb"]
        if !lockExisted { made.append(lockPath) }
        do {
            try environment.copy(to: directory)
            try PrivateFiles.seal(directory + "/data.mdb")
            let copy = try LogStore(directory: directory, readOnly: true)
            try PrivateFiles.storeFiles(in: directory)
            let report = try verify(copy)
            let head = try copy.head()
            withExtendedLifetime(lock) {}
            return (head, report)
        } catch {
            for path in made { try? FileManager.default.removeItem(atPath: path) }
            if !existed { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
    }
}
