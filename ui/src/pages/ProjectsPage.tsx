// 项目管理: hosted projects, created from the approved list; opening one shows its details.
import { useCallback, useEffect, useState } from "react";
import { Alert, Button, Input, Select, Space, Table, Tag, Typography } from "antd";
import { CREDIT_LEVEL, listProjects, PROJECT_STATE, type Project } from "../api/projects";
import { errorText } from "../api/errors";
import { options } from "../api/labels";
import NewProjectModal from "./projects/NewProjectModal";
import ProjectDrawer from "./projects/ProjectDrawer";

export default function ProjectsPage({ onChanged }: { onChanged: () => void }) {
  const [rows, setRows] = useState<Project[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [state, setState] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);

  const reload = useCallback(
    () =>
      listProjects().then(
        (r) => {
          setRows(r);
          setError(null);
        },
        (e) => setError(errorText(e)),
      ),
    [],
  );
  useEffect(() => {
    reload();
  }, [reload]);

  const q = query.trim().toLowerCase();
  const visible = rows.filter((p) => (!state || p.state === state) && (!q || `${p.code} ${p.name}`.toLowerCase().includes(q)));

  return (
    <div data-testid="projects-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <Input allowClear placeholder="项目编号或名称" style={{ width: 240 }} value={query} onChange={(e) => setQuery(e.target.value)} />
        <Select allowClear placeholder="状态" style={{ width: 120 }} options={options(PROJECT_STATE)} value={state} onChange={(v) => setState(v ?? null)} />
        <Typography.Text type="secondary">共 {visible.length} 个项目</Typography.Text>
        <Button type="primary" onClick={() => setCreating(true)} data-testid="project-new">
          从已批准项目新建
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Table<Project>
        size="small"
        rowKey="id"
        dataSource={visible}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpenId(r.id), style: { cursor: "pointer" } })}
        columns={[
          { title: "项目编号", dataIndex: "code", width: 190 },
          { title: "项目名称", dataIndex: "name" },
          { title: "年度", dataIndex: "year", width: 70 },
          { title: "学分级别", dataIndex: "credit_level", width: 90, render: (l: string) => CREDIT_LEVEL[l] ?? l },
          { title: "学分", dataIndex: "credits", width: 70 },
          { title: "总学时", dataIndex: "total_hours", width: 80 },
          { title: "举办方式", dataIndex: "delivery", width: 140 },
          { title: "状态", dataIndex: "state", width: 100, render: (s: string) => <Tag color="blue">{PROJECT_STATE[s] ?? s}</Tag> },
        ]}
        data-testid="projects-table"
      />
      <NewProjectModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(p) => {
          setCreating(false);
          onChanged();
          reload();
          setOpenId(p.id);
        }}
      />
      <ProjectDrawer projectId={openId} onClose={() => setOpenId(null)} onChanged={() => { onChanged(); reload(); }} />
    </div>
  );
}
