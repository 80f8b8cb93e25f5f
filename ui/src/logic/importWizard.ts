// The import wizard's pure logic: which field each header cell maps to (the officer's choice
// over the detected one), what the officer still has to map, and row errors as officers read
// them ("第5行 身份证号（C列）：校验位错误"), grouped by row.
import type { MappedColumn } from "../bindings/MappedColumn";
import type { Rejection } from "../bindings/Rejection";
import type { WizardField } from "../bindings/WizardField";
import type { RemoteSummary } from "../bindings/RemoteSummary";
import type { WizardPreview } from "../bindings/WizardPreview";

export interface HeaderChoice {
  header: string;
  /** Column letter when the header was mapped; "" for an unmapped header. */
  letter: string;
  /** The field it maps to now ("" = ignored). */
  field: string;
  /** True when the officer chose it (not detected or remembered). */
  chosen: boolean;
}

/** One line per header cell: mapped ones first (in sheet order), then the unmapped. */
export function headerChoices(
  mapping: MappedColumn[],
  unmapped: string[],
  overrides: Record<string, string>,
): HeaderChoice[] {
  const mapped = mapping.map((m) => ({
    header: m.header,
    letter: m.letter,
    field: overrides[m.header] ?? m.field,
    chosen: m.header in overrides,
  }));
  const rest = unmapped.map((h) => ({ header: h, letter: "", field: overrides[h] ?? "", chosen: h in overrides }));
  return [...mapped, ...rest];
}

/** Required fields no header maps to. */
export function missingRequired(fields: WizardField[], choices: HeaderChoice[]): WizardField[] {
  const used = new Set(choices.map((c) => c.field).filter((f) => f !== ""));
  return fields.filter((f) => f.required && !used.has(f.field));
}

/** Sets (or clears, with "") the officer's choice for a header. */
export function chooseField(overrides: Record<string, string>, header: string, field: string): Record<string, string> {
  const next = { ...overrides };
  if (field === "") delete next[header];
  else next[header] = field;
  return next;
}

/** "第5行 身份证号（C列）：…" — the way officers look a problem up in Excel. */
export function rejectionText(r: Rejection): string {
  return r.column ? `第${r.row}行 ${r.column}：${r.reason}` : `第${r.row}行：${r.reason}`;
}

/** Rejections grouped by row, rows ascending; within a row in the order found. */
export function groupByRow(rejected: Rejection[]): { row: number; items: Rejection[] }[] {
  const byRow = new Map<number, Rejection[]>();
  for (const r of rejected) {
    const list = byRow.get(r.row);
    if (list) list.push(r);
    else byRow.set(r.row, [r]);
  }
  return [...byRow.entries()].sort((a, b) => a[0] - b[0]).map(([row, items]) => ({ row, items }));
}

/** Percent for the progress bar (0 when the total is unknown). */
export function percent(done: number, total: number): number {
  if (!total || total <= 0) return 0;
  return Math.min(100, Math.floor((100 * done) / total));
}

/** Where the error report goes by default: beside the file, `名单.xlsx` → `名单-错误报告.xlsx`. */
export function reportPathFor(path: string): string {
  const trimmed = path.trim();
  const dot = trimmed.lastIndexOf(".");
  const slash = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  const stem = dot > slash ? trimmed.slice(0, dot) : trimmed;
  return `${stem}-错误报告.xlsx`;
}

/** 检查 can run: the sheet was read, and a remote-learning file has its project chosen. */
export function canCheck(preview: WizardPreview | null, project: string | null): boolean {
  if (!preview?.parsed) return false;
  return !preview.needs_project || !!project;
}

/** One line per person of a remote-learning outcome: credited first, then the others with why. */
export interface RemoteRow {
  key: string;
  name: string;
  id_number: string;
  platform: string;
  credited: boolean;
  result: string;
}

export function remoteRows(s: RemoteSummary): RemoteRow[] {
  const credited = s.credited.map((p, i) => ({
    key: `c${i}`,
    name: p.name,
    id_number: p.id_number,
    platform: p.platform ?? "",
    credited: true,
    result: `授予 ${s.credits} 学分`,
  }));
  const others = s.not_credited.map((p, i) => ({
    key: `n${i}`,
    name: p.name,
    id_number: p.id_number,
    // A note with no platform is about the two platforms together.
    platform: p.platform ?? "两平台合计",
    credited: false,
    result: p.reasons.join("；"),
  }));
  return [...credited, ...others];
}

/** "2人学完（每人 5 学分），3人未学完" and, after an import, what was stored. */
export function remoteSummaryText(s: RemoteSummary): string {
  const people = (list: { name: string; id_number: string }[]) => new Set(list.map((p) => `${p.name}|${p.id_number}`)).size;
  const head = `项目 ${s.project_code} ${s.project_name}：${s.credited.length}人学完（每人 ${s.credits} 学分），${people(s.not_credited)}人未学完`;
  if (!s.saved) return `${head}（检查，未写入）`;
  return `${head}；已记录学分：新增 ${s.saved.inserted} 条，已有 ${s.saved.unchanged + s.saved.updated} 条`;
}
