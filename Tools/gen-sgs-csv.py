#!/usr/bin/env python3
"""Writes a 双公示 penalty CSV of N rows with valid USCCs (deterministic from a seed), for
measuring `creditctl import`.   Tools/gen-sgs-csv.py ROWS OUT.csv [SEED]"""
import csv, random, sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
REGIONS = ["110105", "110108", "310115", "440305", "330106", "350102", "510107", "420106", "610113", "120101"]

def uscc(rng):
    # Registration authority 9 (SAMR), type 1 (enterprise), a region, an organisation code with its check.
    body = [rng.randrange(10) for _ in range(8)]
    check = 11 - sum(d * w for d, w in zip(body, ORG_WEIGHTS)) % 11
    org = "".join(map(str, body)) + ("X" if check == 10 else "0" if check == 11 else str(check))
    code = "91" + rng.choice(REGIONS) + org
    total = sum(ALPHABET.index(c) * w for c, w in zip(code, WEIGHTS))
    return code + ALPHABET[(31 - total % 31) % 31]

def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    header = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
              "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "处罚决定日期", "处罚机关", "数据来源单位"]
    kinds = [("警告", "", ""), ("罚款", "2", ""), ("警告、罚款", "0.5", ""), ("罚款；没收违法所得", "3.25", "0.8"), ("吊销许可证件", "", "")]
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(rows):
            category, fine, confiscated = rng.choice(kinds)
            year = rng.randrange(2019, 2027)
            writer.writerow([f"某某公司{i}", "法人及非法人组织", uscc(rng), "张三", f"京市监罚〔{year}〕{i}号", "食品安全", "销售超过保质期的食品",
                             "《中华人民共和国食品安全法》第一百二十四条", category, category, fine, confiscated,
                             f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}", "北京市市场监督管理局", "北京市市场监督管理局"])

main()
