// Chinese wording of the credits engine's decisions (the same sentences as the core's
// `message_zh`), built from the tagged data the commands return; and small summaries the pages show.
import type { CheckFlag } from "../bindings/CheckFlag";
import type { ComplianceGap } from "../bindings/ComplianceGap";
import type { ComplianceReport } from "../bindings/ComplianceReport";
import type { GrantStrategy } from "../bindings/GrantStrategy";
import type { InvalidReason } from "../bindings/InvalidReason";
import type { NotCountedReason } from "../bindings/NotCountedReason";
import type { NotGrantedReason } from "../bindings/NotGrantedReason";
import type { PersonAttendance } from "../bindings/PersonAttendance";

export const REVIEW_STATUS: Record<string, string> = {
  draft: "未上报",
  pending: "未审核",
  returned: "退回",
  rejected: "不通过",
  approved: "通过",
};

export const CREDIT_SOURCE: Record<string, string> = {
  attendance: "项目授分",
  speaker: "主讲人授分",
  remote: "远程教育",
  manual: "手工录入",
  import: "导入",
};

export const COMPLIANCE_STATUS: Record<string, string> = { compliant: "达标", non_compliant: "不达标", exempt: "不计达标" };

export const REQUIREMENT: Record<string, string> = {
  credits: "学分",
  hours: "学时",
  class_i: "Ⅰ类学分",
  class_ii: "Ⅱ类学分",
  professional_hours: "专业科目学时",
  national_within_years: "五年内国家级项目学分",
};

export const DECISION: Record<string, string> = { approve: "通过", return: "退回", reject: "不通过" };

/** The strategies the 授分 page offers (key → label); `at-least-n-swipes` takes N. */
export const STRATEGIES: Record<string, string> = {
  "any-attendance-full": "举办期间有刷卡即授全部学分",
  "all-courses-full": "全部课程出勤授全部学分",
  "any-course-full": "任一课程出勤授全部学分",
  "pro-rata-by-course-hours": "按出勤课程学时比例授分",
  "at-least-n-swipes": "刷卡不少于 N 次授分",
};

export function strategy(key: string, n: number): GrantStrategy {
  if (key === "at-least-n-swipes") return { strategy: "at-least-n-swipes", n };
  return { strategy: key } as GrantStrategy;
}

export function invalidReasonText(r: InvalidReason): string {
  switch (r.reason) {
    case "no_swipe":
      return "未刷卡";
    case "unknown_card":
      return `卡号 ${r.card_key} 未登记`;
    case "missing_window":
      return `第 ${r.window} 个刷卡周期（${r.label}）内无刷卡`;
    case "outside_period":
      return `${r.swipes} 次刷卡不在项目举办周期内`;
    case "only_duplicates":
      return `仅有 ${r.swipes} 次重复刷卡`;
  }
}

export function checkFlagText(f: CheckFlag): string {
  switch (f.check) {
    case "presence_below":
      return `出勤 ${f.presence_minutes} 分钟，不足要求的 ${f.required_minutes} 分钟`;
    case "overlapping_project":
      return `与项目 ${f.project_code} 时间重叠`;
    case "speaker_among_attendees":
      return "主讲人出现在学员名单中";
  }
}

/** Every reason and flag of one person, joined as the table shows it. */
export function attendanceText(p: PersonAttendance): string {
  return [...p.reasons.map(invalidReasonText), ...p.flags.map(checkFlagText)].join("；");
}

export function notGrantedText(r: NotGrantedReason): string {
  switch (r.kind) {
    case "attendance":
      return r.reasons.map(invalidReasonText).join("；") || "考勤无效";
    case "no_course_attended":
      return "未出勤任何课程";
    case "courses_missing":
      return `缺课：${r.courses.join("、")}`;
    case "too_few_swipes":
      return `有效刷卡 ${r.have} 次，不足 ${r.need} 次`;
    case "not_evaluated":
      return "未评估";
    case "exam_not_passed":
      return "考试未通过";
    case "check":
      return checkFlagText(r.flag);
    case "excluded":
      return `人工取消：${r.reason}`;
  }
}

export function notCountedText(r: NotCountedReason): string {
  switch (r.reason) {
    case "not_approved":
      return `审核状态为${REVIEW_STATUS[r.status] ?? r.status}`;
    case "revoked":
      return "已撤销";
    case "outside_year":
      return "活动日期不在本学分年度内";
    case "duplicate_project":
      return `项目 ${r.project_code} 重复登记`;
    case "category_cap":
      return `${r.category} 类每年最多计 ${r.cap} 学分`;
  }
}

export function gapText(gaps: ComplianceGap[]): string {
  return gaps.map((g) => `${REQUIREMENT[g.requirement] ?? g.requirement}差 ${g.missing}`).join("；");
}

/** Adds hundredths exactly (amounts are decimals with two places). */
export function sumAmounts(xs: number[]): number {
  return Math.round(xs.reduce((a, x) => a + Math.round(x * 100), 0)) / 100;
}

export interface DepartmentRow {
  department_id: string | null;
  name: string;
  total: number;
  compliant: number;
  non_compliant: number;
  exempt: number;
  rate_percent: number;
  credits: number;
}

/** The 达标统计 table: one row per department with its name and the credits counted in it. */
export function departmentRows(report: ComplianceReport, names: Map<string, string>): DepartmentRow[] {
  const credits = new Map<string | null, number[]>();
  for (const p of report.people) {
    const list = credits.get(p.department_id) ?? [];
    list.push(p.totals.credits);
    credits.set(p.department_id, list);
  }
  return report.departments
    .map((d) => ({
      department_id: d.department_id,
      name: d.department_id ? (names.get(d.department_id) ?? d.department_id) : "（无科室）",
      ...d.summary,
      credits: sumAmounts(credits.get(d.department_id) ?? []),
    }))
    .sort((a, b) => a.rate_percent - b.rate_percent || a.name.localeCompare(b.name, "zh"));
}

/** Roles that may revoke a stored credit (the core checks the permission again). */
export const mayRevokeCredits = (role: string) => role === "admin" || role === "officer";
