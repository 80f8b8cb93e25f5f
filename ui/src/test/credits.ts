// Credits fixtures for the page tests: one held project, its analysis, a grant preview, credits,
// a compliance report — made-up people from test/fixtures, amounts hand-computed.
import { configure } from "@testing-library/react";
import type { Project } from "../bindings/Project";
import type { ProjectAnalysis } from "../bindings/ProjectAnalysis";
import type { GrantPreview } from "../bindings/GrantPreview";
import type { CreditRecord } from "../bindings/CreditRecord";
import type { StoredCredit } from "../bindings/StoredCredit";
import type { ComplianceReport } from "../bindings/ComplianceReport";
import type { PersonCompliance } from "../bindings/PersonCompliance";

// The credits pages mount a roster and several antd widgets: on a loaded 2-core CI machine that
// takes seconds, so waits in these tests allow 10 s (each file runs in its own module scope).
configure({ asyncUtilTimeout: 10000 });

export const PROJECT = {
  id: "p-1",
  code: "2026-04-01-001(国)",
  name: "心血管疾病诊治新进展",
  state: "held",
} as unknown as Project;

export const ANALYSIS: ProjectAnalysis = {
  rule_set: "national-2024",
  project: {
    id: "p-1",
    code: PROJECT.code,
    name: PROJECT.name,
    credit_level: "national",
    total_hours: 6,
    declared_credits: null,
    last_day: "2026-04-02",
    issuer: "示例市中心医院",
    subject: "professional",
    courses: [],
  },
  analysis: {
    people: [
      { swiper: { kind: "staff", key: "s-0" }, valid: true, reasons: [], flags: [], window_swipes: ["w1", "w2"], counted_swipes: 2, first_at: "2026-04-02T07:45:00+08:00", last_at: "2026-04-02T16:10:00+08:00", presence_minutes: 505 },
      { swiper: { kind: "staff", key: "s-1" }, valid: false, reasons: [{ reason: "missing_window", window: 2, label: "下午签退" }], flags: [], window_swipes: ["w3", null], counted_swipes: 1, first_at: "2026-04-02T07:50:00+08:00", last_at: "2026-04-02T07:50:00+08:00", presence_minutes: 0 },
      { swiper: { kind: "unknown_card", key: "ic:99000001" }, valid: false, reasons: [{ reason: "unknown_card", card_key: "ic:99000001" }], flags: [], window_swipes: [null, null], counted_swipes: 0, first_at: null, last_at: null, presence_minutes: 0 },
    ],
    valid_count: 1,
    invalid_count: 2,
    swipes_total: 5,
    swipes_outside_period: 1,
    swipes_duplicate: 0,
    swipes_unknown_card: 1,
  },
};

export function credit(over: Partial<CreditRecord>): CreditRecord {
  return {
    id: "c-1",
    staff_id: "s-0",
    cme_year: 2026,
    rule_set: "national-2024",
    activity_date: "2026-04-02",
    source: "attendance",
    project_id: "p-1",
    project_code: PROJECT.code,
    activity_name: PROJECT.name,
    category: "project-national",
    credit_level: "national",
    class: null,
    credits: 2,
    hours: 6,
    subject: "professional",
    issuer: "示例市中心医院",
    review_status: "approved",
    rate: null,
    cap: null,
    platform: null,
    ...over,
  };
}

export const stored = (over: Partial<CreditRecord>, revoked: string | null = null): StoredCredit => ({
  ...credit(over),
  revoked_at: revoked ? "2026-05-01T10:00:00+08:00" : null,
  revoked_reason: revoked,
});

export const PREVIEW: GrantPreview = {
  participants: {
    credits: [credit({}), credit({ id: "c-2", staff_id: "s-3", credits: 1.5 })],
    not_granted: [{ who: "s-1", reason: { kind: "attendance", reasons: [{ reason: "missing_window", window: 2, label: "下午签退" }] } }],
    warnings: [],
  },
  speakers: { credits: [], not_granted: [], warnings: [] },
};

export function person(staff_id: string, department_id: string, over: Partial<PersonCompliance> = {}): PersonCompliance {
  return {
    staff_id,
    department_id,
    status: "non_compliant",
    note: null,
    totals: { credits: 2, hours: 6, class_i: 0, class_ii: 0, professional_hours: 6, general_hours: 0 },
    gaps: [
      { requirement: "credits", required: 25, have: 2, missing: 23 },
      { requirement: "hours", required: 90, have: 6, missing: 84 },
    ],
    advisories: [],
    decisions: [],
    ...over,
  };
}

export function report(people: PersonCompliance[]): ComplianceReport {
  const summary = (ps: PersonCompliance[]) => {
    const compliant = ps.filter((p) => p.status === "compliant").length;
    const exempt = ps.filter((p) => p.status === "exempt").length;
    const counted = ps.length - exempt;
    return { total: ps.length, compliant, non_compliant: counted - compliant, exempt, rate_percent: counted ? Math.floor((compliant * 10000) / counted) / 100 : 0 };
  };
  const depts = [...new Set(people.map((p) => p.department_id))];
  return {
    rule_set: "national-2024",
    year: { rule_set: "national-2024", year: 2026, starts_on: "2026-01-01", ends_on: "2026-12-31", locks_on: "2027-03-31" },
    people,
    departments: depts.map((d) => ({ department_id: d, summary: summary(people.filter((p) => p.department_id === d)) })),
    hospital: summary(people),
  };
}
