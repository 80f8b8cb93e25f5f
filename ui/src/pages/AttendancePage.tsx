// 考勤分析: for one project, who is valid (a counted swipe in every window) and, for everyone else,
// why not; per-person swipes and minutes present; the swipes the analysis set aside; 导出 Excel of
// the project's 考勤明细 (every swipe with 是否有效), the file the platform takes after an event.
import { useState } from "react";
import { Alert, Descriptions, Radio, Space, Tag, Typography } from "antd";
import { analyzeAttendance, type ProjectAnalysis } from "../api/credits";
import { errorText } from "../api/errors";
import VirtualTable, { type VColumn } from "../components/VirtualTable";
import { attendanceText } from "../logic/credits";
import type { PersonAttendance } from "../bindings/PersonAttendance";
import { ProjectSelect, useRoster } from "./credits/pickers";
import { ExportExcelButton } from "../components/ExportExcelButton";
import { mayExportFullIds } from "../logic/exportButton";

const time = (t: string | null) => (t ? t.slice(5, 16).replace("T", " ") : "—");

export default function AttendancePage({ role = "viewer" }: { role?: string }) {
  const roster = useRoster();
  const [projectId, setProjectId] = useState<string | null>(null);
  const [result, setResult] = useState<ProjectAnalysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [show, setShow] = useState<"all" | "valid" | "invalid">("all");

  const pick = (id: string) => {
    setProjectId(id);
    setResult(null);
    analyzeAttendance(id).then(
      (r) => {
        setResult(r);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  };

  const a = result?.analysis;
  const rows = (a?.people ?? []).filter((p) => show === "all" || (show === "valid") === p.valid);
  const columns: VColumn<PersonAttendance>[] = [
    {
      key: "who",
      title: "人员",
      width: 130,
      render: (p) => (p.swiper.kind === "staff" ? (roster.get(p.swiper.key)?.name ?? p.swiper.key) : <Tag>未登记卡 {p.swiper.key}</Tag>),
    },
    { key: "dept", title: "科室", width: 120, render: (p) => (p.swiper.kind === "staff" ? (roster.get(p.swiper.key)?.department_name ?? "") : "") },
    { key: "valid", title: "结果", width: 70, render: (p) => (p.valid ? <Tag color="green">有效</Tag> : <Tag color="red">无效</Tag>) },
    { key: "n", title: "有效刷卡", width: 80, align: "right", render: (p) => p.counted_swipes },
    { key: "first", title: "首次", width: 110, render: (p) => time(p.first_at) },
    { key: "last", title: "末次", width: 110, render: (p) => time(p.last_at) },
    { key: "min", title: "在场分钟", width: 80, align: "right", render: (p) => p.presence_minutes },
    { key: "why", title: "原因", width: 360, render: (p) => <span data-testid="attendance-reason">{attendanceText(p)}</span> },
  ];

  return (
    <div data-testid="attendance-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <ProjectSelect testId="attendance-project" value={projectId} onChange={pick} />
        <Radio.Group value={show} onChange={(e) => setShow(e.target.value)} optionType="button">
          <Radio.Button value="all">全部</Radio.Button>
          <Radio.Button value="valid">有效</Radio.Button>
          <Radio.Button value="invalid" data-testid="attendance-only-invalid">无效</Radio.Button>
        </Radio.Group>
        {result && (
          <ExportExcelButton
            testId="attendance-export"
            template="attendance-detail"
            title="考勤明细"
            filter={{ project: result.project.code }}
            nameParts={[result.project.code]}
            fullIdAllowed={mayExportFullIds(role)}
          />
        )}
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {!projectId && <Typography.Text type="secondary">选择一个项目，查看每个刷卡周期的考勤结果。</Typography.Text>}
      {result && a && (
        <>
          <Descriptions size="small" bordered column={4} style={{ marginBottom: 12 }} data-testid="attendance-summary">
            <Descriptions.Item label="有效">{a.valid_count} 人</Descriptions.Item>
            <Descriptions.Item label="无效">{a.invalid_count} 人</Descriptions.Item>
            <Descriptions.Item label="刷卡">{a.swipes_total} 次</Descriptions.Item>
            <Descriptions.Item label="规则">{result.rule_set}</Descriptions.Item>
            <Descriptions.Item label="举办周期外">{a.swipes_outside_period} 次</Descriptions.Item>
            <Descriptions.Item label="重复刷卡">{a.swipes_duplicate} 次</Descriptions.Item>
            <Descriptions.Item label="未知卡">{a.swipes_unknown_card} 次</Descriptions.Item>
            <Descriptions.Item label="总学时">{result.project.total_hours}</Descriptions.Item>
          </Descriptions>
          <VirtualTable
            testId="attendance-table"
            rowTestId="attendance-row"
            rows={rows}
            columns={columns}
            rowKey={(p) => `${p.swiper.kind}:${p.swiper.key}`}
            height={460}
          />
        </>
      )}
    </div>
  );
}
