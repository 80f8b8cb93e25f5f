// 同步 page with the IPC mocked: the state and counts, 立即同步's result, the token never shown
// back (only its hint) and left out when not retyped, conflicts resolved both ways, errors in Chinese.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import SyncPage from "./SyncPage";
import { apiError, mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import type { SyncConflict, SyncState } from "../api/sync";
import { resultText, shortTime, statusLine, valueText } from "../logic/sync";

const base: SyncState = {
  site_id: "site-1",
  server: "http://127.0.0.1:5510",
  token_hint: "…c0de",
  ca_file: null,
  pending: 3,
  acked_through: 10,
  cursor: 12,
  open_conflicts: 1,
  state: "online",
  last_sync_at: "2026-11-30T20:01:02.123+08:00",
  last_error: null,
  last_resync_at: null,
};

const conflict: SyncConflict = {
  id: 7,
  server_seq: 12,
  entity: "staff",
  entity_id: "s-1",
  field: "phone",
  winner: "13900000002",
  winner_hlc: "x",
  loser: "13900000001",
  loser_hlc: "y",
  detected_at: "2026-11-30T20:01:02+08:00",
  note: null,
  resolved_at: null,
  resolved_by: null,
  resolution: null,
};

describe("同步 logic", () => {
  it("words the state, times and results", () => {
    expect(shortTime("2026-11-30T20:01:02.123+08:00")).toBe("2026-11-30 20:01:02");
    expect(statusLine(base)).toBe("在线 · 上次同步 2026-11-30 20:01:02 · 冲突 1 个");
    expect(statusLine({ ...base, state: "offline", open_conflicts: 0, last_sync_at: null })).toBe("离线");
    expect(resultText({ pushed: 2, pulled: 5, duplicates: 0, rejected: 0, conflicts: 1, cursor: 5, acked_through: 2, epoch: 1, retries: 0, millis: 14 })).toBe(
      "同步完成：推送 2 条，拉取 5 条，新冲突 1 个（14 毫秒）",
    );
    const resynced = { ...base, open_conflicts: 0, last_resync_at: "2026-12-01T04:00:00+08:00" };
    expect(statusLine(resynced)).toBe("在线 · 上次同步 2026-11-30 20:01:02 · 已从服务器重新同步 2026-12-01 04:00:00");
    expect(resultText({ pushed: 1, pulled: 0, duplicates: 0, rejected: 0, conflicts: 0, cursor: 9, acked_through: 1, epoch: 1, retries: 0, resynced: true, millis: 30 })).toBe(
      "同步完成：已从服务器重新同步，推送 1 条，拉取 0 条（30 毫秒）",
    );
    expect(valueText(null)).toBe("—");
    expect(valueText({ a: 1 })).toBe('{"a":1}');
  });
});

describe("同步 page", () => {
  it("shows the counts, runs a round and shows what it did", async () => {
    let state = base;
    const calls = mockCommands({
      sync_state: () => state,
      sync_conflicts: () => [],
      sync_now: () => {
        state = { ...base, pending: 0, cursor: 15 };
        return { pushed: 3, pulled: 3, duplicates: 0, rejected: 0, conflicts: 0, cursor: 15, acked_through: 13, epoch: 1, retries: 0, millis: 21 };
      },
    });
    renderPage(<SyncPage onChanged={() => {}} canConfigure />);
    await waitFor(() => expect(screen.getByTestId("sync-pending").textContent).toBe("3"));
    expect(screen.getByTestId("sync-state").textContent).toBe("在线");
    fireEvent.click(screen.getByTestId("sync-now"));
    await screen.findByText("同步完成：推送 3 条，拉取 3 条（21 毫秒）", { selector: "[data-testid=sync-result]" });
    await waitFor(() => expect(screen.getByTestId("sync-pending").textContent).toBe("0"));
    expect(screen.getByTestId("sync-cursor").textContent).toBe("15");
    expect(calls.filter((c) => c.cmd === "sync_now")).toHaveLength(1);
    expect(screen.queryByTestId("sync-resynced")).toBeNull();
  });

  it("says when the desk was started again from the server's data", async () => {
    mockCommands({ sync_state: () => ({ ...base, last_resync_at: "2026-12-01T04:00:00.5+08:00" }), sync_conflicts: () => [] });
    renderPage(<SyncPage onChanged={() => {}} canConfigure />);
    expect((await screen.findByTestId("sync-resynced")).textContent).toBe("已从服务器重新同步 2026-12-01 04:00:00");
  });

  it("never shows the token, and sends none when it is not retyped", async () => {
    const calls = mockCommands({ sync_state: () => base, sync_conflicts: () => [], sync_save_settings: () => base });
    renderPage(<SyncPage onChanged={() => {}} canConfigure />);
    await screen.findByText("已设置（…c0de）；留空则不更改");
    expect((screen.getByTestId("sync-token") as HTMLInputElement).value).toBe("");
    fireEvent.change(screen.getByTestId("sync-server"), { target: { value: " http://10.0.0.5:8787 " } });
    fireEvent.click(screen.getByTestId("sync-save"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "sync_save_settings")).toBe(true));
    expect(calls.find((c) => c.cmd === "sync_save_settings")!.args.settings).toEqual({ server: "http://10.0.0.5:8787", token: null, ca_file: null });
  });

  it("lists a conflict and resolves it either way", async () => {
    let open = [conflict];
    const calls = mockCommands({
      sync_state: () => ({ ...base, open_conflicts: open.length }),
      sync_conflicts: () => open,
      sync_resolve: (a) => {
        open = [];
        return { ...conflict, resolved_at: "t", resolution: a.takeLoser ? "take_loser" : "keep_winner" };
      },
    });
    renderPage(<SyncPage onChanged={() => {}} canConfigure />);
    await screen.findByText("人员 · 手机");
    expect(screen.getByTestId("conflict-winner").textContent).toBe("13900000002");
    expect(screen.getByTestId("conflict-loser").textContent).toBe("13900000001");
    fireEvent.click(screen.getByTestId("conflict-take"));
    await screen.findByText("没有待处理的冲突");
    expect(calls.find((c) => c.cmd === "sync_resolve")!.args).toEqual({ id: 7, takeLoser: true });
    expect(screen.getByTestId("sync-conflict-count").textContent).toBe("0");
  });

  it("says in Chinese when the server cannot be reached", async () => {
    mockCommands({
      sync_state: () => base,
      sync_conflicts: () => [],
      sync_now: () => {
        throw apiError("SYNC_OFFLINE", "连接不上同步服务器（网络不通或服务器未开），变更已保存在本机，稍后再同步");
      },
    });
    renderPage(<SyncPage onChanged={() => {}} canConfigure />);
    await waitFor(() => expect(screen.getByTestId("sync-pending").textContent).toBe("3"));
    fireEvent.click(screen.getByTestId("sync-now"));
    const alert = await screen.findByTestId("sync-error");
    expect(alert.textContent).toContain("连接不上同步服务器");
  });
});
