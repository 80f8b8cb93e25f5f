// Roster search and filters, kept pure so they run in a few milliseconds over 10,000+ rows and
// can be unit tested without a window. The rows hold masked ID numbers (1101**********002X, masked
// by the core): typed digits match the visible part, and a complete ID number is looked up by the
// core (`find_staff_ids`), whose answer arrives as `ids`.

export interface Searchable {
  name: string;
  id_number: string;
  card_key?: string | null;
  department_id: string;
  status: string;
  title_level?: string | null;
  profession?: string | null;
}

export interface StaffFilters {
  text: string;
  departmentIds: Set<string> | null; // a department and its descendants; null = all
  status: string | null;
  titleLevel: string | null;
  profession: string | null;
  /** The people the core found for a complete ID number in `text`; replaces the text match. */
  ids?: Set<string> | null;
}

export const NO_FILTERS: StaffFilters = { text: "", departmentIds: null, status: null, titleLevel: null, profession: null };

/** A complete ID number (18 characters, or a 15-digit first-generation one), as typed. */
export function isFullIdNumber(text: string): boolean {
  return /^(\d{17}[\dXx]|\d{15})$/.test(text.trim());
}

/** Precomputed lower-case haystack per row: name, ID number and card, so typing costs one `includes`. */
export function searchKey(row: Searchable): string {
  return `${row.name}\u0001${row.id_number}\u0001${row.card_key ?? ""}`.toLowerCase();
}

export function filterStaff<T extends Searchable & { id: string }>(rows: readonly T[], keys: readonly string[], f: StaffFilters): T[] {
  const ids = f.ids ?? null;
  const needle = ids ? "" : f.text.trim().toLowerCase();
  const out: T[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (ids && !ids.has(r.id)) continue;
    if (needle && !keys[i].includes(needle)) continue;
    if (f.departmentIds && !f.departmentIds.has(r.department_id)) continue;
    if (f.status && r.status !== f.status) continue;
    if (f.titleLevel && r.title_level !== f.titleLevel) continue;
    if (f.profession && r.profession !== f.profession) continue;
    out.push(r);
  }
  return out;
}
