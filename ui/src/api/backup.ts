// 备份: mirrors src-tauri/src/commands/backup.rs (list, back up now with progress, verify, preview, restore).
import { call } from "./invoke";
import type { BackupEntry } from "../bindings/BackupEntry";
import type { BackupCheckRecord } from "../bindings/BackupCheckRecord";
import type { BackupManifest } from "../bindings/BackupManifest";
import type { BackupProgress } from "../bindings/BackupProgress";
import type { RestorePreview } from "../bindings/RestorePreview";

export type { BackupEntry, BackupCheckRecord, BackupManifest, BackupProgress, RestorePreview };

export interface BackupFolder {
  dir: string;
  backups: BackupEntry[];
}

/** `backup-progress` event payload. */
export type BackupProgressEvent = { job_id: string } & BackupProgress;

export interface BackupCreated {
  file: string;
  manifest: BackupManifest;
  rotated_out: string[];
  elapsed_ms: number;
}

export const listBackups = () => call<BackupFolder>("list_backups");
export const createBackup = (jobId: string) => call<BackupCreated>("create_backup", { jobId });
export const verifyBackup = (file: string) => call<BackupCheckRecord>("verify_backup", { file });
export const previewRestore = (file: string) => call<RestorePreview>("preview_restore", { file });
export const restoreBackup = (file: string) => call<RestorePreview>("restore_backup", { file });
