// Pickers the credits pages share: a hosted project, a person (searched in the loaded roster), a
// CME year; and the roster as id → row, for names in the result tables.
import { useEffect, useMemo, useState } from "react";
import { InputNumber, Select, Space } from "antd";
import { listProjects, PROJECT_STATE, type Project } from "../../api/projects";
import { listStaff, type StaffRow } from "../../api/staff";

/** The roster by staff id (loaded once per page). */
export function useRoster(): Map<string, StaffRow> {
  const [rows, setRows] = useState<StaffRow[]>([]);
  useEffect(() => {
    listStaff({}).then(setRows, () => setRows([]));
  }, []);
  return useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);
}

export const staffLabel = (r: StaffRow) => `${r.name}（${r.department_name}）`;

/** Projects that can have attendance: held ones first. */
export function ProjectSelect({ value, onChange, testId }: { value: string | null; onChange: (id: string, p: Project) => void; testId: string }) {
  const [projects, setProjects] = useState<Project[]>([]);
  useEffect(() => {
    listProjects().then(setProjects, () => setProjects([]));
  }, []);
  const rank = (p: Project) => (p.state === "held" ? 0 : p.state === "credits_granted" ? 1 : 2);
  const sorted = [...projects].sort((a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code));
  return (
    <Select
      showSearch
      data-testid={testId}
      placeholder="选择项目"
      virtual={false}
      style={{ width: 460 }}
      value={value}
      optionFilterProp="title"
      onChange={(id: string) => onChange(id, projects.find((p) => p.id === id)!)}
      options={sorted.map((p) => {
        const label = `${p.code} ${p.name}（${PROJECT_STATE[p.state] ?? p.state}）`;
        return { value: p.id, label, title: label };
      })}
    />
  );
}

/** A person, found by typing a name, ID number or card among the roster. */
export function StaffSelect({ roster, value, onChange, testId, width = 260 }: { roster: Map<string, StaffRow>; value?: string | null; onChange?: (id: string) => void; testId: string; width?: number }) {
  const options = useMemo(
    () =>
      [...roster.values()].map((r) => ({ value: r.id, label: staffLabel(r), title: staffLabel(r), search: `${r.name} ${r.id_number} ${r.card_key ?? ""}` })),
    [roster],
  );
  return (
    <Select
      showSearch
      data-testid={testId}
      placeholder="输入姓名、身份证号或卡号"
      style={{ width }}
      value={value ?? undefined}
      onChange={onChange}
      filterOption={(input, o) => (o?.search ?? "").includes(input.trim())}
      options={options}
    />
  );
}

export function YearInput({ value, onChange, testId }: { value: number; onChange: (y: number) => void; testId: string }) {
  return (
    <Space size={4}>
      <span>学分年度</span>
      <InputNumber data-testid={testId} min={2000} max={2100} value={value} onChange={(v) => v && onChange(v)} style={{ width: 90 }} />
    </Space>
  );
}

export const thisYear = () => new Date().getFullYear();
