import LedgerTime

/// Dates and times as a Chinese official document writes them, in China time (UTC+8, no
/// daylight saving): "2026年12月1日", "2026年12月1日 09:30".
public enum ChinaTime {
    /// China's offset from UTC, in hours.
    static let offsetHours = 8

    /// The China-time date and minute of an RFC 3339 UTC timestamp ("2026-12-01T01:30:12.417Z").
    /// - Returns: `nil` when `timestamp` is not of that form.
    public static func dateTime(utc timestamp: String) -> (date: (year: Int, month: Int, day: Int), hour: Int, minute: Int)? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 17, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), timestamp.hasSuffix("Z"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
            (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day), hour < 24, minute < 60
        else { return nil }
        let shifted = hour + offsetHours
        let date = CivilCalendar.date(dayNumber: CivilCalendar.dayNumber(year: year, month: month, day: day) + shifted / 24)
        return (date, shifted % 24, minute)
    }

    /// "2026年12月1日" for "2026-12-01"; the text itself when it is not a date.
    public static func written(date text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]) else { return text }
        return written(year: year, month: month, day: day)
    }

    static func written(year: Int, month: Int, day: Int) -> String { "\(year)年\(month)月\(day)日" }

    /// "2026年12月1日 09:30" (China time) for a UTC timestamp; the text itself when malformed.
    public static func written(utc timestamp: String) -> String {
        guard let time = dateTime(utc: timestamp) else { return timestamp }
        let date = written(year: time.date.year, month: time.date.month, day: time.date.day)
        return date + " " + twoDigits(time.hour) + ":" + twoDigits(time.minute)
    }

    /// "20261201": the China-time date of a UTC timestamp as eight digits.
    static func compactDate(utc timestamp: String) -> String? {
        guard let date = dateTime(utc: timestamp)?.date else { return nil }
        return String(date.year) + twoDigits(date.month) + twoDigits(date.day)
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }
}
