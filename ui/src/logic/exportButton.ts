// The 导出 Excel buttons on the pages where data is shown: a default file name from the
// template's title and the page's filter, and the export arguments from that filter.

/** Characters Windows refuses in a file name (the save dialog would show an error). */
const NOT_IN_NAMES = /[\\/:*?"<>|]/g;

/** `科室达标统计-2026-心血管内科.xlsx`: title, then the filter values that are set. */
export function exportFileName(title: string, parts: (string | number | null | undefined)[]): string {
  const kept = parts.filter((p) => p !== null && p !== undefined && String(p).trim() !== "").map((p) => String(p).trim());
  return `${[title, ...kept].join("-").replace(NOT_IN_NAMES, "_")}.xlsx`;
}

/** A page's current filter as the export command takes it. */
export interface ExportFilter {
  year?: number | null;
  /** Department id (or name / path): that department and below. */
  department?: string | null;
  /** One person's staff id (the credit list of 个人学分). */
  staff?: string | null;
  /** A project's 项目编号 or id (考勤明细). */
  project?: string | null;
}

export function exportArgs(template: string, path: string, filter: ExportFilter, fullId: boolean) {
  return {
    template,
    path: path.trim(),
    filter: {
      year: filter.year ?? null,
      department: filter.department?.trim() || null,
      staff: filter.staff?.trim() || null,
      project: filter.project?.trim() || null,
    },
    fullId,
  };
}

/** Roles that may export full ID numbers (the core checks the permission and logs the view). */
export const mayExportFullIds = (role: string) => role === "admin" || role === "officer";
