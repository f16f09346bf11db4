import CreditDomain
import Foundation
import LedgerJSON
import LedgerProtocol

/// What the fuzz target does with one input: the bytes as a JSON text (`JSONParser.parse`,
/// compared with an independent recogniser) and as a request line (`Request.parse`, the
/// server's first step on every line, before any role check); then, for an `append`, each
/// event through the checks the ledger makes before its write transaction
/// (`EventEnvelope.validate`: envelope, entity code, date, refs count, body schema from
/// `Schemas/events`, and the canonical content that is stored), and the parameters other
/// ops read (entity, dates, integers).
///
/// Beyond "no crash", every invariant below is checked with ``require(_:_:)``, which ends the
/// process with a message (libFuzzer saves the input as a crash).
enum LedgerFuzz {
    /// The validator of the ledger, on the schemas of the source tree (or
    /// `$CREDITLEDGER_SCHEMAS`), loaded once.
    static let envelope: EventEnvelope = {
        let directory = SchemaCatalogue.defaultDirectory() + "/events"
        do {
            return EventEnvelope(schemas: try SchemaCatalogue(directory: directory))
        } catch {
            fatalError("ledger-fuzz: cannot load the event schemas from \(directory): \(error)")
        }
    }()

    /// `LEDGER_FUZZ_VERBOSE=1`: say what became of each event (to check the seeds).
    static let verbose = ProcessInfo.processInfo.environment["LEDGER_FUZZ_VERBOSE"] != nil

    static func run(_ input: [UInt8]) {
        checkParser(input)
        checkRequest(input)
    }

    // MARK: - Invariants

    static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        guard !condition() else { return }
        let text = "ledger-fuzz: invariant broken (\(file):\(line)): \(message())\n"
        FileHandle.standardError.write(Data(text.utf8))
        abort()
    }

    static func show(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        return bytes.count > 300 ? text + "… (\(bytes.count) bytes)" : text
    }

    static func show(_ value: JSONValue) -> String { show(CanonicalJSON.encode(value)) }

    // MARK: - JSONParser

    /// The parser against the reference recogniser, and what an accepted value must be.
    static func checkParser(_ input: [UInt8]) {
        let reference = ReferenceJSON.recognise(input)
        do {
            let value = try JSONParser.parse(input)
            guard case let .accepted(facts) = reference else {
                return require(false, "JSONParser accepted what is not a JSON text: \(show(input))")
            }
            require(facts.maximumDepth <= JSONParser.maximumDepth, "JSONParser accepted nesting \(facts.maximumDepth) > \(JSONParser.maximumDepth)")
            require(!facts.hasOutOfRangeNumber, "JSONParser accepted a number out of a double's range")
            require(facts.maximumMembers <= JSONParser.maximumMembersPerObject, "JSONParser accepted \(facts.maximumMembers) members in one object")
            checkParsedValue(value, depth: 0)
            checkCanonicalRoundTrip(value)
            checkMemberLimit(input, facts: facts, unlimited: .success(value))
        } catch {
            if case let .accepted(facts) = reference { checkMemberLimit(input, facts: facts, unlimited: .failure(error)) }
            require((0...input.count).contains(error.offset), "error offset \(error.offset) outside 0...\(input.count): \(error)")
            guard case let .accepted(facts) = reference else { return }
            // A JSON text is refused only for the parser's own limits.
            switch error.reason {
            case .tooDeep: require(facts.maximumDepth > JSONParser.maximumDepth, "tooDeep at depth \(facts.maximumDepth): \(show(input))")
            case .numberOutOfRange: require(facts.hasOutOfRangeNumber, "numberOutOfRange for finite numbers: \(show(input))")
            case .tooManyMembers: require(facts.maximumMembers > JSONParser.maximumMembersPerObject, "tooManyMembers with \(facts.maximumMembers)")
            case .duplicateKey: require(input[error.offset] == UInt8(ascii: "\""), "duplicateKey not at a key: \(error)")
            default: require(false, "JSONParser refused a JSON text (\(error)): \(show(input))")
            }
        }
    }

    /// A small member limit, which fuzz inputs can reach (the default's 4096 members do not
    /// fit in one): refused for it exactly when an object has more, and otherwise the same
    /// outcome as without it.
    static let smallMemberLimit = 8

    static func checkMemberLimit(_ input: [UInt8], facts: ReferenceJSON.Facts, unlimited: Result<JSONValue, JSONParseError>) {
        do {
            let value = try JSONParser.parse(input, maximumMembers: smallMemberLimit)
            require(facts.maximumMembers <= smallMemberLimit, "\(facts.maximumMembers) members accepted with a limit of \(smallMemberLimit)")
            guard case let .success(other) = unlimited else { return require(false, "accepted only with a member limit") }
            require(CanonicalJSON.encode(value) == CanonicalJSON.encode(other), "a member limit changed the value")
        } catch {
            if error.reason == .tooManyMembers {
                require(facts.maximumMembers > smallMemberLimit, "tooManyMembers with \(facts.maximumMembers) ≤ \(smallMemberLimit) members")
                if case let .failure(other) = unlimited { require(error.offset <= other.offset, "the member limit found after \(other)") }
            } else {
                guard case let .failure(other) = unlimited else { return require(false, "refused only with a member limit: \(error)") }
                require(error == other, "another error with a member limit: \(error), not \(other)")
            }
        }
    }

    /// No object with two equal keys (by bytes, or by Swift's canonical equivalence, which
    /// is how members are looked up), no more members or nesting than the limits.
    static func checkParsedValue(_ value: JSONValue, depth: Int) {
        switch value {
        case let .array(elements):
            require(depth < JSONParser.maximumDepth, "a value nested deeper than \(JSONParser.maximumDepth)")
            for element in elements { checkParsedValue(element, depth: depth + 1) }
        case let .object(members):
            require(depth < JSONParser.maximumDepth, "a value nested deeper than \(JSONParser.maximumDepth)")
            require(members.count <= JSONParser.maximumMembersPerObject, "\(members.count) members")
            var keys = Set<String>()
            var keyBytes = Set<[UInt8]>()
            for (key, member) in members {
                require(keys.insert(key).inserted && keyBytes.insert(Array(key.utf8)).inserted, "duplicate key '\(key)' accepted")
                checkParsedValue(member, depth: depth + 1)
            }
        case let .double(double):
            require(double.isFinite, "a non-finite double")
        case let .string(string):
            require(String(validating: Array(string.utf8), as: UTF8.self) != nil, "a string that is not valid UTF-8")
        default:
            break
        }
    }

    /// The canonical bytes of `value` parse back to an equal value with the same canonical
    /// bytes (a hash over them is stable however often an event is re-read).
    static func checkCanonicalRoundTrip(_ value: JSONValue) {
        let canonical = CanonicalJSON.encode(value)
        do {
            let back = try JSONParser.parse(canonical)
            require(back == value, "canonical bytes read back to another value: \(show(canonical))")
            let again = CanonicalJSON.encode(back)
            require(again == canonical, "canonical form not stable: \(show(canonical)) then \(show(again))")
        } catch {
            require(false, "canonical bytes do not parse (\(error)): \(show(canonical))")
        }
    }

    // MARK: - Request.parse

    static func checkRequest(_ input: [UInt8]) {
        switch Request.parse(line: input) {
        case let .failure(failure):
            let allowed: Set<ErrorCode> = [.badJSON, .missingField, .invalidField, .unknownOp]
            require(allowed.contains(failure.error.code), "Request.parse failed with \(failure.error.code)")
            if failure.error.code == .unknownOp {
                let name = (try? JSONParser.parse(input.last == UInt8(ascii: "\r") ? Array(input.dropLast()) : input))?["op"]?.stringValue
                require(name != nil && LedgerOperation(name: name!) == nil, "unknown_op for a catalogued op \(name ?? "nil")")
            }
            if failure.error.code != .badJSON { require(failure.error.field == "op", "a missing or bad op names \(failure.error.field ?? "nil")") }
            checkErrorAnswer(id: failure.id, error: failure.error)
            // The same line without a trailing CR is what the parser read: bad_json there too.
            if failure.error.code == .badJSON {
                var stripped = input
                if stripped.last == UInt8(ascii: "\r") { stripped.removeLast() }
                if let value = try? JSONParser.parse(stripped) {
                    require(value.objectValue == nil, "bad_json for a JSON object")
                }
            }
        case let .success(request):
            checkParsedRequest(request)
        }
    }

    static func checkParsedRequest(_ request: Request) {
        require(request.parameters.objectValue != nil, "a request whose parameters are not an object")
        require(request.parameters["op"]?.stringValue == request.op, "op is not the member op")
        require(request.id == request.parameters["id"], "id is not the member id")

        // Re-encoded canonically, the request parses back to the same request.
        let line = CanonicalJSON.encode(request.parameters)
        switch Request.parse(line: line) {
        case let .success(again):
            require(Array(again.op.utf8) == Array(request.op.utf8), "op changed on re-encoding: \(request.op) → \(again.op)")
            require(again.id.map(CanonicalJSON.encode) == request.id.map(CanonicalJSON.encode), "id changed on re-encoding")
            require(again.parameters == request.parameters, "parameters changed on re-encoding: \(show(line))")
            require(CanonicalJSON.encode(again.parameters) == line, "canonical request not stable: \(show(line))")
        case let .failure(failure):
            require(false, "the canonical form of a request does not parse (\(failure.error)): \(show(line))")
        }

        // The id is echoed in answers: an answer line is JSON and carries the same id.
        let answer = Response.success(id: request.id, result: ["pong": true])
        require(answer.last == UInt8(ascii: "\n"), "answer without its newline")
        if let value = try? JSONParser.parse(answer.dropLast()) {
            require(value["id"].map(CanonicalJSON.encode) == CanonicalJSON.encode(request.id ?? .null), "id not echoed as sent")
        } else {
            require(false, "a success answer is not JSON: \(show(answer))")
        }

        if request.operation == .append { checkAppend(request) }
        checkCommonParameters(request)
    }

    /// An error answer line is one JSON object with `ok: false`, a known code, a message,
    /// the field when there is one, and the id as sent.
    static func checkErrorAnswer(id: JSONValue?, error: LedgerError) {
        require(!error.message.isEmpty, "an error without a message: \(error.code)")
        let answer = Response.failure(id: id, error: error)
        require(answer.last == UInt8(ascii: "\n"), "answer without its newline")
        guard let value = try? JSONParser.parse(answer.dropLast()) else { return require(false, "an error answer is not JSON: \(show(answer))") }
        require(value["ok"] == .bool(false), "an error answer without ok:false")
        guard let code = value["error"]?["code"]?.stringValue else { return require(false, "an error answer without a code: \(show(answer))") }
        require(ErrorCode(rawValue: code) == error.code, "error code \(code) is not \(error.code.rawValue)")
        require(value["error"]?["message"]?.stringValue == error.message, "error message altered")
        require(value["error"]?["field"]?.stringValue == error.field, "error field altered")
        require(value["id"].map(CanonicalJSON.encode) == CanonicalJSON.encode(id ?? .null), "id not echoed as sent")
    }

    // MARK: - Append: event validation

    /// What `Operations.append` and `Ledger.prepare` do before the write transaction.
    static func checkAppend(_ request: Request) {
        if let versions = request["expectedVersion"]?.objectValue {
            for (entity, count) in versions where count.intValue.map({ $0 >= 0 }) ?? false {
                do {
                    let code = try EntityCode(validating: entity)
                    checkEntity(code)
                } catch {
                    if verbose { print("expectedVersion.\(entity): refused: \(error)") }
                    let prefixed = error.prefixed("expectedVersion.\(entity)")
                    require(error.code == .invalidEntity, "expectedVersion key refused with \(error.code)")
                    checkErrorAnswer(id: request.id, error: prefixed)
                }
            }
        }
        guard let events = request["events"]?.arrayValue else { return }
        for (index, value) in events.enumerated() {
            checkEvent(value, index: index, id: request.id)
        }
    }

    static func checkEvent(_ value: JSONValue, index: Int, id: JSONValue?) {
        let event: CreditEvent
        let warnings: [String]
        do {
            (event, warnings) = try envelope.validate(value)
        } catch {
            if verbose { print("events[\(index)]: refused: \(error)") }
            let prefixed = error.prefixed("events[\(index)]")
            require(prefixed.field.flatMap(LedgerError.eventIndex(inField:)) == index, "the error names no event: \(prefixed)")
            require(error.code != .internal, "an event refused with an internal error: \(error)")
            checkErrorAnswer(id: id, error: prefixed)
            return
        }
        if verbose { print("events[\(index)]: accepted \(event.eventId) (\(event.kind.rawValue))") }
        // What the envelope promises.
        require(CivilDate.plausibleRange.contains(event.occurredOn), "occurredOn \(event.occurredOn) outside the plausible range")
        if let birth = event.entity.birthDate { require(birth <= event.occurredOn, "a person born after the event") }
        require(!event.eventId.isEmpty && event.eventId.utf8.count <= EventEnvelope.maximumEventIdBytes, "eventId out of bounds")
        require(event.refs.count <= event.kind.refRule.maximum && event.refs.count >= event.kind.refRule.minimum, "refs count")
        require(Set(event.refs).count == event.refs.count, "repeated refs accepted")
        checkEntity(event.entity)
        if let code = event.source["authorityCode"] {
            let text = code.stringValue ?? ""
            require((try? EntityCode(validating: text))?.code == text, "authorityCode \(text) stored out of normal form")
        }

        // The stored content: canonical, parses back to the normal form, reads back as the
        // same event, and validates again to the same content (a resubmission of the stored
        // form is a duplicate, not a conflict).
        let content = event.canonicalContent()
        let normal: JSONValue
        do {
            normal = try JSONParser.parse(content)
        } catch {
            return require(false, "an event's canonical content does not parse (\(error)): \(show(content))")
        }
        require(normal == event.normalised, "canonical content reads back to another value")
        require(CanonicalJSON.encode(normal) == content, "an event's canonical content is not stable")
        do {
            let stored = try CreditEvent(stored: normal)
            require(stored.canonicalContent() == content, "a stored event reads back with other content")
        } catch {
            require(false, "a stored event does not read back (\(error)): \(show(content))")
        }
        do {
            let (again, againWarnings) = try envelope.validate(normal)
            require(again.canonicalContent() == content, "the normal form validates to other content: \(show(again.canonicalContent()))")
            require(againWarnings == warnings, "the normal form validates with other warnings")
        } catch {
            require(false, "the normal form of an accepted event is refused (\(error)): \(show(content))")
        }
        do {
            let (lowered, loweredWarnings) = try envelope.validate(lowercasingCodes(value))
            require(lowered.canonicalContent() == content, "lower-case codes give other content: \(show(lowered.canonicalContent()))")
            require(loweredWarnings == warnings, "lower-case codes give other warnings")
        } catch {
            require(false, "the event is refused with its codes in lower case (\(error)): \(show(content))")
        }
    }

    /// `event` with its entity and authority codes in lower case (codes are case-insensitive).
    static func lowercasingCodes(_ event: JSONValue) -> JSONValue {
        guard case let .object(members) = event else { return event }
        return .object(members.map { name, value in
            switch (name, value) {
            case let ("entity", .string(code)): return (name, .string(code.lowercased()))
            case let ("source", .object(source)):
                return (name, .object(source.map { key, member in
                    guard key == "authorityCode", let code = member.stringValue else { return (key, member) }
                    return (key, .string(code.lowercased()))
                }))
            default: return (name, value)
            }
        })
    }

    /// A valid code is upper case, 18 ASCII characters, and validates to itself.
    static func checkEntity(_ entity: EntityCode) {
        let bytes = Array(entity.code.utf8)
        require(bytes.count == 18 && bytes.allSatisfy { $0 < 0x80 && !(97...122).contains($0) }, "entity code '\(entity.code)' not 18 upper-case ASCII")
        do {
            let again = try EntityCode(validating: entity.code)
            require(again == entity, "entity code \(entity.code) validates to another value")
        } catch {
            require(false, "a valid entity code \(entity.code) is refused on revalidation: \(error)")
        }
        require(entity.masked.utf8.count == 18, "masked code of another length")
    }

    // MARK: - Other ops' parameters

    /// The parameters the read ops take from a request (LedgerServer's `Operations` reads
    /// them with these functions): entity, dates, integers.
    static func checkCommonParameters(_ request: Request) {
        if request["entity"] != nil {
            do {
                checkEntity(try request.entity())
            } catch {
                require([.invalidEntity, .missingField, .invalidField].contains(error.code) && error.field == "entity", "entity refused as \(error)")
                checkErrorAnswer(id: request.id, error: error)
            }
        }
        for name in ["at", "from", "to"] {
            guard let text = request[name]?.stringValue, let date = CivilDate(text) else { continue }
            require(date.description == text, "date \(text) reads as \(date)")
            require(CivilDate(date.description) == date, "date \(date) does not read back")
            require(CivilDate(dayNumber: date.dayNumber) == date, "day number of \(date) does not read back")
        }
        for name in ["seq", "from", "limit", "knownAt"] {
            do {
                if let value = try request.integer(name, in: 0...Int64.max) { require(value >= 0, "negative \(name)") }
            } catch {
                require(error.code == .invalidField && error.field == name, "\(name) refused as \(error)")
                checkErrorAnswer(id: request.id, error: error)
            }
        }
    }
}
