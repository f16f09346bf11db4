import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

let rules = try! RuleSet(directory: rulesDirectory)

/// One row: a penalty, a channel, and the window the rules must give (nil = not shown).
struct WindowCase: Sendable, CustomStringConvertible {
    let source: String
    let channel: Channel
    let decided: String
    var published: String? = nil
    var procedure = "ordinary"
    let measures: [(String, Double?, String?)]
    var sector = "general"
    var severity: String? = nil
    var person = false
    let from: String?
    let until: String?
    let repairableFrom: String?
    var description: String { source }

    var body: JSONValue {
        var members: [(String, JSONValue)] = [
            ("procedure", .string(procedure)), ("sector", .string(sector)),
            ("measures", .array(measures.map { type, amount, term in
                var measure: [(String, JSONValue)] = [("type", .string(type))]
                if let amount { measure.append(("amountYuan", .double(amount))) }
                if let term { measure.append(("termUntil", .string(term))) }
                return .object(measure)
            })),
        ]
        if let published { members.append(("publishedOn", .string(published))) }
        if let severity { members.append(("severity", .string(severity))) }
        return .object(members)
    }
}

func fine(_ amount: Double) -> [(String, Double?, String?)] { [("fine", amount, nil)] }

@Suite struct DisplayRuleTests {
    static let cases: [WindowCase] = [
        // Credit China, 527号 (2019): general 3 m – 1 y, serious 6 m – 3 y, from the decision date.
        WindowCase(source: "527号 general", channel: .creditchina, decided: "2020-03-10", measures: fine(80_000), from: "2020-03-10", until: "2021-03-10", repairableFrom: "2020-06-11"),
        WindowCase(source: "527号 serious", channel: .creditchina, decided: "2020-03-10", measures: [("license-revocation", nil, nil)], from: "2020-03-10", until: "2023-03-10", repairableFrom: "2020-09-11"),
        // Credit China, Order 58 (2023): any negative 3 m (1 y special equipment …) – 3 y; lenient rule cuts to Order 36's maximum.
        WindowCase(source: "Order 58 general, lenient to Order 36 1 y", channel: .creditchina, decided: "2025-06-30", measures: fine(80_000), from: "2025-06-30", until: "2026-06-30", repairableFrom: "2025-10-01"),
        WindowCase(source: "Order 58 general decided 2024, lenient: ends the day before Order 36", channel: .creditchina, decided: "2024-01-15", measures: fine(80_000), from: "2024-01-15", until: "2026-03-31", repairableFrom: "2024-04-16"),
        WindowCase(source: "Order 58 special equipment min 1 y", channel: .creditchina, decided: "2024-01-15", measures: fine(80_000), sector: "special-equipment", from: "2024-01-15", until: "2026-03-31", repairableFrom: "2025-01-16"),
        WindowCase(source: "Order 58 serious 3 y stays (Order 36 serious max is also 3 y)", channel: .creditchina, decided: "2024-01-15", measures: [("closure", nil, nil)], from: "2024-01-15", until: "2027-01-15", repairableFrom: "2024-04-16"),
        // Credit China, Order 36 (2026): minor not shown; general 3 m – 1 y; serious 1 – 3 y.
        WindowCase(source: "Order 36 Art. 8 minor (simple procedure) not shown", channel: .creditchina, decided: "2026-05-01", procedure: "simple", measures: fine(200), from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 8 minor (warning only) not shown", channel: .creditchina, decided: "2026-05-01", measures: [("warning", nil, nil)], from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 12 general", channel: .creditchina, decided: "2026-05-01", measures: fine(80_000), from: "2026-05-01", until: "2027-05-01", repairableFrom: "2026-08-02"),
        WindowCase(source: "Order 36 Art. 12 serious", channel: .creditchina, decided: "2026-05-01", measures: [("license-suspension", nil, "2026-08-01")], from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 given severity wins", channel: .creditchina, decided: "2026-05-01", measures: fine(80_000), severity: "serious", from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 longest measure wins (several measures)", channel: .creditchina, decided: "2026-05-01", measures: [("fine", 80_000, nil), ("closure", nil, nil)], from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 term longer than the maximum becomes the period", channel: .creditchina, decided: "2026-05-01", measures: [("practice-restriction", nil, "2031-12-31")], from: "2026-05-01", until: "2031-12-31", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 natural persons not shown", channel: .creditchina, decided: "2026-05-01", measures: fine(80_000), person: true, from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Civil Code Art. 202 month end", channel: .creditchina, decided: "2026-11-30", measures: fine(80_000), from: "2026-11-30", until: "2027-11-30", repairableFrom: "2027-03-01"),
        // GSXT, Order 45 (2021): from publication; warning only not shown; criticism or lower fine 3 m; other 6 m (1 y food …) – 3 y.
        WindowCase(source: "Order 45 Art. 2 warning only", channel: .gsxt, decided: "2023-03-01", measures: [("warning", nil, nil)], from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 45 Art. 13 lower fine 3 m from publication", channel: .gsxt, decided: "2023-03-01", published: "2023-03-15", measures: fine(20_000), from: "2023-03-15", until: "2023-06-15", repairableFrom: nil),
        WindowCase(source: "Order 45 Art. 13 other 3 y, lenient to Order 107's 1 y", channel: .gsxt, decided: "2023-03-01", measures: fine(200_000), from: "2023-03-01", until: "2025-12-24", repairableFrom: "2023-09-02"),
        WindowCase(source: "Order 45 Art. 14 food: 1 y before repair", channel: .gsxt, decided: "2025-03-01", measures: fine(200_000), sector: "food", from: "2025-03-01", until: "2028-03-01", repairableFrom: "2026-03-02"),
        WindowCase(source: "Order 45 Art. 14 revocation cannot be stopped early", channel: .gsxt, decided: "2025-03-01", measures: [("license-revocation", nil, nil)], from: "2025-03-01", until: "2028-03-01", repairableFrom: nil),
        // GSXT, Order 107 (2025-12-25).
        WindowCase(source: "Order 107 Art. 7 warning only", channel: .gsxt, decided: "2026-01-10", measures: [("warning", nil, nil)], from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 lower fine ≤ 50,000 (Art. 1259: includes)", channel: .gsxt, decided: "2026-01-10", measures: fine(50_000), from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 a person's lower fine ≤ 5,000", channel: .gsxt, decided: "2026-01-10", measures: fine(5_000), person: true, from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 9 general", channel: .gsxt, decided: "2026-01-10", measures: fine(60_000), from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 107 Art. 8(1) food sector is serious", channel: .gsxt, decided: "2026-01-10", measures: fine(60_000), sector: "food", from: "2026-01-10", until: "2029-01-10", repairableFrom: "2027-01-11"),
        WindowCase(source: "Order 107 Art. 8(2) restriction: repair after the term too", channel: .gsxt, decided: "2026-01-10", measures: [("production-suspension", nil, "2027-06-30")], from: "2026-01-10", until: "2029-01-10", repairableFrom: "2027-07-01"),
        WindowCase(source: "Order 107 Art. 8(3) revocation: no repair", channel: .gsxt, decided: "2026-01-10", measures: [("license-revocation", nil, nil)], from: "2026-01-10", until: "2029-01-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8 term over 3 y is the period (it ends by itself: no repair date)", channel: .gsxt, decided: "2026-01-10", measures: [("practice-restriction", nil, "2030-06-30")], from: "2026-01-10", until: "2030-06-30", repairableFrom: nil),
        WindowCase(source: "GSXT counts from the publication date", channel: .gsxt, decided: "2026-01-10", published: "2026-02-03", measures: fine(60_000), from: "2026-02-03", until: "2027-02-03", repairableFrom: "2026-05-04"),
    ]

    @Test(arguments: cases)
    func givesTheWindowTheRuleSays(row: WindowCase) throws {
        let facts = PenaltyFacts(body: row.body, decidedOn: date(row.decided))
        let severity = rules.display.severity(of: facts, person: row.person, linkedToSeriousListing: false)
        let window = rules.display.penaltyWindow(facts, severity: severity, channel: row.channel, person: row.person)
        #expect(window.from?.description == row.from, "from; rules \(window.rules)")
        #expect(window.until?.description == row.until, "until; rules \(window.rules)")
        #expect(window.repairableFrom?.description == row.repairableFrom, "repairableFrom; rules \(window.rules)")
        #expect(!window.rules.isEmpty)
    }

    @Test func derivesSeverityAndSaysWhy() {
        let display = rules.display
        func finding(_ measures: [(String, Double?, String?)], procedure: String = "ordinary", person: Bool = false, listed: Bool = false) -> SeverityFinding {
            let row = WindowCase(source: "", channel: .gsxt, decided: "2026-01-01", procedure: procedure, measures: measures, from: nil, until: nil, repairableFrom: nil)
            return display.severity(of: PenaltyFacts(body: row.body, decidedOn: date("2026-01-01")), person: person, linkedToSeriousListing: listed)
        }
        #expect(finding(fine(50_000)).severity == .minor)
        #expect(finding(fine(50_001)).severity == .general)
        #expect(finding(fine(6_000), person: true).severity == .general)
        #expect(finding(fine(900_000), procedure: "simple").severity == .minor)
        #expect(finding([("criticism", nil, nil)]).severity == .minor)
        #expect(finding([("confiscation", 10, nil)]).severity == .general)
        #expect(finding(fine(10), listed: true).severity == .serious)
        let serious = finding([("closure", nil, nil), ("fine", 10, nil)])
        #expect(serious.severity == .serious && serious.reason == "measure closure" && !serious.given)
    }

    @Test func refusesRulesThatDoNotJoinUp() throws {
        #expect(throws: RuleSet.LoadError.self) { try RuleSet(directory: "/nonexistent") }
    }
}
