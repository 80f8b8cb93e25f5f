// 学分: mirrors src-tauri/src/commands/credits.rs (考勤分析, 授分, 学分录入, 学分审核, 年度审验,
// 达标统计, 个人学分).
import { call } from "./invoke";
import type { ComplianceReport } from "../bindings/ComplianceReport";
import type { CreditFilter } from "../bindings/CreditFilter";
import type { GrantPreview } from "../bindings/GrantPreview";
import type { GrantRequest } from "../bindings/GrantRequest";
import type { ManualCredit } from "../bindings/ManualCredit";
import type { ManualCreditForm } from "../bindings/ManualCreditForm";
import type { MarkReport } from "../bindings/MarkReport";
import type { ProjectAnalysis } from "../bindings/ProjectAnalysis";
import type { ProjectGrant } from "../bindings/ProjectGrant";
import type { ReviewCalendar } from "../bindings/ReviewCalendar";
import type { ReviewDecision } from "../bindings/ReviewDecision";
import type { RuleSet } from "../bindings/RuleSet";
import type { SaveMode } from "../bindings/SaveMode";
import type { StoredCredit } from "../bindings/StoredCredit";
import type { YearStatus } from "../bindings/YearStatus";

export type { ComplianceReport, GrantPreview, GrantRequest, ManualCredit, ManualCreditForm, ProjectAnalysis, ProjectGrant, ReviewDecision, RuleSet, StoredCredit, YearStatus };

/** An evidence file picked in the form (bytes as numbers: what serde reads as `Vec<u8>`). */
export interface EvidenceUpload {
  file_name: string;
  content: number[];
}

/** One person's year: src-tauri's `PersonCredits`. */
export interface PersonCredits {
  report: ComplianceReport;
  credits: StoredCredit[];
}

export const analyzeAttendance = (projectId: string) => call<ProjectAnalysis>("analyze_attendance", { projectId });
export const previewGrant = (projectId: string, request: GrantRequest) =>
  call<GrantPreview>("preview_grant", { projectId, request });
export const grantCredits = (projectId: string, request: GrantRequest) =>
  call<ProjectGrant>("grant_credits", { projectId, request });
export const listCredits = (filter: Partial<CreditFilter>) =>
  call<StoredCredit[]>("list_credits", {
    filter: { staff_id: null, cme_year: null, project_id: null, include_revoked: false, ...filter },
  });
export const ruleSetForYear = (year: number) => call<RuleSet>("rule_set_for_year", { year });
export const addManualCredit = (form: ManualCreditForm, files: EvidenceUpload[], mode: SaveMode) =>
  call<ManualCredit>("add_manual_credit", { form, files, mode });
export const submitManualCredit = (creditId: string) => call<ManualCredit>("submit_manual_credit", { creditId });
export const manualCreditDetail = (creditId: string) => call<ManualCredit>("manual_credit_detail", { creditId });
export const reviewCredit = (creditId: string, decision: ReviewDecision, reason: string | null, skipDepartment: boolean) =>
  call<ManualCredit>("review_credit", { creditId, decision, reason, skipDepartment });
export const complianceReport = (year: number, departmentId: string | null) =>
  call<ComplianceReport>("compliance_report", { year, departmentId });
export const personCredits = (staffId: string, year: number) =>
  call<PersonCredits | null>("person_credits", { staffId, year });
/** Revokes a stored credit with the reason (the record stays, marked, and no longer counts). */
export const revokeCredit = (creditId: string, reason: string) => call<StoredCredit>("revoke_credit", { creditId, reason });
export const annualReviewStatus = (year: number, departmentId: string | null) =>
  call<YearStatus>("annual_review_status", { year, departmentId });
export const setReviewDeadline = (year: number, date: string) => call<ReviewCalendar>("set_review_deadline", { year, date });
export const annualReviewPerson = (
  staffId: string,
  year: number,
  decision: ReviewDecision,
  reason: string | null,
  skipDepartment: boolean,
) => call<ManualCredit[]>("annual_review_person", { staffId, year, decision, reason, skipDepartment });
export const markForBureau = (year: number, staffIds: string[], departmentId: string | null) =>
  call<MarkReport>("mark_for_bureau", { year, staffIds, departmentId });
