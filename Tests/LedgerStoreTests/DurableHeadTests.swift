import Foundation
import Logging
import Testing

@testable import LedgerStore

/// Issue 11, item 8: readers never see (nor cite) a commit that is not yet flushed.
@Suite struct DurableHeadTests {
    @Test func aReaderSeesNothingPastTheDurableHead() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try LogStore(directory: directory.path, mapSizeBytes: 64 << 20)
        let writer = GroupCommitWriter(store: store, logger: Logger(label: "test"))
        for n in 1...3 { _ = try commit(writer) { try $0.append(id: "e-\(n)", stream: "s", content: content(n)) } }
        writer.shutdown()
        #expect(try store.head().seq == 3)

        // A view bounded at seq 2, as while commit 3 waits for its flush.
        let second = try store.read { $0.head.seq == 3 ? try $0.records(from: 2, limit: 1).first : nil }
        let bound = DurableHeads()
        bound.markDurable([LogDatabases.Key.head: LogHead(seq: 2, hash: try #require(second).hash, recordedAtMilliseconds: 0)])
        let transaction = try LMDBTransaction(environment: store.environment, parent: nil, readOnly: true)
        defer { transaction.abort() }
        let view = try LogTransaction(transaction: transaction, databases: store.databases, recordedAtMilliseconds: nil, durableHeads: bound)
        #expect(view.head.seq == 2)
        #expect(try view.record(seq: 3) == nil && view.record(seq: 2) != nil)
        #expect(try view.records(from: 1, limit: 10).map(\.seq) == [1, 2])
        #expect(try view.lookup(id: "e-3") == nil && view.lookup(id: "e-2")?.seq == 2)
        #expect(try view.seqs(stream: "s") == [1, 2] && view.lastSeq(stream: "s") == 2)
        #expect(try view.recordCount() == 2)
        #expect(try view.withRecordContent(seq: 3) { _, _ in true } == nil)
        // A head never moves back.
        bound.markDurable([LogDatabases.Key.head: LogHead(seq: 1, hash: [UInt8](repeating: 0, count: 32), recordedAtMilliseconds: 0)])
        #expect(bound.head(LogDatabases.Key.head)?.seq == 2)
    }
}
