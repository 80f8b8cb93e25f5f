// The wizard's mapping and error-listing logic: the officer's choice wins over the detected
// mapping, required fields left unmapped are named, errors read "第N行 列：原因" grouped by row.
import { describe, expect, it } from "vitest";
import { chooseField, groupByRow, headerChoices, missingRequired, percent, rejectionText, reportPathFor, canCheck, remoteRows, remoteSummaryText } from "./importWizard";

const fields = [
  { field: "name", header: "姓名", required: true },
  { field: "id_number", header: "身份证号", required: true },
  { field: "department", header: "科室", required: true },
  { field: "phone", header: "联系电话", required: false },
];

describe("header mapping", () => {
  it("lists mapped headers, then unmapped ones, with the officer's choices on top", () => {
    const mapping = [
      { field: "name", header: "姓名", letter: "A" },
      { field: "id_number", header: "身份证号码", letter: "B" },
    ];
    const c = headerChoices(mapping, ["原单位", "备注"], { 原单位: "department" });
    expect(c.map((x) => [x.header, x.field, x.chosen])).toEqual([
      ["姓名", "name", false],
      ["身份证号码", "id_number", false],
      ["原单位", "department", true],
      ["备注", "", false],
    ]);
    expect(missingRequired(fields, c)).toEqual([]);
    expect(missingRequired(fields, headerChoices(mapping, ["原单位"], {})).map((f) => f.header)).toEqual(["科室"]);
  });

  it("choosing nothing clears the override", () => {
    const a = chooseField({}, "原单位", "department");
    expect(a).toEqual({ 原单位: "department" });
    expect(chooseField(a, "原单位", "")).toEqual({});
  });
});

describe("row errors", () => {
  const r = (row: number, column: string, reason: string) => ({ row, column, header: "", letter: "", reason });
  it("reads like Excel: row number, column, reason", () => {
    expect(rejectionText(r(5, "身份证号（C列）", "校验位错误"))).toBe("第5行 身份证号（C列）：校验位错误");
    expect(rejectionText(r(7, "", "科室不存在"))).toBe("第7行：科室不存在");
  });
  it("groups by row in ascending order", () => {
    const g = groupByRow([r(9, "A", "x"), r(4, "B", "y"), r(9, "C", "z")]);
    expect(g.map((x) => [x.row, x.items.map((i) => i.reason)])).toEqual([
      [4, ["y"]],
      [9, ["x", "z"]],
    ]);
  });
  it("progress and report path", () => {
    expect(percent(5000, 20000)).toBe(25);
    expect(percent(3, 0)).toBe(0);
    expect(percent(30, 20)).toBe(100);
    expect(reportPathFor("/tmp/名单.xlsx")).toBe("/tmp/名单-错误报告.xlsx");
    expect(reportPathFor("/tmp/a.b/名单")).toBe("/tmp/a.b/名单-错误报告.xlsx");
  });
});

describe("remote learning in the wizard", () => {
  const summary = {
    project_code: "2026-R-001",
    project_name: "PRP 康复",
    credits: 5,
    credited: [{ name: "张三", id_number: "1101**********002X", platform: "华西云课堂", reasons: [] }],
    not_credited: [
      { name: "李四", id_number: "3201**********7765", platform: "华西云课堂", reasons: ["课程「第2讲」累计学习29分钟，不足30分钟"] },
      { name: "李四", id_number: "3201**********7765", platform: "区域协同平台", reasons: ["课程「第1讲」只有点播记录", "考试未通过（须在同一平台通过）"] },
      { name: "王五", id_number: "4401**********0011", platform: null, reasons: ["两个平台合起来才学完，平台数据不能合并"] },
    ],
    saved: null,
  };
  it("needs the project before checking", () => {
    const p = { parsed: {}, needs_project: true } as unknown as Parameters<typeof canCheck>[0];
    expect(canCheck(p, null)).toBe(false);
    expect(canCheck(p, "p-1")).toBe(true);
    expect(canCheck({ parsed: {}, needs_project: false } as unknown as Parameters<typeof canCheck>[0], null)).toBe(true);
    expect(canCheck({ parsed: null, needs_project: false } as unknown as Parameters<typeof canCheck>[0], null)).toBe(false);
    expect(canCheck(null, "p-1")).toBe(false);
  });
  it("credited first, then each platform's reasons; a person counted once", () => {
    const rows = remoteRows(summary);
    expect(rows.map((r) => [r.name, r.platform, r.credited, r.result])).toEqual([
      ["张三", "华西云课堂", true, "授予 5 学分"],
      ["李四", "华西云课堂", false, "课程「第2讲」累计学习29分钟，不足30分钟"],
      ["李四", "区域协同平台", false, "课程「第1讲」只有点播记录；考试未通过（须在同一平台通过）"],
      ["王五", "两平台合计", false, "两个平台合起来才学完，平台数据不能合并"],
    ]);
    expect(remoteSummaryText(summary)).toBe("项目 2026-R-001 PRP 康复：1人学完（每人 5 学分），2人未学完（检查，未写入）");
    expect(remoteSummaryText({ ...summary, saved: { inserted: 1, updated: 0, unchanged: 2 } })).toBe(
      "项目 2026-R-001 PRP 康复：1人学完（每人 5 学分），2人未学完；已记录学分：新增 1 条，已有 2 条",
    );
  });
});
