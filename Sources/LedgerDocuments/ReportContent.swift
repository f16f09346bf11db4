import LedgerJSON

/// What the report page says, in Chinese, as the values its template lays out: every code of
/// the daemon's answer turned into words here, so that a template holds layout and branding
/// only. Built from the report file alone; nothing reads the clock.
struct ReportContent {
    let report: JSONValue
    let identity: ReportIdentity
    let issuer: DocumentSettings.Issuer

    /// The statements in the order the page prints them: the member of `statements`, the
    /// sentence when it holds, the sentence when it does not. Worded as what the public
    /// record shows, never as a double negative.
    static let statements: [(key: String, clear: String, found: String)] = [
        ("noPenaltyDecided", "报告期内，公示信息中未查询到行政处罚记录。", "报告期内，公示信息中查询到行政处罚记录，详见“行政处罚信息”。"),
        ("notOnSeriousDishonestyList", "截至报告期末，未查询到该主体列入严重违法失信名单的信息。", "截至报告期末，该主体列入严重违法失信名单，详见“名单信息”。"),
        ("notOnKeyAttentionList", "截至报告期末，未查询到该主体列入重点关注名单的信息。", "截至报告期末，该主体列入重点关注名单，详见“名单信息”。"),
        ("notOnAbnormalOperationsList", "截至报告期末，未查询到该主体列入经营异常名录的信息。", "截至报告期末，该主体列入经营异常名录，详见“名单信息”。"),
        ("noBanInForce", "截至报告期末，未查询到对该主体执行中的市场禁入措施。", "截至报告期末，该主体处于市场禁入期内，详见“市场禁入信息”。"),
        ("noNegativeRecordDisplayed", "截至报告期末，公示信息中未查询到正在公示的失信信息。", "截至报告期末，公示信息中有正在公示的失信信息，详见上文各部分。"),
    ]
    /// The red list is an incentive: said when listed, and plainly when not.
    static let redList = (key: "onRedList", listed: "截至报告期末，该主体列入红名单，详见“名单信息”。", notListed: "截至报告期末，未查询到该主体列入红名单的信息。")

    /// Record kinds grouped into the page's sections, in order; kinds not named go to the last.
    static let recordSections: [(title: String, kinds: Set<String>)] = [
        ("行政许可信息", ["license.granted"]),
        ("行政处罚信息", ["penalty.imposed"]),
        ("其他公示信息", []),
    ]

    var person: Bool { report["entityKind"]?.stringValue == "natural-person" }

    /// The template's root object.
    var context: [String: Any] {
        let head = report["head"] ?? .null
        let seq = head["seq"]?.intValue ?? 0
        let issuedAt = head["recordedAt"]?.stringValue.map(ChinaTime.written(utc:)) ?? "—"
        var context: [String: Any] = [
            "title": "公共信用信息报告",
            "number": identity.number,
            "verificationCode": identity.verificationCode,
            "issuedAt": issuedAt,
            "dataAsOf": "\(issuedAt)（账本第 \(seq) 号记录）",
            "headSeq": String(seq),
            "headHash": head["hash"]?.stringValue ?? "",
            "issuer": issuerContext,
            "periodFrom": ChinaTime.written(date: report["from"]?.stringValue ?? ""),
            "periodTo": ChinaTime.written(date: report["to"]?.stringValue ?? ""),
            "subject": subject,
            "statements": statementLines,
            "sections": sections,
            "lists": lists,
            "hasLists": !(report["lists"]?.arrayValue ?? []).isEmpty,
            "bans": bans,
            "hasBans": !(report["bans"]?.arrayValue ?? []).isEmpty,
            "commitments": commitments,
            "hasCommitments": !(report["commitments"]?.arrayValue ?? []).isEmpty,
            "timeline": ReportTimeline(report: report).context,
            "person": person,
        ]
        for (key, heading) in headings { context[key] = heading }
        if report["basis"]?["rulesChanged"] != nil {
            context["rulesChanged"] = "本报告按不同于原报告的公示规则重新计算，内容可能与原报告不同。"
        }
        return context
    }

    var issuerContext: [String: Any] {
        var context: [String: Any] = ["name": issuer.name]
        for (key, value) in [("department", issuer.department), ("address", issuer.address), ("telephone", issuer.telephone), ("window", issuer.window)] {
            if let value { context[key] = value }
        }
        return context
    }

    var subject: [String: Any] {
        let profile = report["profile"]
        var subject: [String: Any] = [
            "code": report["entity"]?.stringValue ?? "",
            "codeLabel": person ? "公民身份号码" : "统一社会信用代码",
            "kind": Labels.label(report["entityKind"]?.stringValue, in: Labels.entityKinds),
            "name": profile?["name"]?.stringValue ?? "（公示信息中无登记名称）",
        ]
        if let type = profile?["entityType"]?.stringValue.map({ Labels.label($0, in: Labels.entityTypes) }), type != subject["kind"] as? String {
            subject["entityType"] = type
        }
        if let region = profile?["region"]?.stringValue { subject["region"] = region }
        if let representative = profile?["legalRepresentative"]?["name"]?.stringValue { subject["legalRepresentative"] = representative }
        return subject
    }

    var statementLines: [[String: Any]] {
        let values = report["statements"]
        var lines: [[String: Any]] = Self.statements.map { statement in
            let clear = values?[statement.key]?.boolValue ?? false
            return ["text": clear ? statement.clear : statement.found, "clear": clear]
        }
        let listed = values?[Self.redList.key]?.boolValue ?? false
        lines.append(["text": listed ? Self.redList.listed : Self.redList.notListed, "clear": true])
        return lines
    }

    /// The records of each section; the catch-all section only when it has any.
    var sectionRecords: [(title: String, records: [JSONValue])] {
        let records = report["records"]?.arrayValue ?? []
        let named = Self.recordSections.reduce(into: Set<String>()) { $0.formUnion($1.kinds) }
        return Self.recordSections.compactMap { section in
            let members = records.filter { record in
                let kind = record["kind"]?.stringValue ?? ""
                return section.kinds.isEmpty ? !named.contains(kind) : section.kinds.contains(kind)
            }
            return section.kinds.isEmpty && members.isEmpty ? nil : (section.title, members)
        }
    }

    /// 一、二、… in the order the page prints its parts.
    static let ordinals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]

    /// The numbered headings: the record sections, then lists, bans, commitments (when any) and the timeline.
    var headings: [(String, String)] {
        var titles = [("headingSubject", "主体基本信息"), ("headingStatements", "信用状况")]
        titles += sectionRecords.enumerated().map { ("headingSection\($0.offset)", $0.element.title) }
        titles += [("headingLists", "名单信息"), ("headingBans", "市场禁入信息")]
        if !(report["commitments"]?.arrayValue ?? []).isEmpty { titles.append(("headingCommitments", "信用承诺及履行情况")) }
        titles.append(("headingTimeline", "公示时间轴"))
        precondition(titles.count <= Self.ordinals.count)
        return titles.enumerated().map { ($1.0, "\(Self.ordinals[$0])、\($1.1)") }
    }

    var sections: [[String: Any]] {
        let numbered = Dictionary(uniqueKeysWithValues: headings)
        return sectionRecords.enumerated().map { index, section in
            [
                "heading": numbered["headingSection\(index)"] ?? section.title,
                "records": section.records.enumerated().map { recordContext($1, index: $0 + 1) }, "hasRecords": !section.records.isEmpty,
                "none": "报告期内，公示信息中未查询到\(section.title)。",
            ]
        }
    }

    func recordContext(_ record: JSONValue, index: Int) -> [String: Any] {
        let body = record["body"] ?? .null
        let kind = record["kind"]?.stringValue ?? ""
        var context: [String: Any] = [
            "index": String(index),
            "kind": Labels.label(kind, in: Labels.kinds),
            "decisionNo": body["decisionNo"]?.stringValue ?? "—",
            "decidedOn": ChinaTime.written(date: record["occurredOn"]?.stringValue ?? ""),
            "content": (record["authority"]?.stringValue.map { "决定机关：\($0)\n" } ?? "") + Self.content(kind: kind, body: body),
            "windows": Labels.channelOrder.compactMap { channel -> [String: Any]? in
                guard let window = record["windows"]?[channel] else { return nil }
                return ["channel": Labels.label(channel, in: Labels.channels), "period": Self.period(window)]
            },
        ]
        let severities = Labels.channelOrder.compactMap { channel in
            record["severity"]?[channel]?.stringValue.map { (channel, Labels.label($0, in: Labels.severities)) }
        }
        if Set(severities.map(\.1)).count == 1 {
            context["severity"] = severities[0].1
        } else if !severities.isEmpty {
            context["severity"] = severities.map { "\(Labels.label($0.0, in: Labels.channelShortNames))：\($0.1)" }.joined(separator: "，")
        }
        return context
    }

    /// "2026年2月15日 至 2029年2月15日" of a display window shown on the report's date.
    static func period(_ window: JSONValue) -> String {
        let from = window["from"]?.stringValue.map(ChinaTime.written(date:)) ?? "—"
        guard let until = window["until"]?.stringValue else { return "\(from) 起" }
        return "\(from) 至 \(ChinaTime.written(date: until))"
    }

    /// The record's content in words: a penalty's violation, measures and basis; a licence's
    /// category, scope and validity; otherwise its content or description.
    static func content(kind: String, body: JSONValue) -> String {
        switch kind {
        case "penalty.imposed":
            var parts: [String] = []
            if let violation = body["violation"]?.stringValue { parts.append("违法行为：\(violation)") }
            let measures = (body["measures"]?.arrayValue ?? []).map(measure)
            if !measures.isEmpty { parts.append("处罚内容：\(measures.joined(separator: "；"))") }
            if let basis = body["legalBasis"]?.stringValue { parts.append("处罚依据：\(basis)") }
            return parts.joined(separator: "\n")
        case "license.granted":
            var parts: [String] = []
            if let category = body["category"]?.stringValue { parts.append("许可类别：\(category)") }
            if let content = body["content"]?.stringValue { parts.append("许可内容：\(content)") }
            if let from = body["validFrom"]?.stringValue {
                parts.append("有效期：\(ChinaTime.written(date: from)) 至 \(body["validUntil"]?.stringValue.map(ChinaTime.written(date:)) ?? "长期")")
            }
            return parts.joined(separator: "\n")
        default:
            return ["content", "description", "reason", "category", "outcome"].compactMap { body[$0]?.stringValue }.first ?? "—"
        }
    }

    /// "罚款 50,000 元", "暂扣许可证件（至2026年5月15日）".
    static func measure(_ measure: JSONValue) -> String {
        var text = Labels.label(measure["type"]?.stringValue, in: Labels.measures)
        if let amount = measure["amountYuan"]?.intValue { text += " \(groupedYuan(amount)) 元" }
        if let until = measure["termUntil"]?.stringValue { text += "（至\(ChinaTime.written(date: until))）" }
        return text
    }

    /// 1234567 → "1,234,567".
    static func groupedYuan(_ amount: Int64) -> String {
        var digits = String(amount.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(Substring(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (amount < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    var lists: [[String: Any]] {
        (report["lists"]?.arrayValue ?? []).enumerated().map { index, listing in
            let channels = (listing["channels"]?.arrayValue ?? []).compactMap(\.stringValue).map { Labels.label($0, in: Labels.channels) }
            return [
                "index": String(index + 1),
                "name": Labels.label(listing["list"]?.stringValue, in: Labels.lists),
                "since": ChinaTime.written(date: listing["since"]?.stringValue ?? ""),
                "until": listing["until"]?.stringValue.map(ChinaTime.written(date:)) ?? "—",
                "channels": channels.joined(separator: "、"),
            ]
        }
    }

    var bans: [[String: Any]] {
        (report["bans"]?.arrayValue ?? []).enumerated().map { index, ban in
            let permanent = ban["permanent"]?.boolValue ?? false
            return [
                "index": String(index + 1),
                "scope": ban["scope"]?.stringValue ?? "—",
                "since": ChinaTime.written(date: ban["since"]?.stringValue ?? ""),
                "until": permanent ? "终身" : ban["until"]?.stringValue.map(ChinaTime.written(date:)) ?? "—",
            ]
        }
    }

    var commitments: [[String: Any]] {
        (report["commitments"]?.arrayValue ?? []).enumerated().map { index, commitment in
            [
                "index": String(index + 1),
                "type": Labels.label(commitment["type"]?.stringValue, in: Labels.commitmentTypes),
                "dueOn": commitment["dueOn"]?.stringValue.map(ChinaTime.written(date:)) ?? "—",
                "outcome": Labels.label(commitment["outcome"]?.stringValue, in: Labels.commitmentOutcomes),
            ]
        }
    }
}
