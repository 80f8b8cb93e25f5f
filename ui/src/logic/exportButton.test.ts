// The export buttons' file names and arguments.
import { describe, expect, it } from "vitest";
import { exportArgs, exportFileName, mayExportFullIds } from "./exportButton";

describe("export button logic", () => {
  it("names the file by title and the set filter values, safe for Windows", () => {
    expect(exportFileName("科室达标统计", [2026])).toBe("科室达标统计-2026.xlsx");
    expect(exportFileName("人员名单", [null, undefined, " "])).toBe("人员名单.xlsx");
    expect(exportFileName("人员名单", ["内科/心血管内科"])).toBe("人员名单-内科_心血管内科.xlsx");
    expect(exportFileName("学分明细", [2026, "护理部:一病区"])).toBe("学分明细-2026-护理部_一病区.xlsx");
  });
  it("passes the filter as the command takes it", () => {
    expect(exportArgs("credit-list", " /tmp/a.xlsx ", { year: 2026, department: " d-1 " }, false)).toEqual({
      template: "credit-list",
      path: "/tmp/a.xlsx",
      filter: { year: 2026, department: "d-1", staff: null, project: null },
      fullId: false,
    });
    expect(exportArgs("staff-roster", "/tmp/b.xlsx", {}, true)).toMatchObject({ filter: { year: null, department: null }, fullId: true });
    expect(exportArgs("attendance-detail", "/tmp/c.xlsx", { project: " 2026-02-11-360(省) " }, false)).toMatchObject({ filter: { project: "2026-02-11-360(省)", year: null } });
    // 个人学分: one person's credit list, not their department's.
    expect(exportArgs("credit-list", "/tmp/d.xlsx", { year: 2026, staff: "s-7" }, false)).toMatchObject({ filter: { staff: "s-7", department: null, year: 2026 } });
  });
  it("offers full ID numbers to admins and officers only", () => {
    expect(["admin", "officer", "department_secretary", "viewer"].map(mayExportFullIds)).toEqual([true, true, false, false]);
  });
});
