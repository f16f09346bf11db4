import CreditDomain
import Foundation
import LedgerJSON

/// Official working days: Monday to Friday, minus the State Council's days off, plus its
/// adjusted weekend working days, for the years it has published (行政许可法 Art. 82).
///
/// A computation that needs a year with no published calendar is `calendarUnknown`, never
/// guessed (domain.md §3).
public struct WorkingDayCalendar: Sendable {
    /// The years with a published calendar.
    public let knownYears: ClosedRange<Int>
    /// The day numbers of the known years.
    let knownDayNumbers: ClosedRange<Int>
    /// Whether each day of the known years is a working day, from the first one on.
    let workingFlags: [Bool]

    /// A deadline, or the word that the calendar does not reach it.
    public enum Deadline: Sendable, Equatable {
        case date(CivilDate)
        case calendarUnknown
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads `cn-workdays.json` (`{"years": {"2025": {"offDays": […], "workDays": […]}}}`).
    public init(file path: String) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read \(path)") }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch { throw LoadError(description: "\(path): \(error)") }
        guard let years = value["years"]?.objectValue, !years.isEmpty else { throw LoadError(description: "\(path): no years") }
        var offDays = Set<Int>()
        var workDays = Set<Int>()
        var yearNumbers: [Int] = []
        for (yearText, entry) in years {
            guard let year = Int(yearText) else { throw LoadError(description: "\(path): '\(yearText)' is not a year") }
            yearNumbers.append(year)
            for (name, target) in [("offDays", 0), ("workDays", 1)] {
                for dayValue in entry[name]?.arrayValue ?? [] {
                    // A notice may list days of the neighbouring year (a New Year holiday across 31 December).
                    guard let text = dayValue.stringValue, let date = CivilDate(text), abs(date.year - year) <= 1 else {
                        throw LoadError(description: "\(path): \(yearText).\(name) holds '\(CanonicalJSON.string(dayValue))', not a date near \(yearText)")
                    }
                    if target == 0 { offDays.insert(date.dayNumber) } else { workDays.insert(date.dayNumber) }
                }
            }
        }
        yearNumbers.sort()
        guard yearNumbers.last! - yearNumbers.first! + 1 == yearNumbers.count else {
            throw LoadError(description: "\(path): the years must be consecutive")
        }
        self.knownYears = yearNumbers.first!...yearNumbers.last!
        let known = CivilDate(year: yearNumbers.first!, month: 1, day: 1)!.dayNumber...CivilDate(year: yearNumbers.last!, month: 12, day: 31)!.dayNumber
        self.knownDayNumbers = known
        self.workingFlags = known.map { number in
            if workDays.contains(number) { return true }
            if offDays.contains(number) { return false }
            let weekday = ((number + 3) % 7 + 7) % 7 + 1  // 1970-01-01 was a Thursday
            return weekday <= 5
        }
    }

    /// True when `date` is a working day; `nil` outside the known years.
    public func isWorkingDay(_ date: CivilDate) -> Bool? { isWorkingDay(dayNumber: date.dayNumber) }

    /// The same for a day number (``CivilDate/dayNumber``).
    func isWorkingDay(dayNumber number: Int) -> Bool? {
        guard knownDayNumbers.contains(number) else { return nil }
        return workingFlags[number - knownDayNumbers.lowerBound]
    }

    /// The `count`th working day after `date` (`date` itself is not counted).
    public func adding(workingDays count: Int, to date: CivilDate) -> Deadline {
        precondition(count >= 0)
        var current = date.dayNumber
        var remaining = count
        while remaining > 0 {
            current += 1
            guard let working = isWorkingDay(dayNumber: current) else { return .calendarUnknown }
            if working { remaining -= 1 }
        }
        return .date(CivilDate(dayNumber: current))
    }
}
