#!/usr/bin/env python3
"""Writes Tools/samples/showcase.jsonl: two organisations of one district, one with a rich history
(licences, penalties of each severity, a revoked and a corrected penalty, a repair, an abnormal-operations
listing and its exit, a serious-dishonesty listing, a ban, a commitment kept, a pending objection), in
recording order. The codes are valid USCCs (check characters computed once with Tools/gen's uscc()).
Usage: Tools/samples/make-showcase.py (from the repository root)."""
import json

A, B = "911101054423232294", "91110105183406299G"
AUTH = "北京市朝阳区市场监督管理局"
events = []
def ev(i, kind, entity, on, body=None, refs=None, authority=AUTH):
    e = {"eventId": "show-" + i, "kind": kind, "entity": entity, "occurredOn": on, "source": {"authority": authority}}
    if refs: e["refs"] = ["show-" + r for r in refs]
    e["body"] = body or {}
    events.append(e)
def pen(i, on, no, violation, basis, measures, sector="general", procedure="ordinary", entity=None, authority=AUTH):
    ev(i, "penalty.imposed", entity or A, on, {"decisionNo": no, "procedure": procedure, "measures": measures, "violation": violation, "legalBasis": basis, "sector": sector}, authority=authority)
ev("prof", "entity.profiled", A, "2019-03-15", {"name": "北京示例食品科技有限公司", "entityType": "enterprise", "region": "110105",
   "legalRepresentative": {"name": "王建国", "idNumber": "110105197203150017"}, "address": "北京市朝阳区示例路 88 号"})
ev("prof-b", "entity.profiled", B, "2020-07-01", {"name": "北京示例商贸有限公司", "entityType": "enterprise", "region": "110105",
   "legalRepresentative": {"name": "李红"}})
ev("lic-1", "license.granted", A, "2023-06-01", {"decisionNo": "JY11105000123456", "category": "食品经营许可", "content": "预包装食品销售、热食类食品制售", "validFrom": "2023-06-01", "validUntil": "2028-05-31"})
ev("lic-2", "license.granted", A, "2024-02-10", {"decisionNo": "京朝卫许〔2024〕0210号", "category": "公共场所卫生许可", "content": "餐饮服务场所", "validFrom": "2024-02-10", "validUntil": "2028-02-09"})
pen("p-rev", "2024-01-05", "京朝市监罚〔2024〕5号", "未按规定公示食品经营许可证", "《食品安全法》第一百二十六条", [{"type": "fine", "amountYuan": 20000}])
ev("p-rev-x", "record.revoked", A, "2024-02-01", {"reason": "decision-revoked", "note": "行政复议决定撤销原处罚决定"}, refs=["p-rev"])
pen("p-1", "2024-05-10", "京朝市监罚〔2024〕318号", "销售超过保质期的食品", "《食品安全法》第一百二十四条第一款第（五）项", [{"type": "fine", "amountYuan": 50000}, {"type": "confiscation", "amountYuan": 12000}], sector="food")
ev("p-1-f", "penalty.fulfilled", A, "2024-06-03", {"note": "罚没款已缴清"}, refs=["p-1"])
pen("p-2", "2025-03-12", "京朝市监罚〔2025〕77号", "未按规定展示营业执照", "《市场主体登记管理条例》第四十八条", [{"type": "warning"}])
pen("p-3", "2025-08-20", "京朝市监罚〔2025〕506号", "虚假宣传", "《反不正当竞争法》第二十条", [{"type": "fine", "amountYuan": 80000}])
ev("p-3-f", "penalty.fulfilled", A, "2025-09-05", {"note": "罚款已缴清"}, refs=["p-3"])
ev("ao-in", "list.entered", A, "2025-10-09", {"list": "abnormal-operations", "authority": AUTH, "decisionNo": "京朝市监异〔2025〕1009号", "reason": "未按规定报送年度报告"})
ev("ao-out", "list.exited", A, "2026-01-10", {"reason": "repair", "note": "已补报年度报告"}, refs=["ao-in"])
ev("r-3-a", "repair.applied", A, "2025-12-01", {"commitment": "已停止违法行为，消除影响，并履行全部义务", "channel": "creditchina"}, refs=["p-3"])
ev("r-3-c", "repair.accepted", A, "2025-12-03", {}, refs=["r-3-a"])
ev("r-3-g", "repair.granted", A, "2025-12-10", {"reason": "符合信用修复条件"}, refs=["r-3-a"])
pen("p-4", "2026-02-15", "京朝市监罚〔2026〕102号", "生产经营不符合食品安全标准的食品", "《食品安全法》第一百二十四条", [{"type": "fine", "amountYuan": 300000}, {"type": "license-suspension", "termUntil": "2026-05-15"}], sector="food")
ev("p-4-c", "record.corrected", A, "2026-02-20", {"fields": {"violation": "生产经营不符合食品安全标准的食品（更正：涉及批次 2 个）"}, "reason": "原决定书笔误更正"}, refs=["p-4"])
ev("cm-1", "commitment.made", A, "2026-03-01", {"type": "notify-commit", "text": "承诺在六个月内完成食品安全管理体系整改", "dueOn": "2026-09-01"})
ev("cm-1-f", "commitment.fulfilled", A, "2026-08-28", {}, refs=["cm-1"])
ev("sd-in", "list.entered", A, "2026-04-01", {"list": "serious-dishonesty", "authority": "北京市市场监督管理局", "decisionNo": "京市监严〔2026〕12号", "reason": "一年内因食品安全违法行为受到两次以上较重行政处罚", "termUntil": "2029-03-31"})
ev("ban-1", "ban.imposed", A, "2026-04-01", {"scope": "食品生产经营", "termUntil": "2031-03-31"})
pen("p-5", "2026-06-18", "京朝应急罚〔2026〕41号", "未按规定开展安全生产教育培训", "《安全生产法》第九十七条", [{"type": "fine", "amountYuan": 30000}], sector="work-safety", authority="北京市朝阳区应急管理局")
pen("p-6", "2026-09-09", "京朝市监罚〔2026〕733号", "未按规定索证索票", "《食品安全法》第一百二十六条", [{"type": "fine", "amountYuan": 5000}], sector="food")
ev("ob-1", "objection.filed", A, "2026-11-20", {"grounds": "处罚决定书所载违法事实与实际不符，已申请行政复议"}, refs=["p-6"])
ev("lic-b", "license.granted", B, "2021-04-01", {"decisionNo": "JY11105000654321", "category": "食品经营许可", "content": "预包装食品销售", "validFrom": "2021-04-01", "validUntil": "2026-03-31"})
# recording order: by date
events.sort(key=lambda e: e["occurredOn"])
with open("Tools/samples/showcase.jsonl", "w") as f:
    for e in events: f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"{len(events)} events for {A} and {B}")
