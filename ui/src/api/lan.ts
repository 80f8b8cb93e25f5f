// 局域网自助服务 (LAN self-service): mirrors src-tauri/src/commands/lan.rs.
import { call } from "./invoke";

/** The running service, as the 签到 page shows it. */
export interface LanInfo {
  url: string;
  kiosk_url: string;
  me_url: string;
  fingerprint: string;
  project_code: string;
  project_name: string;
}

/** Starts the service for a project on `listen` (IP:port of this computer; port 0 picks one). */
export const lanStart = (projectId: string, listen: string) => call<LanInfo>("lan_start", { projectId, listen });
export const lanStop = () => call<boolean>("lan_stop");
export const lanStatus = () => call<LanInfo | null>("lan_status");
