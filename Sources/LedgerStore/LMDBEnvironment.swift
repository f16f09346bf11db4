import CLMDB
import Foundation

/// An open LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// Opened with `MDB_NOTLS` so a read transaction is not tied to its thread's slot, and with
/// `MDB_NOMETASYNC`: a commit flushes its data pages (fdatasync) and writes the new meta
/// page without a flush of its own. LMDB keeps its integrity in this mode; the meta page
/// becomes durable with the next commit's flush (same file) or with ``sync()``. The writer
/// answers a commit only after that (see ``GroupCommitWriter``), so one flush per commit
/// suffices under load instead of two.
final class LMDBEnvironment: @unchecked Sendable {
    let handle: OpaquePointer

    /// The most named databases one environment holds (the store opens five: `log.records`,
    /// `log.index`, `log.views`, `log.keys`, `access.records`).
    static let maximumDatabases: UInt32 = 16
    /// The longest key LMDB takes (`mdb_env_get_maxkeysize` of liblmdb built with its
    /// default `MDB_MAXKEYSIZE`).
    static let maximumKeyBytes = 511
    /// The most concurrent read transactions (LMDB's reader table size).
    static let maximumReaders: UInt32 = 1024

    init(directory: String, mapSizeBytes: Int, readOnly: Bool) throws(LMDBError) {
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, Self.maximumDatabases), "mdb_env_set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(env, Self.maximumReaders), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_mapsize(env, mapSizeBytes), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS) | UInt32(MDB_NOMETASYNC)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            try LMDBError.check(mdb_env_open(env, directory, flags, PrivateFiles.fileMode), "mdb_env_open \(directory)")
        } catch {
            // Closed here, once: `handle` is set only on success, so no deinit runs for a
            // failed open (setting it first closed the environment twice: a double free).
            mdb_env_close(env)
            throw error
        }
        handle = env
    }

    deinit { mdb_env_close(handle) }

    /// Opens (creating when `create`) the named database; call once, at start-up.
    func openDatabase(_ name: String, create: Bool) throws(LMDBError) -> MDB_dbi {
        let txn = try LMDBTransaction(environment: self, parent: nil, readOnly: !create)
        var dbi: MDB_dbi = 0
        do {
            try LMDBError.check(mdb_dbi_open(txn.handle, name, create ? UInt32(MDB_CREATE) : 0, &dbi), "mdb_dbi_open \(name)")
            try txn.commit()
        } catch {
            txn.abort()
            throw error
        }
        return dbi
    }

    /// Flushes everything committed so far to stable storage (fdatasync).
    func sync() throws(LMDBError) {
        try LMDBError.check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }

    /// Copies the environment to `directory` with compaction, consistent while writers run.
    func copy(to directory: String) throws(LMDBError) {
        try LMDBError.check(mdb_env_copy2(handle, directory, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2 \(directory)")
    }

    /// The size of the data file's used part: last used page times page size.
    func usedBytes() -> Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(handle, &info)
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// The configured map size (the most the data file may grow to).
    func mapSizeBytes() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }
}

/// One LMDB transaction. Not thread-safe: use it on one thread, then commit or abort it.
final class LMDBTransaction {
    private(set) var handle: OpaquePointer?

    init(environment: LMDBEnvironment, parent: LMDBTransaction?, readOnly: Bool) throws(LMDBError) {
        var txn: OpaquePointer?
        try LMDBError.check(
            mdb_txn_begin(environment.handle, parent?.handle, readOnly ? UInt32(MDB_RDONLY) : 0, &txn),
            "mdb_txn_begin")
        handle = txn
    }

    deinit {
        if let handle { mdb_txn_abort(handle) }
    }

    func commit() throws(LMDBError) {
        guard let txn = handle else { preconditionFailure("transaction already finished") }
        handle = nil
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit")
    }

    func abort() {
        if let txn = handle { mdb_txn_abort(txn) }
        handle = nil
    }

    /// The value under `key`, copied out, or `nil` when absent.
    func get(_ dbi: MDB_dbi, _ key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try withValue(dbi, key) { $0.map { Array($0) } }
    }

    /// Calls `body` with the bytes under `key` (valid only inside `body`), or `nil`.
    func withValue<R>(_ dbi: MDB_dbi, _ key: [UInt8], _ body: (UnsafeRawBufferPointer?) -> R) throws(LMDBError) -> R {
        var keyCopy = key
        let code: Int32
        var value = MDB_val()
        code = keyCopy.withUnsafeMutableBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            return mdb_get(handle, dbi, &keyVal, &value)
        }
        if code == MDB_NOTFOUND { return body(nil) }
        try LMDBError.check(code, "mdb_get")
        return body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// Stores `value` under `key`; `append` asserts the key sorts after every existing key.
    /// - Parameters:
    ///   - append: the key sorts after every key of `dbi` (`MDB_APPEND`).
    ///   - noOverwrite: fail with `MDB_KEYEXIST` when the key is there (`MDB_NOOVERWRITE`).
    /// - Returns: false when `noOverwrite` found the key there (nothing written).
    @discardableResult
    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8], append: Bool = false, noOverwrite: Bool = false) throws(LMDBError) -> Bool {
        let flags = (append ? UInt32(MDB_APPEND) : 0) | (noOverwrite ? UInt32(MDB_NOOVERWRITE) : 0)
        // mdb_put only reads the key and the value (no MDB_RESERVE): no copies needed.
        let code = key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var valueVal = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_put(handle, dbi, &keyVal, &valueVal, flags)
            }
        }
        if noOverwrite && code == MDB_KEYEXIST { return false }
        try LMDBError.check(code, "mdb_put")
        return true
    }

    /// Visits entries in key order from the first key ≥ `start`; `body` returns false to stop.
    func scan(
        _ dbi: MDB_dbi, from start: [UInt8],
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var startCopy = start
        var key = MDB_val()
        var value = MDB_val()
        // LMDB refuses an empty key: an empty start means the first entry.
        var code = startCopy.isEmpty
            ? mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            : startCopy.withUnsafeMutableBytes { startBytes in
                key = MDB_val(mv_size: startBytes.count, mv_data: startBytes.baseAddress)
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
        while code == MDB_SUCCESS {
            let keyBytes = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            let valueBytes = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            guard try body(keyBytes, valueBytes) else { return }
            code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        if code != MDB_NOTFOUND { try LMDBError.check(code, "mdb_cursor_get") }
    }

    /// The greatest key that starts with `prefix`, or `nil` (one cursor seek and one step back).
    func lastKey(_ dbi: MDB_dbi, prefix: [UInt8]) throws(LMDBError) -> [UInt8]? {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(handle, dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        // The first key after every key with the prefix: the prefix followed by 0xFF bytes.
        var beyond = prefix + [UInt8](repeating: 0xFF, count: 16)
        var key = MDB_val()
        var value = MDB_val()
        var code = beyond.withUnsafeMutableBytes { bytes in
            key = MDB_val(mv_size: bytes.count, mv_data: bytes.baseAddress)
            return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
        }
        code = code == MDB_SUCCESS ? mdb_cursor_get(cursor, &key, &value, MDB_PREV) : mdb_cursor_get(cursor, &key, &value, MDB_LAST)
        if code == MDB_NOTFOUND { return nil }
        try LMDBError.check(code, "mdb_cursor_get")
        let found = Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
        return found.starts(with: prefix) ? found : nil
    }

    /// Deletes the entry under `key`.
    /// - Returns: false when there was none.
    @discardableResult
    func delete(_ dbi: MDB_dbi, _ key: [UInt8]) throws(LMDBError) -> Bool {
        let code = key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_del(handle, dbi, &keyVal, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try LMDBError.check(code, "mdb_del")
        return true
    }

    /// Deletes every entry of a database (keeping the database).
    func drop(_ dbi: MDB_dbi) throws(LMDBError) {
        try LMDBError.check(mdb_drop(handle, dbi, 0), "mdb_drop")
    }

    /// The number of entries in a database.
    func count(_ dbi: MDB_dbi) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(handle, dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }
}
