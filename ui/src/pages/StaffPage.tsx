// 人员管理: the roster in a virtual table (fast at 10,000+ rows), search as you type by name / ID
// number / card, filters, and the per-person actions.
import { memo, useCallback, useEffect, useMemo, useState, type CSSProperties } from "react";
import { Alert, Button, Dropdown, Input, Select, Space, TreeSelect, Typography } from "antd";
import { findStaffIds, listStaff, type StaffRow } from "../api/staff";
import { listDepartments, type Department } from "../api/departments";
import { GENDER, options, STAFF_STATUS, TITLE_LEVEL } from "../api/labels";
import { errorText } from "../api/errors";
import type { SessionOperator } from "../api/session";
import { buildTree, descendants, pathNames, type TreeNode } from "../logic/departmentTree";
import { ExportExcelButton } from "../components/ExportExcelButton";
import { mayExportFullIds } from "../logic/exportButton";
import { filterStaff, isFullIdNumber, searchKey } from "../logic/staffFilter";
import StaffForm from "./staff/StaffForm";
import StaffActions, { type StaffAction } from "./staff/StaffActions";
import StaffHistory from "./staff/StaffHistory";
import VirtualTable, { type VColumn } from "../components/VirtualTable";

// antd Tag colours, drawn as plain spans (cheap to mount in every visible row).
const STATUS_COLORS: Record<string, [string, string, string]> = {
  active: ["#389e0d", "#f6ffed", "#b7eb8f"],
  maternity: ["#d48806", "#fffbe6", "#ffe58f"],
  exempt: ["#0958d9", "#e6f4ff", "#91caff"],
  cancelled: ["rgba(0,0,0,0.88)", "#fafafa", "#d9d9d9"],
  transferred_out: ["rgba(0,0,0,0.88)", "#fafafa", "#d9d9d9"],
};
const statusTag = (s: string): CSSProperties => {
  const [color, background, border] = STATUS_COLORS[s] ?? STATUS_COLORS.cancelled;
  return { color, background, border: `1px solid ${border}`, borderRadius: 4, padding: "0 7px", fontSize: 12, lineHeight: "20px" };
};
const linkStyle: CSSProperties = { border: 0, background: "none", padding: 0, color: "#1677ff", cursor: "pointer", font: "inherit" };

export default function StaffPage({ operator, onChanged }: { operator: SessionOperator; onChanged: () => void }) {
  const [rows, setRows] = useState<StaffRow[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [department, setDepartment] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [titleLevel, setTitleLevel] = useState<string | null>(null);
  const [profession, setProfession] = useState<string | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const [editing, setEditing] = useState<StaffRow | null>(null);
  const [action, setAction] = useState<{ kind: StaffAction; staff: StaffRow } | null>(null);
  const [historyOf, setHistoryOf] = useState<StaffRow | null>(null);
  const [menu, setMenu] = useState<{ row: StaffRow; x: number; y: number } | null>(null);
  const [height, setHeight] = useState(() => window.innerHeight - TABLE_OFFSET);
  // The rows hold masked ID numbers: a complete one typed is looked up by the core.
  const [idHits, setIdHits] = useState<{ text: string; ids: Set<string> } | null>(null);

  const reload = useCallback(async () => {
    try {
      const [s, d] = await Promise.all([listStaff(), listDepartments()]);
      setRows(s);
      setDepartments(d);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    reload();
  }, [reload]);
  useEffect(() => {
    const onResize = () => setHeight(window.innerHeight - TABLE_OFFSET);
    window.addEventListener("resize", onResize);
    return () => window.removeEventListener("resize", onResize);
  }, []);

  useEffect(() => {
    if (!isFullIdNumber(text)) return;
    let live = true;
    findStaffIds(text.trim()).then(
      (ids) => live && setIdHits({ text, ids: new Set(ids) }),
      () => live && setIdHits({ text, ids: new Set() }),
    );
    return () => {
      live = false;
    };
  }, [text, rows]);
  const ids = useMemo(() => (isFullIdNumber(text) ? (idHits?.text === text ? idHits.ids : NOBODY) : null), [text, idHits]);

  const tree = useMemo(() => buildTree(departments), [departments]);
  const paths = useMemo(() => pathNames(departments), [departments]);
  const departmentPath = useCallback((id: string) => paths.get(id) ?? id, [paths]);
  const keys = useMemo(() => rows.map(searchKey), [rows]);
  const professions = useMemo(() => [...new Set(rows.map((r) => r.profession).filter((p): p is string => !!p))].sort(), [rows]);
  const departmentIds = useMemo(() => (department ? descendants(departments, department) : null), [department, departments]);
  // One pass over the precomputed keys (a few ms at 10,000 rows); the virtual table then draws a
  // screenful, so the result shows in the same frame as the keystroke.
  const visible = useMemo(
    () => filterStaff(rows, keys, { text, departmentIds, status, titleLevel, profession, ids }),
    [rows, keys, text, departmentIds, status, titleLevel, profession, ids],
  );

  const canEdit = operator.role !== "viewer";
  const saved = () => {
    setFormOpen(false);
    setEditing(null);
    setAction(null);
    onChanged();
    reload();
  };

  // Stable columns: the virtual table's rows are memoised on them, so a filter redraws only the
  // rows that moved. Cells are plain elements (no antd components): a screenful of rows mounts in
  // a few ms; the per-row "更多" menu is one shared Dropdown opened where the click was.
  const columns = useMemo<VColumn<StaffRow>[]>(
    () => [
      { key: "name", title: "姓名", width: 100, render: (r) => <span data-testid="staff-cell-name">{r.name}</span> },
      { key: "gender", title: "性别", width: 48, render: (r) => GENDER[r.gender] ?? r.gender },
      { key: "id_number", title: "身份证号", width: 170, render: (r) => <span data-testid="staff-cell-id">{r.id_number}</span> },
      { key: "department", title: "科室", width: 180, render: (r) => <span data-testid="staff-cell-dept" title={departmentPath(r.department_id)}>{departmentPath(r.department_id)}</span> },
      { key: "title", title: "职称", width: 100, render: (r) => r.title ?? "" },
      { key: "title_level", title: "职称级别", width: 76, render: (r) => (r.title_level ? TITLE_LEVEL[r.title_level] ?? r.title_level : "") },
      { key: "profession", title: "专业", width: 72, render: (r) => r.profession ?? "" },
      { key: "card", title: "卡号", width: 110, render: (r) => <span data-testid="staff-cell-card">{r.card_key ? r.card_key.replace(/^ic:/, "") : ""}</span> },
      { key: "status", title: "状态", width: 70, render: (r) => <span style={statusTag(r.status)}>{STAFF_STATUS[r.status] ?? r.status}</span> },
      {
        key: "actions",
        title: "操作",
        width: 126,
        render: (r) => (
          <span style={{ display: "flex", gap: 8 }}>
            {canEdit && (
              <button type="button" style={linkStyle} data-testid="staff-edit" onClick={() => { setEditing(r); setFormOpen(true); }}>
                编辑
              </button>
            )}
            {canEdit && (
              <button type="button" style={linkStyle} data-testid="staff-more" onClick={(e) => setMenu({ row: r, x: e.clientX, y: e.clientY })}>
                更多
              </button>
            )}
            <button type="button" style={linkStyle} data-testid="staff-history-open" onClick={() => setHistoryOf(r)}>
              记录
            </button>
          </span>
        ),
      },
    ],
    [canEdit, departmentPath],
  );

  return (
    <div data-testid="staff-page">
      <Space wrap style={{ marginBottom: 12 }}>
        <Input
          allowClear
          placeholder="按姓名 / 身份证号 / 卡号搜索"
          style={{ width: 240 }}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="staff-search"
        />
        <Filters
          tree={tree}
          professions={professions}
          department={department}
          status={status}
          titleLevel={titleLevel}
          profession={profession}
          setDepartment={setDepartment}
          setStatus={setStatus}
          setTitleLevel={setTitleLevel}
          setProfession={setProfession}
        />
        <Typography.Text type="secondary" data-testid="staff-count">
          共 {visible.length} 人{visible.length !== rows.length ? `（全部 ${rows.length}）` : ""}
        </Typography.Text>
        <ExportExcelButton
          testId="staff-export"
          template="staff-roster"
          title="人员名单"
          filter={{ department }}
          nameParts={[department ? departmentPath(department) : null]}
          fullIdAllowed={mayExportFullIds(operator.role)}
        />
        {canEdit && (
          <Button type="primary" data-testid="staff-add" onClick={() => { setEditing(null); setFormOpen(true); }}>
            新增人员
          </Button>
        )}
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <VirtualTable<StaffRow>
        rows={visible}
        columns={columns}
        rowKey={(r) => r.id}
        loading={loading}
        height={Math.max(height, 240)}
        testId="staff-table"
        rowTestId="staff-row"
      />
      <Dropdown
        open={!!menu}
        onOpenChange={(open) => !open && setMenu(null)}
        trigger={["click"]}
        menu={{
          items: menu
            ? [
                { key: "transfer", label: <span data-testid="staff-act-transfer">调动科室</span> },
                { key: "status", label: <span data-testid="staff-act-status">变更状态</span> },
                { key: menu.row.card_key ? "card_replace" : "card_issue", label: <span data-testid="staff-act-card">{menu.row.card_key ? "补卡" : "发卡"}</span> },
                ...(menu.row.card_key ? [{ key: "card_revoke", label: <span data-testid="staff-act-revoke">挂失 / 注销卡</span> }] : []),
              ]
            : [],
          onClick: (e) => {
            if (menu) setAction({ kind: e.key as StaffAction, staff: menu.row });
            setMenu(null);
          },
        }}
      >
        <span style={{ position: "fixed", left: menu?.x ?? 0, top: menu?.y ?? 0, width: 1, height: 1 }} />
      </Dropdown>
      <StaffForm open={formOpen} editing={editing} tree={tree} onClose={() => setFormOpen(false)} onSaved={saved} />
      <StaffActions
        action={action?.kind ?? null}
        staff={action?.staff ?? null}
        tree={tree}
        departmentPath={departmentPath}
        onClose={() => setAction(null)}
        onDone={saved}
      />
      <StaffHistory staff={historyOf} canReveal={operator.role === "admin" || operator.role === "officer"} onClose={() => setHistoryOf(null)} />
    </div>
  );
}

interface FiltersProps {
  tree: TreeNode[];
  professions: string[];
  department: string | null;
  status: string | null;
  titleLevel: string | null;
  profession: string | null;
  setDepartment: (v: string | null) => void;
  setStatus: (v: string | null) => void;
  setTitleLevel: (v: string | null) => void;
  setProfession: (v: string | null) => void;
}

// Memoised: typing in the search box must not re-render the TreeSelect and Selects.
const Filters = memo(function Filters(p: FiltersProps) {
  return (
    <Space>
      <TreeSelect
        allowClear
        placeholder="科室"
        style={{ width: 180 }}
        treeData={p.tree}
        treeDefaultExpandAll
        value={p.department}
        onChange={(v) => p.setDepartment(v ?? null)}
        showSearch
        treeNodeFilterProp="title"
        data-testid="filter-department"
      />
      <Select allowClear placeholder="状态" style={{ width: 100 }} options={STATUS_OPTIONS} value={p.status} onChange={(v) => p.setStatus(v ?? null)} data-testid="filter-status" />
      <Select allowClear placeholder="职称级别" style={{ width: 100 }} options={LEVEL_OPTIONS} value={p.titleLevel} onChange={(v) => p.setTitleLevel(v ?? null)} data-testid="filter-title-level" />
      <Select allowClear placeholder="专业" style={{ width: 110 }} options={p.professions.map((x) => ({ value: x, label: x }))} value={p.profession} onChange={(v) => p.setProfession(v ?? null)} data-testid="filter-profession" />
    </Space>
  );
});

const STATUS_OPTIONS = options(STAFF_STATUS);
// While the core looks a typed ID number up, nobody is shown (never a stale list).
const NOBODY: Set<string> = new Set();
// Toolbar, status bar and paddings above and below the roster table, in px.
const TABLE_OFFSET = 132;
const LEVEL_OPTIONS = options(TITLE_LEVEL);
