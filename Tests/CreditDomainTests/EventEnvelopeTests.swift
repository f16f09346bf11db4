import Foundation
import LedgerJSON
import Testing

@testable import CreditDomain

let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Schemas/events").path

func penalty(_ changes: [(String, JSONValue)] = [], body: JSONValue? = nil) -> JSONValue {
    var members: [(String, JSONValue)] = [
        ("eventId", "p-1"), ("kind", "penalty.imposed"), ("entity", "91110000600037341L"), ("occurredOn", "2024-05-10"),
        ("source", ["authority": "北京市朝阳区市场监督管理局"]),
        ("body", body ?? [
            "decisionNo": "京朝市监罚〔2024〕123号", "procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 20000]],
            "violation": "销售过期食品", "legalBasis": "食品安全法第一百二十四条",
        ]),
    ]
    for (name, value) in changes {
        members.removeAll { $0.0 == name }
        if !value.isNull { members.append((name, value)) }
    }
    return .object(members)
}

@Suite struct EventEnvelopeTests {
    let envelope = EventEnvelope(schemas: try! SchemaCatalogue(directory: schemaDirectory))

    @Test func acceptsAndNormalisesAValidEvent() throws {
        let (event, warnings) = try envelope.validate(penalty([("entity", "91110000600037341l")]))
        #expect(event.entity.code == "91110000600037341L")
        #expect(event.refs.isEmpty)
        #expect(warnings.isEmpty)
        let canonical = String(decoding: event.canonicalContent(), as: UTF8.self)
        #expect(canonical.hasPrefix(#"{"body":{"decisionNo""#))
        #expect(canonical.contains(#""refs":[]"#))
    }

    struct EnvelopeCase: Sendable, CustomStringConvertible {
        let name: String
        let value: JSONValue
        let code: ErrorCode
        let field: String
        var description: String { "\(name) → \(code.rawValue) at \(field)" }
    }

    /// Each row: one member of a valid event replaced (null removes it), the error code,
    /// and the field the error must name.
    static let envelopeCases: [EnvelopeCase] = [
        EnvelopeCase(name: "eventId", value: .null, code: .missingField, field: "eventId"),
        EnvelopeCase(name: "eventId", value: .int(5), code: .invalidField, field: "eventId"),
        EnvelopeCase(name: "eventId", value: .string(String(repeating: "x", count: 129)), code: .invalidField, field: "eventId"),
        EnvelopeCase(name: "kind", value: .string("penalty.cancelled"), code: .unknownKind, field: "kind"),
        EnvelopeCase(name: "entity", value: .string("91110000600037341N"), code: .invalidEntity, field: "entity"),
        EnvelopeCase(name: "occurredOn", value: .string("2024-02-30"), code: .invalidField, field: "occurredOn"),
        EnvelopeCase(name: "source", value: .null, code: .missingField, field: "source"),
        EnvelopeCase(name: "source", value: .object([("authority", .string(""))]), code: .invalidField, field: "source.authority"),
        EnvelopeCase(name: "source", value: .object([("authority", .string("x")), ("extra", .int(1))]), code: .invalidField, field: "source.extra"),
        EnvelopeCase(name: "refs", value: .array([.string("a")]), code: .invalidField, field: "refs"),
        EnvelopeCase(name: "extra", value: .int(1), code: .invalidField, field: "extra"),
        EnvelopeCase(name: "body", value: .null, code: .missingField, field: "body"),
    ]

    @Test(arguments: envelopeCases)
    func refusesABadEnvelopeNamingTheField(row: EnvelopeCase) {
        do {
            _ = try envelope.validate(penalty([(row.name, row.value)]))
            Issue.record("accepted")
        } catch {
            #expect(error.code == row.code)
            #expect(error.field == row.field, "\(error)")
        }
    }

    @Test func refusesAPersonBornAfterTheEvent() {
        // 110101199003074477: born 1990-03-07.
        do {
            _ = try envelope.validate(penalty([("entity", "110101199003074477"), ("occurredOn", "1990-03-06")]))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidEntity)
            #expect(error.field == "entity")
            #expect(error.message.contains("1990-03-07") && error.message.contains("1990-03-06"), "\(error.message)")
        }
    }

    @Test func acceptsAPersonBornOnTheDayOfTheEvent() throws {
        let (event, warnings) = try envelope.validate(penalty([("entity", "110101199003074477"), ("occurredOn", "1990-03-07")]))
        #expect(event.entity.kind == .naturalPerson && event.entity.birthDate == CivilDate("1990-03-07"))
        #expect(warnings.isEmpty)
    }

    @Test func passesOnTheEntityCodesWarnings() throws {
        let (_, warnings) = try envelope.validate(penalty([("entity", "110199199003071001")]))
        #expect(warnings.count == 1 && warnings[0].hasPrefix("region: "), "\(warnings)")
    }

    struct BodyCase: Sendable, CustomStringConvertible {
        let body: JSONValue
        let field: String
        var description: String { field }
    }

    static func body(_ measures: JSONValue, procedure: String = "simple", extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([
            ("decisionNo", .string("x")), ("procedure", .string(procedure)), ("measures", measures),
            ("violation", .string("v")), ("legalBasis", .string("b")),
        ] + extra)
    }

    static let warningOnly: JSONValue = .array([.object([("type", .string("warning"))])])

    static let bodyCases: [BodyCase] = [
        BodyCase(body: .object([("procedure", .string("ordinary"))]), field: "decisionNo"),
        BodyCase(body: body(warningOnly, procedure: "odd"), field: "procedure"),
        BodyCase(body: body(.array([])), field: "measures"),
        BodyCase(body: body(.array([.object([("type", .string("fine"))])])), field: "measures[0].amountYuan"),
        BodyCase(body: body(.array([.object([("type", .string("warning")), ("amountYuan", .int(5))])])), field: "measures[0]"),
        BodyCase(body: body(.array([.object([("type", .string("fine")), ("amountYuan", .int(-1))])])), field: "measures[0].amountYuan"),
        BodyCase(body: body(warningOnly, extra: [("publishedOn", .string("2024-02-30"))]), field: "publishedOn"),
        BodyCase(body: body(warningOnly, extra: [("colour", .string("red"))]), field: "colour"),
    ]

    @Test(arguments: bodyCases)
    func refusesABadBodyNamingTheField(row: BodyCase) {
        do {
            _ = try envelope.validate(penalty(body: row.body))
            Issue.record("accepted")
        } catch {
            #expect(error.field == "body." + row.field, "\(error)")
        }
    }

    @Test func enforcesRefCounts() {
        let exit: JSONValue = [
            "eventId": "x-1", "kind": "list.exited", "entity": "91110000600037341L", "occurredOn": "2025-01-01",
            "source": ["authority": "a"], "body": ["reason": "other"],
        ]
        #expect(throws: LedgerError.self) { try envelope.validate(exit) }
        var members = exit.objectValue!
        members.append(("refs", ["l-1"]))
        #expect(throws: Never.self) { try envelope.validate(.object(members)) }
    }

    @Test func everySchemaExampleValidates() throws {
        let catalogue = try SchemaCatalogue(directory: schemaDirectory)
        for kind in EventKind.allCases {
            let examples = catalogue.examples[kind] ?? []
            #expect(!examples.isEmpty, "\(kind.rawValue) has no example")
            for example in examples { try catalogue.validate(body: example, kind: kind) }
        }
    }

    @Test func refusesASchemaWithAnUnsupportedKeyword() {
        #expect(throws: JSONSchema.LoadError.self) { try JSONSchema(["type": "string", "pattern": "^a"]) }
        #expect(throws: JSONSchema.LoadError.self) { try JSONSchema(["type": "strange"]) }
    }
}
