// 项目: mirrors src-tauri/src/commands/projects.rs.
import { call } from "./invoke";
import type { ApprovedFilter } from "../bindings/ApprovedFilter";
import type { ApprovedProjectRow } from "../bindings/ApprovedProjectRow";
import type { AttendanceWindow } from "../bindings/AttendanceWindow";
import type { Course } from "../bindings/Course";
import type { HoldingPeriod } from "../bindings/HoldingPeriod";
import type { NewCourse } from "../bindings/NewCourse";
import type { Project } from "../bindings/Project";
import type { ProjectAction } from "../bindings/ProjectAction";
import type { ProjectDetail } from "../bindings/ProjectDetail";
import type { ProjectDetails } from "../bindings/ProjectDetails";
import type { ProjectFilter } from "../bindings/ProjectFilter";

export type { ApprovedProjectRow, AttendanceWindow, Course, HoldingPeriod, NewCourse, Project, ProjectAction, ProjectDetail, ProjectDetails };

export const listApprovedProjects = (filter: Partial<ApprovedFilter> = {}) =>
  call<ApprovedProjectRow[]>("list_approved_projects", { filter });
export const listProjects = (filter: Partial<ProjectFilter> = {}) => call<Project[]>("list_projects", { filter });
export const projectDetail = (id: string) => call<ProjectDetail>("project_detail", { id });
export const createProject = (approvedProjectId: string, details: ProjectDetails) =>
  call<Project>("create_project", { approvedProjectId, details });
export const updateProject = (id: string, details: ProjectDetails) => call<Project>("update_project", { id, details });
export const transitionProject = (id: string, action: ProjectAction, reason: string | null) =>
  call<Project>("transition_project", { id, action, reason });
export const addCourse = (projectId: string, course: NewCourse) => call<Course>("add_course", { projectId, course });
export const addHoldingPeriod = (projectId: string, startsOn: string, endsOn: string) =>
  call<HoldingPeriod>("add_holding_period", { projectId, startsOn, endsOn });
/** Times are local wall-clock `YYYY-MM-DDTHH:MM:SS`, as the core stores them. */
export const addAttendanceWindow = (projectId: string, startsAt: string, endsAt: string, label: string | null) =>
  call<AttendanceWindow>("add_attendance_window", { projectId, startsAt, endsAt, label });

export const PROJECT_STATE: Record<string, string> = {
  draft: "草稿",
  submitted: "已上报",
  approved: "审核通过",
  rejected: "退回",
  held: "已举办",
  credits_granted: "已授分",
  closed: "已结项",
};

export const PROJECT_ACTION: Record<string, string> = {
  submit: "上报",
  approve: "审核通过",
  reject: "退回",
  revise: "退回修改",
  mark_held: "标记为已举办",
  grant_credits: "标记为已授分",
  close: "结项",
};

export const CREDIT_LEVEL: Record<string, string> = {
  national: "国家级",
  provincial: "省级",
  municipal: "市级",
  hospital: "院级",
};

export const DELIVERIES = ["继续医学教育项目", "培训班", "学术会议", "远程教育", "学术讲座", "病例讨论"];
