// 签到 (kiosk): mirrors src-tauri/src/commands/kiosk.rs.
import { call } from "./invoke";
import type { SwipeCounts } from "../bindings/SwipeCounts";

export type { SwipeCounts };

/** A serial port as cmedesk-cards lists it (USB VID/PID from sysfs). */
export interface PortInfo {
  path: string;
  kind: string;
  vid: number | null;
  pid: number | null;
  serial_number: string | null;
  manufacturer: string | null;
  product: string | null;
}

export type ReaderKind = "sam" | "em4100" | "ascii";

/** One committed swipe, as the screen shows it. */
export interface KioskSwipe {
  swipe_id: string;
  status: "accepted" | "duplicate" | "unknown_card";
  status_label: string;
  card_key: string;
  name: string | null;
  department: string | null;
  swiped_at: string;
  counts: SwipeCounts;
}

/** `kiosk-reader` event payload: cmedesk-cards' ReaderEvent (status or rejected read). */
export type ReaderEventPayload =
  | { type: "status"; reader_id: string; status: { state: "connected"; path: string; baud: number } | { state: "disconnected"; reason: string } | { state: "error"; code?: string; message?: string } }
  | { type: "rejected"; reader_id: string; rejection: { kind: string; error: { code?: string; message?: string } } };

export const listSerialPorts = () => call<PortInfo[]>("list_serial_ports");
export const kioskCounts = (projectId: string) => call<SwipeCounts>("kiosk_counts", { projectId });
/** Commits a number typed by a keyboard-wedge reader; resolves only after the commit. */
export const kioskKeyboardSwipe = (projectId: string, typed: string) => call<KioskSwipe>("kiosk_keyboard_swipe", { projectId, typed });
export const kioskStart = (projectId: string, port: string, reader: ReaderKind, format: string | null) =>
  call<void>("kiosk_start", { projectId, port, reader, format });
export const kioskStop = () => call<boolean>("kiosk_stop");

export const READER_KINDS: Record<ReaderKind, string> = {
  sam: "身份证阅读器（SAM）",
  em4100: "ID 卡读卡器（EM4100）",
  ascii: "文本输出读卡器（每行一个卡号）",
};

/** How a text-output (ASCII) reader prints the card number (cmedesk-cards NumberFormat). */
export const ASCII_FORMATS: Record<string, string> = {
  printed: "卡面号码（与发卡时录入的一致）",
  dec10: "10 位十进制（8H10D）",
  "dec10-reversed": "10 位十进制（字节反序）",
  hex: "十六进制 UID",
  "reversed-hex": "十六进制 UID（字节反序）",
  wiegand26: "韦根 26（设施码,卡号）",
};

const hex4 = (n: number | null) => (n === null ? "" : n.toString(16).toUpperCase().padStart(4, "0"));

/** "/dev/ttyUSB0 · USB 1A86:7523 · CH340" for the port list. */
export function portLabel(p: PortInfo): string {
  const usb = p.vid !== null ? ` · USB ${hex4(p.vid)}:${hex4(p.pid)}` : "";
  const name = [p.manufacturer, p.product].filter(Boolean).join(" ");
  return `${p.path}${usb}${name ? ` · ${name}` : ""}`;
}
