// 操作日志: before → after of an audit row as the changed fields only.
import { describe, expect, it } from "vitest";
import { diffEntry, summary } from "./auditDiff";
import { actionLabel } from "./auditLabels";

describe("diffEntry", () => {
  it("shows only the fields a transfer changed", () => {
    const before = JSON.stringify({ id: "s1", name: "张三", department_id: "d-1", status: "active" });
    const after = JSON.stringify({ id: "s1", name: "张三", department_id: "d-2", status: "active" });
    expect(diffEntry(before, after)).toEqual([{ field: "department_id", before: "d-1", after: "d-2" }]);
  });

  it("a creation lists every field with an empty before", () => {
    const rows = diffEntry(null, JSON.stringify({ title: "急性胸痛的早期识别", hours: 2 }));
    expect(rows).toEqual([
      { field: "title", before: "—", after: "急性胸痛的早期识别" },
      { field: "hours", before: "—", after: "2" },
    ]);
  });

  it("a deletion lists every field with an empty after", () => {
    expect(diffEntry(JSON.stringify({ a: 1 }), null)).toEqual([{ field: "a", before: "1", after: "—" }]);
  });

  it("nested values compare by content, and a field that appears counts as changed", () => {
    const before = JSON.stringify({ tags: [1, 2], note: null });
    const after = JSON.stringify({ tags: [1, 2], note: "新", extra: true });
    expect(diffEntry(before, after)).toEqual([
      { field: "note", before: "—", after: "新" },
      { field: "extra", before: "—", after: "true" },
    ]);
  });

  it("summary joins the first changes and counts the rest", () => {
    const before = JSON.stringify({ a: 1, b: 1, c: 1, d: 1 });
    const after = JSON.stringify({ a: 2, b: 2, c: 2, d: 2 });
    expect(summary(before, after)).toBe("a: 1 → 2；b: 1 → 2；c: 1 → 2；…（共 4 项）");
    expect(summary(JSON.stringify({ status: "active" }), JSON.stringify({ status: "maternity" }))).toBe("status: active → maternity");
  });
});

describe("actionLabel", () => {
  it("names the entity and the verb in Chinese", () => {
    expect(actionLabel("staff.transfer", "staff")).toBe("人员 · 调动");
    expect(actionLabel("project.course.add", "course")).toBe("课程 · 新增");
    expect(actionLabel("something.odd", "widget")).toBe("widget · odd");
  });
});
