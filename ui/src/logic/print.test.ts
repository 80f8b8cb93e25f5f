// 打印 page logic: scope from the form, the bar's percent, default file names, verdict labels.
import { describe, expect, it } from "vitest";
import { joinPath, percent, reportSummary, scopeOf, statementFile, VERDICTS } from "./print";

describe("print logic", () => {
  it("builds the scope or says what is missing", () => {
    expect(scopeOf("department", null, "d-1")).toEqual({ kind: "department", id: "d-1" });
    expect(scopeOf("department", "s-1", null)).toBe("请选择科室");
    expect(scopeOf("staff", "s-1", null)).toEqual({ kind: "staff", id: "s-1" });
    expect(scopeOf("staff", undefined, "d-1")).toBe("请选择人员");
    expect(scopeOf("all", null, null)).toEqual({ kind: "all" });
  });

  it("percent is whole, bounded and 0 before the total is known", () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(1, 3)).toBe(33);
    expect(percent(5000, 5000)).toBe(100);
    expect(percent(7, 5)).toBe(100);
  });

  it("joins paths with the folder's own separator and names statements", () => {
    expect(joinPath("/home/a/打印", "x.pdf")).toBe("/home/a/打印/x.pdf");
    expect(joinPath("/home/a/打印/", "x.pdf")).toBe("/home/a/打印/x.pdf");
    expect(joinPath("C:\\Users\\a\\打印", "x.pdf")).toBe("C:\\Users\\a\\打印\\x.pdf");
    expect(statementFile("/p", "王/伟", 2026)).toBe("/p/学分记录明细表_王_伟_2026.pdf");
  });

  it("summarises a report and labels every verdict", () => {
    expect(reportSummary({ booklets: 12, total: 12, files: 12, bytes: 480 * 1024, elapsed_ms: 1530 })).toBe(
      "已打印 12 / 12 份学分登记手册，12 个文件，480 KB，用时 1.5 秒",
    );
    expect(VERDICTS.genuine.type).toBe("success");
    expect(VERDICTS.forged.label).toContain("伪造");
    expect(VERDICTS.altered.label).toContain("篡改");
  });
});
