// 导入 / 导出: mirrors src-tauri/src/commands/sheets.rs.
import { call } from "./invoke";
import type { ImportReport } from "../bindings/ImportReport";
import type { WizardPreview } from "../bindings/WizardPreview";
import type { SheetExported } from "../bindings/SheetExported";

export type { ImportReport, WizardPreview, SheetExported };

export interface TemplateInfo {
  name: string;
  title: string;
  description: string;
  importable: boolean;
  exportable: boolean;
  /** The import names the hosted project the rows are for (remote learning). */
  needs_project: boolean;
  /** Why the template is only checked (credit list). */
  import_note: string | null;
}

export const listSheetTemplates = () => call<TemplateInfo[]>("list_sheet_templates");

/** First look at a file: `template` null = detect it from the header row. */
export const previewSheet = (path: string, template: string | null, map: Record<string, string>) =>
  call<WizardPreview>("preview_sheet", { path, template, map });

/** Dry run or import (all or nothing); progress comes as `job-progress` events for `jobId`. */
export const importSheet = (args: {
  jobId: string;
  path: string;
  template: string;
  map: Record<string, string>;
  dryRun: boolean;
  remember: boolean;
  report?: string | null;
  /** Remote learning: the hosted project's id. */
  project?: string | null;
}) => call<ImportReport>("import_sheet", { report: null, project: null, ...args });

export const exportSheet = (args: {
  template: string;
  path: string;
  /** What the export covers (blank: unset). */
  filter: { year: number | null; department: string | null; staff: string | null; project: string | null };
  fullId: boolean;
}) => call<SheetExported>("export_sheet", args);
