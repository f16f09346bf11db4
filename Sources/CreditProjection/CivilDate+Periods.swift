import CreditDomain

extension CivilDate {
    /// The date `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The last day of a period of `months` counted from this date.
    ///
    /// Civil Code Art. 201-202: the start day is not counted; a period of months ends on the
    /// corresponding day of the last month, or on that month's last day when it has none
    /// (2025-11-30 + 3 months → 2026-02-28).
    public func adding(months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        // Clamp past the representable years instead of failing.
        guard total >= 12, total < 10_000 * 12 else { return total < 12 ? .earliest : .latest }
        let newYear = total / 12
        let newMonth = total % 12 + 1
        let newDay = min(day, CivilDate.daysInMonth(year: newYear, month: newMonth))
        return CivilDate(year: newYear, month: newMonth, day: newDay)!
    }

    /// The weekday, 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        let value = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday
        return (value < 0 ? value + 7 : value) + 1
    }
}
