// 操作日志: each change as before → after, filters sent to the core, and "verify chain".
import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import AuditLogPage from "./AuditLogPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import type { AuditEntry } from "../bindings/AuditEntry";

const log: AuditEntry[] = [
  {
    seq: 2,
    at: "2026-11-30T09:15:00+08:00",
    operator: "admin",
    action: "staff.transfer",
    entity: "staff",
    entity_id: "s-1",
    before: JSON.stringify({ id: "s-1", name: "测试甲", department_id: "d-xnk" }),
    after: JSON.stringify({ id: "s-1", name: "测试甲", department_id: "d-gk" }),
    prev_hash: "ab",
  },
  {
    seq: 1,
    at: "2026-11-30T09:10:00+08:00",
    operator: "admin",
    action: "staff.add",
    entity: "staff",
    entity_id: "s-1",
    before: null,
    after: JSON.stringify({ id: "s-1", name: "测试甲" }),
    prev_hash: "00",
  },
];

describe("操作日志", () => {
  it("shows who changed what, before → after", async () => {
    mockCommands({ list_audit_log: () => log });
    renderPage(<AuditLogPage changes={0} />);
    await screen.findByText("人员 · 调动");
    expect(screen.getByText("人员 · 新增")).toBeTruthy();
    const summaries = screen.getAllByTestId("audit-summary").map((e) => e.textContent);
    expect(summaries).toEqual(["department_id: d-xnk → d-gk", "id: — → s-1；name: — → 测试甲"]);
    expect(screen.getByText("2026-11-30 09:15:00")).toBeTruthy();
  });

  it("sends the typed text as a filter to the core", async () => {
    const calls = mockCommands({ list_audit_log: (a) => ((a.filter as { text: string | null }).text ? log.slice(0, 1) : log) });
    renderPage(<AuditLogPage changes={0} />);
    await screen.findByText("共 2 条");
    fireEvent.change(screen.getByTestId("audit-text"), { target: { value: " 测试甲 " } });
    await screen.findByText("共 1 条");
    expect(calls[calls.length - 1].args.filter).toMatchObject({ text: "测试甲", entity: null, limit: 2000 });
  });

  it("verifies the chain and says so in Chinese, intact or broken", async () => {
    let intact = true;
    mockCommands({
      list_audit_log: () => log,
      verify_audit_chain: () => (intact ? { rows: 2, intact: true, first_bad_seq: null, problem: null } : { rows: 2, intact: false, first_bad_seq: 2, problem: "hash mismatch" }),
    });
    renderPage(<AuditLogPage changes={0} />);
    await screen.findByText("共 2 条");
    await act(async () => {
      fireEvent.click(screen.getByTestId("audit-verify"));
    });
    await waitFor(() => expect(screen.getByTestId("audit-chain-result").textContent).toContain("日志链完整：已校验 2 条"));
    intact = false;
    await act(async () => {
      fireEvent.click(screen.getByTestId("audit-verify"));
    });
    await waitFor(() => expect(screen.getByTestId("audit-chain-result").textContent).toContain("日志链断裂：第 2 条起"));
  });
});
