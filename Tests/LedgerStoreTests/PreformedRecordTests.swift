import Foundation
import Logging
import Testing

@testable import LedgerStore

/// Records formed elsewhere (an export being loaded, later a leader's records on a follower)
/// stored byte for byte, and refused when they do not chain.
@Suite struct PreformedRecordTests {
    let logger = Logger(label: "test")

    /// A store with `count` records appended at a fixed clock, and its records.
    func source(_ directory: TemporaryDirectory, count: Int) throws -> [StoredRecord] {
        let store = try LogStore(directory: directory.path + "/source", mapSizeBytes: 64 << 20)
        let writer = GroupCommitWriter(store: store, logger: logger, clock: { 1_700_000_000_000 })
        defer { writer.shutdown() }
        for n in 1...count { _ = try commit(writer) { try $0.append(id: "id-\(n)", stream: "s\(n % 3)", content: content(n)) } }
        _ = try commit(writer) { try $0.accessLog().append(id: "access", stream: "access", content: content(99)) }
        return try store.read { try $0.records(from: 1, limit: 100) }
    }

    @Test func aCopiedRecordIsStoredAndReadBackByteForByte() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let records = try source(directory, count: 5)
        let target = try LogStore(directory: directory.path + "/target", mapSizeBytes: 64 << 20)
        // Another clock: nothing of the copy may come from it.
        let writer = GroupCommitWriter(store: target, logger: logger, clock: { 1_800_000_000_000 })
        defer { writer.shutdown() }
        _ = try commit(writer, weight: records.count) { log in
            for record in records { try log.appendPreformed(record, id: "id-\(record.seq)", stream: "s\(record.seq % 3)") }
        }
        #expect(try target.read { try $0.records(from: 1, limit: 100) } == records)
        #expect(try target.head().hash == records.last?.hash)
        #expect(try target.read { try $0.seqs(stream: "s1") } == [1, 4])
        #expect(try target.read { try $0.lookup(id: "id-3")?.seq } == 3)
        #expect(try target.verify().ok)
    }

    @Test func aRecordThatDoesNotChainIsRefusedBeforeAnythingIsWritten() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let records = try source(directory, count: 3)
        let target = try LogStore(directory: directory.path + "/target", mapSizeBytes: 64 << 20)
        let writer = GroupCommitWriter(store: target, logger: logger)
        defer { writer.shutdown() }
        func refusal(_ record: StoredRecord) -> String? {
            do {
                _ = try commit(writer) { try $0.appendPreformed(record, id: "x", stream: "s") }
                return nil
            } catch let LogError.notChained(_, reason) {
                return reason
            } catch {
                return "\(error)"
            }
        }
        // Record 2 first: not the next seq.
        #expect(refusal(records[1])?.contains("seq 1 is next") == true)
        _ = try commit(writer) { try $0.appendPreformed(records[0], id: "id-1", stream: "s1") }
        // A changed byte in the content: the hash says so.
        var changed = records[1].canonical
        changed[changed.count - 3] ^= 1
        #expect(refusal(StoredRecord(seq: 2, hash: records[1].hash, canonical: changed)) == "hash does not match the record's bytes")
        // A record of another chain (same seq, another prevHash).
        let other = try StoredRecord(
            seq: 2, recordedAt: "2023-11-14T22:13:20.000Z", prevHashHex: String(repeating: "1", count: 64), content: content(2),
            hashHex: String(repeating: "2", count: 64))
        #expect(refusal(other)?.hasPrefix("prevHash") == true)
        // recordedAt going back.
        let header = RecordHeader.encode(seq: 2, recordedAt: "2020-01-01T00:00:00.000Z", prevHashHex: records[0].hashHex)
        let earlier = header + content(2).dropFirst()
        #expect(refusal(StoredRecord(seq: 2, hash: Digest.sha256(earlier), canonical: earlier))?.contains("recordedAt") == true)
        #expect(try target.head().seq == 1, "nothing of a refused record stays")
        _ = try commit(writer) { try $0.appendPreformed(records[1], id: "id-2", stream: "s2") }
        #expect(try target.verify().ok && (try target.head().hash) == records[1].hash)
    }

    @Test func aRecordIsFormedFromItsPartsAsAClientSeesThem() throws {
        #expect(throws: LogError.self) {
            try StoredRecord(seq: 1, recordedAt: "2026-01-01T00:00:00Z", prevHashHex: String(repeating: "0", count: 64), content: content(1), hashHex: String(repeating: "0", count: 64))
        }
        #expect(throws: LogError.self) {
            try StoredRecord(seq: 1, recordedAt: "2026-01-01T00:00:00.000Z", prevHashHex: String(repeating: "A", count: 64), content: content(1), hashHex: String(repeating: "0", count: 64))
        }
        let record = try StoredRecord(
            seq: 7, recordedAt: "2026-01-01T00:00:00.000Z", prevHashHex: String(repeating: "0", count: 64), content: content(1), hashHex: String(repeating: "ab", count: 32))
        #expect(record.header?.seq == 7 && record.hashHex == String(repeating: "ab", count: 32))
        #expect(String(decoding: record.jsonWithHash(), as: UTF8.self).hasPrefix(#"{"seq":7,"recordedAt":"2026-01-01T00:00:00.000Z","prevHash":"#))
    }

    @Test func aBackupIsRestoredIntoAnEmptyDirectoryOnly() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        _ = try source(directory, count: 4)
        let backup = try LogStore(directory: directory.path + "/source", readOnly: true)
        let restored = try backup.restore(into: directory.path + "/restored") { try $0.verify() }
        #expect(restored.head.seq == 4 && restored.report.ok)
        #expect(throws: LogStore.RestoreRefusal.self) { try backup.restore(into: directory.path + "/restored") { _ in () } }
        // A verification that fails undoes the restore.
        struct Refused: Error {}
        #expect(throws: Refused.self) { try backup.restore(into: directory.path + "/undone") { _ in throw Refused() } }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/undone"))
    }
}
