// Words for the sync state and a sync round's result, shared by the status bar and the 同步 page.
import type { SyncNowResult, SyncState, SyncStateName } from "../api/sync";

export const STATE_LABELS: Record<SyncStateName, string> = {
  unconfigured: "未设置同步",
  never: "尚未同步",
  online: "在线",
  offline: "离线",
  error: "同步出错",
};

export const STATE_COLORS: Record<SyncStateName, string> = {
  unconfigured: "default",
  never: "default",
  online: "success",
  offline: "warning",
  error: "error",
};

/** `2026-11-30T20:01:02.123+08:00` → `2026-11-30 20:01:02`. */
export function shortTime(at: string | null): string {
  if (!at) return "—";
  return at.replace("T", " ").replace(/\.\d+/, "").replace(/([+-]\d\d:\d\d|Z)$/, "");
}

/** The status bar's one line about sync. */
export function statusLine(s: SyncState): string {
  const parts = [STATE_LABELS[s.state]];
  if (s.last_sync_at) parts.push(`上次同步 ${shortTime(s.last_sync_at)}`);
  if (s.last_resync_at) parts.push(`已从服务器重新同步 ${shortTime(s.last_resync_at)}`);
  if (s.open_conflicts > 0) parts.push(`冲突 ${s.open_conflicts} 个`);
  return parts.join(" · ");
}

/** What a round did, in one sentence. */
export function resultText(r: SyncNowResult): string {
  const parts = [`推送 ${r.pushed} 条`, `拉取 ${r.pulled} 条`];
  if (r.duplicates > 0) parts.push(`重复 ${r.duplicates} 条`);
  if (r.rejected > 0) parts.push(`被拒 ${r.rejected} 条`);
  if (r.conflicts > 0) parts.push(`新冲突 ${r.conflicts} 个`);
  const resynced = r.resynced ? "已从服务器重新同步，" : "";
  return `同步完成：${resynced}${parts.join("，")}（${r.millis} 毫秒）`;
}

/** A conflict's value for the table: strings as they are, other JSON compact, absent as —. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

const ENTITY_LABELS: Record<string, string> = {
  staff: "人员",
  department: "科室",
  card: "卡",
  project: "项目",
  credit: "学分",
  swipe: "刷卡记录",
};

const FIELD_LABELS: Record<string, string> = {
  name: "姓名",
  phone: "手机",
  title: "职称",
  note: "备注",
  department_id: "科室",
  status: "状态",
  revoked_reason: "撤销原因",
  "*": "整条记录",
};

export function whatText(entity: string, field: string): string {
  return `${ENTITY_LABELS[entity] ?? entity} · ${FIELD_LABELS[field] ?? field}`;
}
