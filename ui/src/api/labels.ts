// Chinese labels for the core's enum values (the glossary of domain.md, as the core names them).
export const STAFF_STATUS: Record<string, string> = {
  active: "在职",
  maternity: "产假",
  exempt: "不计达标",
  cancelled: "注销",
  transferred_out: "调出",
};

export const TITLE_LEVEL: Record<string, string> = {
  junior: "初级",
  intermediate: "中级",
  associate_senior: "副高",
  senior: "正高",
};

export const GENDER: Record<string, string> = { male: "男", female: "女" };

export const PROFESSIONS = ["医师", "护理", "药师", "技师", "其他卫生技术人员"];

export const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label }));
