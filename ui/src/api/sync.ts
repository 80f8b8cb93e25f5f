// 同步: mirrors src-tauri/src/commands/sync.rs.
import { call } from "./invoke";
import type { SyncConflict } from "../bindings/SyncConflict";

export type { SyncConflict };

export type SyncStateName = "unconfigured" | "never" | "online" | "offline" | "error";

export interface SyncState {
  site_id: string;
  server: string | null;
  /** `…abcd` when a token is set; the token itself never comes back. */
  token_hint: string | null;
  ca_file: string | null;
  pending: number;
  acked_through: number;
  cursor: number;
  open_conflicts: number;
  state: SyncStateName;
  last_sync_at: string | null;
  last_error: string | null;
  /** When the desk last started again from the server's snapshot (the log it needed was pruned). */
  last_resync_at: string | null;
}

export interface SyncNowResult {
  pushed: number;
  duplicates: number;
  rejected: number;
  pulled: number;
  conflicts: number;
  cursor: number;
  acked_through: number;
  epoch: number | null;
  retries: number;
  /** This round started the desk again from the server's snapshot. */
  resynced?: boolean;
  millis: number;
}

export interface SyncSettings {
  server: string;
  /** Empty or null: keep the stored token. */
  token: string | null;
  ca_file: string | null;
}

/** Emitted by the shell after every background sync round (payload: the loop's status). */
export const SYNC_STATUS_EVENT = "sync-status";

export const syncState = () => call<SyncState>("sync_state");
export const syncSaveSettings = (settings: SyncSettings) => call<SyncState>("sync_save_settings", { settings });
export const syncNow = () => call<SyncNowResult>("sync_now");
export const syncConflicts = (all: boolean) => call<SyncConflict[]>("sync_conflicts", { all });
export const syncResolve = (id: number, takeLoser: boolean) =>
  call<SyncConflict>("sync_resolve", { id, takeLoser });
