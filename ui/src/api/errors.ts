// Error codes → Chinese. The UI matches the stable `code` only; the shell also sends the core's own
// Chinese sentence (`message`), which carries the specifics (expected check digit, missing fields).
import { ApiError } from "./invoke";

const TITLES: Record<string, string> = {
  REQUIRED: "必填项未填写",
  DUPLICATE: "记录已存在",
  NOT_FOUND: "记录不存在",
  FORBIDDEN: "无权执行此操作",
  AUTHENTICATION_FAILED: "用户名或密码错误",
  INVALID_TRANSITION: "当前状态不允许此操作",
  SCHEMA_TOO_NEW: "数据库版本过新",
  MIGRATION_EDITED: "数据库结构被篡改",
  NOT_A_DESK_DATABASE: "不是继教学分管理台数据库",
  DATABASE: "数据库错误",
  CORRUPT: "数据损坏",
  ID_NUMBER_LENGTH: "身份证号位数不对",
  ID_NUMBER_CHARACTER: "身份证号含无效字符",
  ID_NUMBER_AREA: "身份证号地区码无效",
  ID_NUMBER_BIRTH_DATE: "身份证号出生日期无效",
  ID_NUMBER_FUTURE_BIRTH_DATE: "身份证号出生日期晚于今天",
  ID_NUMBER_CHECKSUM: "身份证号校验位错误",
  ID_NUMBER_GENDER_MISMATCH: "性别与身份证号不符",
  NOT_LOGGED_IN: "请先登录",
  NO_DATABASE: "尚未建立数据库",
  DATABASE_EXISTS: "数据库已存在",
  JOB_CANCELLED: "操作已取消",
  IPC_FAILED: "程序内部通信失败",
};

/** A short Chinese title for an error code (never derived from the message text). */
export function errorTitle(code: string): string {
  return TITLES[code] ?? "操作失败";
}

/** The Chinese sentence to show: the core's specific message, else the title of its code. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message && e.message.trim() !== "" ? e.message : errorTitle(e.code);
  return String(e);
}

/** Form field name for an error, if the core named one. */
export function errorField(e: unknown): string | null {
  return e instanceof ApiError ? e.field : null;
}
