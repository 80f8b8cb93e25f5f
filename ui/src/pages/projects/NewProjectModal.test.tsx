// 新建举办项目: the project is created from an approved entry chosen from the list (its number is
// shown, never typed); the details the officer fills in are sent as the core's ProjectDetails.
import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import NewProjectModal from "./NewProjectModal";
import { mockCommands } from "../../test/ipc";
import { renderPage } from "../../test/render";
import type { ApprovedProjectRow } from "../../bindings/ApprovedProjectRow";
import type { Project } from "../../bindings/Project";

const entry = (i: number, over: Partial<ApprovedProjectRow> = {}): ApprovedProjectRow => ({
  hosted_project_id: null,
  id: `a-${i}`,
  code: `2026-04-08-18${i}(国)`,
  year: 2026,
  name: `急诊医学新进展学习班 ${i}`,
  credit_level: "national",
  discipline: "急诊医学",
  organizer: "示例医院",
  lead: "测试丁",
  planned_start: "2026-12-01",
  planned_end: "2026-12-03",
  venue: "示例医院学术报告厅",
  credits: 10,
  total_hours: 30,
  planned_enrolment: 200,
  source: "demo",
  ...over,
});

describe("新建举办项目", () => {
  it("offers only entries not hosted yet and creates the project from the chosen entry", async () => {
    const approved = [entry(1), entry(2)];
    const created = { id: "p-1", code: approved[1].code } as Project;
    const calls = mockCommands({ list_approved_projects: () => approved, create_project: () => created });
    const onCreated = vi.fn();
    renderPage(<NewProjectModal open onClose={() => {}} onCreated={onCreated} />);

    await waitFor(() => expect(calls.some((c) => c.cmd === "list_approved_projects")).toBe(true));
    expect(calls[0].args).toEqual({ filter: { available_only: true } });
    // Nothing can be created before an entry is chosen.
    expect((screen.getByTestId("project-form-save") as HTMLButtonElement).disabled).toBe(true);

    fireEvent.mouseDown(screen.getByTestId("project-approved").closest(".ant-select")!.querySelector(".ant-select-selector")!);
    const option = await waitFor(() => {
      const o = [...document.querySelectorAll(".ant-select-item-option")].find((e) => e.getAttribute("title")?.startsWith(approved[1].code));
      if (!o) throw new Error("option not shown");
      return o;
    });
    fireEvent.click(option);

    const code = (await screen.findByTestId("project-code")) as HTMLInputElement;
    expect(code.value).toBe("2026-04-08-182(国)");
    expect(code.disabled).toBe(true);
    // Venue and lead come from the approved entry; the officer adds a handler.
    expect((screen.getByTestId("project-venue") as HTMLInputElement).value).toBe("示例医院学术报告厅");
    fireEvent.change(screen.getByTestId("project-handler"), { target: { value: "测试乙" } });
    fireEvent.change(screen.getByTestId("project-handler-phone"), { target: { value: "02812345678" } });

    await act(async () => {
      fireEvent.click(screen.getByTestId("project-form-save"));
    });
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    const create = calls.find((c) => c.cmd === "create_project")!;
    expect(create.args.approvedProjectId).toBe("a-2");
    expect(create.args.details).toMatchObject({
      venue: "示例医院学术报告厅",
      lead: "测试丁",
      planned_start: "2026-12-01",
      planned_end: "2026-12-03",
      handler: "测试乙",
      handler_phone: "02812345678",
      filed_at_venue: false,
      fee: null,
    });
  });

  it("says so when every approved entry is already hosted", async () => {
    mockCommands({ list_approved_projects: () => [] });
    renderPage(<NewProjectModal open onClose={() => {}} onCreated={() => {}} />);
    fireEvent.mouseDown(screen.getByTestId("project-approved").closest(".ant-select")!.querySelector(".ant-select-selector")!);
    await screen.findByText("没有可举办的已批准项目");
    expect(within(document.body).queryByTestId("project-code")).toBeNull();
  });
});
