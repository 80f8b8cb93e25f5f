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
  DB_KEY_MISSING: "找不到数据库密钥文件",
  DB_KEY_WRONG: "数据库密钥不匹配",
  DB_KEY_EXPOSED: "数据库密钥文件权限过宽",
  DB_KEY_DAMAGED: "数据库密钥文件已损坏",
  DB_PASSPHRASE_REQUIRED: "需要数据库口令",
  DB_PASSPHRASE_WRONG: "数据库口令错误",
  ID_NUMBER_LENGTH: "身份证号位数不对",
  ID_NUMBER_CHARACTER: "身份证号含无效字符",
  ID_NUMBER_AREA: "身份证号地区码无效",
  ID_NUMBER_BIRTH_DATE: "身份证号出生日期无效",
  ID_NUMBER_FUTURE_BIRTH_DATE: "身份证号出生日期晚于今天",
  ID_NUMBER_CHECKSUM: "身份证号校验位错误",
  ID_NUMBER_GENDER_MISMATCH: "性别与身份证号不符",
  NOT_LOGGED_IN: "请先登录",
  LAN_ADDRESS: "地址格式应为 IP:端口",
  LAN_START: "无法启动局域网自助服务",
  NO_DATABASE: "尚未建立数据库",
  DATABASE_EXISTS: "数据库已存在",
  JOB_CANCELLED: "操作已取消",
  IPC_FAILED: "程序内部通信失败",
  FIELD_REQUIRED: "必填项未填写",
  FIELD_TOO_LONG: "内容过长",
  AMOUNT_TOO_LARGE: "数值超过上限",
  AMOUNT_NOT_POSITIVE: "数值须大于零",
  AMOUNT_NOT_MULTIPLE: "数值不是规定的倍数",
  CATEGORY_UNKNOWN: "学分类别不存在",
  CATEGORY_PLATFORM_ONLY: "该类别只能由平台导入",
  EVIDENCE_REQUIRED: "缺少证明材料",
  DATE_OUTSIDE_CME_YEARS: "活动日期不在任何学分年度内",
  REVIEW_INVALID_TRANSITION: "当前审核状态不允许此操作",
  REVIEW_LOWER_AFTER_HIGHER: "医院已审核，科室不能再审核",
  REVIEW_AWAITING_DEPARTMENT: "等待科室审核",
  REASON_REQUIRED: "请填写原因",
  CME_YEAR_LOCKED: "学分年度已锁定",
  CREDIT_READ_ONLY: "该学分只读",
  ANNUAL_REVIEW_LOCKED: "已报卫生局，本年度学分已锁定",
  ANNUAL_REVIEW_CLOSED: "医院初审已截止",
  ANNUAL_REVIEW_PENDING: "尚有学分待医院初审",
  GRANT_STRATEGY_INVALID: "授分策略无效",
  SYNC_NOT_CONFIGURED: "尚未设置同步服务器",
  SYNC_OFFLINE: "连接不上同步服务器",
  SYNC_UNAUTHORIZED: "同步令牌无效或已吊销",
  SYNC_RESYNC_NEEDED: "需要重新同步",
  SYNC_FAILED: "同步失败",
  SYNC_SERVER_URL: "同步服务器地址无效",
  SYNC_TOKEN_REQUIRED: "请填写同步令牌",
  SYNC_CA_FILE: "证书文件无效",
  PRINT_NO_FONT: "找不到中文字体",
  PRINT_MISSING_GLYPH: "字体缺少某个字",
  PRINT_OUT_DIR: "输出位置不对",
  PRINT_IO: "无法写入文件",
  PRINT_NOT_PRINTED: "只能打开本次打印的文件",
  PRINT_OPEN_FAILED: "无法打开文件",
  PRINT_SIGNING_KEY: "签名密钥无法使用",
  PRINT_SIGNING_KEY_EXPOSED: "签名密钥文件权限过宽",
  FILE_NOT_FOUND: "找不到文件",
  SHEET_READ: "无法读取表格",
  SHEET_EMPTY: "表格中没有数据",
  HEADER_NOT_FOUND: "未找到表头",
  MISSING_COLUMNS: "缺少必填列",
  UNKNOWN_TEMPLATE: "没有这个模板",
  UNKNOWN_TEMPLATE_FIELD: "模板没有这个字段",
  TEMPLATE_NOT_IMPORTABLE: "此模板暂不能导入",
  TEMPLATE_NOT_EXPORTABLE: "此模板暂不能导出",
  PROJECT_REQUIRED: "请选择项目",
  YEAR_REQUIRED: "请指定年度",
  XLS_NOT_WRITTEN: "不能导出为 .xls",
  SHEET_WRITE: "无法写入表格",
  BACKUP_INVALID: "备份校验失败，未恢复",
  BACKUP_NOT_FOUND: "不是备份文件夹中的备份",
  BACKUP_DIR: "无法创建备份文件夹",
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
