// The credits wording matches the core's message_zh sentences; department rows sum exactly.
import { describe, expect, it } from "vitest";
import { attendanceText, departmentRows, gapText, notCountedText, notGrantedText, strategy, sumAmounts } from "./credits";
import { ANALYSIS, person, report } from "../test/credits";

describe("credits wording", () => {
  it("says why a person's attendance is not valid (W4)", () => {
    expect(attendanceText(ANALYSIS.analysis.people[1])).toBe("第 2 个刷卡周期（下午签退）内无刷卡");
    expect(attendanceText(ANALYSIS.analysis.people[2])).toBe("卡号 ic:99000001 未登记");
    expect(attendanceText({ ...ANALYSIS.analysis.people[0], flags: [{ check: "overlapping_project", project_code: "2026-X", mode: "warn" }] })).toBe("与项目 2026-X 时间重叠");
  });

  it("says why a person got no credit and why a credit does not count", () => {
    expect(notGrantedText({ kind: "too_few_swipes", have: 1, need: 3 })).toBe("有效刷卡 1 次，不足 3 次");
    expect(notGrantedText({ kind: "excluded", reason: "疑似代刷卡" })).toBe("人工取消：疑似代刷卡");
    expect(notCountedText({ reason: "not_approved", status: "pending" })).toBe("审核状态为未审核");
    expect(notCountedText({ reason: "category_cap", category: "self-study", cap: 10 })).toBe("self-study 类每年最多计 10 学分");
  });

  it("shows the gap to each requirement (R-01, R-02)", () => {
    expect(gapText(person("s-0", "d-xnk").gaps)).toBe("学分差 23；学时差 84");
  });

  it("builds strategies as the core reads them", () => {
    expect(strategy("at-least-n-swipes", 3)).toEqual({ strategy: "at-least-n-swipes", n: 3 });
    expect(strategy("all-courses-full", 3)).toEqual({ strategy: "all-courses-full" });
  });

  it("adds amounts in hundredths, and lists the worst department first", () => {
    expect(sumAmounts([0.1, 0.2, 2.675])).toBe(2.98);
    const r = report([
      person("s-0", "d-xnk", { status: "compliant", totals: { ...person("s-0", "d-xnk").totals, credits: 26.5 } }),
      person("s-1", "d-xnk"),
      person("s-2", "d-gk"),
    ]);
    const rows = departmentRows(r, new Map([["d-xnk", "心血管内科"], ["d-gk", "骨科"]]));
    expect(rows.map((x) => [x.name, x.rate_percent, x.credits])).toEqual([
      ["骨科", 0, 2],
      ["心血管内科", 50, 28.5],
    ]);
  });
});
