// 考勤分析: choosing a project runs the core's analysis; valid people and every invalid person's
// reason are shown, and the list can be narrowed to the invalid ones.
import { describe, expect, it } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import AttendancePage from "./AttendancePage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pickOption } from "../test/select";
import { staffRows } from "../test/fixtures";
import { ANALYSIS, PROJECT } from "../test/credits";

describe("考勤分析", () => {
  it("shows who is valid and why the others are not", async () => {
    const roster = staffRows(4);
    const calls = mockCommands({ list_staff: () => roster, list_projects: () => [PROJECT], analyze_attendance: () => ANALYSIS });
    renderPage(<AttendancePage />);
    await pickOption("attendance-project", `${PROJECT.code} ${PROJECT.name}（已举办）`, screen.getByTestId);
    const summary = await screen.findByTestId("attendance-summary");
    expect(summary.textContent).toContain("1 人");
    expect(summary.textContent).toContain("2 人");
    expect(calls.find((c) => c.cmd === "analyze_attendance")?.args).toEqual({ projectId: "p-1" });
    expect(screen.getAllByTestId("attendance-row")).toHaveLength(3);
    expect(screen.getByText(roster[0].name)).toBeTruthy();
    const reasons = screen.getAllByTestId("attendance-reason").map((e) => e.textContent);
    expect(reasons).toEqual(["", "第 2 个刷卡周期（下午签退）内无刷卡", "卡号 ic:99000001 未登记"]);

    fireEvent.click(screen.getByTestId("attendance-only-invalid"));
    expect(screen.getAllByTestId("attendance-row")).toHaveLength(2);
  });

  it("exports the project's 考勤明细 (every swipe with 是否有效) for the platform", async () => {
    const calls = mockCommands({
      list_staff: () => staffRows(4),
      list_projects: () => [PROJECT],
      analyze_attendance: () => ANALYSIS,
      "plugin:dialog|save": () => "/tmp/考勤明细.xlsx",
      export_sheet: () => ({ path: "/tmp/考勤明细.xlsx", rows: 7, constant_memory: false }),
    });
    renderPage(<AttendancePage role="officer" />);
    await pickOption("attendance-project", `${PROJECT.code} ${PROJECT.name}（已举办）`, screen.getByTestId);
    fireEvent.click(await screen.findByTestId("attendance-export"));
    await screen.findByText("已导出 7 行到 /tmp/考勤明细.xlsx");
    expect(calls.find((c) => c.cmd === "export_sheet")?.args).toEqual({
      template: "attendance-detail",
      path: "/tmp/考勤明细.xlsx",
      filter: { year: null, department: null, staff: null, project: ANALYSIS.project.code },
      fullId: false,
    });
    // An officer may take the full ID numbers the platform needs (logged by the core).
    expect(screen.getByTestId("attendance-export-more")).toBeTruthy();
  });
});
