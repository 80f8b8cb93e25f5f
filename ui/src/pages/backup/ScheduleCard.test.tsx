// 定时备份 card with the IPC mocked: the schedule and status as shown (next run, newest backup,
// the last scheduled result — 失败 in red with its reason), 保存 sends the edited schedule (a bad
// time cannot be saved), and the scheduler's `backup-schedule` / `backup-progress` events show a
// running backup and refresh the list when it ends; the wording in logic/backup.ts.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import BackupPage from "../BackupPage";
import ScheduleCard from "./ScheduleCard";
import { mockCommands } from "../../test/ipc";
import { renderPage } from "../../test/render";
import type { BackupLastRun, ScheduleView } from "../../api/backup";
import { lastRunText, nextRunText, validTime } from "../../logic/backup";

const WAIT = { timeout: 15000 };
const failed: BackupLastRun = {
  at: "2026-11-30T12:30:00.000+08:00",
  ok: false,
  file: null,
  error: "BACKUP_DIR: 无法创建备份文件夹 /mnt/nas/cme：Permission denied",
  rotated_out: 0,
  elapsed_ms: 3,
};
const succeeded: BackupLastRun = {
  at: "2026-12-01T12:30:00.000+08:00",
  ok: true,
  file: "/data/backups/desk-20261201-123000-auto.db",
  error: null,
  rotated_out: 1,
  elapsed_ms: 812,
};
const view = (over: Partial<ScheduleView> = {}): ScheduleView => ({
  schedule: { enabled: true, folder: null, at: "12:30", catch_up_at_start: true },
  folder: "/data/backups",
  due: { now: false, reason: "retry_wait", next_at: "2026-11-30T12:45:00+08:00" },
  last_backup_at: "2026-11-29T12:30:01+08:00",
  last_run: failed,
  running: false,
  ...over,
});

describe("定时备份 logic", () => {
  it("accepts HH:MM times only", () => {
    for (const t of ["12:30", "7:05", "00:00", "23:59", " 06:15 "]) expect(validTime(t)).toBe(true);
    for (const t of ["24:00", "12:60", "1230", "12:3", "", "ab:cd"]) expect(validTime(t)).toBe(false);
  });

  it("words the next run and the last result", () => {
    expect(nextRunText({ now: false, reason: "waiting", next_at: "2026-12-01T12:30:00+08:00" }, false)).toBe("2026-12-01 12:30:00");
    expect(nextRunText({ now: false, reason: "disabled", next_at: null }, false)).toBe("定时备份已关闭");
    expect(nextRunText({ now: true, reason: "catch_up", next_at: "2026-12-01T08:00:00+08:00" }, false)).toBe("马上开始");
    expect(nextRunText({ now: false, reason: "retry_wait", next_at: "2026-11-30T12:45:00+08:00" }, false)).toBe(
      "2026-11-30 12:45:00（上次失败，稍后重试）",
    );
    expect(nextRunText({ now: false, reason: "waiting", next_at: null }, true)).toBe("正在定时备份…");
    expect(lastRunText(null)).toEqual({ text: "尚未定时备份过", ok: null });
    expect(lastRunText(succeeded)).toEqual({ text: "成功（2026-12-01 12:30:00，desk-20261201-123000-auto.db，轮换删除 1 个旧备份）", ok: true });
    expect(lastRunText(failed)).toEqual({
      text: "失败（2026-11-30 12:30:00）：BACKUP_DIR: 无法创建备份文件夹 /mnt/nas/cme：Permission denied",
      ok: false,
    });
  });
});

describe("定时备份 card", () => {
  it("shows the schedule, the next run and a failed last run in red with its reason", async () => {
    mockCommands({ backup_schedule: () => view() });
    renderPage(<ScheduleCard onBackedUp={() => {}} />);
    const next = await screen.findByTestId("schedule-next", undefined, WAIT);
    expect(next.textContent).toBe("2026-11-30 12:45:00（上次失败，稍后重试）");
    expect(screen.getByTestId("schedule-last-backup").textContent).toBe("2026-11-29 12:30:01");
    const last = screen.getByTestId("schedule-last-run");
    expect(last.textContent).toContain("失败（2026-11-30 12:30:00）：BACKUP_DIR: 无法创建备份文件夹 /mnt/nas/cme");
    expect(last.className).toContain("ant-typography-danger");
    expect((screen.getByTestId("schedule-at") as HTMLInputElement).value).toBe("12:30");
    expect(screen.getByTestId("schedule-enabled").getAttribute("aria-checked")).toBe("true");
  });

  it("saves the edited schedule; a bad time cannot be saved", async () => {
    const calls = mockCommands({
      backup_schedule: () => view({ last_run: null }),
      save_backup_schedule: (a) => {
        const schedule = a.schedule as ScheduleView["schedule"];
        return view({ schedule: { ...schedule, at: "07:05" }, due: { now: false, reason: "disabled", next_at: null }, last_run: null });
      },
    });
    renderPage(<ScheduleCard onBackedUp={() => {}} />);
    const at = (await screen.findByTestId("schedule-at", undefined, WAIT)) as HTMLInputElement;
    expect(screen.getByTestId("schedule-last-run").textContent).toBe("尚未定时备份过");
    fireEvent.change(at, { target: { value: "25:00" } });
    await screen.findByText("备份时间应为 HH:MM，如 12:30", undefined, WAIT);
    expect((screen.getByTestId("schedule-save") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(at, { target: { value: "7:05" } });
    fireEvent.click(screen.getByTestId("schedule-enabled"));
    fireEvent.click(screen.getByTestId("schedule-catch-up"));
    fireEvent.click(screen.getByTestId("schedule-save"));
    await screen.findByText("已保存：定时备份已关闭", undefined, WAIT);
    expect(calls.filter((c) => c.cmd === "save_backup_schedule").map((c) => c.args.schedule)).toEqual([
      { enabled: false, folder: null, at: "7:05", catch_up_at_start: false },
    ]);
    expect(screen.getByTestId("schedule-next").textContent).toBe("定时备份已关闭");
    expect((screen.getByTestId("schedule-at") as HTMLInputElement).value).toBe("07:05");
  });

  it("follows a scheduled backup through its events and refreshes the list when it ends", async () => {
    let current = view({ last_run: null, due: { now: false, reason: "waiting", next_at: "2026-12-01T12:30:00+08:00" } });
    const calls = mockCommands({
      backup_schedule: () => current,
      list_backups: () => ({ dir: "/data/backups", backups: [] }),
    });
    renderPage(<BackupPage onRestored={() => {}} />);
    await screen.findByText("2026-12-01 12:30:00", undefined, WAIT);
    const lists = () => calls.filter((c) => c.cmd === "list_backups").length;
    const before = lists();
    current = { ...current, running: true };
    await emit("backup-schedule", { running: true, run: null });
    await screen.findByText("正在定时备份…", undefined, WAIT);
    await emit("backup-progress", { job_id: "schedule", phase: "copy", done: 600, total: 1200 });
    await screen.findByText("正在复制 600 / 1200 页", undefined, WAIT);
    // A manual backup's progress is not the schedule's.
    await emit("backup-progress", { job_id: "backup-1", phase: "verify" });
    expect(screen.queryByText("正在校验备份…")).toBeNull();
    current = view({ last_run: succeeded, last_backup_at: "2026-12-01T12:30:00+08:00", due: { now: false, reason: "waiting", next_at: "2026-12-02T12:30:00+08:00" } });
    await emit("backup-schedule", { running: false, run: succeeded });
    await screen.findByText("成功（2026-12-01 12:30:00，desk-20261201-123000-auto.db，轮换删除 1 个旧备份）", undefined, WAIT);
    expect(screen.getByTestId("schedule-next").textContent).toBe("2026-12-02 12:30:00");
    expect(screen.queryByTestId("schedule-progress")).toBeNull();
    await waitFor(() => expect(lists()).toBeGreaterThan(before), WAIT);
  });
});
