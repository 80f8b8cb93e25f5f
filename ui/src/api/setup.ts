// First start and the database file: mirrors src-tauri/src/commands/setup.rs.
import { call } from "./invoke";

export interface AppInfo {
  db_path: string;
  db_exists: boolean;
  version: string;
}

export interface JobProgress {
  job_id: string;
  done: number;
  total: number;
  stage: string;
}

export const appInfo = () => call<AppInfo>("app_info");

/** Creates an empty database whose first operator is `admin` with this password. */
export const createDatabase = (adminPassword: string) => call<void>("create_database", { adminPassword });

/** Fills a new database with the seeded demo hospital; reports `job-progress` events. */
export const loadDemoHospital = (jobId: string, staffCount: number, adminPassword: string) =>
  call<void>("load_demo_hospital", { jobId, staffCount, adminPassword });

export const cancelJob = (jobId: string) => call<boolean>("cancel_job", { jobId });
