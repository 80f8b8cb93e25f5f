// Synthetic roster rows for UI tests: made-up names and checksum-valid (GB 11643) ID numbers.
import type { StaffRow } from "../bindings/StaffRow";
import type { Department } from "../bindings/Department";

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** A valid ID number for the i-th synthetic person (area 110105, born 1970–1999). */
export function syntheticId(i: number, male: boolean): string {
  const y = 1970 + (i % 30);
  const m = 1 + (i % 12);
  const d = 1 + (i % 28);
  const seq = ((i * 2) % 998) + (male ? 1 : 0);
  const first17 = `110105${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}${String(seq).padStart(3, "0")}`;
  return first17 + checkChar(first17);
}

export const DEPARTMENTS: Department[] = [
  { id: "d-nk", parent_id: null, name: "内科", sort: 1 },
  { id: "d-xnk", parent_id: "d-nk", name: "心血管内科", sort: 1 },
  { id: "d-hxk", parent_id: "d-nk", name: "呼吸内科", sort: 2 },
  { id: "d-wk", parent_id: null, name: "外科", sort: 2 },
  { id: "d-gk", parent_id: "d-wk", name: "骨科", sort: 1 },
];

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "桂英", "建华", "晓燕"];
const LEAVES = ["d-xnk", "d-hxk", "d-gk"];
const STATUSES = ["active", "active", "active", "maternity", "exempt"] as const;
const LEVELS = ["junior", "intermediate", "associate_senior", "senior"] as const;

export function staffRows(n: number): StaffRow[] {
  const rows: StaffRow[] = [];
  for (let i = 0; i < n; i++) {
    const male = i % 3 !== 0;
    const dept = LEAVES[i % LEAVES.length];
    rows.push({
      id: `s-${i}`,
      name: SURNAMES[i % SURNAMES.length] + GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length] + (i >= 400 ? String(i) : ""),
      gender: male ? "male" : "female",
      id_number: syntheticId(i, male),
      birth_date: "1980-01-01",
      department_id: dept,
      department_name: DEPARTMENTS.find((d) => d.id === dept)!.name,
      title: "主治医师",
      title_level: LEVELS[i % LEVELS.length],
      profession: i % 4 === 0 ? "护理" : "医师",
      phone: null,
      status: STATUSES[i % STATUSES.length],
      note: null,
      card_key: i % 2 === 0 ? `ic:${3201000000 + i}` : null,
    });
  }
  return rows;
}

/** The core's mask (`id_number::mask`): first four and last four characters stay. */
export function maskId(id: string): string {
  return id.length <= 8 ? "*".repeat(id.length) : id.slice(0, 4) + "*".repeat(id.length - 8) + id.slice(-4);
}

/** The roster as `list_staff` returns it: ID numbers masked by the core. */
export function maskedStaffRows(n: number): StaffRow[] {
  return staffRows(n).map((r) => ({ ...r, id_number: maskId(r.id_number) }));
}
