import CLMDB

/// A failure reported by LMDB, with the operation that failed.
public struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// LMDB's return code (`MDB_MAP_FULL`, an `errno` …).
    public let code: Int32
    /// What the store was doing.
    public let operation: String

    public var description: String {
        "\(operation): \(String(cString: mdb_strerror(code))) (\(code))"
    }

    /// The map (the store's size limit) is full: appends must wait for more space.
    public var isMapFull: Bool { code == MDB_MAP_FULL }

    /// Throws unless `code` is `MDB_SUCCESS`.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if code != MDB_SUCCESS { throw LMDBError(code: code, operation: operation()) }
    }
}
