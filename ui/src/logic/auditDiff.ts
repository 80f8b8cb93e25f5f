// before → after of an audit entry as rows of changed fields, for the 操作日志 table.

export interface DiffRow {
  field: string;
  before: string;
  after: string;
}

function parse(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    try {
      const p = JSON.parse(v);
      return typeof p === "object" && p !== null ? (p as Record<string, unknown>) : { value: p };
    } catch {
      return { value: v };
    }
  }
  return typeof v === "object" ? (v as Record<string, unknown>) : { value: v };
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Only the fields that differ (all fields for a creation or deletion), in a stable order. */
export function diffEntry(before: unknown, after: unknown): DiffRow[] {
  const b = parse(before);
  const a = parse(after);
  const fields = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
  const rows: DiffRow[] = [];
  for (const f of fields) {
    const bv = b?.[f];
    const av = a?.[f];
    if (b && a && JSON.stringify(bv) === JSON.stringify(av)) continue;
    rows.push({ field: f, before: show(bv), after: show(av) });
  }
  return rows;
}

/** One-line summary for the collapsed row: "name: 张三 → 李四；status: active → maternity". */
export function summary(before: unknown, after: unknown, max = 3): string {
  const rows = diffEntry(before, after);
  const shown = rows.slice(0, max).map((r) => `${r.field}: ${r.before} → ${r.after}`);
  return rows.length > max ? `${shown.join("；")}；…（共 ${rows.length} 项）` : shown.join("；");
}
