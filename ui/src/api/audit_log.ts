// 操作日志: mirrors src-tauri/src/commands/audit_log.rs.
import { call } from "./invoke";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditFilter } from "../bindings/AuditFilter";
import type { ChainReport } from "../bindings/ChainReport";

export type { AuditEntry, AuditFilter, ChainReport };

export const listAuditLog = (filter: Partial<AuditFilter>) => call<AuditEntry[]>("list_audit_log", { filter });
export const verifyAuditChain = () => call<ChainReport>("verify_audit_chain");
