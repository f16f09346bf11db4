import CreditDomain
import Foundation
import LedgerJSON
import LedgerStore

/// Where one chain stood at a checkpoint.
public struct ChainPoint: Sendable, Equatable {
    public let seq: UInt64
    public let hashHex: String

    var json: JSONValue { ["seq": .int(Int64(seq)), "hash": .string(hashHex)] }
}

/// Both chains' durable heads, published outside the store (issue 11): a line in an
/// append-only, flushed file in another directory, and a log line. Whoever can rewrite the
/// LMDB file cannot make the checkpoints already written agree with a truncated or rewritten
/// log: `verify` with the checkpoints finds it.
public struct Checkpoint: Sendable, Equatable {
    public let events: ChainPoint
    public let access: ChainPoint
    public let writtenAt: String

    var json: JSONValue { ["events": events.json, "access": access.json, "writtenAt": .string(writtenAt)] }

    init(events: ChainPoint, access: ChainPoint, writtenAt: String) {
        self.events = events
        self.access = access
        self.writtenAt = writtenAt
    }

    init?(_ value: JSONValue) {
        func point(_ name: String) -> ChainPoint? {
            guard let seq = value[name]?["seq"]?.intValue, seq >= 0, let hash = value[name]?["hash"]?.stringValue, hash.utf8.count == 64 else { return nil }
            return ChainPoint(seq: UInt64(seq), hashHex: hash)
        }
        guard let events = point("events"), let access = point("access"), let writtenAt = value["writtenAt"]?.stringValue else { return nil }
        self.init(events: events, access: access, writtenAt: writtenAt)
    }
}

/// The checkpoint file: JSON Lines, only ever appended to, each line flushed before the
/// next commit is checkpointed.
public enum CheckpointFile {
    /// Why the file cannot be used.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Appends `checkpoint` as one line and flushes it (and the directory, when the file is new).
    public static func append(_ checkpoint: Checkpoint, to path: String) throws {
        let existed = FileManager.default.fileExists(atPath: path)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, PrivateFiles.fileMode)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        // A line a crash (or a full disk) cut short is cut off, so the next one starts a line.
        let end = lseek(descriptor, 0, SEEK_END)
        if end > 0 {
            var last: UInt8 = 0
            if pread(descriptor, &last, 1, end - 1) == 1, last != UInt8(ascii: "\n"),
                let data = FileManager.default.contents(atPath: path)
            {
                let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
                guard ftruncate(descriptor, off_t(keep)) == 0 else { throw Failure(description: "cannot repair \(path): \(String(cString: strerror(errno)))") }
            }
        }
        var line = CanonicalJSON.encode(checkpoint.json) + [UInt8(ascii: "\n")]
        while !line.isEmpty {
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            line.removeFirst(written)
        }
        guard fsync(descriptor) == 0 else { throw Failure(description: "cannot flush \(path): \(String(cString: strerror(errno)))") }
        if !existed { try PrivateFiles.seal(path) }
    }

    /// The furthest point each chain reached in `checkpoints` (nil when there are none).
    public static func latest(_ checkpoints: [Checkpoint]) -> (events: ChainPoint, access: ChainPoint)? {
        guard let last = checkpoints.last else { return nil }
        return (checkpoints.map(\.events).max { $0.seq < $1.seq } ?? last.events, checkpoints.map(\.access).max { $0.seq < $1.seq } ?? last.access)
    }

    /// The checkpoints in `path`, oldest first (none when it does not exist). A last line cut
    /// short by a crash is left out; any other unreadable line is an error.
    public static func read(_ path: String) throws -> [Checkpoint] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // The last piece is empty after a whole last line, or a line a crash cut short.
        lines.removeLast()
        return try lines.enumerated().map { index, line in
            guard let value = try? JSONParser.parse(line), let checkpoint = Checkpoint(value) else {
                throw Failure(description: "\(path) line \(index + 1) is not a checkpoint")
            }
            return checkpoint
        }
    }
}

extension LogStore {
    /// Both chains' durable heads now.
    public func checkpoint(writtenAtMilliseconds: Int64) throws -> Checkpoint {
        try read { log in
            let access = try log.accessLog().head
            return Checkpoint(
                events: ChainPoint(seq: log.head.seq, hashHex: log.head.hashHex), access: ChainPoint(seq: access.seq, hashHex: access.hashHex),
                writtenAt: Timestamp.format(millisecondsSinceEpoch: writtenAtMilliseconds))
        }
    }

    /// `verify` against the checkpoint file at `path`: `ok`, `checkpoints` (lines checked),
    /// `file`, and `problem` when the store disagrees.
    public func checkpointReport(file path: String) throws -> JSONValue {
        let checkpoints = try CheckpointFile.read(path)
        let problem = try disagreement(with: checkpoints)
        return .object(
            [("ok", .bool(problem == nil)), ("checkpoints", .int(Int64(checkpoints.count))), ("file", .string(path))]
                + (problem.map { [("problem", .string($0))] } ?? []))
    }

    /// `nil` when the store agrees with every checkpoint: each chain reaches the seq the
    /// checkpoint names, with the hash it names there, and checkpoints never go back.
    /// Otherwise what is wrong, naming the checkpoint's line.
    /// - Parameter asCopy: the store is a copy (a backup) taken before the latest checkpoints:
    ///   a checkpoint past its head is no disagreement (those records are simply not in the
    ///   copy; ``CheckpointFile/latest(_:)`` tells how far the original went), but every
    ///   checkpoint up to its head must name its record's hash.
    public func disagreement(with checkpoints: [Checkpoint], asCopy: Bool = false) throws -> String? {
        try read { log in
            let chains: [(String, LogTransaction, KeyPath<Checkpoint, ChainPoint>)] = [("events", log, \.events), ("access", try log.accessLog(), \.access)]
            for (name, chain, point) in chains {
                var previous: UInt64 = 0
                for (index, checkpoint) in checkpoints.enumerated() {
                    let expected = checkpoint[keyPath: point]
                    guard expected.seq >= previous else {
                        return "checkpoint line \(index + 1) puts the \(name) log back from seq \(previous) to \(expected.seq): the checkpoint file was altered"
                    }
                    previous = expected.seq
                    guard expected.seq > 0 else { continue }
                    guard expected.seq <= chain.head.seq else {
                        if asCopy { continue }
                        return "the \(name) log ends at seq \(chain.head.seq) but checkpoint line \(index + 1) (\(checkpoint.writtenAt)) saw seq \(expected.seq): the log was truncated"
                    }
                    guard let record = try chain.record(seq: expected.seq) else {
                        return "the \(name) log has no record \(expected.seq) named by checkpoint line \(index + 1)"
                    }
                    guard record.hashHex == expected.hashHex else {
                        return "\(name) record \(expected.seq) has hash \(record.hashHex) but checkpoint line \(index + 1) (\(checkpoint.writtenAt)) saw \(expected.hashHex): the log was rewritten"
                    }
                }
            }
            return nil
        }
    }
}
