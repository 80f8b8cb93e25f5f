// 打印: mirrors src-tauri/src/commands/print.rs (booklets, statements, verify, open).
import { call } from "./invoke";
import type { StatementVerification } from "../bindings/StatementVerification";

export type { StatementVerification };

/** Which people a booklet batch covers. */
export type PrintScope = { kind: "staff"; id: string } | { kind: "department"; id: string } | { kind: "all" };

export interface PrintDefaults {
  out_dir: string;
  year: number;
  fonts: string[];
  font_error: string | null;
}

/** `print-progress` event payload. */
export interface PrintProgress {
  job_id: string;
  done: number;
  total: number;
  failed: number;
}

export interface PrintFailure {
  department: string;
  name: string;
  code: string;
  message: string;
}

export interface BookletJobReport {
  out_dir: string;
  total: number;
  booklets: number;
  files: number;
  first_file: string | null;
  bytes: number;
  failures: PrintFailure[];
  cancelled: boolean;
  elapsed_ms: number;
}

export interface StatementReport {
  file: string;
  short_code: string;
  code: string;
  rows: number;
  total_credits: string;
  total_hours: string;
  key_created: boolean;
}

export const printDefaults = () => call<PrintDefaults>("print_defaults");
export const printBooklets = (jobId: string, scope: PrintScope, year: number, outDir: string, combined: number | null, duplex: boolean) =>
  call<BookletJobReport>("print_booklets", { jobId, scope, year, outDir, combined, duplex });
/** The first booklet of `scope` as PDF bytes, for the preview of its first page (nothing written). */
export const previewBooklet = (scope: PrintScope, year: number) => call<ArrayBuffer>("preview_booklet", { scope, year });
export const printStatement = (staffId: string, year: number, outFile: string, showFullId: boolean) =>
  call<StatementReport>("print_statement", { staffId, year, outFile, showFullId });
export const verifyStatement = (input: string) => call<StatementVerification>("verify_statement", { input });
export const openPrinted = (path: string) => call<void>("open_printed", { path });
