// Roster search and filters (issue 3: search by name / ID number / card as you type; 科室, 状态,
// 职称级别, 专业 filters), over the precomputed keys the page keeps.
import { describe, expect, it } from "vitest";
import { filterStaff, isFullIdNumber, NO_FILTERS, searchKey } from "./staffFilter";
import { descendants } from "./departmentTree";
import { DEPARTMENTS, maskedStaffRows, staffRows } from "../test/fixtures";

// As the screen gets them: ID numbers masked by the core.
const rows = maskedStaffRows(600);
const full = staffRows(600);
const keys = rows.map(searchKey);
const run = (f: Partial<typeof NO_FILTERS>) => filterStaff(rows, keys, { ...NO_FILTERS, ...f });

describe("filterStaff", () => {
  it("returns everyone with no filter", () => {
    expect(run({})).toHaveLength(600);
  });

  it("finds by part of a name", () => {
    const name = rows[7].name;
    const hits = run({ text: name });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((r) => r.name.includes(name))).toBe(true);
    expect(hits.map((r) => r.id)).toContain("s-7");
  });

  it("a complete ID number is the core's lookup: the ids it found replace the text match", () => {
    const withX = full.find((r) => r.id_number.endsWith("X"))!;
    expect(isFullIdNumber(withX.id_number)).toBe(true);
    expect(isFullIdNumber(` ${withX.id_number.toLowerCase()} `)).toBe(true);
    expect(isFullIdNumber("110105199")).toBe(false);
    expect(isFullIdNumber("110105491231002")).toBe(true); // 15 digits, first generation
    // The rows hold no full number, so the text alone finds nobody ...
    expect(run({ text: withX.id_number })).toEqual([]);
    // ... the core's answer does, and other filters still apply.
    const hit = rows.find((r) => r.id === withX.id)!;
    expect(run({ text: withX.id_number, ids: new Set([withX.id]) })).toEqual([hit]);
    expect(run({ text: withX.id_number, ids: new Set([withX.id]), status: hit.status === "active" ? "exempt" : "active" })).toEqual([]);
  });

  it("typed digits match the visible part of a masked ID number only", () => {
    const r = rows[3];
    expect(r.id_number).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(run({ text: r.id_number.slice(-4) }).map((x) => x.id)).toContain(r.id);
    // The hidden middle (birth date) is not searchable from the screen.
    expect(run({ text: full[3].id_number.slice(6, 14) }).map((x) => x.id)).not.toContain(r.id);
  });

  it("finds by card number", () => {
    const carded = rows[10];
    expect(carded.card_key).toBe("ic:3201000010");
    expect(run({ text: "3201000010" })).toEqual([carded]);
  });

  it("a department filter includes its sub-departments", () => {
    const inner = run({ departmentIds: descendants(DEPARTMENTS, "d-nk") });
    expect(inner.length).toBe(400);
    expect(new Set(inner.map((r) => r.department_id))).toEqual(new Set(["d-xnk", "d-hxk"]));
    expect(run({ departmentIds: descendants(DEPARTMENTS, "d-gk") }).every((r) => r.department_id === "d-gk")).toBe(true);
  });

  it("status, title level and profession combine with AND", () => {
    const hits = run({ status: "maternity", titleLevel: "senior", profession: "医师" });
    expect(hits.length).toBeGreaterThan(0);
    for (const r of hits) {
      expect([r.status, r.title_level, r.profession]).toEqual(["maternity", "senior", "医师"]);
    }
    const expected = rows.filter((r) => r.status === "maternity" && r.title_level === "senior" && r.profession === "医师");
    expect(hits).toEqual(expected);
  });

  it("filters 10,000 rows by a typed name in a few milliseconds", () => {
    const big = staffRows(10_000);
    const bigKeys = big.map(searchKey);
    const t0 = performance.now();
    let found = 0;
    for (const t of ["王", "王伟", "李芳12", "110105", "3201"]) found += filterStaff(big, bigKeys, { ...NO_FILTERS, text: t }).length;
    const perFilter = (performance.now() - t0) / 5;
    expect(found).toBeGreaterThan(0);
    // Generous bound for a loaded CI machine; measured ≈ 1 ms on the desk machine.
    expect(perFilter).toBeLessThan(30);
  });
});
