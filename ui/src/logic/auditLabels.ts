// Chinese names for the audit log's entities and actions (the codes stay as the core writes them).
export const ENTITIES: Record<string, string> = {
  staff: "人员",
  department: "科室",
  card: "卡",
  project: "项目",
  course: "课程",
  holding_period: "举办周期",
  attendance_window: "刷卡周期",
  user: "操作员",
  approved_project: "已批准项目",
  swipe: "刷卡",
  terminal: "读卡终端",
  id_number_view: "身份证号",
  desk: "数据库",
};

const VERBS: Record<string, string> = {
  add: "新增",
  create: "新建",
  update: "修改",
  rename: "重命名",
  move: "移动",
  transfer: "调动",
  status: "状态变更",
  issue: "发卡",
  replace: "补卡",
  revoke: "作废",
  transition: "状态流转",
  delete: "删除",
  submit: "上报",
  approve: "审核通过",
  reject: "退回",
  revise: "退回修改",
  mark_held: "标记已举办",
  grant_credits: "标记已授分",
  close: "结项",
  remove: "删除",
  record: "登记",
  register: "登记",
  view_full: "查看完整号码",
  restore: "恢复备份",
};

/** ("project.course.add", "course") → "课程 · 新增"; unknown parts are shown as they are. */
export function actionLabel(action: string, entity: string): string {
  const verb = action.split(".").pop() ?? action;
  return `${ENTITIES[entity] ?? entity} · ${VERBS[verb] ?? verb}`;
}
