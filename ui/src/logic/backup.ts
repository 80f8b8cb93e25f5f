// 备份 page wording: sizes, kinds, verification states, the restore preview's table rows.
import type { BackupDue, BackupEntry, BackupLastRun, BackupProgress, RestorePreview } from "../api/backup";
import type { BackupKind } from "../bindings/BackupKind";
import type { AuditHead } from "../bindings/AuditHead";
import { actionLabel } from "./auditLabels";

export const KIND_LABELS: Record<BackupKind, string> = {
  manual: "手动",
  daily: "每日",
  weekly: "每周",
  monthly: "每月",
  expiring: "待轮换删除",
  unknown: "无法读取",
};

/** Table names as an officer knows them; others stay as stored. */
export const TABLE_LABELS: Record<string, string> = {
  staff: "人员",
  departments: "科室",
  cards: "卡",
  projects: "继教项目",
  credits: "学分",
  manual_credits: "手工录入学分",
  swipes: "刷卡记录",
  audit_log: "操作日志",
  outbox: "同步发件箱",
  users: "操作员",
};

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "2026-11-30T20:01:02.123+08:00" → "2026-11-30 20:01:02". */
export const timeText = (t: string | null | undefined) => (t ? t.slice(0, 19).replace("T", " ") : "—");

/** The verification column: the last verdict and when, or why the backup cannot be read. */
export function checkText(e: BackupEntry): { text: string; ok: boolean | null } {
  if (e.error) return { text: `无法读取：${e.error}`, ok: false };
  if (!e.last_check) return { text: "未校验", ok: null };
  return e.last_check.ok
    ? { text: `完好（${timeText(e.last_check.checked_at)} 校验）`, ok: true }
    : { text: `损坏：${e.last_check.integrity}（${timeText(e.last_check.checked_at)} 校验）`, ok: false };
}

export function progressPercent(p: BackupProgress | null): number {
  if (!p) return 0;
  if (p.phase === "verify") return 100;
  return p.total > 0 ? Math.floor((p.done * 100) / p.total) : 0;
}

export function progressText(p: BackupProgress | null): string {
  if (!p) return "准备备份…";
  if (p.phase === "verify") return "正在校验备份…";
  return `正在复制 ${p.done} / ${p.total} 页`;
}

export interface ChangeRow {
  table: string;
  label: string;
  now: number;
  after: number;
  delta: number;
}

/** The tables a restore changes, the officer's tables first. */
export function changeRows(p: RestorePreview): ChangeRow[] {
  const rows = p.changes.map(([table, now, after]) => ({ table, label: TABLE_LABELS[table] ?? table, now, after, delta: after - now }));
  const known = (r: ChangeRow) => (r.table in TABLE_LABELS ? 0 : 1);
  return rows.sort((a, b) => known(a) - known(b) || a.table.localeCompare(b.table));
}

/** "#3140 2026-11-30 22:32:49 admin 人员 · 新增": the entity is the action's first part. */
export const auditHeadText = (h: AuditHead | null) =>
  h ? `#${h.seq} ${timeText(h.at)} ${h.operator} ${actionLabel(h.action, h.action.split(".")[0])}` : "（无）";

/** `HH:MM` (or `H:MM`), 00:00–23:59: what the schedule's time field accepts. */
export function validTime(t: string): boolean {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.trim());
  return !!m && Number(m[1]) < 24 && Number(m[2]) < 60;
}

/** The next scheduled backup as the page says it. */
export function nextRunText(due: BackupDue, running: boolean): string {
  if (running) return "正在定时备份…";
  switch (due.reason) {
    case "disabled":
      return "定时备份已关闭";
    case "slot":
    case "catch_up":
      return "马上开始";
    case "retry_wait":
      return `${timeText(due.next_at)}（上次失败，稍后重试）`;
    case "waiting":
      return timeText(due.next_at);
  }
}

/** The last scheduled attempt: 成功 with the file, or 失败 with the reason (shown in red). */
export function lastRunText(run: BackupLastRun | null): { text: string; ok: boolean | null } {
  if (!run) return { text: "尚未定时备份过", ok: null };
  if (run.ok) {
    const name = run.file ? run.file.split(/[\\/]/).pop() : "";
    const rotated = run.rotated_out ? `，轮换删除 ${run.rotated_out} 个旧备份` : "";
    return { text: `成功（${timeText(run.at)}，${name}${rotated}）`, ok: true };
  }
  return { text: `失败（${timeText(run.at)}）：${run.error ?? "原因不明"}`, ok: false };
}
