// 操作日志: the audit log, filterable, each change shown as before → after, and "verify chain".
import { useCallback, useEffect, useState } from "react";
import { Alert, Button, DatePicker, Input, Select, Space, Table, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { listAuditLog, verifyAuditChain, type AuditEntry, type ChainReport } from "../api/audit_log";
import { errorText } from "../api/errors";
import { diffEntry, summary } from "../logic/auditDiff";
import { actionLabel, ENTITIES } from "../logic/auditLabels";


export default function AuditLogPage({ changes }: { changes: number }) {
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [entity, setEntity] = useState<string | null>(null);
  const [operator, setOperator] = useState("");
  const [text, setText] = useState("");
  const [since, setSince] = useState<Dayjs | null>(null);
  const [chain, setChain] = useState<ChainReport | null>(null);
  const [verifying, setVerifying] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setRows(
        await listAuditLog({
          entity,
          operator: operator.trim() || null,
          text: text.trim() || null,
          since: since?.format("YYYY-MM-DD") ?? null,
          limit: 2000,
        }),
      );
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [entity, operator, text, since]);
  useEffect(() => {
    load();
  }, [load, changes]);

  const verify = async () => {
    setVerifying(true);
    try {
      setChain(await verifyAuditChain());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setVerifying(false);
    }
  };

  return (
    <div data-testid="audit-page">
      <Space wrap style={{ marginBottom: 12 }}>
        <Select allowClear placeholder="对象" style={{ width: 120 }} value={entity} onChange={(v) => setEntity(v ?? null)}
          options={Object.entries(ENTITIES).map(([value, label]) => ({ value, label }))} data-testid="audit-entity" />
        <Input allowClear placeholder="操作员" style={{ width: 140 }} value={operator} onChange={(e) => setOperator(e.target.value)} />
        <Input allowClear placeholder="内容包含…" style={{ width: 200 }} value={text} onChange={(e) => setText(e.target.value)} data-testid="audit-text" />
        <DatePicker placeholder="起始日期" value={since} onChange={(v) => setSince(v)} />
        <Button onClick={verify} loading={verifying} data-testid="audit-verify">校验日志链</Button>
        <Typography.Text type="secondary">共 {rows.length} 条</Typography.Text>
      </Space>
      {chain && (
        <Alert
          style={{ marginBottom: 12 }}
          showIcon
          type={chain.intact ? "success" : "error"}
          data-testid="audit-chain-result"
          message={chain.intact ? `日志链完整：已校验 ${chain.rows} 条，未发现篡改` : `日志链断裂：第 ${chain.first_bad_seq ?? "?"} 条起记录被修改或删除（共 ${chain.rows} 条）`}
          description={chain.problem ?? undefined}
        />
      )}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Table<AuditEntry>
        size="small"
        rowKey="seq"
        loading={loading}
        dataSource={rows}
        pagination={{ pageSize: 50, showSizeChanger: false }}
        expandable={{
          expandedRowRender: (r) => (
            <Table
              size="small"
              pagination={false}
              rowKey="field"
              dataSource={diffEntry(r.before, r.after)}
              columns={[
                { title: "字段", dataIndex: "field", width: 160 },
                { title: "修改前", dataIndex: "before", render: (v: string) => <Typography.Text delete={v !== "—"} type="secondary">{v}</Typography.Text> },
                { title: "修改后", dataIndex: "after", render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
              ]}
            />
          ),
        }}
        columns={[
          { title: "序号", dataIndex: "seq", width: 70 },
          { title: "时间", dataIndex: "at", width: 190, render: (t: string) => t.replace("T", " ").slice(0, 19) },
          { title: "操作员", dataIndex: "operator", width: 100 },
          { title: "动作", dataIndex: "action", width: 150, render: (a: string, r) => actionLabel(a, r.entity) },
          { title: "对象", dataIndex: "entity", width: 90, render: (e: string) => ENTITIES[e] ?? e },
          { title: "修改前 → 修改后", key: "diff", render: (_, r) => <span data-testid="audit-summary">{summary(r.before, r.after)}</span> },
        ]}
        data-testid="audit-table"
      />
    </div>
  );
}
