// 导出 Excel on a data page: the save dialog offers a name from the page's filter, the export
// command gets that filter with ID numbers masked, a cancelled dialog exports nothing, an error
// is shown in Chinese, and 含完整身份证号 is offered only to roles that may see full numbers.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { mockCommands, apiError } from "../test/ipc";
import { renderPage } from "../test/render";
import { ExportExcelButton } from "./ExportExcelButton";

const exported = (a: Record<string, unknown>) => ({ template: a.template, path: a.path, rows: 42, constant_memory: false });

describe("导出 Excel button", () => {
  it("asks where to save, then exports the page's filter masked", async () => {
    const calls = mockCommands({ "plugin:dialog|save": () => "/home/科教科/科室达标统计-2026.xlsx", export_sheet: exported });
    renderPage(<ExportExcelButton testId="x" template="compliance-report" title="科室达标统计" filter={{ year: 2026 }} nameParts={[2026]} />);
    expect(screen.queryByTestId("x-more")).toBeNull();
    fireEvent.click(screen.getByTestId("x"));
    await screen.findByText("已导出 42 行到 /home/科教科/科室达标统计-2026.xlsx");
    expect(calls[0]).toMatchObject({ cmd: "plugin:dialog|save", args: { options: { title: "保存为", defaultPath: "科室达标统计-2026.xlsx" } } });
    expect(calls[1]).toEqual({
      cmd: "export_sheet",
      args: { template: "compliance-report", path: "/home/科教科/科室达标统计-2026.xlsx", filter: { year: 2026, department: null, staff: null, project: null }, fullId: false },
    });
  });

  it("does nothing when the dialog is cancelled, and shows a refusal", async () => {
    let answer: string | null = null;
    const calls = mockCommands({
      "plugin:dialog|save": () => answer,
      export_sheet: () => {
        throw apiError("YEAR_REQUIRED", "模板 annual-review 按年度导出：请指定年度");
      },
    });
    renderPage(<ExportExcelButton testId="x" template="annual-review" title="年度学分审验" filter={{}} />);
    fireEvent.click(screen.getByTestId("x"));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls.some((c) => c.cmd === "export_sheet")).toBe(false);
    answer = "/tmp/审验.xlsx";
    fireEvent.click(screen.getByTestId("x"));
    await screen.findByText("模板 annual-review 按年度导出：请指定年度");
  });

  it("offers full ID numbers only when allowed, and sends fullId then", async () => {
    const calls = mockCommands({ "plugin:dialog|save": () => "/tmp/名单.xlsx", export_sheet: exported });
    renderPage(
      <ExportExcelButton testId="x" template="staff-roster" title="人员名单" filter={{ department: "d-1" }} nameParts={["内科/心血管内科"]} fullIdAllowed />,
    );
    fireEvent.click(screen.getByTestId("x-more"));
    fireEvent.click(await screen.findByTestId("x-full"));
    await screen.findByText("已导出 42 行到 /tmp/名单.xlsx");
    expect(calls[0].args.options).toMatchObject({ defaultPath: "人员名单-内科_心血管内科.xlsx" });
    expect(calls[1].args).toEqual({ template: "staff-roster", path: "/tmp/名单.xlsx", filter: { year: null, department: "d-1", staff: null, project: null }, fullId: true });
  });
});
