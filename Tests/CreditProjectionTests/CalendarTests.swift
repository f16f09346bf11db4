import CreditDomain
import Foundation
import Testing

@testable import CreditProjection

let rulesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Schemas/rules").path

func date(_ text: String) -> CivilDate { CivilDate(text)! }

@Suite struct PeriodTests {
    /// Civil Code Arts. 201-202 (domain-rules.md §7.2).
    @Test(arguments: [
        ("2025-11-30", 3, "2026-02-28", "month end clamps (Art. 202)"),
        ("2024-11-30", 3, "2025-02-28", "non-leap February"),
        ("2023-11-30", 3, "2024-02-29", "leap February"),
        ("2024-02-29", 12, "2025-02-28", "leap day plus a year"),
        ("2024-05-10", 12, "2025-05-10", "corresponding day"),
        ("2024-01-31", 1, "2024-02-29", "January 31 plus a month"),
        ("2024-05-10", 36, "2027-05-10", "three years"),
        ("2025-12-31", 0, "2025-12-31", "zero months"),
    ])
    func addsMonthsPerTheCivilCode(start: String, months: Int, end: String, why: String) {
        #expect(date(start).adding(months: months) == date(end), "\(why)")
    }

    @Test func extremeDatesClampInsteadOfFailing() {
        #expect(date("9999-12-31").adding(days: 1) == date("9999-12-31"))
        #expect(date("9999-12-31").adding(months: 36) == date("9999-12-31"))
        #expect(date("0001-01-01").adding(months: -36) == date("0001-01-01"))
        #expect(date("0001-01-01").adding(days: -5) == date("0001-01-01"))
    }

    @Test func countsDaysAndWeekdays() {
        #expect(date("1970-01-01").dayNumber == 0)
        #expect(CivilDate(dayNumber: date("2026-11-23").dayNumber) == date("2026-11-23"))
        #expect(date("2026-11-23").weekday == 1)
        #expect(date("2026-09-20").weekday == 7)
        #expect(date("2024-02-28").adding(days: 2) == date("2024-03-01"))
    }
}

@Suite struct WorkingDayTests {
    let calendar = try! WorkingDayCalendar(file: rulesDirectory + "/cn-workdays.json")

    /// The vectors of domain-rules.md §7.3: "N working days after D".
    @Test(arguments: [
        ("2025-09-30", 7, "2025-10-16"),
        ("2024-02-08", 7, "2024-02-23"),
        ("2026-02-12", 3, "2026-02-24"),
        ("2026-09-18", 7, "2026-09-29"),
        ("2025-01-24", 20, "2025-02-27"),
        ("2024-09-27", 2, "2024-09-30"),
    ])
    func matchesTheOfficialCalendar(start: String, count: Int, expected: String) {
        #expect(calendar.adding(workingDays: count, to: date(start)) == .date(date(expected)))
    }

    @Test func knowsAdjustedWeekendsAndHolidays() {
        #expect(calendar.isWorkingDay(date("2026-09-20")) == true, "adjusted Sunday")
        #expect(calendar.isWorkingDay(date("2026-10-01")) == false, "National Day")
        #expect(calendar.isWorkingDay(date("2024-02-09")) == true, "New Year's Eve 2024 was worked")
    }

    @Test func saysCalendarUnknownPastTheLastPublishedYear() {
        #expect(calendar.knownYears.upperBound == 2026)
        #expect(calendar.adding(workingDays: 7, to: date("2026-12-28")) == .calendarUnknown)
        #expect(calendar.adding(workingDays: 1, to: date("2026-12-30")) == .date(date("2026-12-31")))
        #expect(calendar.isWorkingDay(date("2027-01-04")) == nil)
    }

    @Test func countsTheOfficialWorkingDaysPerYear() {
        // domain-rules.md §7.3: 251 (2024), 248 (2025), 248 (2026).
        for (year, expected) in [(2024, 251), (2025, 248), (2026, 248)] {
            var count = 0
            var day = CivilDate(year: year, month: 1, day: 1)!
            while day.year == year {
                if calendar.isWorkingDay(day) == true { count += 1 }
                day = day.adding(days: 1)
            }
            #expect(count == expected, "\(year)")
        }
    }
}
