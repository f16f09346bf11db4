import LedgerTime

/// A calendar date (China Standard Time), as in `occurredOn`: `YYYY-MM-DD`.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A real date, or `nil` (month 13, 30 February …).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`; anything else is `nil`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        CivilCalendar.daysInMonth(year: year, month: month)
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int { CivilCalendar.dayNumber(year: year, month: month, day: day) }

    /// The first and last representable dates.
    public static let earliest = CivilDate(year: 1, month: 1, day: 1)!
    public static let latest = CivilDate(year: 9999, month: 12, day: 31)!

    /// Dates an event or a query may name: anything else is a typo or an attack, and far
    /// dates would push period arithmetic past the calendar.
    public static let plausibleRange = CivilDate(year: 1900, month: 1, day: 1)!...CivilDate(year: 2199, month: 12, day: 31)!

    /// The date of a day number (see ``dayNumber``), clamped to the representable range so
    /// that period arithmetic on extreme dates can never fail.
    public init(dayNumber: Int) {
        let clamped = min(max(dayNumber, CivilDate.earliest.dayNumber), CivilDate.latest.dayNumber)
        let date = CivilCalendar.date(dayNumber: clamped)
        self.init(year: date.year, month: date.month, day: date.day)!
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
