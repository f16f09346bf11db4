import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

/// Invariants of the per-channel rules over random histories (legal or not).
@Suite struct ChannelPropertyTests {
    static let seeds: [UInt64] = Array(1...48)
    static let dates = ["2020-06-30", "2024-02-29", "2026-01-31", "2026-12-01", "2029-06-30"].map { CivilDate($0)! }

    /// A termed measure keeps its penalty shown to the term's end on every channel, whatever
    /// later events do — only a revocation, deregistration (GSXT, Order 107 Art. 20) or
    /// bankruptcy shielding takes it off sooner (NDRC Order 36 Art. 12; SAMR Order 107 Art. 8).
    @Test func noChannelEndsATermedPenaltyBeforeItsTerm() {
        var checked = 0
        for seed in Self.seeds {
        let events = HistoryGenerator.history(seed: seed &* 7919, count: 80)
        for at in Self.dates {
            let state = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
            for record in state.records where record.kind == .penaltyImposed && !record.revoked {
                guard let termEnd = PenaltyFacts(body: record.body, decidedOn: record.occurredOn).termEnd else { continue }
                for (channel, window) in record.windows where window.from != nil {
                    guard ![.revoked, .deregistered, .shielded].contains(window.endReason) else { continue }
                    let end = [window.until, window.resumed?.upperBound].compactMap { $0 }.max()
                    #expect(end.map { $0 >= termEnd } ?? true, "\(record.eventId) on \(channel): ends \(String(describing: end)) before its term \(termEnd) (\(window.rules))")
                    checked += 1
                }
            }
        }
        }
        #expect(checked > 100, "the histories gave too few termed penalties: \(checked)")
    }

    /// GSXT never takes an Order 107 Art. 8(3) penalty off display early: no repair, no
    /// listing exit ends it; it shows its 3 years unless revoked, deregistered or shielded.
    @Test func gsxtNeverEndsAnArticle8_3PenaltyEarly() {
        let unrepairable: Set<String> = ["license-revocation", "closure", "qualification-downgrade"]
        let order107 = CivilDate("2025-12-25")!
        var checked = 0
        for seed in Self.seeds {
        let events = HistoryGenerator.history(seed: seed &* 104_729, count: 80, from: order107, years: 2)
        for at in Self.dates {
            let state = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
            for record in state.records where record.kind == .penaltyImposed && !record.revoked && record.occurredOn >= order107 {
                let facts = PenaltyFacts(body: record.body, decidedOn: record.occurredOn)
                guard !facts.measureTypes.isDisjoint(with: unrepairable), let window = record.windows[.gsxt], let from = window.from else { continue }
                #expect(window.repairableFrom == nil)
                checked += 1
                guard ![.revoked, .deregistered, .shielded].contains(window.endReason) else { continue }
                #expect(window.endReason != .repaired && window.endReason != .listExit, "\(record.eventId): \(window.rules)")
                #expect((window.until ?? from) >= from.adding(months: 36), "\(record.eventId) ends \(String(describing: window.until))")
            }
        }
        }
        #expect(checked > 10, "the histories gave too few Art. 8(3) penalties: \(checked)")
    }

    /// Public answers (display on each channel, the report) never show a resident ID number
    /// whole: not the entity's, not one written into free text, not a legal representative's.
    @Test(arguments: seeds)
    func aPublicAnswerNeverContainsAFullResidentIdNumber(seed: UInt64) throws {
        let person = try EntityCode(validating: HistoryGenerator.identityNumber)
        for entity in [person, HistoryGenerator.entity] {
            let events = HistoryGenerator.history(seed: seed &* 15_485_863, count: 60, entity: entity)
            for at in Self.dates {
                let state = Projector.project(entity: entity, events: events, at: at, knownAtSeq: .max, rules: rules)
                var answers = Channel.allCases.map { CanonicalJSON.string(state.displayJSON(channel: $0)) }
                answers.append(CanonicalJSON.string(CreditReport(state: state, from: at.adding(months: -60), to: at, headSeq: 1, headHash: "h", headRecordedAt: nil).json))
                answers.append(CanonicalJSON.string(CheckFacts(state).checkJSON(state.check(rules.measures.measures["eligible.funding"]!, scope: nil, rules: rules), at: at)))
                for answer in answers {
                    #expect(!answer.contains(HistoryGenerator.identityNumber), "seed \(seed) at \(at): \(answer.prefix(300))")
                }
            }
        }
    }

    @Test func masksIdentityNumbersInFreeText() {
        #expect(PublicFields.maskIdentityNumbers("身份证 11010519900307123X 已核实") == "身份证 110105********123X 已核实")
        #expect(PublicFields.maskIdentityNumbers("合同号 1101051990030712345") == "合同号 1101051990030712345", "a longer run of digits is not an ID")
        #expect(PublicFields.maskIdentityNumbers("罚款 20000 元") == "罚款 20000 元")
    }
}
