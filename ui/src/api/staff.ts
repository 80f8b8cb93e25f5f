// 人员 and cards: mirrors src-tauri/src/commands/staff.rs and cards.rs.
import { call } from "./invoke";
import type { CardRecord } from "../bindings/CardRecord";
import type { NewStaff } from "../bindings/NewStaff";
import type { Staff } from "../bindings/Staff";
import type { StaffDetail } from "../bindings/StaffDetail";
import type { StaffEdit } from "../bindings/StaffEdit";
import type { StaffFilter } from "../bindings/StaffFilter";
import type { StaffRow } from "../bindings/StaffRow";
import type { StaffStatus } from "../bindings/StaffStatus";

export type { CardRecord, NewStaff, Staff, StaffDetail, StaffEdit, StaffRow };

export const listStaff = (filter: Partial<StaffFilter> = {}) => call<StaffRow[]>("list_staff", { filter });
/** The ids of the people a complete ID number or card number finds (the screen holds masked numbers). */
export const findStaffIds = (query: string) => call<string[]>("find_staff_ids", { query });
/** 查看完整身份证号: allowed roles only; the core writes the view to the audit log first. */
export const revealIdNumber = (id: string) => call<string>("reveal_id_number", { id });
export const staffDetail = (id: string) => call<StaffDetail>("staff_detail", { id });
export const createStaff = (input: NewStaff) => call<Staff>("create_staff", { input });
export const updateStaff = (id: string, edit: StaffEdit) => call<Staff>("update_staff", { id, edit });
export const transferStaff = (id: string, toDepartmentId: string, effectiveOn: string, reason: string | null) =>
  call<Staff>("transfer_staff", { id, toDepartmentId, effectiveOn, reason });
export const changeStaffStatus = (id: string, status: StaffStatus, effectiveOn: string, reason: string | null) =>
  call<Staff>("change_staff_status", { id, status, effectiveOn, reason });
export const issueCard = (staffId: string, cardKey: string) => call<CardRecord>("issue_card", { staffId, cardKey });
export const replaceCard = (staffId: string, cardKey: string, reason: string) =>
  call<CardRecord>("replace_card", { staffId, cardKey, reason });
export const revokeCard = (cardKey: string, reason: string) => call<CardRecord>("revoke_card", { cardKey, reason });
