import CreditDomain
import LedgerJSON
import Testing

@testable import CreditProjection

let rules = try! RuleSet(directory: rulesDirectory)

/// One row: a penalty, a channel, and the severity and window that channel's rules must give
/// (`from` nil = not shown). `source` names the article the row checks.
struct WindowCase: Sendable, CustomStringConvertible {
    let source: String
    let channel: Channel
    let decided: String
    var published: String? = nil
    var procedure = "ordinary"
    let measures: [(String, Double?, String?)]
    var sector = "general"
    var given: String? = nil
    var discretion: String? = nil
    var person = false
    var linkedListing = false
    let severity: Severity
    var rule: String? = nil
    let from: String?
    let until: String?
    let repairableFrom: String?
    var description: String { "\(channel.rawValue): \(source)" }

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
        if let given { members.append(("severity", .string(given))) }
        if let discretion { members.append(("discretion", .string(discretion))) }
        return .object(members)
    }
}

func fine(_ amount: Double) -> [(String, Double?, String?)] { [("fine", amount, nil)] }

@Suite struct DisplayRuleTests {
    static let cases: [WindowCase] = [
        // Credit China, 527号 (2019): general 3 m – 1 y, serious 6 m – 3 y, from the decision date.
        WindowCase(source: "527号 general", channel: .creditchina, decided: "2020-03-10", measures: fine(80_000), severity: .general, rule: "ndrc-36-art9-general", from: "2020-03-10", until: "2021-03-10", repairableFrom: "2020-06-11"),
        WindowCase(source: "527号 serious (Order 36 Art. 10(2) measures)", channel: .creditchina, decided: "2020-03-10", measures: [("license-revocation", nil, nil)], severity: .serious, rule: "ndrc-36-art10-2-measures", from: "2020-03-10", until: "2023-03-10", repairableFrom: "2020-09-11"),
        // Credit China, Order 58 (2023): any negative 3 m (1 y special equipment …) – 3 y; the lenient rule applies Order 36.
        WindowCase(source: "Order 58 general, lenient rule: Order 36 Art. 12's 1 y", channel: .creditchina, decided: "2025-06-30", measures: fine(80_000), severity: .general, from: "2025-06-30", until: "2026-06-30", repairableFrom: "2025-10-01"),
        WindowCase(source: "Order 58 general decided 2024, lenient rule: ends the day before Order 36", channel: .creditchina, decided: "2024-01-15", measures: fine(80_000), severity: .general, from: "2024-01-15", until: "2026-03-31", repairableFrom: "2024-04-16"),
        WindowCase(source: "Order 58 special equipment minimum 1 y", channel: .creditchina, decided: "2024-01-15", measures: fine(80_000), sector: "special-equipment", severity: .general, from: "2024-01-15", until: "2026-03-31", repairableFrom: "2025-01-16"),
        WindowCase(source: "Lenient rule on minimums: Order 58's 1 y gives way to Order 36 Art. 12's 3 m from 2026-04-01", channel: .creditchina, decided: "2025-10-15", measures: fine(80_000), sector: "special-equipment", severity: .general, from: "2025-10-15", until: "2026-10-15", repairableFrom: "2026-04-01"),
        WindowCase(source: "Order 58 serious 3 y stays (Order 36 serious maximum is also 3 y)", channel: .creditchina, decided: "2024-01-15", measures: [("closure", nil, nil)], severity: .serious, from: "2024-01-15", until: "2027-01-15", repairableFrom: "2024-04-16"),
        WindowCase(source: "Order 58 the day before Order 36: lenient rule ends it 2027-03-31", channel: .creditchina, decided: "2026-03-31", measures: fine(80_000), severity: .general, from: "2026-03-31", until: "2027-03-31", repairableFrom: "2026-07-01"),
        WindowCase(source: "Order 58 minor the day before Order 36, which does not show minor records", channel: .creditchina, decided: "2026-03-31", procedure: "simple", measures: fine(200), severity: .minor, from: "2026-03-31", until: "2026-03-31", repairableFrom: nil),
        WindowCase(source: "Order 58 natural person: Order 36 Art. 12 hides persons from 2026-04-01", channel: .creditchina, decided: "2025-06-01", measures: fine(80_000), person: true, severity: .general, from: "2025-06-01", until: "2026-03-31", repairableFrom: "2025-09-02"),
        // Credit China, Order 36 (2026): minor not shown; general 3 m – 1 y; serious 1 – 3 y.
        WindowCase(source: "Order 36 Art. 8(1) minor (simple procedure) not shown", channel: .creditchina, decided: "2026-05-01", procedure: "simple", measures: fine(200), severity: .minor, rule: "ndrc-36-art8-1-simple-procedure", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 8(2) minor (warning only) not shown", channel: .creditchina, decided: "2026-05-01", measures: [("warning", nil, nil)], severity: .minor, rule: "ndrc-36-art8-2-warning-criticism", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 8(3) small fine minor, no discretion needed", channel: .creditchina, decided: "2026-05-01", measures: fine(50_000), severity: .minor, rule: "ndrc-36-art8-3-small-fine", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 9, 12 general", channel: .creditchina, decided: "2026-04-01", measures: fine(80_000), severity: .general, rule: "ndrc-36-art9-general", from: "2026-04-01", until: "2027-04-01", repairableFrom: "2026-07-02"),
        WindowCase(source: "Order 36 Art. 9 confiscation general", channel: .creditchina, decided: "2026-05-01", measures: [("confiscation", 10_000, nil)], severity: .general, from: "2026-05-01", until: "2027-05-01", repairableFrom: "2026-08-02"),
        WindowCase(source: "Order 36 Art. 10(2) licence suspension serious", channel: .creditchina, decided: "2026-05-01", measures: [("license-suspension", nil, "2026-08-01")], severity: .serious, rule: "ndrc-36-art10-2-measures", from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 10(3) a serious-dishonesty listing rests on it", channel: .creditchina, decided: "2026-05-01", measures: fine(10), linkedListing: true, severity: .serious, rule: "ndrc-36-art10-3-listing", from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 11 a given severity wins", channel: .creditchina, decided: "2026-05-01", measures: fine(80_000), given: "serious", severity: .serious, rule: "ndrc-36-art11-sector-classification", from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 several measures: the longest period", channel: .creditchina, decided: "2026-05-01", measures: [("fine", 80_000, nil), ("closure", nil, nil)], severity: .serious, from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 36 Art. 12 a term blocks repair until it ends (restriction to 2028)", channel: .creditchina, decided: "2026-05-01", measures: [("business-restriction", nil, "2028-03-31")], severity: .serious, from: "2026-05-01", until: "2029-05-01", repairableFrom: "2028-04-01"),
        WindowCase(source: "Order 36 Art. 12 a term longer than the maximum: shown to its end, never repaired", channel: .creditchina, decided: "2026-05-01", measures: [("practice-restriction", nil, "2031-12-31")], severity: .serious, from: "2026-05-01", until: "2031-12-31", repairableFrom: nil),
        WindowCase(source: "Order 36 Art. 12 natural persons not shown", channel: .creditchina, decided: "2026-05-01", measures: fine(80_000), person: true, severity: .general, from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Civil Code Art. 202 month end", channel: .creditchina, decided: "2026-11-30", measures: fine(80_000), severity: .general, from: "2026-11-30", until: "2027-11-30", repairableFrom: "2027-03-01"),
        WindowCase(source: "Order 36 food fine is general on Credit China (Order 107 Art. 8(1) is GSXT's)", channel: .creditchina, decided: "2026-05-01", measures: fine(60_000), sector: "food", severity: .general, from: "2026-05-01", until: "2027-05-01", repairableFrom: "2026-08-02"),
        // GSXT, Order 45 (2021): from publication; warning only and simple procedure not shown; criticism or lower fine 3 m; other 6 m (1 y food …) – 3 y.
        WindowCase(source: "Order 45 Art. 2 warning only", channel: .gsxt, decided: "2023-03-01", measures: [("warning", nil, nil)], severity: .minor, rule: "samr-45-art2-warning-only", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 45 Art. 2 simple procedure not published", channel: .gsxt, decided: "2023-03-01", procedure: "simple", measures: fine(100), severity: .minor, rule: "samr-45-art2-ordinary-only", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 45 Art. 13 lower fine 3 m from publication", channel: .gsxt, decided: "2023-03-01", published: "2023-03-15", measures: fine(20_000), severity: .minor, from: "2023-03-15", until: "2023-06-15", repairableFrom: nil),
        WindowCase(source: "Order 45 Art. 13 other 3 y, lenient rule: Order 107's 1 y", channel: .gsxt, decided: "2023-03-01", measures: fine(200_000), severity: .general, from: "2023-03-01", until: "2025-12-24", repairableFrom: "2023-09-02"),
        WindowCase(source: "Order 45 Art. 14 food: 1 y before repair", channel: .gsxt, decided: "2025-03-01", measures: fine(200_000), sector: "food", severity: .general, from: "2025-03-01", until: "2028-03-01", repairableFrom: "2026-03-02"),
        WindowCase(source: "Order 45 Art. 14 revocation cannot be stopped early", channel: .gsxt, decided: "2025-03-01", measures: [("license-revocation", nil, nil)], severity: .serious, rule: "samr-45-art14-no-early-stop", from: "2025-03-01", until: "2028-03-01", repairableFrom: nil),
        WindowCase(source: "Lenient rule: Order 45 Art. 14's no early stop gives way to Order 107 Art. 8(2) from 2025-12-25", channel: .gsxt, decided: "2025-03-01", measures: [("business-restriction", nil, "2025-06-30")], severity: .serious, from: "2025-03-01", until: "2028-03-01", repairableFrom: "2026-03-02"),
        WindowCase(source: "Order 45 the day before Order 107: lenient rule on maximum and minimum", channel: .gsxt, decided: "2025-12-24", measures: fine(200_000), severity: .general, from: "2025-12-24", until: "2026-12-24", repairableFrom: "2026-03-25"),
        // GSXT, Order 107 (2025-12-25).
        WindowCase(source: "Order 107 Art. 9 general on its first day", channel: .gsxt, decided: "2025-12-25", measures: fine(200_000), severity: .general, rule: "samr-107-art9-general", from: "2025-12-25", until: "2026-12-25", repairableFrom: "2026-03-26"),
        WindowCase(source: "Order 107 Art. 7 warning only not published", channel: .gsxt, decided: "2026-01-10", measures: [("warning", nil, nil)], severity: .minor, rule: "samr-107-art7-warning-only", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 criticism only: 3 m, no repair", channel: .gsxt, decided: "2026-01-10", measures: [("criticism", nil, nil)], severity: .minor, rule: "samr-107-art7-criticism", from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 small fine ≤ 50,000 at the lighter level (Civil Code Art. 1259: includes)", channel: .gsxt, decided: "2026-01-10", measures: fine(50_000), discretion: "lighter", severity: .minor, rule: "samr-107-art7-small-fine", from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 small fine at the mitigated level", channel: .gsxt, decided: "2026-01-10", measures: fine(30_000), discretion: "mitigated", severity: .minor, rule: "samr-107-art7-small-fine", from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 small fine at the ordinary level is general (Art. 9)", channel: .gsxt, decided: "2026-01-10", measures: fine(30_000), discretion: "ordinary", severity: .general, rule: "samr-107-art9-general", from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 107 Art. 7 small fine, discretion not recorded: read as ordinary (README 21)", channel: .gsxt, decided: "2026-01-10", measures: fine(30_000), severity: .general, from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 107 Art. 7 a person's small fine ≤ 5,000", channel: .gsxt, decided: "2026-01-10", measures: fine(5_000), discretion: "lighter", person: true, severity: .minor, from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 7 a person's fine over 5,000 is general", channel: .gsxt, decided: "2026-01-10", measures: fine(6_000), discretion: "lighter", person: true, severity: .general, from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 45 Art. 2 still in force under Order 107: simple procedure not published", channel: .gsxt, decided: "2026-01-10", procedure: "simple", measures: fine(100), severity: .minor, rule: "samr-45-art2-ordinary-only-still-in-force", from: nil, until: nil, repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 9 general", channel: .gsxt, decided: "2026-01-10", measures: fine(60_000), severity: .general, from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 107 Art. 8(1) food sector is serious", channel: .gsxt, decided: "2026-01-10", measures: fine(60_000), sector: "food", severity: .serious, rule: "samr-107-art8-1-sector", from: "2026-01-10", until: "2029-01-10", repairableFrom: "2027-01-11"),
        WindowCase(source: "Order 107 Art. 8(1) a minor food fine stays minor", channel: .gsxt, decided: "2026-01-10", measures: fine(10_000), sector: "food", discretion: "lighter", severity: .minor, from: "2026-01-10", until: "2026-04-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8(2) restriction: repair after 1 y and the term", channel: .gsxt, decided: "2026-01-10", measures: [("production-suspension", nil, "2027-06-30")], severity: .serious, rule: "samr-107-art8-2-restriction", from: "2026-01-10", until: "2029-01-10", repairableFrom: "2027-07-01"),
        WindowCase(source: "Order 107 Art. 8(2) restriction to 2028 (repair only after it)", channel: .gsxt, decided: "2026-05-01", measures: [("business-restriction", nil, "2028-03-31")], severity: .serious, from: "2026-05-01", until: "2029-05-01", repairableFrom: "2028-04-01"),
        WindowCase(source: "Order 107 Art. 8(3) revocation: no repair", channel: .gsxt, decided: "2026-01-10", measures: [("license-revocation", nil, nil)], severity: .serious, rule: "samr-107-art8-3-no-repair", from: "2026-01-10", until: "2029-01-10", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8(3) closure with a fine: the longest, no repair", channel: .gsxt, decided: "2026-05-01", measures: [("fine", 80_000, nil), ("closure", nil, nil)], severity: .serious, rule: "samr-107-art8-3-no-repair", from: "2026-05-01", until: "2029-05-01", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8(4) a serious-dishonesty listing rests on it", channel: .gsxt, decided: "2026-05-01", measures: fine(10), linkedListing: true, severity: .serious, rule: "samr-107-art8-4-listing", from: "2026-05-01", until: "2029-05-01", repairableFrom: "2027-05-02"),
        WindowCase(source: "Order 107 Art. 8 a term over 3 y is the period (it ends by itself)", channel: .gsxt, decided: "2026-01-10", measures: [("practice-restriction", nil, "2030-06-30")], severity: .serious, from: "2026-01-10", until: "2030-06-30", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8 does not list licence suspension: general (Art. 9)", channel: .gsxt, decided: "2026-01-10", measures: [("license-suspension", nil, "2026-03-31")], severity: .general, rule: "samr-107-art9-general", from: "2026-01-10", until: "2027-01-10", repairableFrom: "2026-04-11"),
        WindowCase(source: "Order 107 Art. 9 general with a term past 1 y: shown to the term's end (Order 36 Art. 12)", channel: .gsxt, decided: "2026-05-01", measures: [("license-suspension", nil, "2028-06-30")], severity: .general, from: "2026-05-01", until: "2028-06-30", repairableFrom: nil),
        WindowCase(source: "Order 107 Art. 8(1) licence suspension in the food sector is serious", channel: .gsxt, decided: "2026-01-10", measures: [("license-suspension", nil, "2026-03-31")], sector: "food", severity: .serious, rule: "samr-107-art8-1-sector", from: "2026-01-10", until: "2029-01-10", repairableFrom: "2027-01-11"),
        WindowCase(source: "Order 107 a given severity does not override its classes (Order 36 Art. 11 is Credit China's)", channel: .gsxt, decided: "2026-05-01", measures: fine(80_000), given: "serious", severity: .general, from: "2026-05-01", until: "2027-05-01", repairableFrom: "2026-08-02"),
        WindowCase(source: "GSXT counts from the publication date (Order 45 Art. 13)", channel: .gsxt, decided: "2026-01-10", published: "2026-02-03", measures: fine(60_000), severity: .general, from: "2026-02-03", until: "2027-02-03", repairableFrom: "2026-05-04"),
        WindowCase(source: "GSXT shows natural persons' penalties (no Order 36 Art. 12 there)", channel: .gsxt, decided: "2026-05-01", measures: fine(80_000), person: true, severity: .general, from: "2026-05-01", until: "2027-05-01", repairableFrom: "2026-08-02"),
    ]

    @Test(arguments: cases)
    func givesTheSeverityAndWindowTheRuleSays(row: WindowCase) throws {
        let facts = PenaltyFacts(body: row.body, decidedOn: date(row.decided))
        let (window, finding) = rules.display.penaltyWindow(
            facts, channel: row.channel, person: row.person, linkedListings: row.linkedListing ? ["serious-dishonesty"] : [])
        #expect(finding.severity == row.severity, "severity; \(finding.rule): \(finding.reason)")
        if let rule = row.rule { #expect(finding.rule == rule, "rule") }
        #expect(window.from?.description == row.from, "from; rules \(window.rules)")
        #expect(window.until?.description == row.until, "until; rules \(window.rules)")
        #expect(window.repairableFrom?.description == row.repairableFrom, "repairableFrom; rules \(window.rules)")
        #expect(window.rules.contains(finding.rule), "the window names the class that decided it")
        // A window with no repair date names the rule that keeps it shown, unless it is not shown at all.
        if window.from != nil && window.repairableFrom == nil { #expect(window.keptBy != nil || window.until != nil) }
    }

    /// A breach of commitment is a general record on each channel, under the same lenient rule:
    /// one of 2025-03-01 gets Order 107 Art. 9's 1 year on GSXT from 2025-12-25 (not Order 45's 3).
    @Test func aBreachFollowsTheLenientRuleLikeAPenalty() {
        let gsxt = rules.display.severityWindow(start: date("2025-03-01"), severity: .general, channel: .gsxt, person: false, rule: "commitment-breach-general")
        #expect(gsxt.until == date("2026-03-01") && gsxt.repairableFrom == date("2025-09-02"), "\(gsxt.rules)")
        #expect(gsxt.rules.first == "commitment-breach-general" && gsxt.rules.contains("lenient-later-rulebook"))
        let creditChina = rules.display.severityWindow(start: date("2026-05-01"), severity: .general, channel: .creditchina, person: true, rule: "commitment-breach-general")
        #expect(creditChina.from == nil, "Order 36 Art. 12: not shown for a natural person")
    }

    @Test func refusesRulesThatDoNotJoinUp() throws {
        #expect(throws: RuleSet.LoadError.self) { try RuleSet(directory: "/nonexistent") }
    }
}
