// 人员管理 with the IPC mocked: search as you type over the preloaded roster, filters, and the
// add form putting the core's Chinese error on the field the core named (by code and field, never
// by parsing the message).
import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import StaffPage from "./StaffPage";
import { apiError, mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { DEPARTMENTS, maskedStaffRows, staffRows, syntheticId } from "../test/fixtures";
import type { SessionOperator } from "../api/session";

const admin: SessionOperator = { username: "admin", display_name: "管理员", role: "admin", department_id: null };
const viewer: SessionOperator = { ...admin, username: "guest", role: "viewer" };

function shownNames(): string[] {
  return screen.queryAllByTestId("staff-cell-name").map((e) => e.textContent ?? "");
}

async function mountRoster(n: number, operator = admin, extra: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
  // list_staff answers as the shell does: ID numbers masked by the core; find_staff_ids looks a
  // complete number up among the full ones, as the core does.
  const rows = maskedStaffRows(n);
  const full = staffRows(n);
  const calls = mockCommands({
    list_staff: () => rows,
    list_departments: () => DEPARTMENTS,
    find_staff_ids: (a) => full.filter((r) => r.id_number.toLowerCase() === String(a.query).toLowerCase()).map((r) => r.id),
    ...extra,
  });
  renderPage(<StaffPage operator={operator} onChanged={() => {}} />);
  await screen.findByText(`共 ${n} 人`);
  return { rows, full, calls };
}

/** Opens an antd Select by its test id and clicks the option with this label. */
async function pickOption(testId: string, label: string) {
  const input = screen.getByTestId(testId);
  const select = input.closest(".ant-select")!;
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  const option = await waitFor(() => {
    const found = [...document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option, .ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-tree-node-content-wrapper")].find(
      (o) => o.getAttribute("title") === label,
    );
    if (!found) throw new Error(`option ${label} not shown`);
    return found;
  });
  fireEvent.click(option);
}

describe("人员管理", () => {
  it("draws only a screenful of a 10,000-person roster", async () => {
    await mountRoster(10_000);
    const drawn = screen.getAllByTestId("staff-row").length;
    expect(drawn).toBeGreaterThan(5);
    expect(drawn).toBeLessThan(60);
    expect(screen.getByTestId("staff-table").getAttribute("aria-rowcount")).toBe("10000");
  });

  it("searches by name, ID number and card number as the officer types", async () => {
    const { rows, full, calls } = await mountRoster(600);
    const search = screen.getByTestId("staff-search");

    fireEvent.change(search, { target: { value: rows[21].name } });
    expect(screen.getByText(/共 \d+ 人（全部 600）/)).toBeTruthy();
    expect(shownNames().length).toBeGreaterThan(0);
    expect(shownNames().every((n) => n.includes(rows[21].name))).toBe(true);

    // A complete ID number: the core finds the person; the table still shows the masked number.
    fireEvent.change(search, { target: { value: full[42].id_number } });
    await waitFor(() => expect(shownNames()).toEqual([rows[42].name]));
    expect(screen.getByTestId("staff-cell-id").textContent).toBe(rows[42].id_number);
    expect(rows[42].id_number).toMatch(/^1101\*{10}[\dX]{4}$/);
    expect(calls.filter((c) => c.cmd === "find_staff_ids").map((c) => c.args.query)).toEqual([full[42].id_number]);

    fireEvent.change(search, { target: { value: "3201000010" } });
    expect(shownNames()).toEqual([rows[10].name]);

    fireEvent.change(search, { target: { value: "" } });
    expect(screen.getByText("共 600 人")).toBeTruthy();
  });

  it("filters by status", async () => {
    const { rows } = await mountRoster(100);
    await pickOption("filter-status", "产假");
    const expected = rows.filter((r) => r.status === "maternity").length;
    await screen.findByText(`共 ${expected} 人（全部 100）`);
    expect(screen.getAllByText("产假").length).toBeGreaterThan(0);
  });

  it("the add form puts the core's ID-number error on the 身份证号 field, in Chinese", async () => {
    const good = syntheticId(7, true);
    const bad = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
    let sent: Record<string, unknown> | null = null;
    await mountRoster(20, admin, {
      create_staff: (a) => {
        sent = a.input as Record<string, unknown>;
        throw apiError("ID_NUMBER_CHECKSUM", `身份证号「${bad}」校验位错误，应为 ${good[17]}`, "id_number");
      },
    });
    fireEvent.click(screen.getByTestId("staff-add"));
    const form = await screen.findByTestId("staff-form");
    fireEvent.change(within(form).getByTestId("staff-name"), { target: { value: "测试甲" } });
    await pickOption("staff-gender", "男");
    fireEvent.change(within(form).getByTestId("staff-id-number"), { target: { value: bad } });
    await pickOption("staff-department", "骨科");
    await act(async () => {
      fireEvent.click(screen.getByTestId("staff-form-save"));
    });

    await waitFor(() => expect(document.querySelectorAll(".ant-form-item-has-error").length).toBe(1));
    const item = document.querySelector(".ant-form-item-has-error")!;
    expect(item.querySelector(".ant-form-item-label")!.textContent).toContain("身份证号");
    expect(item.querySelector(".ant-form-item-explain-error")!.textContent).toContain("校验位错误");
    expect(sent).toMatchObject({ name: "测试甲", gender: "male", id_number: bad, department_id: "d-gk" });
  });

  it("an error naming no form field is shown as a message instead", async () => {
    await mountRoster(5, admin, { create_staff: () => { throw apiError("FORBIDDEN", "无权新增人员"); } });
    fireEvent.click(screen.getByTestId("staff-add"));
    const form = await screen.findByTestId("staff-form");
    fireEvent.change(within(form).getByTestId("staff-name"), { target: { value: "测试乙" } });
    await pickOption("staff-gender", "女");
    fireEvent.change(within(form).getByTestId("staff-id-number"), { target: { value: syntheticId(8, false) } });
    await pickOption("staff-department", "骨科");
    await act(async () => {
      fireEvent.click(screen.getByTestId("staff-form-save"));
    });
    await screen.findByText("无权新增人员");
    expect(document.querySelectorAll(".ant-form-item-has-error").length).toBe(0);
  });

  it("the detail shows the ID number masked; 查看完整身份证号 asks the core (admin)", async () => {
    const { rows, full, calls } = await mountRoster(5, admin, {
      staff_detail: (a) => ({ ...rows.find((r) => r.id === a.id)!, status_history: [], transfers: [], cards: [] }),
      reveal_id_number: (a) => full.find((r) => r.id === a.id)!.id_number,
    });
    fireEvent.click(screen.getAllByTestId("staff-history-open")[2]);
    const shown = await screen.findByTestId("staff-detail-id");
    expect(shown.textContent).toBe(rows[2].id_number);
    fireEvent.click(screen.getByTestId("staff-reveal-id"));
    await waitFor(() => expect(screen.getByTestId("staff-detail-id").textContent).toBe(full[2].id_number));
    expect(calls.filter((c) => c.cmd === "reveal_id_number").map((c) => c.args.id)).toEqual([rows[2].id]);
    expect(screen.queryByTestId("staff-reveal-id")).toBeNull();
  });

  it("a viewer gets no 查看完整身份证号 button", async () => {
    const { rows } = await mountRoster(3, viewer, {
      staff_detail: (a) => ({ ...rows.find((r) => r.id === a.id)!, status_history: [], transfers: [], cards: [] }),
    });
    fireEvent.click(screen.getAllByTestId("staff-history-open")[0]);
    await screen.findByTestId("staff-detail-id");
    expect(screen.queryByTestId("staff-reveal-id")).toBeNull();
  });

  it("a viewer sees no add or edit buttons (the core still enforces)", async () => {
    await mountRoster(5, viewer);
    expect(screen.queryByTestId("staff-add")).toBeNull();
    expect(screen.queryAllByTestId("staff-edit")).toHaveLength(0);
    expect(screen.getAllByTestId("staff-history-open").length).toBe(5);
  });
});
