// Login, logout and the status bar: mirrors src-tauri/src/commands/session.rs.
import { call } from "./invoke";

export type RoleName = "admin" | "officer" | "department_secretary" | "viewer";

export interface SessionOperator {
  username: string;
  display_name: string;
  role: RoleName;
  department_id: string | null;
}

export interface StatusInfo {
  db_path: string;
  operator: SessionOperator | null;
  pending_outbox: number;
}

export const login = (username: string, password: string, dbPassphrase?: string) =>
  call<SessionOperator>("login", dbPassphrase ? { username, password, dbPassphrase } : { username, password });
export const logout = () => call<void>("logout");
export const statusInfo = () => call<StatusInfo>("status_info");

export const ROLE_LABELS: Record<RoleName, string> = {
  admin: "管理员",
  officer: "科教科干事",
  department_secretary: "科室秘书",
  viewer: "只读用户",
};

export type PageKey = "staff" | "departments" | "projects" | "kiosk" | "audit_log"
  | "attendance" | "grant" | "manual_credit" | "credit_review" | "compliance" | "person_credits"
  | "sync" | "print" | "import" | "export"
  | "backup";
/** The credits pages (考勤分析 … 个人学分) each role sees, following the core's Permission list. */
const CREDIT_PAGES: Record<RoleName, PageKey[]> = {
  admin: ["attendance", "grant", "manual_credit", "credit_review", "compliance", "person_credits"],
  officer: ["attendance", "grant", "manual_credit", "credit_review", "compliance", "person_credits"],
  department_secretary: ["manual_credit", "credit_review", "compliance", "person_credits"],
  viewer: ["compliance", "person_credits"],
};

/** Which menus a role sees. The core still enforces every action; this only hides dead ends. */
export function pagesFor(role: RoleName): PageKey[] {
  return [...basePages(role), ...CREDIT_PAGES[role], ...(role === "admin" ? (["backup"] as PageKey[]) : [])];
}

function basePages(role: RoleName): PageKey[] {
  switch (role) {
    case "admin":
    case "officer":
      return ["staff", "departments", "projects", "kiosk", "audit_log", "import", "export", "sync", "print"];
    case "department_secretary":
      return ["staff", "projects"];
    case "viewer":
      return ["staff", "departments", "projects"];
  }
}
