import LedgerJSON

/// The printable page of a credit report (公共信用信息报告): the report's facts and an SVG
/// timeline of every record's display window per channel, the lists and the bans. Built
/// from the report JSON alone, so the page is as reproducible as the report.
enum ReportPage {
    static let kindNames = Labels.kinds
    static let listNames = Labels.lists
    static let statementNames: [(String, String)] = [
        ("noPenaltyDecided", "报告期内无行政处罚决定"), ("notOnSeriousDishonestyList", "报告期内未列入严重违法失信名单"),
        ("notOnKeyAttentionList", "报告期内未列入重点关注名单"), ("notOnAbnormalOperationsList", "报告期内未列入经营异常名录"),
        ("noBanInForce", "报告期内无市场禁入"), ("noNegativeRecordDisplayed", "报告期内无公示中的失信记录"), ("onRedList", "报告期内列入红名单"),
    ]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Days since 1970-01-01 of "YYYY-MM-DD".
    static func day(_ text: String?) -> Int? {
        guard let text, text.count == 10 else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
        let y = parts[1] <= 2 ? parts[0] - 1 : parts[0]
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (parts[1] + 9) % 12
        let doy = (153 * mp + 2) / 5 + parts[2] - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func html(_ report: JSONValue) -> String {
        let from = report["from"]?.stringValue ?? ""
        let to = report["to"]?.stringValue ?? ""
        let name = report["profile"]?["name"]?.stringValue ?? "—"
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>公共信用信息报告 \(escape(report["entity"]?.stringValue ?? ""))</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif;margin:24px auto;max-width:980px;color:#111}
            h1{font-size:22px;text-align:center;margin:0 0 4px} .sub{text-align:center;color:#555;font-size:12px;margin-bottom:16px}
            table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0 16px} th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}
            th{background:#eee;width:22%} h2{font-size:16px;border-left:4px solid #b22;padding-left:8px;margin-top:20px}
            .yes{color:#176d2c;font-weight:bold} .no{color:#b22;font-weight:bold} .mono{font-family:monospace;font-size:11px;word-break:break-all}
            @media print{body{margin:0}}
            </style></head><body>
            <h1>公共信用信息报告</h1>
            <div class="sub">Public credit report · CreditLedger · 报告期间 \(escape(from)) 至 \(escape(to))</div>
            <table>
            <tr><th>主体名称</th><td>\(escape(name))</td></tr>
            <tr><th>统一社会信用代码 / 证件号码</th><td>\(escape(report["entity"]?.stringValue ?? ""))</td></tr>
            <tr><th>报告期间</th><td>\(escape(from)) — \(escape(to))</td></tr>
            <tr><th>数据截至（账本位置）</th><td>seq \(CanonicalJSON.string(report["head"]?["seq"] ?? 0))<br><span class="mono">\(escape(report["head"]?["hash"]?.stringValue ?? ""))</span></td></tr>
            </table>
            <h2>信用声明 Statements</h2><table>
            """
        for (key, label) in statementNames {
            let value = report["statements"]?[key]?.boolValue ?? false
            // "Not on a list" reads good when true; the red list is an incentive, shown plain when absent.
            let style = key == "onRedList" ? (value ? "yes" : "") : (value ? "yes" : "no")
            page += "<tr><th>\(escape(label))</th><td class=\"\(style)\">\(value ? "是 yes" : "否 no")</td></tr>\n"
        }
        page += "</table>\n<h2>公示时间轴 Timeline</h2>\n" + timeline(report) + "\n<h2>记录 Records</h2>\n<table><tr><th>类别</th><th>决定日期</th><th>文号 / 内容</th><th>公示期</th></tr>\n"
        let records = report["records"]?.arrayValue ?? []
        if records.isEmpty { page += "<tr><td colspan=\"4\">报告期内无公示记录</td></tr>\n" }
        for record in records {
            let kind = record["kind"]?.stringValue ?? ""
            let body = record["body"]
            let what = [body?["decisionNo"]?.stringValue, body?["content"]?.stringValue, body?["violation"]?.stringValue].compactMap { $0 }.joined(separator: "；")
            let windows = (record["windows"]?.objectValue ?? []).map { channel, window in
                "\(channel == "gsxt" ? "国家企业信用信息公示系统" : "信用中国")：\(window["from"]?.stringValue ?? "—") 至 \(window["until"]?.stringValue ?? "长期")\(window["endReason"]?.stringValue.map { "（\($0)）" } ?? "")"
            }.joined(separator: "<br>")
            page += "<tr><td>\(escape(kindNames[kind] ?? kind))\(record["severity"]?.stringValue.map { " · \($0)" } ?? "")</td><td>\(escape(record["occurredOn"]?.stringValue ?? ""))</td><td>\(escape(what))</td><td>\(windows)</td></tr>\n"
        }
        page += "</table>\n<h2>名单与禁入 Lists and bans</h2>\n<table><tr><th>名单 / 禁入</th><th>起</th><th>止</th><th>依据</th></tr>\n"
        let lists = report["lists"]?.arrayValue ?? []
        let bans = report["bans"]?.arrayValue ?? []
        if lists.isEmpty && bans.isEmpty { page += "<tr><td colspan=\"4\">报告期内无</td></tr>\n" }
        for listing in lists {
            let list = listing["list"]?.stringValue ?? ""
            page += "<tr><td>\(escape(listNames[list] ?? list))</td><td>\(escape(listing["since"]?.stringValue ?? ""))</td><td>\(escape(listing["until"]?.stringValue ?? "—"))</td><td>\(escape((listing["rules"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")))</td></tr>\n"
        }
        for ban in bans {
            page += "<tr><td>市场禁入（\(escape(ban["scope"]?.stringValue ?? ""))）</td><td>\(escape(ban["since"]?.stringValue ?? ""))</td><td>\(escape(ban["until"]?.stringValue ?? (ban["permanent"]?.boolValue == true ? "终身" : "—")))</td><td></td></tr>\n"
        }
        page += """
            </table>
            <p class="sub">本报告依据账本 seq \(CanonicalJSON.string(report["head"]?["seq"] ?? 0)) 生成，任何人可在该位置重新计算并得到相同内容（{"op":"report","head":\(CanonicalJSON.string(report["head"]?["seq"] ?? 0))}）。个人信息已按规定遮蔽。</p>
            </body></html>

            """
        return page
    }

    /// One row per record (one bar per channel), listing and ban, over the report period.
    static func timeline(_ report: JSONValue) -> String {
        guard let start = day(report["from"]?.stringValue), let end = day(report["to"]?.stringValue), end >= start else { return "" }
        let left = 230.0, width = 940.0, rowHeight = 22.0, top = 28.0
        let span = Double(max(end - start + 1, 1))
        func x(_ day: Int) -> Double { left + (width - left - 10) * Double(min(max(day, start), end + 1) - start) / span }
        var rows: [(label: String, bars: [(from: Int, until: Int, color: String, title: String)])] = []
        for record in report["records"]?.arrayValue ?? [] {
            let kind = record["kind"]?.stringValue ?? ""
            var bars: [(Int, Int, String, String)] = []
            for (channel, window) in record["windows"]?.objectValue ?? [] {
                guard let from = day(window["from"]?.stringValue) else { continue }
                let until = day(window["until"]?.stringValue) ?? end
                let color = channel == "gsxt" ? "#2f7d4a" : "#2a5db0"
                bars.append((from, until, color, "\(channel) \(window["from"]?.stringValue ?? "") – \(window["until"]?.stringValue ?? "…")"))
                if let resumedFrom = day(window["resumed"]?["from"]?.stringValue), let resumedUntil = day(window["resumed"]?["until"]?.stringValue) {
                    bars.append((resumedFrom, resumedUntil, color, "\(channel) resumed"))
                }
            }
            rows.append(("\(kindNames[kind] ?? kind) \(record["occurredOn"]?.stringValue ?? "")", bars))
        }
        for listing in report["lists"]?.arrayValue ?? [] {
            guard let since = day(listing["since"]?.stringValue) else { continue }
            let list = listing["list"]?.stringValue ?? ""
            rows.append((listNames[list] ?? list, [(since, day(listing["until"]?.stringValue) ?? end, list == "red" ? "#d98c00" : "#b22222", list)]))
        }
        for ban in report["bans"]?.arrayValue ?? [] {
            guard let since = day(ban["since"]?.stringValue) else { continue }
            rows.append(("市场禁入 \(ban["scope"]?.stringValue ?? "")", [(since, day(ban["until"]?.stringValue) ?? end, "#222", "ban")]))
        }
        let height = top + Double(max(rows.count, 1)) * rowHeight + 24
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\" role=\"img\" aria-label=\"timeline\">\n"
        // Year ticks.
        let firstYear = Int(report["from"]?.stringValue?.prefix(4) ?? "") ?? 2000
        let lastYear = Int(report["to"]?.stringValue?.prefix(4) ?? "") ?? firstYear
        for year in firstYear...max(firstYear, lastYear) {
            guard let tick = day(String(format: "%04d-01-01", year)) else { continue }
            let position = x(max(tick, start))
            svg += "<line x1=\"\(position)\" y1=\"\(top - 6)\" x2=\"\(position)\" y2=\"\(height - 20)\" stroke=\"#ccc\"/>"
            svg += "<text x=\"\(position + 2)\" y=\"\(top - 10)\" fill=\"#555\">\(year)</text>\n"
        }
        if rows.isEmpty { svg += "<text x=\"\(left)\" y=\"\(top + 15)\" fill=\"#555\">报告期内无公示记录、名单或禁入</text>\n" }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            svg += "<text x=\"4\" y=\"\(y + 15)\">\(escape(row.label))</text>"
            for (barIndex, bar) in row.bars.enumerated() where bar.until >= start && bar.from <= end && bar.until >= bar.from {
                let barHeight = row.bars.count > 1 ? (rowHeight - 6) / Double(row.bars.count) : rowHeight - 6
                let barY = y + 3 + Double(barIndex) * barHeight
                svg += "<rect x=\"\(x(bar.from))\" y=\"\(barY)\" width=\"\(max(2, x(bar.until + 1) - x(bar.from)))\" height=\"\(barHeight - 1)\" fill=\"\(bar.color)\"><title>\(escape(bar.title))</title></rect>"
            }
            svg += "\n"
        }
        let legendY = height - 6
        svg += "<rect x=\"\(left)\" y=\"\(legendY - 9)\" width=\"10\" height=\"9\" fill=\"#2a5db0\"/><text x=\"\(left + 14)\" y=\"\(legendY)\">信用中国</text>"
        svg += "<rect x=\"\(left + 80)\" y=\"\(legendY - 9)\" width=\"10\" height=\"9\" fill=\"#2f7d4a\"/><text x=\"\(left + 94)\" y=\"\(legendY)\">国家企业信用信息公示系统</text>"
        svg += "<rect x=\"\(left + 250)\" y=\"\(legendY - 9)\" width=\"10\" height=\"9\" fill=\"#b22222\"/><text x=\"\(left + 264)\" y=\"\(legendY)\">失信名单</text>"
        svg += "<rect x=\"\(left + 330)\" y=\"\(legendY - 9)\" width=\"10\" height=\"9\" fill=\"#d98c00\"/><text x=\"\(left + 344)\" y=\"\(legendY)\">红名单</text>"
        svg += "<rect x=\"\(left + 400)\" y=\"\(legendY - 9)\" width=\"10\" height=\"9\" fill=\"#222\"/><text x=\"\(left + 414)\" y=\"\(legendY)\">禁入</text>\n</svg>"
        return svg
    }
}
