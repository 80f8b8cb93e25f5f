// 个人学分: the person's credits with how each counted, the result and the gap.
import { describe, expect, it } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import PersonCreditsPage from "./PersonCreditsPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pickOption } from "../test/select";
import { staffRows } from "../test/fixtures";
import { person, report, stored } from "../test/credits";

describe("个人学分", () => {
  it("shows credits, the reason a credit does not count, and the gap", async () => {
    const roster = staffRows(3);
    const p = person("s-0", "d-xnk", {
      decisions: [
        { credit_id: "c-1", counted_credits: 2, counted_hours: 6, reason: null },
        { credit_id: "c-2", counted_credits: 0, counted_hours: 0, reason: { reason: "not_approved", status: "pending" } },
      ],
    });
    const calls = mockCommands({
      list_staff: () => roster,
      person_credits: () => ({ report: report([p]), credits: [stored({}), stored({ id: "c-2", source: "manual", activity_name: "论文", review_status: "pending", credits: 1 })] }),
    });
    renderPage(<PersonCreditsPage changes={0} />);
    await pickOption("person-staff", `${roster[0].name}（${roster[0].department_name}）`, screen.getByTestId);
    expect((await screen.findByTestId("person-status")).textContent).toBe("不达标");
    expect(screen.getByTestId("person-total-credits").textContent).toBe("2");
    expect(screen.getByTestId("person-gap").textContent).toBe("学分差 23；学时差 84");
    expect(screen.getByText("审核状态为未审核")).toBeTruthy();
    expect(screen.getByText("项目授分")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "person_credits")?.args).toEqual({ staffId: "s-0", year: new Date().getFullYear() });
  });

  it("exports the chosen person's credit list, not their department's", async () => {
    const roster = staffRows(3);
    const calls = mockCommands({
      list_staff: () => roster,
      person_credits: () => ({ report: report([person("s-1", "d-xnk")]), credits: [stored({})] }),
      "plugin:dialog|save": (args: unknown) => `/tmp/${(args as { options: { defaultPath: string } }).options.defaultPath}`,
      export_sheet: () => ({ path: "/tmp/学分明细.xlsx", rows: 1, constant_memory: false }),
    });
    renderPage(<PersonCreditsPage changes={0} />);
    await pickOption("person-staff", `${roster[1].name}（${roster[1].department_name}）`, screen.getByTestId);
    await screen.findByTestId("person-status");
    fireEvent.click(screen.getByTestId("person-export"));
    await screen.findByText("已导出 1 行到 /tmp/学分明细.xlsx");
    const year = new Date().getFullYear();
    expect(calls.find((c) => c.cmd === "export_sheet")?.args).toMatchObject({
      template: "credit-list",
      path: `/tmp/学分明细-${year}-${roster[1].name}.xlsx`,
      filter: { year, department: null, staff: "s-1", project: null },
    });
  });

  it("revokes a credit with a reason, then shows it revoked", async () => {
    const roster = staffRows(3);
    let revoked = false;
    const credits = () => [stored({}, revoked ? "重复授分" : null), stored({ id: "c-2", activity_name: "论文", credits: 1 })];
    const calls = mockCommands({
      list_staff: () => roster,
      person_credits: () => ({ report: report([person("s-0", "d-xnk")]), credits: credits() }),
      revoke_credit: () => {
        revoked = true;
        return credits()[0];
      },
    });
    renderPage(<PersonCreditsPage changes={0} role="officer" />);
    await pickOption("person-staff", `${roster[0].name}（${roster[0].department_name}）`, screen.getByTestId);
    fireEvent.click(await screen.findByTestId("revoke-c-1"));
    const confirm = await screen.findByTestId("revoke-confirm");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("revoke-reason"), { target: { value: " 重复授分 " } });
    fireEvent.click(screen.getByTestId("revoke-confirm"));
    expect(await screen.findByText("已撤销：重复授分")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "revoke_credit")?.args).toEqual({ creditId: "c-1", reason: "重复授分" });
    expect(calls.filter((c) => c.cmd === "person_credits")).toHaveLength(2);
    expect(screen.queryByTestId("revoke-c-1")).toBeNull();
    expect(screen.getByTestId("revoke-c-2")).toBeTruthy();
  });

  it("offers no 撤销 to a viewer", async () => {
    const roster = staffRows(3);
    mockCommands({ list_staff: () => roster, person_credits: () => ({ report: report([person("s-0", "d-xnk")]), credits: [stored({})] }) });
    renderPage(<PersonCreditsPage changes={0} role="viewer" />);
    await pickOption("person-staff", `${roster[0].name}（${roster[0].department_name}）`, screen.getByTestId);
    await screen.findByTestId("person-status");
    expect(screen.queryByTestId("revoke-c-1")).toBeNull();
  });
});

