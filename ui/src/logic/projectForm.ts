// Converts between the project details form (dayjs dates, empty strings) and the core's
// `ProjectDetails` (ISO dates, nulls).
import dayjs, { type Dayjs } from "dayjs";
import type { ProjectDetails } from "../bindings/ProjectDetails";

export interface DetailsFormValues {
  delivery?: string;
  venue?: string;
  planned_start?: Dayjs | null;
  planned_end?: Dayjs | null;
  lecture_hours?: number | null;
  practical_hours?: number | null;
  discipline2?: string;
  discipline3?: string;
  lead?: string;
  handler?: string;
  handler_phone?: string;
  filed_at_venue?: boolean;
  exam_required?: boolean;
  fee?: number | null;
  other_code?: string;
  note?: string;
}

const text = (v: string | undefined | null) => (v && v.trim() !== "" ? v.trim() : null);
const num = (v: number | undefined | null) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const day = (v: Dayjs | undefined | null) => (v ? v.format("YYYY-MM-DD") : null);

export function toDetails(v: DetailsFormValues): ProjectDetails {
  return {
    delivery: text(v.delivery),
    venue: text(v.venue),
    planned_start: day(v.planned_start),
    planned_end: day(v.planned_end),
    lecture_hours: num(v.lecture_hours),
    practical_hours: num(v.practical_hours),
    discipline2: text(v.discipline2),
    discipline3: text(v.discipline3),
    lead: text(v.lead),
    handler: text(v.handler),
    handler_phone: text(v.handler_phone),
    filed_at_venue: !!v.filed_at_venue,
    exam_required: !!v.exam_required,
    fee: num(v.fee),
    other_code: text(v.other_code),
    note: text(v.note),
  };
}

export function fromDetails(d: Partial<ProjectDetails>): DetailsFormValues {
  return {
    delivery: d.delivery ?? undefined,
    venue: d.venue ?? undefined,
    planned_start: d.planned_start ? dayjs(d.planned_start) : null,
    planned_end: d.planned_end ? dayjs(d.planned_end) : null,
    lecture_hours: d.lecture_hours ?? null,
    practical_hours: d.practical_hours ?? null,
    discipline2: d.discipline2 ?? undefined,
    discipline3: d.discipline3 ?? undefined,
    lead: d.lead ?? undefined,
    handler: d.handler ?? undefined,
    handler_phone: d.handler_phone ?? undefined,
    filed_at_venue: d.filed_at_venue ?? false,
    exam_required: d.exam_required ?? false,
    fee: d.fee ?? null,
    other_code: d.other_code ?? undefined,
    note: d.note ?? undefined,
  };
}

/** "2026-12-02 07:00" (what an officer types) → "2026-12-02T07:00:00", or null if not a time. */
export function parseLocalDateTime(s: string): string | null {
  const m = s.trim().match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/);
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m;
  const t = dayjs(`${y}-${mo}-${d}T${h.padStart(2, "0")}:${mi}:${se ?? "00"}`);
  if (!t.isValid() || t.format("YYYY-MM-DD") !== `${y}-${mo}-${d}` || Number(h) > 23) return null;
  return t.format("YYYY-MM-DDTHH:mm:ss");
}
