// 科室: mirrors src-tauri/src/commands/departments.rs.
import { call } from "./invoke";
import type { Department } from "../bindings/Department";

export type { Department };

export const listDepartments = () => call<Department[]>("list_departments");
export const createDepartment = (name: string, parentId: string | null) =>
  call<Department>("create_department", { name, parentId });
export const renameDepartment = (id: string, name: string) => call<Department>("rename_department", { id, name });
/** Moves a department under `parentId` (null = top level) at `position` among its new siblings. */
export const moveDepartment = (id: string, parentId: string | null, position: number) =>
  call<Department>("move_department", { id, parentId, position });
