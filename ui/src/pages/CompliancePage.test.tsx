// 达标统计: hospital figures, departments worst first, drill-down to the people and their gap.
import { describe, expect, it } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import CompliancePage from "./CompliancePage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { DEPARTMENTS, staffRows } from "../test/fixtures";
import { person, report } from "../test/credits";

describe("达标统计", () => {
  it("shows the hospital and departments, then a department's people with the gap", async () => {
    const roster = staffRows(3);
    const ok = person("s-0", "d-xnk", { status: "compliant", gaps: [] });
    mockCommands({
      list_staff: () => roster,
      list_departments: () => DEPARTMENTS,
      compliance_report: () => report([ok, person("s-1", "d-xnk"), person("s-2", "d-gk")]),
    });
    renderPage(<CompliancePage changes={0} />);
    const hospital = await screen.findByTestId("compliance-hospital");
    expect(hospital.textContent).toContain("达标率33.33%");
    const names = [...document.querySelectorAll('[data-testid="compliance-departments"] tbody tr td:first-child')].map((e) => e.textContent);
    expect(names.filter(Boolean)).toEqual(["骨科", "心血管内科"]);

    fireEvent.click(screen.getByText("心血管内科"));
    expect(screen.getByTestId("compliance-drill-title").textContent).toBe("心血管内科：2 人，达标 1，不达标 1");
    expect(screen.getAllByTestId("compliance-person")).toHaveLength(1);
    expect(screen.getByTestId("compliance-gap").textContent).toBe("学分差 23；学时差 84");
    fireEvent.click(screen.getByText("全部"));
    expect(screen.getAllByTestId("compliance-person")).toHaveLength(2);
  });
});
