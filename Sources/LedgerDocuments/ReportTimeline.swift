import LedgerJSON
import LedgerTime

/// The report's timeline as shapes for the template to draw in SVG: one row per record (a
/// bar per channel showing it), listing and ban, over the report period, with year ticks.
/// Coordinates are in the SVG's own units (`viewBox`), so the drawing scales to the page.
struct ReportTimeline {
    let report: JSONValue

    /// The drawing's width in SVG units (an A4 page's text width at 96 dpi is about 680).
    static let width = 680.0
    /// Where bars start: the row labels are left of it.
    static let chartLeft = 190.0
    static let chartRight = 670.0
    static let rowHeight = 22.0
    /// Room above the first row for the year labels.
    static let top = 26.0
    /// Room below the last row for the legend.
    static let legendHeight = 26.0
    /// Bar colours per channel and for lists and bans, and the legend's words.
    static let legend: [(style: String, label: String)] = [
        ("creditchina", "信用中国"), ("gsxt", "国家企业信用信息公示系统"), ("dishonesty", "失信名单"), ("red", "红名单"), ("ban", "市场禁入"),
    ]

    struct Bar { let from: Int; let until: Int; let style: String; let title: String }
    struct Row { let label: String; let bars: [Bar] }

    var start: Int? { day(report["from"]?.stringValue) }
    var end: Int? { day(report["to"]?.stringValue) }

    func day(_ text: String?) -> Int? {
        guard let text else { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let year = ChinaTime.number(bytes[0..<4]), let month = ChinaTime.number(bytes[5..<7]),
            let date = ChinaTime.number(bytes[8..<10]), (1...12).contains(month)
        else { return nil }
        return CivilCalendar.dayNumber(year: year, month: month, day: date)
    }

    var rows: [Row] {
        guard let end else { return [] }
        var rows: [Row] = []
        for record in report["records"]?.arrayValue ?? [] {
            let bars = Labels.channelOrder.compactMap { channel -> Bar? in
                guard let window = record["windows"]?[channel], let from = day(window["from"]?.stringValue) else { return nil }
                return Bar(
                    from: from, until: day(window["until"]?.stringValue) ?? end, style: channel,
                    title: "\(Labels.label(channel, in: Labels.channels))：\(ReportContent.period(window))")
            }
            let date = ChinaTime.written(date: record["occurredOn"]?.stringValue ?? "")
            rows.append(Row(label: "\(Labels.label(record["kind"]?.stringValue, in: Labels.kinds)) \(date)", bars: bars))
        }
        for listing in report["lists"]?.arrayValue ?? [] {
            guard let since = day(listing["since"]?.stringValue) else { continue }
            let list = listing["list"]?.stringValue
            let name = Labels.label(list, in: Labels.lists)
            rows.append(Row(label: name, bars: [Bar(from: since, until: day(listing["until"]?.stringValue) ?? end, style: list == "red" ? "red" : "dishonesty", title: name)]))
        }
        for ban in report["bans"]?.arrayValue ?? [] {
            guard let since = day(ban["since"]?.stringValue) else { continue }
            rows.append(Row(label: "市场禁入", bars: [Bar(from: since, until: day(ban["until"]?.stringValue) ?? end, style: "ban", title: ban["scope"]?.stringValue ?? "市场禁入")]))
        }
        return rows
    }

    /// The x of the start of `day`, clamped to the period.
    func x(_ day: Int, start: Int, end: Int) -> Double {
        let span = Double(end - start + 1)
        return Self.chartLeft + (Self.chartRight - Self.chartLeft) * Double(min(max(day, start), end + 1) - start) / span
    }

    static func rounded(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }

    var context: [String: Any] {
        guard let start, let end, end >= start else { return ["empty": true, "height": "40", "width": Self.rounded(Self.width)] }
        let rows = self.rows
        let chartBottom = Self.top + Double(max(rows.count, 1)) * Self.rowHeight
        let height = chartBottom + Self.legendHeight
        let firstYear = CivilCalendar.date(dayNumber: start).year
        let lastYear = CivilCalendar.date(dayNumber: end).year
        var ticks: [[String: Any]] = []
        for year in firstYear...lastYear {
            let tick = max(CivilCalendar.dayNumber(year: year, month: 1, day: 1), start)
            ticks.append(["x": Self.rounded(x(tick, start: start, end: end)), "labelX": Self.rounded(x(tick, start: start, end: end) + 2), "label": "\(year)年"])
        }
        let rowContexts: [[String: Any]] = rows.enumerated().map { index, row in
            let y = Self.top + Double(index) * Self.rowHeight
            let shown = row.bars.filter { $0.until >= start && $0.from <= end && $0.until >= $0.from }
            let barHeight = (Self.rowHeight - 6) / Double(max(shown.count, 1))
            return [
                "labelY": Self.rounded(y + 15), "label": row.label, "lineY": Self.rounded(y + Self.rowHeight),
                "bars": shown.enumerated().map { barIndex, bar -> [String: Any] in
                    let left = x(bar.from, start: start, end: end)
                    return [
                        "x": Self.rounded(left), "y": Self.rounded(y + 3 + Double(barIndex) * barHeight),
                        "width": Self.rounded(max(2, x(bar.until + 1, start: start, end: end) - left)), "height": Self.rounded(barHeight - 1),
                        "style": bar.style, "title": bar.title,
                    ]
                },
            ]
        }
        var legendX = Self.chartLeft
        let legend: [[String: Any]] = Self.legend.map { entry in
            defer { legendX += 24 + Double(entry.label.count) * 11 }
            return ["x": Self.rounded(legendX), "textX": Self.rounded(legendX + 14), "style": entry.style, "label": entry.label]
        }
        return [
            "empty": rows.isEmpty, "width": Self.rounded(Self.width), "height": Self.rounded(height),
            "chartLeft": Self.rounded(Self.chartLeft), "chartRight": Self.rounded(Self.chartRight), "top": Self.rounded(Self.top - 6),
            "chartBottom": Self.rounded(chartBottom), "legendY": Self.rounded(height - 8), "legendBoxY": Self.rounded(height - 17),
            "ticks": ticks, "rows": rowContexts, "legend": legend,
        ]
    }
}
