// The wizard's mapping and error-listing logic: the officer's choice wins over the detected
// mapping, required fields left unmapped are named, errors read "第N行 列：原因" grouped by row.
import { describe, expect, it } from "vitest";
import { chooseField, groupByRow, headerChoices, missingRequired, percent, rejectionText, reportPathFor } from "./importWizard";

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
