// 打印 with the IPC mocked: a department batch sends the right scope and shows progress from
// `print-progress` events, cancel calls cancel_job with the same job id, the report offers to open
// the folder; a statement shows its 验证码; verify shows the verdict and the reasons.
import { describe, expect, it } from "vitest";
import { act, configure, fireEvent, screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import PrintPage from "./PrintPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import type { BookletJobReport, StatementReport } from "../api/print";

// A shared 2-core machine renders antd slowly: wait up to 15 s for what the page will show.
configure({ asyncUtilTimeout: 15000 });

const defaults = { out_dir: "/data/打印", year: 2026, fonts: ["NotoSansCJKsc-Regular"], font_error: null };
const departments = [{ id: "d-1", parent_id: null, name: "心血管内科", sort: 0 }];

async function pickTree(testId: string, title: string) {
  const box = screen.getByTestId(testId).closest(".ant-select")!;
  fireEvent.mouseDown(box.querySelector(".ant-select-selector")!);
  const node = await waitFor(() => {
    const n = document.querySelector(`.ant-select-tree-node-content-wrapper[title="${title}"]`);
    if (!n) throw new Error("no node");
    return n;
  });
  fireEvent.click(node);
}

describe("打印", () => {
  it("prints a department with progress and cancel, then offers to open the folder", async () => {
    let finish: (r: BookletJobReport) => void = () => {};
    const calls = mockCommands({
      print_defaults: () => defaults,
      list_departments: () => departments,
      print_booklets: () => new Promise<BookletJobReport>((r) => (finish = r)),
      cancel_job: () => true,
      open_printed: () => null,
    });
    renderPage(<PrintPage />);
    await waitFor(() => screen.getByTestId("print-page"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "list_departments")).toBe(true));
    await pickTree("print-department", "心血管内科");
    fireEvent.click(screen.getByTestId("print-start"));

    await waitFor(() => expect(calls.some((c) => c.cmd === "print_booklets")).toBe(true));
    const args = calls.find((c) => c.cmd === "print_booklets")!.args;
    expect(args).toMatchObject({ scope: { kind: "department", id: "d-1" }, year: 2026, outDir: "/data/打印", combined: null, duplex: false });
    const jobId = args.jobId as string;

    await act(async () => {
      await emit("print-progress", { job_id: jobId, done: 3, total: 12, failed: 0 });
    });
    await waitFor(() => expect(screen.getByTestId("print-progress").textContent).toContain("3 / 12"));
    // Another job's events are not ours.
    await act(async () => {
      await emit("print-progress", { job_id: "other", done: 11, total: 12, failed: 0 });
    });
    expect(screen.getByTestId("print-progress").textContent).toContain("3 / 12");

    fireEvent.click(screen.getByTestId("print-cancel"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "cancel_job")?.args).toEqual({ jobId }));

    await act(async () => {
      finish({ out_dir: "/data/打印", total: 12, booklets: 5, files: 5, first_file: "/data/打印/心血管内科_王伟_2026.pdf", bytes: 200 * 1024, failures: [], cancelled: true, elapsed_ms: 900 });
    });
    await waitFor(() => expect(screen.getByTestId("print-report").textContent).toContain("已打印 5 / 12"));
    expect(screen.getByText("已取消打印")).toBeTruthy();
    expect(screen.queryByTestId("print-progress")).toBeNull();
    fireEvent.click(screen.getByTestId("print-open-dir"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "open_printed")?.args).toEqual({ path: "/data/打印" }));
  });

  it("previews the first page of the scope's first booklet before printing", async () => {
    const calls = mockCommands({
      print_defaults: () => defaults,
      list_departments: () => departments,
      preview_booklet: () => new TextEncoder().encode("%PDF-1.7").buffer,
    });
    renderPage(<PrintPage />);
    await waitFor(() => screen.getByTestId("print-preview"));
    // Without a department there is nothing to preview: the page says so and asks nothing.
    fireEvent.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(document.querySelector(".ant-message")?.textContent).toContain("科室"));
    expect(calls.some((c) => c.cmd === "preview_booklet")).toBe(false);

    await pickTree("print-department", "心血管内科");
    fireEvent.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "preview_booklet")?.args).toEqual({ scope: { kind: "department", id: "d-1" }, year: 2026 }));
    // The dialog opens on the PDF the backend drew (pdf.js draws it in the real app; jsdom has no canvas).
    await waitFor(() => expect(screen.getByText("预览：第一份学分登记手册的首页")).toBeTruthy());
    expect(calls.some((c) => c.cmd === "print_booklets")).toBe(false);
  });

  it("asks for a department before printing and sends nothing", async () => {
    const calls = mockCommands({ print_defaults: () => defaults, list_departments: () => departments });
    renderPage(<PrintPage />);
    await waitFor(() => screen.getByTestId("print-start"));
    fireEvent.click(screen.getByTestId("print-start"));
    await waitFor(() => expect(document.querySelector(".ant-form-item-explain-error")?.textContent).toBe("请选择科室"));
    expect(calls.some((c) => c.cmd === "print_booklets")).toBe(false);
  });

  it("issues a statement and shows its code; verify shows the verdict with reasons", async () => {
    const report: StatementReport = { file: "/data/打印/学分记录明细表_王伟_2026.pdf", short_code: "K7QX-2M9D", code: "CME1:ABC", rows: 3, total_credits: "12.00", total_hours: "36.00", key_created: true };
    const calls = mockCommands({
      print_defaults: () => defaults,
      list_departments: () => departments,
      list_staff: () => [{ id: "s-1", name: "王伟", department_name: "心血管内科" }],
      print_statement: () => report,
      verify_statement: () => ({
        verdict: "altered",
        input: "file",
        reasons: [{ code: "STATEMENT_TEXT_CHANGED", message: "合计学分与签名不符" }],
        notes: [],
        short_code: "K7QX-2M9D",
        signed: { name: "王伟", id_number_shown: "1101**********002X", printed_at: "2026-12-01T10:00:00+08:00", rows: 3, total_credits: "12.00", total_hours: "36.00", key_id: "ab12" },
        issue: null,
      }),
    });
    renderPage(<PrintPage />);
    await waitFor(() => screen.getByTestId("tab-statement"));
    fireEvent.click(screen.getByTestId("tab-statement"));
    const picker = await waitFor(() => screen.getByTestId("statement-staff"));
    const search = (picker.tagName === "INPUT" ? picker : picker.closest(".ant-select")!.querySelector("input"))!;
    fireEvent.mouseDown(search.closest(".ant-select")!.querySelector(".ant-select-selector")!);
    fireEvent.change(search, { target: { value: "王" } });
    const option = await waitFor(() => {
      const o = [...document.querySelectorAll(".ant-select-item-option")].find((e) => e.textContent?.includes("王伟"));
      if (!o) throw new Error("no option");
      return o;
    });
    fireEvent.click(option);
    await waitFor(() => expect((screen.getByTestId("statement-out-file") as HTMLInputElement).value).toBe("/data/打印/学分记录明细表_王伟_2026.pdf"));
    fireEvent.click(screen.getByTestId("statement-issue"));
    await waitFor(() => expect(screen.getByTestId("statement-short-code").textContent).toContain("K7QX-2M9D"));
    expect(calls.find((c) => c.cmd === "print_statement")!.args).toEqual({ staffId: "s-1", year: 2026, outFile: "/data/打印/学分记录明细表_王伟_2026.pdf", showFullId: false });

    fireEvent.click(screen.getByTestId("tab-verify"));
    fireEvent.change(await waitFor(() => screen.getByTestId("verify-input")), { target: { value: "/tmp/x.pdf" } });
    fireEvent.click(screen.getByTestId("verify-check"));
    const result = await waitFor(() => screen.getByTestId("verify-result"));
    expect(result.getAttribute("data-verdict")).toBe("altered");
    expect(result.textContent).toContain("被篡改");
    expect(result.textContent).toContain("合计学分与签名不符");
    expect(calls.find((c) => c.cmd === "verify_statement")!.args).toEqual({ input: "/tmp/x.pdf" });
  });
});
