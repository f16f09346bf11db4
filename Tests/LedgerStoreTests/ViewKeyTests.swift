import Foundation
import Logging
import Testing

@testable import LedgerStore

/// The view keys: secondary keys the log's user derives with its views, in byte order,
/// cleared with the views, kept across a reopen.
@Suite struct ViewKeyTests {
    let logger = Logger(label: "test")

    /// Every view key, in the order the store visits them.
    static func keys(_ store: LogStore) throws -> [[UInt8]] {
        try store.read { log in
            var keys: [[UInt8]] = []
            try log.forEachViewKey { key in
                keys.append(Array(key))
                return true
            }
            return keys
        }
    }

    @Test func viewKeysAreVisitedInByteOrderRemovedAndClearedWithTheViews() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try LogStore(directory: directory.path, mapSizeBytes: 64 << 20)
            let writer = GroupCommitWriter(store: store, logger: logger)
            let names = ["北京某某", "AB", "ABC", "上海"].map { Array($0.utf8) + [0] + Array("CODE".utf8) }
            try commit(writer) { log in
                _ = try log.append(id: "a", stream: "s", content: content(1))
                for key in names { try log.addViewKey(key) }
                try log.addViewKey(names[0])  // again: nothing changes
                try log.setViewsSeq(1)
            }
            // A shorter name sorts before a longer one it begins (the 0 byte sorts first).
            #expect(try Self.keys(store) == names.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(try Self.keys(store).first == Array("AB".utf8) + [0] + Array("CODE".utf8))
            #expect(try store.read { try $0.viewKeyCount() } == 4)
            let removed = try commit(writer) { log in (try log.removeViewKey(names[1]), try log.removeViewKey(names[1])) }
            #expect(removed == (true, false))
            #expect(try Self.keys(store).count == 3)
            // From a start key: the keys at or after it.
            let from = try store.read { log in
                var keys: [[UInt8]] = []
                try log.forEachViewKey(from: Array("B".utf8)) { key in
                    keys.append(Array(key))
                    return true
                }
                return keys
            }
            #expect(from.count == 2)
            writer.shutdown()
            store.releaseWriterLock()
        }
        // Reopened: the keys are still there; cleared with the views.
        let store = try LogStore(directory: directory.path, mapSizeBytes: 64 << 20)
        #expect(try Self.keys(store).count == 3)
        let writer = GroupCommitWriter(store: store, logger: logger)
        defer { writer.shutdown() }
        try commit(writer) { try $0.clearViews() }
        #expect(try Self.keys(store).isEmpty)
        #expect(try store.read { try $0.viewsSeq() } == 0)
    }
}
