// 达标统计: a CME year under its rule set — the hospital's figures, each department's (worst rate
// first, with a bar), and a department's people with the gap to each requirement.
import { useEffect, useMemo, useState } from "react";
import { Alert, Card, Col, Progress, Radio, Row, Space, Statistic, Table, Tag, Typography } from "antd";
import { complianceReport, type ComplianceReport } from "../api/credits";
import { listDepartments, type Department } from "../api/departments";
import { errorText } from "../api/errors";
import VirtualTable, { type VColumn } from "../components/VirtualTable";
import { COMPLIANCE_STATUS, departmentRows, gapText, type DepartmentRow } from "../logic/credits";
import type { PersonCompliance } from "../bindings/PersonCompliance";
import { thisYear, useRoster, YearInput } from "./credits/pickers";
import { ExportExcelButton } from "../components/ExportExcelButton";
import { mayExportFullIds } from "../logic/exportButton";

const STATUS_COLOR: Record<string, string> = { compliant: "green", non_compliant: "red", exempt: "default" };

export default function CompliancePage({ changes, role = "viewer" }: { changes: number; role?: string }) {
  const roster = useRoster();
  const [year, setYear] = useState(thisYear());
  const [report, setReport] = useState<ComplianceReport | null>(null);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<DepartmentRow | null>(null);
  const [onlyMissing, setOnlyMissing] = useState(true);

  useEffect(() => {
    listDepartments().then(setDepartments, () => setDepartments([]));
  }, []);
  useEffect(() => {
    complianceReport(year, null).then(
      (r) => {
        setReport(r);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  }, [year, changes]);

  const names = useMemo(() => new Map(departments.map((d) => [d.id, d.name])), [departments]);
  const rows = report ? departmentRows(report, names) : [];
  const people = (report?.people ?? []).filter(
    (p) => drill && p.department_id === drill.department_id && (!onlyMissing || p.status === "non_compliant"),
  );
  const h = report?.hospital;

  const columns: VColumn<PersonCompliance>[] = [
    { key: "name", title: "姓名", width: 100, render: (p) => roster.get(p.staff_id)?.name ?? p.staff_id },
    { key: "status", title: "结果", width: 90, render: (p) => <Tag color={STATUS_COLOR[p.status]}>{COMPLIANCE_STATUS[p.status]}</Tag> },
    { key: "credits", title: "学分", width: 70, align: "right", render: (p) => p.totals.credits },
    { key: "hours", title: "学时", width: 70, align: "right", render: (p) => p.totals.hours },
    { key: "gap", title: "差距/说明", width: 380, render: (p) => <span data-testid="compliance-gap">{[gapText(p.gaps), p.note].filter(Boolean).join("；")}</span> },
  ];

  return (
    <div data-testid="compliance-page">
      <Space style={{ marginBottom: 12 }}>
        <YearInput testId="compliance-year" value={year} onChange={(y) => { setYear(y); setDrill(null); }} />
        {report && <Typography.Text type="secondary">{report.rule_set}：{report.year.starts_on} 至 {report.year.ends_on}</Typography.Text>}
        <ExportExcelButton testId="compliance-export" template="compliance-report" title="科室达标统计" filter={{ year }} nameParts={[year]} />
        <ExportExcelButton testId="compliance-export-people" template="annual-review" title="年度学分审验" filter={{ year }} nameParts={[year]} fullIdAllowed={mayExportFullIds(role)} />
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {h && (
        <Row gutter={12} style={{ marginBottom: 12 }} data-testid="compliance-hospital">
          <Col span={4}><Card size="small"><Statistic title="人数" value={h.total} /></Card></Col>
          <Col span={4}><Card size="small"><Statistic title="达标" value={h.compliant} /></Card></Col>
          <Col span={4}><Card size="small"><Statistic title="不达标" value={h.non_compliant} /></Card></Col>
          <Col span={4}><Card size="small"><Statistic title="不计达标" value={h.exempt} /></Card></Col>
          <Col span={4}><Card size="small" data-testid="compliance-rate"><Statistic title="达标率" value={h.rate_percent} suffix="%" /></Card></Col>
          <Col span={4}><Card size="small" data-testid="compliance-total-credits"><Statistic title="计入学分合计" value={rows.reduce((a, r) => a + Math.round(r.credits * 100), 0) / 100} /></Card></Col>
        </Row>
      )}
      {!drill && (
        <Table
          size="small"
          rowKey={(r) => r.department_id ?? "-"}
          data-testid="compliance-departments"
          pagination={false}
          scroll={{ y: 440 }}
          dataSource={rows}
          onRow={(r) => ({ onClick: () => setDrill(r), style: { cursor: "pointer" } })}
          columns={[
            { title: "科室", dataIndex: "name" },
            { title: "人数", dataIndex: "total", align: "right" },
            { title: "达标", dataIndex: "compliant", align: "right" },
            { title: "不达标", dataIndex: "non_compliant", align: "right" },
            { title: "不计达标", dataIndex: "exempt", align: "right" },
            { title: "计入学分", dataIndex: "credits", align: "right" },
            { title: "达标率", width: 220, render: (_, r) => <Progress percent={r.rate_percent} size="small" format={(p) => `${p}%`} /> },
          ]}
        />
      )}
      {drill && (
        <>
          <Space style={{ marginBottom: 8 }}>
            <Typography.Link data-testid="compliance-back" onClick={() => setDrill(null)}>← 全部科室</Typography.Link>
            <Typography.Text strong data-testid="compliance-drill-title">{drill.name}：{drill.total} 人，达标 {drill.compliant}，不达标 {drill.non_compliant}</Typography.Text>
            <Radio.Group value={onlyMissing} onChange={(e) => setOnlyMissing(e.target.value)} optionType="button">
              <Radio.Button value={true}>不达标</Radio.Button>
              <Radio.Button value={false}>全部</Radio.Button>
            </Radio.Group>
          </Space>
          <VirtualTable testId="compliance-people" rowTestId="compliance-person" rows={people} columns={columns} rowKey={(p) => p.staff_id} height={440} />
        </>
      )}
    </div>
  );
}
