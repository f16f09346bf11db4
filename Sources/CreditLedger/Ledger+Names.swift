import CreditDomain
import CreditProjection
import LedgerJSON
import LedgerStore

/// An entity found by its name: its code and its current profile name.
public struct NamedEntity: Sendable, Equatable {
    public let entity: EntityCode
    /// The name in the entity's latest `entity.profiled`, corrections applied.
    public let name: String

    public init(entity: EntityCode, name: String) {
        self.entity = entity
        self.name = name
    }
}

/// The name index: one view key per profiled entity, its current profile name's UTF-8 bytes
/// (the first ``Ledger/maximumIndexedNameBytes``), a 0 byte, and its code. Derived with the
/// stored projections (``Ledger/store(_:in:)``), cleared and
/// rebuilt with them, and checked by `rebuild --verify`.
extension Ledger {
    /// The most bytes of a name the index keeps (a name is at most 200 characters, up to 800
    /// bytes; LMDB keys are at most 511). 400 bytes hold 133 Chinese characters; a longer
    /// name is indexed, and matched, by its first 400 bytes, cut at a character boundary.
    public static let maximumIndexedNameBytes = 400
    /// The most entities one `find` answers.
    public static let maximumFindLimit = 100
    /// The entities a `find` answers unless asked otherwise.
    public static let defaultFindLimit = 20

    /// The index key of `name` for `code`, or `nil` for an empty name.
    static func nameKey(_ name: String, code: String) -> [UInt8]? {
        var bytes = Array(name.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes.count > maximumIndexedNameBytes {
            // Cut before a continuation byte's lead: never inside a character.
            var end = maximumIndexedNameBytes
            while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            bytes.removeSubrange(end...)
        }
        let key = bytes + [0] + Array(code.utf8)
        assert(key.count <= LogTransaction.maximumViewKeyBytes, "a name key fits an LMDB key")
        return key
    }

    /// The name bytes and code of an index key (the code follows the last 0 byte: a code
    /// never holds one, a name might).
    static func splitNameKey(_ key: UnsafeRawBufferPointer) throws -> (name: UnsafeRawBufferPointer, code: String) {
        guard let separator = key.lastIndex(of: 0), separator > 0, separator < key.count - 1 else {
            throw LedgerError(.internal, "a name index key has no name or no code")
        }
        return (UnsafeRawBufferPointer(rebasing: key[..<separator]), String(decoding: key[(separator + 1)...], as: UTF8.self))
    }

    /// Moves the entities whose current name changed in this commit in the name index: drops
    /// each one's old key and adds its new one. Runs in the writer's transaction, with the
    /// views.
    /// - Parameters:
    ///   - namesBefore: each entity whose name may have changed, with its name before the commit.
    ///   - folds: the entities' folds after the commit.
    static func updateNameIndex(_ namesBefore: [String: String?], folds: [String: EntityFold], in log: LogTransaction) throws {
        let body = bodyReader(in: log, batch: [])
        for (code, before) in namesBefore {
            guard let fold = folds[code] else { preconditionFailure("a renamed entity without its fold") }
            let after = try fold.profileName(body: body)
            guard after != before else { continue }
            if let before, let key = nameKey(before, code: code) {
                guard try log.removeViewKey(key) else { throw LedgerError(.internal, "the name index lacks \(code)'s previous name") }
            }
            if let after, let key = nameKey(after, code: code) { try log.addViewKey(key) }
        }
    }

    /// The entities whose current profile name contains `text`, in the order of their name's
    /// bytes, then their code; at most `limit`, and whether there were more.
    ///
    /// A scan of the stored name index: O(profiled entities) keys visited in one read
    /// snapshot, but no log reads — except for the entities renamed since the index was last
    /// stored (their names read from their current folds), a name longer than the index
    /// keeps, and a match stored by a persist not yet durable. Matching is an exact substring
    /// of the stored UTF-8 bytes: no Unicode normalisation, no case folding, no width folding
    /// (全角 and 半角 differ); a name is matched by its first ``maximumIndexedNameBytes``.
    /// - Parameters:
    ///   - text: what the name contains (non-empty).
    ///   - limit: 1 to ``maximumFindLimit``.
    /// - Throws: `unavailable` while the stored projections are being derived again (a
    ///   `rebuild`, or the catch-up after an upgrade): the index is incomplete then.
    public func entities(nameContaining text: String, limit: Int) throws -> (entities: [NamedEntity], more: Bool) {
        precondition((1...Self.maximumFindLimit).contains(limit) && !text.isEmpty)
        let needle = Array(text.utf8)
        // Renamed in memory before the snapshot, or after it (then stored, or not yet: either
        // way each one's name is read as of the snapshot).
        let renamedBefore = derivation.unstoredRenames()
        return try store.read { log in
            let viewsSeq = try log.viewsSeq()
            guard viewsSeq >= log.head.seq || derivation.isLive else {
                throw LedgerError(.unavailable, "the name index is being derived again (rebuild or catch-up after an upgrade): retry shortly")
            }
            let renamed = Set(renamedBefore + derivation.unstoredRenames())
            // The snapshot may hold a persist past its (durable) head: a match whose entity
            // changed in it is read back as of the head.
            let pastHead = viewsSeq > log.head.seq
            var found: [(key: [UInt8], entity: NamedEntity)] = []
            try log.forEachViewKey { key in
                let (nameBytes, code) = try Self.splitNameKey(key)
                guard !renamed.contains(code), Self.contains(nameBytes, needle) else { return true }
                var name = String(decoding: nameBytes, as: UTF8.self)
                if pastHead || nameBytes.count > Self.maximumIndexedNameBytes - 4 {
                    guard let current = try currentProfileName(code, in: log), Self.contains(current, needle) else { return true }
                    name = current
                }
                found.append((Array(key), NamedEntity(entity: try Self.entityCode(code), name: name)))
                return found.count <= limit
            }
            for code in renamed {
                // Matched by the part of the name the index would keep, as an indexed one.
                guard let name = try currentProfileName(code, in: log), let key = Self.nameKey(name, code: code),
                    try key.withUnsafeBytes({ Self.contains(try Self.splitNameKey($0).name, needle) })
                else { continue }
                found.append((key, NamedEntity(entity: try Self.entityCode(code), name: name)))
            }
            found.sort { $0.key.lexicographicallyPrecedes($1.key) }
            return (found.prefix(limit).map(\.entity), found.count > limit)
        }
    }

    /// The entity's current profile name as of the snapshot's (durable) head.
    func currentProfileName(_ code: String, in log: LogTransaction) throws -> String? {
        try currentFold(try Self.entityCode(code), in: log)?.profileName(body: Self.bodyReader(in: log, batch: []))
    }

    static func entityCode(_ code: String) throws -> EntityCode {
        guard let entity = try? EntityCode(validating: code) else { throw LedgerError(.internal, "the name index names '\(code)', not an entity code") }
        return entity
    }

    /// True when `haystack` holds the bytes of `needle` in a row.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        guard let first = needle.first else { return true }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// True when `text` holds the bytes of `needle` in a row.
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        Array(text.utf8).withUnsafeBytes { contains($0, needle) }
    }
}
