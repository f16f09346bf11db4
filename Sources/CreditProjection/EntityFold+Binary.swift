import CreditDomain
import LedgerJSON

/// The stored form of a fold: a compact binary layout (LEB128 numbers, length-prefixed UTF-8
/// strings, dates as day numbers), decoded and encoded on every append of the entity, so
/// it must be cheap. Deterministic: dictionaries are written in key order, so equal folds
/// are equal bytes (`rebuild --verify` compares them). ``json`` stays for reading by people.
extension EntityFold {
    /// The layout's version, first byte of every stored fold.
    public static let binaryFormat: UInt8 = 3

    public var encoded: [UInt8] {
        var out = FoldWriter()
        out.bytes.reserveCapacity(64 + basis.count * 40 + records.count * 48)
        out.byte(Self.binaryFormat)
        out.string(entity.code)
        out.number(lastSeq)
        out.date(latestOccurredOn)
        out.list(basis) { $0.string($1) }
        out.optional(profile) { $0.record($1) }
        out.list(grades) { out, grade in
            out.number(grade.seq)
            out.string(grade.eventId)
            out.date(grade.validUntil)
        }
        out.date(deregisteredOn)
        out.list(records) { $0.record($1) }
        out.keyed(corrections) { out, list in
            out.list(list) { out, correction in
                out.string(correction.by)
                out.string(CanonicalJSON.string(correction.fields))
            }
        }
        out.keyed(revokedBy) { $0.string($1) }
        out.keyed(fulfilledOn) { $0.date($1) }
        out.keyed(licenceEnds) { out, list in out.list(list) { $0.ending($1) } }
        out.list(commitments) { out, commitment in
            out.string(commitment.eventId)
            out.string(commitment.type)
            out.date(commitment.dueOn)
            out.string(commitment.outcome.rawValue)
            out.optional(commitment.outcomeBy) { $0.string($1) }
        }
        out.list(listings) { out, listing in
            out.string(listing.eventId)
            out.string(listing.list)
            out.date(listing.since)
            out.date(listing.termUntil)
            out.list(listing.basis) { $0.string($1) }
            out.optional(listing.exit) { $0.ending($1) }
            out.optional(listing.exitAfterRestore) { $0.ending($1) }
        }
        out.list(bans) { out, ban in
            out.string(ban.eventId)
            out.string(ban.scope)
            out.date(ban.since)
            out.date(ban.termUntil)
            out.byte(ban.permanent ? 1 : 0)
            out.optional(ban.lift) { $0.ending($1) }
        }
        out.list(objections) { out, objection in
            out.string(objection.eventId)
            out.string(objection.target)
            out.date(objection.on)
            out.byte(objection.effective ? 1 : 0)
            out.date(objection.resolvedOn)
        }
        out.list(applications) { out, application in
            out.string(application.eventId)
            out.string(application.target)
            out.date(application.on)
            out.string(application.channel.rawValue)
            out.date(application.acceptedOn)
            out.optional(application.decidedBy) { $0.string($1) }
            out.date(application.extendedOn)
            out.date(application.decidedOn)
        }
        out.list(grants) { out, grant in
            out.string(grant.eventId)
            out.string(grant.application)
            out.date(grant.on)
        }
        out.list(fraud) { out, fraud in
            out.number(fraud.seq)
            out.string(fraud.eventId)
            out.string(fraud.grant)
            out.date(fraud.on)
        }
        out.list(shieldings) { out, shielding in
            out.string(shielding.eventId)
            out.date(shielding.since)
            out.optional(shielding.end) { $0.ending($1) }
        }
        out.keyed(spotCheckLinks) { out, links in out.list(links) { $0.string($1) } }
        return out.bytes
    }

    /// Reads a stored fold back.
    public init(encoded bytes: some Collection<UInt8>) throws(LedgerError) {
        var reader = FoldBinaryReader(bytes: Array(bytes))
        guard (try? reader.byte()) == Self.binaryFormat else { throw LedgerError(.internal, "a stored projection has an unknown format") }
        do {
            try self.init(reading: &reader)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.internal, "a stored projection is damaged: \(error)")
        }
        guard reader.atEnd else { throw LedgerError(.internal, "a stored projection has trailing bytes") }
    }

    private init(reading r: inout FoldBinaryReader) throws {
        self.init(entity: try EntityCode(validating: try r.string()))
        lastSeq = try r.number()
        latestOccurredOn = try r.optionalDate()
        basis = try r.list { try $0.string() }
        profile = try r.optional { try $0.record() }
        grades = try r.list { GradeFact(seq: try $0.number(), eventId: try $0.string(), validUntil: try $0.optionalDate()) }
        deregisteredOn = try r.optionalDate()
        records = try r.list { try $0.record() }
        corrections = try r.keyed { try $0.list { Correction(by: try $0.string(), fields: try JSONParser.parse(try $0.string())) } }
        revokedBy = try r.keyed { try $0.string() }
        fulfilledOn = try r.keyed { try $0.requiredDate() }
        licenceEnds = try r.keyed { try $0.list { try $0.ending() } }
        commitments = try r.list {
            let eventId = try $0.string(), type = try $0.string(), dueOn = try $0.optionalDate()
            guard let outcome = CommitmentState.Outcome(rawValue: try $0.string()) else { throw LedgerError(.internal, "commitment outcome") }
            return CommitmentState(eventId: eventId, type: type, dueOn: dueOn, outcome: outcome, outcomeBy: try $0.optional { try $0.string() })
        }
        listings = try r.list {
            ListingFact(
                eventId: try $0.string(), list: try $0.string(), since: try $0.requiredDate(), termUntil: try $0.optionalDate(),
                basis: try $0.list { try $0.string() }, exit: try $0.optional { try $0.ending() }, exitAfterRestore: try $0.optional { try $0.ending() })
        }
        bans = try r.list {
            BanFact(
                eventId: try $0.string(), scope: try $0.string(), since: try $0.requiredDate(), termUntil: try $0.optionalDate(),
                permanent: try $0.byte() == 1, lift: try $0.optional { try $0.ending() })
        }
        objections = try r.list {
            ObjectionFact(eventId: try $0.string(), target: try $0.string(), on: try $0.requiredDate(), effective: try $0.byte() == 1, resolvedOn: try $0.optionalDate())
        }
        applications = try r.list {
            ApplicationFact(
                eventId: try $0.string(), target: try $0.string(), on: try $0.requiredDate(),
                channel: try Channel(rawValue: $0.string()).orThrow($0.damaged("application channel")), acceptedOn: try $0.optionalDate(),
                decidedBy: try $0.optional { try $0.string() }, extendedOn: try $0.optionalDate(), decidedOn: try $0.optionalDate())
        }
        grants = try r.list { GrantFact(eventId: try $0.string(), application: try $0.string(), on: try $0.requiredDate()) }
        fraud = try r.list { FraudFact(seq: try $0.number(), eventId: try $0.string(), grant: try $0.string(), on: try $0.requiredDate()) }
        shieldings = try r.list { ShieldingFact(eventId: try $0.string(), since: try $0.requiredDate(), end: try $0.optional { try $0.ending() }) }
        spotCheckLinks = try r.keyed { try $0.list { try $0.string() } }
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

private struct FoldWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func number(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func string(_ value: String) {
        number(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// 0 for none, else the day number + 1 (days since 1970, zigzag: dates before 1970 exist).
    mutating func date(_ value: CivilDate?) {
        guard let value else { return number(0) }
        let day = Int64(value.dayNumber)
        number(UInt64(bitPattern: (day << 1) ^ (day >> 63)) + 1)
    }

    mutating func optional<T>(_ value: T?, _ write: (inout FoldWriter, T) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        write(&self, value)
    }

    mutating func list<T>(_ values: [T], _ write: (inout FoldWriter, T) -> Void) {
        number(UInt64(values.count))
        for value in values { write(&self, value) }
    }

    mutating func keyed<T>(_ values: [String: T], _ write: (inout FoldWriter, T) -> Void) {
        number(UInt64(values.count))
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            string(key)
            write(&self, value)
        }
    }

    mutating func record(_ fact: EntityFold.RecordFact) {
        number(fact.seq)
        string(fact.eventId)
        string(fact.kind.rawValue)
        date(fact.occurredOn)
        byte(fact.negative ? 1 : 0)
        string(fact.windowFields)
    }

    mutating func ending(_ ending: EntityFold.Ending) {
        date(ending.on)
        string(ending.by)
        optional(ending.reason) { $0.string($1) }
    }
}

private struct FoldBinaryReader {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    func damaged(_ what: String) -> LedgerError { LedgerError(.internal, "a stored projection is damaged: \(what)") }

    mutating func byte() throws -> UInt8 {
        guard index < bytes.count else { throw damaged("it ends early") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func number() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw damaged("a number is too long") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func string() throws -> String {
        let count = Int(try number())
        guard count <= bytes.count - index else { throw damaged("a string runs past the end") }
        defer { index += count }
        let start = index
        return try bytes.withUnsafeBufferPointer { all in
            let slice = UnsafeBufferPointer(rebasing: all[start..<(start + count)])
            // ASCII needs no validation (which costs a generic metadata lookup per string).
            if !slice.contains(where: { $0 >= 0x80 }) { return String(decoding: slice, as: UTF8.self) }
            guard let text = String(validating: slice, as: UTF8.self) else { throw damaged("a string is not UTF-8") }
            return text
        }
    }

    mutating func optionalDate() throws -> CivilDate? {
        let stored = try number()
        guard stored > 0 else { return nil }
        let zigzag = stored - 1
        let day = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        return CivilDate(dayNumber: Int(day))
    }

    mutating func requiredDate() throws -> CivilDate {
        guard let date = try optionalDate() else { throw damaged("a date is missing") }
        return date
    }

    mutating func optional<T>(_ read: (inout FoldBinaryReader) throws -> T) throws -> T? {
        switch try byte() {
        case 0: return nil
        case 1: return try read(&self)
        default: throw damaged("a presence flag")
        }
    }

    mutating func list<T>(_ read: (inout FoldBinaryReader) throws -> T) throws -> [T] {
        let count = Int(try number())
        guard count <= bytes.count - index else { throw damaged("a list is longer than the bytes") }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }

    mutating func keyed<T>(_ read: (inout FoldBinaryReader) throws -> T) throws -> [String: T] {
        let count = Int(try number())
        guard count <= bytes.count - index else { throw damaged("a map is longer than the bytes") }
        var values: [String: T] = [:]
        for _ in 0..<count {
            let key = try string()
            values[key] = try read(&self)
        }
        return values
    }

    mutating func record() throws -> EntityFold.RecordFact {
        let seq = try number(), eventId = try string()
        guard let kind = EventKind(rawValue: try string()) else { throw damaged("record kind") }
        var fact = EntityFold.RecordFact(seq: seq, eventId: eventId, kind: kind, occurredOn: try requiredDate(), negative: try byte() == 1)
        fact.windowFields = try string()
        return fact
    }

    mutating func ending() throws -> EntityFold.Ending {
        EntityFold.Ending(on: try requiredDate(), by: try string(), reason: try optional { try $0.string() })
    }
}
