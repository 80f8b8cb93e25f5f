"""Writes spreadsheets the way other software and people do (openpyxl here; LibreOffice converts
some of them to .xls in the Rust test setup): merged title rows, notes rows, blank rows, spaced
headers, full-width digits, bad and duplicate ID numbers, card numbers typed as numbers.
Synthetic people only: made-up names, generated checksum-valid ID numbers.

usage: make_foreign.py OUT_DIR
"""
import datetime
import sys

from openpyxl import Workbook
from openpyxl.styles import Font

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id18(area, birth, seq):
    body = f"{area}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, W)) % 11]


def find_id(area, birth, want_x, male=True):
    for seq in range(1 if male else 2, 999, 2):
        i = id18(area, birth, seq)
        if i.endswith("X") == want_x:
            return i
    raise SystemExit("no id")


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in s)


ID_X = find_id("110105", "19850312", True)  # ends in X; written with a lowercase x
ID_FW = find_id("320102", "19900707", False, male=False)  # written in full-width digits
ID_15 = "110105491231002"  # legacy 15-digit number, upgrades to 11010519491231002X
ID_OK4 = find_id("440106", "19780101", False)
ID_OK5 = find_id("440106", "19810202", False)
ID_OK6 = find_id("510104", "19920505", False, male=False)
ID_OK7 = find_id("510104", "19930606", False, male=False)
ID_BAD = ID_OK4[:-1] + ("0" if ID_OK4[-1] != "0" else "1")  # wrong check character


def roster(path, messy):
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "示例市第一人民医院卫生技术人员花名册"
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:K1")
    ws["A2"] = "填报单位：示例市第一人民医院（盖章）"
    ws["F2"] = "填报日期：2026年11月20日"
    # row 3 blank
    ws.append([])
    header = ["姓  名", "性别", "身份证\n号码", "IC卡号", "所在科室", "职称", "职称级别", "职称系列", "手机", "人员状态", "备注栏"]
    for col, h in enumerate(header, start=1):
        ws.cell(row=4, column=col, value=h)
    rows = [
        # row 5: lowercase x
        ["赵 一鸣", "男", ID_X.lower(), "3201000101", "心血管内科", "主治医师", "中级", "医师", "13800000001", "正常", ""],
        # row 6: full-width digits in ID and phone
        ["钱二妹", "女", fullwidth(ID_FW), "3201000102", "护理部", "主管护师", "中级", "护理", fullwidth("13800000002"), "在职", ""],
        # row 7: blank
        [],
        # row 8: legacy 15-digit ID
        ["孙三", "", ID_15, "", "心血管内科", "主任医师", "正高", "医师", "", "", "老号码"],
        # row 9: card number typed as a number (leading zeros would be lost)
        ["李四海", "男", ID_OK5, 32010103, "护理部", "护师", "初级", "护理", "", "", ""],
    ]
    if messy:
        rows += [
            # row 10: bad check character
            ["周五", "男", ID_BAD, "", "心血管内科", "", "", "", "", "", ""],
            # row 11: duplicate of row 5 (written differently)
            ["吴六", "男", ID_X, "", "护理部", "", "", "", "", "", ""],
            # row 12: card number that lost digits as a float
            ["郑七", "女", ID_OK6, 3.2010219800101e16, "护理部", "", "", "", "", "", ""],
            # row 13: unknown department
            ["王八", "女", ID_OK7, "", "不存在科", "", "", "", "", "", ""],
            # row 14: gender not a choice
            ["冯九", "未知", ID_OK4, "", "护理部", "", "", "", "", "", ""],
            # row 15: missing name
            ["", "男", find_id("510104", "19940707", False), "", "护理部", "", "", "", "", "", ""],
        ]
    rows += [
        [],
        ["制表人：陈某某", "", "", "审核人：林某某"],
    ]
    r = 5
    for row in rows:
        for col, v in enumerate(row, start=1):
            if v != "":
                ws.cell(row=r, column=col, value=v)
        r += 1
    wb.save(path)


def approved(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws["A1"] = "2026年国家级继续医学教育项目目录（第一批）"
    ws.merge_cells("A1:J1")
    ws.append(["学科名称", "项目 编号", "项目名称", "申办单位", "负责人", "举办期限", "举办地点", "学分", "学时", "拟招生人数"])
    ws.append(["心血管内科学", "2026-04-01-001（国）", "心力衰竭规范化诊疗进展", "示例医科大学附属医院", "甲某", "2026-8-3至2026-8-5", "示例市", 10, 30, 200])
    ws.append(["护理学", "2026-18-02-002(国)", "重症护理新技术", "示例省人民医院", "乙某", "2026/9/1-2026/9/3", "示例市", 6, 18, "１５０"])
    ws.append(["麻醉学", "2026-06-03-003(国)", "围术期镇痛", "示例市中心医院", "丙某", "2026年10月8日至10月10日", "示例县", 5, 15, 100])
    ws.append(["检验医学", "2026-09-04-004(国)", "临床检验质量管理", "示例医院", "丁某", datetime.date(2026, 11, 2), "示例市", 2.5, 7.5, 80])
    ws["F6"].number_format = "yyyy-mm-dd"
    ws.append([])
    ws.append(["注：学分以项目执行后的实际授予为准。"])
    wb.save(path)


def approved_bad(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["学科名称", "项目编号", "项目名称", "申办单位", "负责人", "举办期限", "举办地点", "学分", "学时", "拟招生人数"])
    ws.append(["内科学", "2026-04-01-011(国)", "好的项目", "甲院", "甲", "2026-8-3至2026-8-5", "甲市", 10, 30, 100])
    ws.append(["内科学", "ABC-1", "编号不对", "甲院", "甲", "2026-8-3至2026-8-5", "甲市", 10, 30, 100])
    ws.append(["内科学", "2026-04-01-013(国)", "日期不对", "甲院", "甲", "2026-13-01至2026-13-02", "甲市", 10, 30, 100])
    ws.append(["内科学", "2026-04-01-011(国)", "编号重复", "甲院", "甲", "2026-8-3", "甲市", 10, 30, 100])
    ws.append(["内科学", "2026-04-01-015(国)", "学分不是数", "甲院", "甲", "2026-8-3", "甲市", "十", 30, 100])
    wb.save(path)


def credits(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "日期", "项目编号", "活动名称", "活动类型", "学分级别", "学科", "举办方式", "学时", "学分", "审核状态"])
    ws.append(["赵一鸣", ID_X, datetime.date(2015, 8, 3), "2015-01-01-001(国)", "甲", "项目", "国家级", "内科", "培训班", 2.5, 1, "通过"])
    ws["C2"].number_format = "yyyy/m/d"
    ws.append(["赵一鸣", ID_X, "2015年8月4日", "", "乙", "", "省级", "", "", 3, 0.5, "未审核"])
    ws.append(["赵一鸣", ID_X, fullwidth("2015") + "－" + fullwidth("08") + "－" + fullwidth("05"), "", "丙", "", "", "", "", 3, 0.5, "退回"])
    ws.append(["赵一鸣", ID_X, 20150806, "", "丁", "", "", "", "", 3, 0.5, ""])
    ws.append(["赵一鸣", ID_X, 42217, "", "戊", "", "", "", "", 3, 0.5, ""])  # a bare serial: not trusted
    ws.append(["赵一鸣", ID_X, "2015.8.7", "", "己", "", "", "", "", 3, 0.5, ""])
    ws.append(["赵一鸣", ID_X, "2015/8/8", "", "庚", "", "", "", "", 3, 0.5, "通 过"])
    wb.save(path)


if __name__ == "__main__":
    out = sys.argv[1]
    roster(f"{out}/roster_messy.xlsx", True)
    roster(f"{out}/roster_clean.xlsx", False)
    approved(f"{out}/approved_list.xlsx")
    approved_bad(f"{out}/approved_bad.xlsx")
    credits(f"{out}/credit_list.xlsx")
    print("\n".join([ID_X, ID_FW, ID_15, ID_OK4, ID_OK5, ID_OK6, ID_OK7, ID_BAD]))
