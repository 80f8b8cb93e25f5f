// Page logic of 打印: the scope a form describes, the progress bar's percent, file names and what
// a verification verdict means, kept apart from the widgets so Vitest checks them directly.
import type { PrintScope } from "../api/print";
import type { StatementVerdict } from "../bindings/StatementVerdict";

export type ScopeKind = PrintScope["kind"];

export const SCOPE_LABELS: Record<ScopeKind, string> = { staff: "一人", department: "科室", all: "全院" };

/** The scope the form describes, or the Chinese reason it is incomplete. */
export function scopeOf(kind: ScopeKind, staffId: string | null | undefined, departmentId: string | null | undefined): PrintScope | string {
  switch (kind) {
    case "staff":
      return staffId ? { kind, id: staffId } : "请选择人员";
    case "department":
      return departmentId ? { kind, id: departmentId } : "请选择科室";
    case "all":
      return { kind };
  }
}

/** Whole percent for the bar; 0 before the total is known, never above 100. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((100 * done) / total));
}

/** `/a/b` + `c.pdf` with the folder's own separator (Windows paths keep their backslashes). */
export function joinPath(dir: string, file: string): string {
  const d = dir.trim();
  const sep = d.includes("\\") && !d.includes("/") ? "\\" : "/";
  return d.endsWith(sep) ? `${d}${file}` : `${d}${sep}${file}`;
}

/** Where a statement goes by default: `学分记录明细表_姓名_年度.pdf` in the output folder. */
export function statementFile(dir: string, name: string, year: number): string {
  const safe = name.replace(/[\\/:*?"<>|]/g, "_");
  return joinPath(dir, `学分记录明细表_${safe}_${year}.pdf`);
}

/** "已打印 12 份，3 个文件，456 KB" */
export function reportSummary(r: { booklets: number; total: number; files: number; bytes: number; elapsed_ms: number }): string {
  const kb = Math.round(r.bytes / 1024);
  return `已打印 ${r.booklets} / ${r.total} 份学分登记手册，${r.files} 个文件，${kb} KB，用时 ${(r.elapsed_ms / 1000).toFixed(1)} 秒`;
}

export const VERDICTS: Record<StatementVerdict, { label: string; type: "success" | "error" | "warning" }> = {
  genuine: { label: "真实：签名有效，内容与签名一致", type: "success" },
  forged: { label: "伪造：没有本机可信密钥的有效签名", type: "error" },
  altered: { label: "被篡改：签名真实，但明细表内容与签名不符", type: "warning" },
};
