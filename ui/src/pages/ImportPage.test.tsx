// 导入 wizard with the IPC mocked: the detected template and a missing required column show; a
// header mapped by the officer goes back in the next preview; the dry run lists errors by row
// and column and keeps 导入 disabled; a clean check enables it and the import sends the mapping.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import ImportPage from "./ImportPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import type { WizardPreview } from "../bindings/WizardPreview";
import type { ImportReport } from "../bindings/ImportReport";
import type { RemoteSummary } from "../bindings/RemoteSummary";
import { PROJECT } from "../test/credits";

const fields = [
  { field: "name", header: "姓名", required: true },
  { field: "id_number", header: "身份证号", required: true },
  { field: "department", header: "科室", required: true },
];

function preview(mapped: boolean): WizardPreview {
  const mapping = [
    { field: "name", header: "姓名", letter: "A" },
    { field: "id_number", header: "身份证号", letter: "B" },
  ];
  if (mapped) mapping.push({ field: "department", header: "原单位", letter: "C" });
  return {
    template: "staff-roster",
    template_title: "人员信息",
    detected: true,
    importable: true,
    needs_project: false,
    import_note: null,
    sheet: "Sheet1",
    head: [["人员名单"], [], ["姓名", "身份证号", "原单位"], ["张三", "1101**********002X", "心内科"]],
    head_first_row: 1,
    header_row: 3,
    mapping,
    unmapped: mapped ? [] : ["原单位"],
    fields,
    parsed: mapped
      ? { template: "staff-roster", sheet: "Sheet1", header_row: 3, mapping, unmapped: [], rejected: [], warnings: [], data_rows: 2, skipped_blank: 1, skipped_notes: 0 }
      : null,
    problem: mapped ? null : { code: "MISSING_COLUMNS", message: "第3行表头缺少必填列：科室" },
  };
}

function report(dryRun: boolean, bad: boolean): ImportReport {
  return {
    template: "staff-roster",
    sheet: "Sheet1",
    header_row: 3,
    mapping: [],
    unmapped: [],
    dry_run: dryRun,
    imported: dryRun || bad ? 0 : 2,
    ready: bad ? 1 : 2,
    data_rows: 2,
    skipped_blank: 1,
    skipped_notes: 0,
    rejected: bad ? [{ row: 5, column: "身份证号（B列）", header: "身份证号", letter: "B", reason: "身份证号校验位错误" }] : [],
    warnings: [],
    report: null,
    remote: null,
  };
}

async function pickOption(testId: string, title: string) {
  fireEvent.mouseDown(screen.getByTestId(testId).closest(".ant-select")!.querySelector(".ant-select-selector")!);
  const option = await waitFor(() => {
    const o = [...document.querySelectorAll(".ant-select-item-option")].find((e) => e.getAttribute("title") === title);
    if (!o) throw new Error(`no option ${title}`);
    return o;
  });
  fireEvent.click(option);
}

describe("导入 wizard", () => {
  it("detects, maps a missing column, checks, then imports all or nothing", async () => {
    let bad = true;
    const calls = mockCommands({
      list_sheet_templates: () => [{ name: "staff-roster", title: "人员信息", description: "", importable: true, exportable: true }],
      preview_sheet: (a) => preview(Object.keys((a.map as Record<string, string>) ?? {}).length > 0),
      import_sheet: (a) => report(a.dryRun as boolean, bad),
    });
    renderPage(<ImportPage />);
    fireEvent.change(screen.getByTestId("import-path"), { target: { value: "/tmp/名单.xlsx" } });
    fireEvent.click(screen.getByTestId("import-preview"));
    await screen.findByText("自动识别：人员信息");
    expect(screen.getByTestId("import-problem").textContent).toContain("缺少必填列：科室");
    expect(screen.getByTestId("import-missing").textContent).toContain("科室");
    expect((screen.getByTestId("import-check") as HTMLButtonElement).disabled).toBe(true);
    expect(calls.find((c) => c.cmd === "preview_sheet")!.args).toEqual({ path: "/tmp/名单.xlsx", template: null, map: {} });

    await pickOption("import-map-原单位", "科室");
    await waitFor(() => expect(screen.queryByTestId("import-problem")).toBeNull());
    expect(calls.filter((c) => c.cmd === "preview_sheet").pop()!.args).toEqual({
      path: "/tmp/名单.xlsx",
      template: "staff-roster",
      map: { 原单位: "department" },
    });
    expect(screen.getByText("已手动对照")).toBeTruthy();

    fireEvent.click(screen.getByTestId("import-check"));
    await screen.findByText("第5行 身份证号（B列）：身份证号校验位错误");
    expect(screen.getByTestId("import-check-summary").textContent).toContain("有误 1 行");
    expect((screen.getByTestId("import-commit") as HTMLButtonElement).disabled).toBe(true);

    bad = false;
    fireEvent.click(screen.getByTestId("import-check"));
    await waitFor(() => expect(screen.getByTestId("import-check-summary").textContent).toContain("全部通过"));
    await waitFor(() => expect((screen.getByTestId("import-commit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("import-commit"));
    await waitFor(() => expect(screen.getByTestId("import-result").textContent).toContain("已导入 2 行"));
    const commit = calls.filter((c) => c.cmd === "import_sheet").pop()!.args;
    expect(commit).toMatchObject({ path: "/tmp/名单.xlsx", template: "staff-roster", map: { 原单位: "department" }, dryRun: false, remember: true });
    expect(commit.report).toBe("/tmp/名单-错误报告.xlsx");
  });

  it("names an unreadable file in Chinese", async () => {
    mockCommands({
      list_sheet_templates: () => [],
      preview_sheet: () => {
        throw { code: "FILE_NOT_FOUND", message: "找不到文件：/tmp/无.xlsx", field: null };
      },
    });
    renderPage(<ImportPage />);
    fireEvent.change(screen.getByTestId("import-path"), { target: { value: "/tmp/无.xlsx" } });
    fireEvent.click(screen.getByTestId("import-preview"));
    await waitFor(() => expect(screen.getByTestId("import-error").textContent).toContain("找不到文件"));
  });

  it("previews a file chosen in the system dialog at once", async () => {
    const calls = mockCommands({
      list_sheet_templates: () => [{ name: "staff-roster", title: "人员信息", description: "", importable: true, exportable: true }],
      "plugin:dialog|open": () => "/home/科教科/名单.xls",
      preview_sheet: () => preview(true),
    });
    renderPage(<ImportPage />);
    fireEvent.click(screen.getByTestId("import-path-browse"));
    await screen.findByText("自动识别：人员信息");
    expect((screen.getByTestId("import-path") as HTMLInputElement).value).toBe("/home/科教科/名单.xls");
    expect(calls.find((c) => c.cmd === "preview_sheet")!.args).toEqual({ path: "/home/科教科/名单.xls", template: null, map: {} });
  });

  it("remote learning: asks for the project, shows who gets credits and why not, imports", async () => {
    const remotePreview: WizardPreview = {
      ...preview(true),
      template: "remote-learning",
      template_title: "远程教育学习记录",
      needs_project: true,
    };
    const outcome = (saved: boolean): RemoteSummary => ({
      project_code: PROJECT.code,
      project_name: PROJECT.name,
      credits: 5,
      credited: [{ name: "张三", id_number: "1101**********002X", platform: "华西云课堂", reasons: [] }],
      not_credited: [{ name: "李四", id_number: "3201**********7765", platform: "区域协同平台", reasons: ["课程「第1讲」只有点播记录，区域协同平台只认直播签到签退"] }],
      saved: saved ? { inserted: 1, updated: 0, unchanged: 0 } : null,
    });
    const calls = mockCommands({
      list_sheet_templates: () => [{ name: "remote-learning", title: "远程教育学习记录", description: "", importable: true, exportable: false, needs_project: true, import_note: null }],
      list_projects: () => [PROJECT],
      preview_sheet: () => remotePreview,
      import_sheet: (a) => ({ ...report(a.dryRun as boolean, false), template: "remote-learning", remote: outcome(!(a.dryRun as boolean)) }),
    });
    renderPage(<ImportPage />);
    fireEvent.change(screen.getByTestId("import-path"), { target: { value: "/tmp/远程.xlsx" } });
    fireEvent.click(screen.getByTestId("import-preview"));
    await screen.findByText("自动识别：远程教育学习记录");
    expect((screen.getByTestId("import-check") as HTMLButtonElement).disabled).toBe(true);
    await pickOption("import-project", `${PROJECT.code} ${PROJECT.name}（已举办）`);
    await waitFor(() => expect((screen.getByTestId("import-check") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("import-check"));
    const summary = await screen.findByTestId("import-remote-summary");
    expect(summary.textContent).toContain("1人学完（每人 5 学分），1人未学完（检查，未写入）");
    expect(screen.getByTestId("import-remote-reason").textContent).toContain("只有点播记录");
    expect(calls.filter((c) => c.cmd === "import_sheet").pop()!.args).toMatchObject({ template: "remote-learning", dryRun: true, project: PROJECT.id });
    await waitFor(() => expect((screen.getByTestId("import-commit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("import-commit"));
    await waitFor(() => expect(screen.getByTestId("import-result").textContent).toContain("已记录学分：新增 1 条"));
    expect(calls.filter((c) => c.cmd === "import_sheet").pop()!.args).toMatchObject({ dryRun: false, project: PROJECT.id });
  });

  it("explains why the credit list is only checked", async () => {
    const note = "学分明细是学分查询的导出结果，不能导入";
    mockCommands({
      list_sheet_templates: () => [],
      preview_sheet: () => ({ ...preview(true), template: "credit-list", template_title: "学分明细", importable: false, import_note: note }),
    });
    renderPage(<ImportPage />);
    fireEvent.change(screen.getByTestId("import-path"), { target: { value: "/tmp/学分.xlsx" } });
    fireEvent.click(screen.getByTestId("import-preview"));
    expect((await screen.findByTestId("import-note")).textContent).toContain(note);
    expect((screen.getByTestId("import-commit") as HTMLButtonElement).disabled).toBe(true);
  });
});
