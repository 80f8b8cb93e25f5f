// 备份: mirrors src-tauri/src/commands/backup.rs (list, back up now with progress, verify, preview,
// restore; the 定时备份 schedule and its `backup-schedule` events).
import { call } from "./invoke";
import type { BackupEntry } from "../bindings/BackupEntry";
import type { BackupCheckRecord } from "../bindings/BackupCheckRecord";
import type { BackupManifest } from "../bindings/BackupManifest";
import type { BackupProgress } from "../bindings/BackupProgress";
import type { RestorePreview } from "../bindings/RestorePreview";
import type { BackupSchedule } from "../bindings/BackupSchedule";
import type { BackupScheduleStatus } from "../bindings/BackupScheduleStatus";
import type { BackupLastRun } from "../bindings/BackupLastRun";
import type { BackupDue } from "../bindings/BackupDue";

export type { BackupEntry, BackupCheckRecord, BackupManifest, BackupProgress, RestorePreview, BackupSchedule, BackupLastRun, BackupDue };

/** The schedule, its folder, the next run and the last result; `running`: a scheduled backup now. */
export type ScheduleView = BackupScheduleStatus & { running: boolean };

/** `backup-schedule` event payload: a scheduled backup started (`running`) or ended (`run`). */
export interface ScheduleEvent {
  running: boolean;
  run: BackupLastRun | null;
}

/** The job id of a scheduled backup's `backup-progress` events. */
export const SCHEDULE_JOB_ID = "schedule";

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
export const backupSchedule = () => call<ScheduleView>("backup_schedule");
export const saveBackupSchedule = (schedule: BackupSchedule) => call<ScheduleView>("save_backup_schedule", { schedule });
