import CreditDomain
import LedgerJSON
import TestSupport
import Testing

@testable import CreditProjection


/// Random histories of one entity: every kind, refs to earlier events of the right kind,
/// dates in 2019-2026 in any order — projections must cope with any log, legal or not.
enum HistoryGenerator {
    static let entity = try! EntityCode(validating: "91110000600037341L")
    /// A resident ID number written into free-text fields: public answers must never show it whole.
    static let identityNumber = "110105199003071239"

    /// - Parameters:
    ///   - from: the earliest date; events fall in the `years` after it.
    static func history(
        seed: UInt64, count: Int, entity: EntityCode = HistoryGenerator.entity, from: CivilDate = CivilDate("2019-01-01")!, years: Int = 8
    ) -> [RecordedEvent] {
        var random = SeededGenerator(state: seed)
        var events: [RecordedEvent] = []
        var byKind: [EventKind: [String]] = [:]
        for index in 0..<count {
            let day = CivilDate(dayNumber: from.dayNumber + Int.random(in: 0..<(years * 365), using: &random))
            let kind = EventKind.allCases.randomElement(using: &random)!
            let rule = kind.refRule
            var refs: [String] = []
            if rule.minimum > 0 {
                let candidates = rule.targets.flatMap { byKind[$0] ?? [] }
                guard let target = candidates.randomElement(using: &random) else { continue }
                refs = [target]
            }
            let id = "e\(index)"
            let event = CreditEvent(
                eventId: id, kind: kind, entity: entity, occurredOn: day, source: ["authority": "a"], authority: "a", refs: refs,
                body: body(kind, day: day, random: &random))
            events.append(RecordedEvent(seq: UInt64(events.count + 1), recordedAt: "", event: event))
            byKind[kind, default: []].append(id)
        }
        return events
    }

    static func body(_ kind: EventKind, day: CivilDate, random: inout SeededGenerator) -> JSONValue {
        let later = day.adding(days: Int.random(in: 30...2000, using: &random))
        switch kind {
        case .penaltyImposed:
            let measure: JSONValue = [
                ["type": "fine", "amountYuan": .int(Int64.random(in: 100...500_000, using: &random))],
                ["type": "warning"], ["type": "criticism"], ["type": "license-revocation"], ["type": "closure"],
                ["type": "business-restriction", "termUntil": .string(later.description)],
                ["type": "license-suspension", "termUntil": .string(later.description)],
                ["type": "practice-restriction", "termUntil": .string(day.adding(days: Int.random(in: 30...4000, using: &random)).description)],
            ].randomElement(using: &random)!
            var members: [(String, JSONValue)] = [
                ("procedure", Bool.random(using: &random) ? "ordinary" : "simple"), ("measures", [measure]),
                ("sector", ["general", "food", "special-equipment"].randomElement(using: &random).map { .string($0) }!),
                ("violation", .string("经营者（身份证号 \(identityNumber)）销售过期食品")),
            ]
            if Bool.random(using: &random) { members.append(("discretion", .string(["lighter", "mitigated", "ordinary", "heavier"].randomElement(using: &random)!))) }
            if Bool.random(using: &random) { members.append(("publishedOn", .string(day.adding(days: 10).description))) }
            return .object(members)
        case .listEntered:
            var members: [(String, JSONValue)] = [("list", .string(["serious-dishonesty", "key-attention", "red", "abnormal-operations"].randomElement(using: &random)!))]
            if Bool.random(using: &random) { members.append(("termUntil", .string(later.description))) }
            return .object(members)
        case .listExited: return ["reason": .string(["early-removal", "repair", "revoked", "other"].randomElement(using: &random)!)]
        case .banImposed: return Bool.random(using: &random) ? ["scope": "market", "termUntil": .string(later.description)] : ["scope": "market", "permanent": true]
        case .objectionResolved: return Bool.random(using: &random) ? ["outcome": "upheld", "action": "revoked"] : ["outcome": "rejected"]
        case .commitmentMade: return ["type": "notify-commit", "text": "t"]
        case .commitmentBreached: return ["fraudulent": .bool(Bool.random(using: &random))]
        case .adminAction:
            return ["category": "inspection", "outcome": .string(["positive", "negative", "neutral"].randomElement(using: &random)!), "content": .string("负责人 \(identityNumber)")]
        case .entityProfiled:
            return ["name": "张三丰", "entityType": "company", "legalRepresentative": ["name": "张三丰", "idNumber": .string(identityNumber)], "address": "某路1号"]
        case .shieldingStarted: return ["procedure": "reorganisation", "courtRuling": "（2026）京01破1号"]
        case .shieldingEnded: return ["outcome": .string(["completed", "failed"].randomElement(using: &random)!)]
        case .repairRevoked: return ["reason": "fraud"]
        case .licenseGranted: return ["validFrom": .string(day.description), "validUntil": .string(later.description)]
        case .recordCorrected: return ["fields": ["sector": "food"]]
        case .gradeAssessed: return ["scheme": "s", "level": "A"]
        default: return [:]
        }
    }
}

/// The status as text, without the seq it was known at (which differs by construction).
func comparable(_ state: EntityState) -> String {
    guard case var .object(members) = state.statusJSON() else { return "" }
    members.removeAll { $0.0 == "knownAt" }
    return CanonicalJSON.string(.object(members))
}

@Suite struct ProjectionPropertyTests {
    static let seeds: [UInt64] = Array(1...40)

    @Test(arguments: seeds)
    func statusKnownAtKEqualsTheStatusOfTheFirstKEvents(seed: UInt64) {
        let events = HistoryGenerator.history(seed: seed, count: 60)
        var random = SeededGenerator(state: seed &* 7)
        for _ in 0..<5 {
            let k = Int.random(in: 0...events.count, using: &random)
            let at = CivilDate(dayNumber: CivilDate("2019-01-01")!.dayNumber + Int.random(in: 0..<(9 * 365), using: &random))
            let bounded = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: UInt64(k), rules: rules)
            let prefix = Projector.project(entity: HistoryGenerator.entity, events: Array(events.prefix(k)), at: at, knownAtSeq: .max, rules: rules)
            #expect(comparable(bounded) == comparable(prefix), "seed \(seed), k \(k), at \(at)")
        }
    }

    @Test(arguments: seeds)
    func anEventDatedAfterDNeverChangesAProspectiveAnswerAtD(seed: UInt64) {
        let events = HistoryGenerator.history(seed: seed, count: 60)
        var random = SeededGenerator(state: seed &* 13)
        let at = CivilDate(dayNumber: CivilDate("2019-01-01")!.dayNumber + Int.random(in: 0..<(8 * 365), using: &random))
        let before = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
        // Append, one at a time, events of prospective kinds dated after `at`.
        for extra in HistoryGenerator.history(seed: seed &+ 1000, count: 30) {
            guard !Projector.isRetroactive(extra.event) else { continue }
            let later = CreditEvent(
                eventId: "late-" + extra.event.eventId, kind: extra.event.kind, entity: HistoryGenerator.entity,
                occurredOn: max(extra.event.occurredOn, at.adding(days: 1)), source: extra.event.source, authority: "a",
                refs: extra.event.refs.compactMap { ref in events.first { $0.event.eventId == ref }.map { _ in ref } },
                body: extra.event.body)
            guard later.refs.count >= later.kind.refRule.minimum else { continue }
            let grown = events + [RecordedEvent(seq: UInt64(events.count + 1), recordedAt: "", event: later)]
            let after = Projector.project(entity: HistoryGenerator.entity, events: grown, at: at, knownAtSeq: .max, rules: rules)
            #expect(comparable(before) == comparable(after), "seed \(seed): \(later.kind.rawValue) on \(later.occurredOn) changed the answer at \(at)")
        }
    }

    @Test(arguments: seeds)
    func replayIsDeterministic(seed: UInt64) {
        let events = HistoryGenerator.history(seed: seed, count: 80)
        let at = CivilDate("2026-06-01")!
        let first = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
        let second = Projector.project(entity: HistoryGenerator.entity, events: events, at: at, knownAtSeq: .max, rules: rules)
        #expect(CanonicalJSON.encode(first.statusJSON()) == CanonicalJSON.encode(second.statusJSON()))
    }
}

@Suite struct RetroactiveEffectTests {
    @Test func anUpheldObjectionRevokesRetroactivelyButIsPendingUntilItsDate() {
        let entity = HistoryGenerator.entity
        func recorded(_ seq: UInt64, _ id: String, _ kind: EventKind, _ date: String, refs: [String] = [], body: JSONValue) -> RecordedEvent {
            RecordedEvent(seq: seq, recordedAt: "", event: CreditEvent(
                eventId: id, kind: kind, entity: entity, occurredOn: CivilDate(date)!, source: ["authority": "a"], authority: "a", refs: refs, body: body))
        }
        let events = [
            recorded(1, "p", .penaltyImposed, "2026-05-01", body: ["procedure": "ordinary", "measures": [["type": "fine", "amountYuan": 80_000]]]),
            recorded(2, "o", .objectionFiled, "2026-06-01", refs: ["p"], body: ["grounds": "g"]),
            recorded(3, "r", .objectionResolved, "2026-07-01", refs: ["o"], body: ["outcome": "upheld", "action": "revoked"]),
        ]
        let june = Projector.project(entity: entity, events: events, at: CivilDate("2026-06-15")!, knownAtSeq: .max, rules: rules)
        #expect(june.records[0].revoked, "revocation reaches back over the record's whole life")
        #expect(june.pending.map(\.eventId) == ["o"], "but on 2026-06-15 the objection was still pending")
        let august = Projector.project(entity: entity, events: events, at: CivilDate("2026-08-01")!, knownAtSeq: .max, rules: rules)
        #expect(august.pending.isEmpty)
        let before = Projector.project(entity: entity, events: events, at: CivilDate("2026-06-15")!, knownAtSeq: 2, rules: rules)
        #expect(!before.records[0].revoked && before.records[0].windows[.creditchina]?.isShown(on: CivilDate("2026-06-15")!) == true)
    }

    @Test func aLicenceEndedEarlyStopsShowingTheDayBefore() {
        let entity = HistoryGenerator.entity
        let events = [
            RecordedEvent(seq: 1, recordedAt: "", event: CreditEvent(
                eventId: "l", kind: .licenseGranted, entity: entity, occurredOn: CivilDate("2024-01-10")!, source: ["authority": "a"], authority: "a",
                refs: [], body: ["validFrom": "2024-01-10", "validUntil": "2029-01-09"])),
            RecordedEvent(seq: 2, recordedAt: "", event: CreditEvent(
                eventId: "e", kind: .licenseEnded, entity: entity, occurredOn: CivilDate("2025-03-01")!, source: ["authority": "a"], authority: "a",
                refs: ["l"], body: ["reason": "withdrawn"])),
        ]
        let state = Projector.project(entity: entity, events: events, at: CivilDate("2025-06-01")!, knownAtSeq: .max, rules: rules)
        let window = state.records[0].windows[.gsxt]
        #expect(window?.until == CivilDate("2025-02-28"))
        #expect(window?.isShown(on: CivilDate("2025-06-01")!) == false)
        #expect(state.records[0].supersededBy.map(\.eventId) == ["e"])
        let before = Projector.project(entity: entity, events: events, at: CivilDate("2025-02-01")!, knownAtSeq: .max, rules: rules)
        #expect(before.records[0].windows[.gsxt]?.isShown(on: CivilDate("2025-02-01")!) == true, "the end is prospective")
    }
}
