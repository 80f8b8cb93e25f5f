// 备份 page with the IPC mocked: the list (time, kind, size, verification), 立即备份 with its
// progress events, 校验 one, and 恢复 only after the preview and the confirmation; the page's
// wording (logic/backup.ts) and the admin-only menu.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import BackupPage from "./BackupPage";
import { apiError, mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pagesFor } from "../api/session";
import type { BackupEntry, BackupFolder, RestorePreview, ScheduleView } from "../api/backup";
import { changeRows, checkText, progressPercent, progressText, sizeText } from "../logic/backup";

const WAIT = { timeout: 15000 };
const dir = "/data/backups";
const manifest = (taken_at: string, trigger: "manual" | "scheduled") => ({
  taken_at,
  taken_by: "admin",
  source_site_id: "site-1",
  schema_version: 10,
  row_counts: { staff: 2000, audit_log: 5000 },
  trigger,
});
const entry = (name: string, taken_at: string, kind: BackupEntry["kind"], ok: boolean | null): BackupEntry => ({
  file: `${dir}/${name}`,
  name,
  bytes: 3 * 1024 * 1024 + 200 * 1024,
  manifest: manifest(taken_at, kind === "manual" ? "manual" : "scheduled"),
  kind,
  last_check: ok === null ? null : { checked_at: taken_at, ok, integrity: ok ? "ok" : "row 7 missing from index", mismatches: [] },
  error: null,
});
const older = entry("desk-20261129-020000.db", "2026-11-29T02:00:00.000+08:00", "daily", true);
const fresh = entry("desk-20261130-201502.db", "2026-11-30T20:15:02.000+08:00", "manual", true);

const scheduleView: ScheduleView = {
  schedule: { enabled: true, folder: null, at: "12:30", catch_up_at_start: true },
  folder: dir,
  due: { now: false, reason: "waiting", next_at: "2026-12-01T12:30:00+08:00" },
  last_backup_at: "2026-11-30T20:15:02+08:00",
  last_run: null,
  running: false,
};

const preview: RestorePreview = {
  backup: { ok: true, integrity: "ok", manifest: older.manifest, mismatches: [] },
  changes: [
    ["sync_fields", 10, 8],
    ["staff", 2001, 2000],
    ["audit_log", 5003, 5000],
  ],
  latest_now: { seq: 5003, at: "2026-11-30T20:16:00.000+08:00", operator: "admin", action: "staff.add" },
  latest_in_backup: { seq: 5000, at: "2026-11-29T01:59:00.000+08:00", operator: "admin", action: "project.create" },
};

describe("备份 logic", () => {
  it("words sizes, checks, progress and the changes", () => {
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(3 * 1024 * 1024 + 200 * 1024)).toBe("3.2 MB");
    expect(checkText(older)).toEqual({ text: "完好（2026-11-29 02:00:00 校验）", ok: true });
    expect(checkText({ ...older, last_check: null })).toEqual({ text: "未校验", ok: null });
    expect(checkText({ ...older, manifest: null, error: "DB_KEY_MISSING: 找不到密钥" }).text).toBe("无法读取：DB_KEY_MISSING: 找不到密钥");
    expect(progressText({ phase: "copy", done: 512, total: 2048 })).toBe("正在复制 512 / 2048 页");
    expect(progressPercent({ phase: "copy", done: 512, total: 2048 })).toBe(25);
    expect(progressPercent({ phase: "verify" })).toBe(100);
    expect(changeRows(preview).map((r) => [r.label, r.delta])).toEqual([
      ["操作日志", -3],
      ["人员", -1],
      ["sync_fields", -2],
    ]);
  });

  it("shows the 备份 menu to admins only", () => {
    expect(pagesFor("admin")).toContain("backup");
    for (const role of ["officer", "department_secretary", "viewer"] as const) expect(pagesFor(role)).not.toContain("backup");
  });
});

describe("备份 page", () => {
  it("lists the backups, backs up now with progress and shows the new one", async () => {
    let backups = [older];
    let release: () => void = () => {};
    const calls = mockCommands({
      backup_schedule: () => scheduleView,
      list_backups: (): BackupFolder => ({ dir, backups }),
      create_backup: async (a) => {
        await new Promise<void>((r) => (release = r));
        backups = [fresh, older];
        return { file: fresh.file, manifest: fresh.manifest, rotated_out: [], elapsed_ms: 412, job: a.jobId };
      },
    });
    renderPage(<BackupPage onRestored={() => {}} />);
    await screen.findByText("desk-20261129-020000.db", undefined, WAIT);
    expect(screen.getByTestId("backup-dir").textContent).toBe(dir);
    expect(screen.getByText("每日")).toBeTruthy();
    expect(screen.getByText("3.2 MB")).toBeTruthy();
    fireEvent.click(screen.getByTestId("backup-now"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "create_backup")).toBe(true), WAIT);
    const jobId = calls.find((c) => c.cmd === "create_backup")!.args.jobId as string;
    await emit("backup-progress", { job_id: jobId, phase: "copy", done: 300, total: 1200 });
    await screen.findByText("正在复制 300 / 1200 页", undefined, WAIT);
    // Another job's events are not ours.
    await emit("backup-progress", { job_id: "other", phase: "verify" });
    expect(screen.queryByText("正在校验备份…")).toBeNull();
    release();
    await screen.findByText("备份完成并已校验：2 张表，7000 行（412 毫秒）", undefined, WAIT);
    await screen.findByText("desk-20261130-201502.db", undefined, WAIT);
    expect(screen.getByText("手动")).toBeTruthy();
    expect(screen.queryByTestId("backup-progress")).toBeNull();
    // The 定时备份 card reads its status again: 最近一次备份 is the new one.
    await waitFor(() => expect(calls.filter((c) => c.cmd === "backup_schedule").length).toBe(2), WAIT);
  });

  it("verifies one backup and shows a damaged verdict", async () => {
    let backups = [older];
    mockCommands({
      backup_schedule: () => scheduleView,
      list_backups: () => ({ dir, backups }),
      verify_backup: (a) => {
        expect(a.file).toBe(older.file);
        backups = [{ ...older, last_check: { checked_at: "2026-11-30T21:00:00.000+08:00", ok: false, integrity: "row 7 missing from index", mismatches: [] } }];
        return backups[0].last_check;
      },
    });
    renderPage(<BackupPage onRestored={() => {}} />);
    await screen.findByText("完好（2026-11-29 02:00:00 校验）", undefined, WAIT);
    fireEvent.click(screen.getByTestId("backup-verify-0"));
    await screen.findByText("desk-20261129-020000.db 已损坏：row 7 missing from index", undefined, WAIT);
    await screen.findByText("损坏：row 7 missing from index（2026-11-30 21:00:00 校验）", undefined, WAIT);
  });

  it("restores only after the preview and the confirmation, then signs out", async () => {
    const restored: string[] = [];
    const calls = mockCommands({
      backup_schedule: () => scheduleView,
      list_backups: () => ({ dir, backups: [older] }),
      preview_restore: () => preview,
      restore_backup: () => preview,
    });
    renderPage(<BackupPage onRestored={(f) => restored.push(f)} />);
    await screen.findByText("desk-20261129-020000.db", undefined, WAIT);
    fireEvent.click(screen.getByTestId("backup-restore-0"));
    const box = await screen.findByTestId("restore-preview", undefined, WAIT);
    expect(screen.getByTestId("restore-latest-now").textContent).toBe("#5003 2026-11-30 20:16:00 admin 人员 · 新增");
    expect(screen.getByTestId("restore-latest-backup").textContent).toBe("#5000 2026-11-29 01:59:00 admin 项目 · 新建");
    const staffRow = within(box).getByText("人员").closest("tr")!;
    expect([...staffRow.querySelectorAll("td")].map((td) => td.textContent)).toEqual(["人员", "2001", "2000", "-1"]);
    expect(calls.some((c) => c.cmd === "restore_backup")).toBe(false);
    fireEvent.click(screen.getByTestId("restore-confirm"));
    await waitFor(() => expect(restored).toEqual([older.file]), WAIT);
    expect(calls.filter((c) => c.cmd === "restore_backup").map((c) => c.args.file)).toEqual([older.file]);
  });

  it("cannot confirm a backup that failed verification, and shows refusals in Chinese", async () => {
    mockCommands({
      backup_schedule: () => scheduleView,
      list_backups: () => ({ dir, backups: [older] }),
      preview_restore: () => ({ ...preview, backup: { ...preview.backup, ok: false, integrity: "database disk image is malformed" } }),
      create_backup: () => {
        throw apiError("FORBIDDEN", "只有管理员可以管理备份");
      },
    });
    renderPage(<BackupPage onRestored={() => {}} />);
    await screen.findByText("desk-20261129-020000.db", undefined, WAIT);
    fireEvent.click(screen.getByTestId("backup-restore-0"));
    await screen.findByText("备份校验失败（database disk image is malformed），不能恢复", undefined, WAIT);
    expect((screen.getByTestId("restore-confirm") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByText("取 消"));
    fireEvent.click(screen.getByTestId("backup-now"));
    await screen.findByText("只有管理员可以管理备份", undefined, WAIT);
  });
});
