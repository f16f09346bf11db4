import LedgerJSON

/// Chinese labels for the codes in the daemon's answers, for people reading tables (the
/// content is Chinese: decisions, authorities, lists). `--json` keeps the codes; a code with
/// no label here is shown as it is.
public enum Labels {
    /// Event kinds (Schemas/events). The report page uses the same names.
    public static let kinds: [String: String] = [
        "entity.profiled": "主体登记信息", "entity.deregistered": "注销", "license.granted": "行政许可", "license.ended": "许可终止",
        "penalty.imposed": "行政处罚", "penalty.fulfilled": "处罚履行", "admin.action": "行政行为",
        "commitment.made": "信用承诺", "commitment.fulfilled": "承诺履行", "commitment.breached": "失信承诺",
        "list.entered": "列入名单", "list.exited": "移出名单", "warning.issued": "警示", "interview.recorded": "约谈",
        "ban.imposed": "市场禁入", "ban.lifted": "禁入解除", "objection.filed": "异议申请", "objection.resolved": "异议处理",
        "record.corrected": "信息更正", "record.revoked": "撤销", "repair.applied": "信用修复申请", "repair.accepted": "修复受理",
        "repair.granted": "修复决定", "repair.rejected": "修复不予", "repair.revoked": "修复撤销（欺诈）", "grade.assessed": "信用评价",
        "repair.extended": "修复延期", "shielding.started": "屏蔽（破产重整）", "shielding.ended": "屏蔽结束",
    ]
    public static let lists: [String: String] = [
        "serious-dishonesty": "严重违法失信名单", "key-attention": "重点关注名单", "abnormal-operations": "经营异常名录", "red": "红名单",
    ]
    public static let channels: [String: String] = ["creditchina": "信用中国", "gsxt": "国家企业信用信息公示系统"]
    /// Channels in a few characters, where a sentence or a column names both.
    public static let channelShortNames: [String: String] = ["creditchina": "信用中国", "gsxt": "公示系统"]
    /// The order tables, pages and the desk show the channels in.
    public static let channelOrder = ["creditchina", "gsxt"]
    /// The channels in that order, with short column titles.
    public static var channelColumns: [(code: String, title: String)] { channelOrder.map { ($0, label($0, in: channelShortNames)) } }
    public static let severities: [String: String] = ["minor": "轻微", "general": "一般", "serious": "严重"]
    /// Why a display window ended (protocol.md, `display`).
    public static let endReasons: [String: String] = [
        "expired": "公示期满", "repaired": "信用修复", "revoked": "已撤销", "list-exit": "移出名单", "deregistered": "主体注销",
        "lifted": "已解除", "shielded": "已屏蔽",
    ]
    public static let decisions: [String: String] = ["restricted": "受限", "eligible": "适用激励", "none": "不适用"]
    public static let flags: [String: String] = [
        "seriousDishonesty": "严重失信", "keyAttention": "重点关注", "abnormalOperations": "经营异常", "redList": "红名单",
        "banned": "禁入中", "underObjection": "异议中", "deregistered": "已注销",
    ]
    public static let commitmentOutcomes: [String: String] = ["open": "未到期", "fulfilled": "已履行", "breached": "已违约"]
    public static let pendingKinds: [String: String] = ["objection": "异议", "repair": "信用修复"]
    public static let pendingStages: [String: String] = ["check": "核查", "acceptance": "受理", "decision": "决定", "reply": "答复"]
    /// Penalty measures (Schemas/events/penalty.imposed.json), as decisions name them.
    public static let measures: [String: String] = [
        "warning": "警告", "criticism": "通报批评", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
        "license-suspension": "暂扣许可证件", "qualification-downgrade": "降低资质等级", "license-revocation": "吊销许可证件",
        "business-restriction": "限制开展生产经营活动", "production-suspension": "责令停产停业", "closure": "责令关闭",
        "practice-restriction": "限制从业", "detention": "行政拘留", "other": "其他行政处罚",
    ]
    public static let procedures: [String: String] = ["simple": "简易程序", "ordinary": "普通程序"]
    public static let commitmentTypes: [String: String] = [
        "notify-commit": "告知承诺", "repair": "信用修复承诺", "voluntary": "主动型承诺", "industry": "行业自律承诺",
    ]
    public static let entityTypes: [String: String] = [
        "enterprise": "企业", "individual-business": "个体工商户", "farmer-cooperative": "农民专业合作社", "public-institution": "事业单位",
        "social-organisation": "社会组织", "government-body": "机关", "natural-person": "自然人", "other": "其他",
    ]
    public static let entityKinds: [String: String] = ["organisation": "法人和其他组织", "natural-person": "自然人"]

    /// The label of `code` in `table`, or the code itself.
    public static func label(_ code: String?, in table: [String: String]) -> String {
        guard let code else { return "—" }
        return table[code] ?? code
    }

    /// A member as text: a string as it is, `null` or absent as "—", anything else as JSON.
    public static func text(_ value: JSONValue?) -> String {
        guard let value, !value.isNull else { return "—" }
        return value.stringValue ?? CanonicalJSON.string(value)
    }

    /// What identifies a record for a person: its decision number, else its content, else its eventId.
    public static func what(_ record: JSONValue) -> String {
        let body = record["body"]
        return body?["decisionNo"]?.stringValue ?? body?["content"]?.stringValue ?? body?["violation"]?.stringValue
            ?? record["eventId"]?.stringValue ?? "—"
    }

    /// A display window as one cell: "2024-05-10 至 2025-05-10（公示期满）", "2024-05-10 起", "不公示".
    public static func window(_ window: JSONValue?) -> String {
        guard let window, let from = window["from"]?.stringValue else {
            return window?["notDisplayedBecause"]?.stringValue.map { "不公示（\($0)）" } ?? "不公示"
        }
        var text = window["until"]?.stringValue.map { "\(from) 至 \($0)" } ?? "\(from) 起"
        if let reason = window["endReason"]?.stringValue { text += "（\(label(reason, in: endReasons))）" }
        if let repairable = window["repairableFrom"]?.stringValue { text += "，可修复自 \(repairable)" }
        return text
    }
}
