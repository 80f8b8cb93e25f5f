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

export const login = (username: string, password: string) =>
  call<SessionOperator>("login", { username, password });
export const logout = () => call<void>("logout");
export const statusInfo = () => call<StatusInfo>("status_info");

export const ROLE_LABELS: Record<RoleName, string> = {
  admin: "管理员",
  officer: "科教科干事",
  department_secretary: "科室秘书",
  viewer: "只读用户",
};

export type PageKey = "staff" | "departments" | "projects" | "kiosk" | "audit_log";

/** Which menus a role sees. The core still enforces every action; this only hides dead ends. */
export function pagesFor(role: RoleName): PageKey[] {
  switch (role) {
    case "admin":
    case "officer":
      return ["staff", "departments", "projects", "kiosk", "audit_log"];
    case "department_secretary":
      return ["staff", "projects"];
    case "viewer":
      return ["staff", "departments", "projects"];
  }
}
