// 授分: choose a strategy, see exactly who gets what (and who gets nothing, and why) before anything
// is written, untick individuals with a reason, then grant. Granting again changes nothing.
import { useState } from "react";
import { Alert, App, Button, Checkbox, Input, InputNumber, Modal, Select, Space, Table, Tag, Typography } from "antd";
import { grantCredits, previewGrant, type GrantPreview, type GrantRequest } from "../api/credits";
import { errorText } from "../api/errors";
import type { Exclusion } from "../bindings/Exclusion";
import { notGrantedText, STRATEGIES, strategy, sumAmounts } from "../logic/credits";
import { options } from "../api/labels";
import { ProjectSelect, useRoster } from "./credits/pickers";

export default function GrantPage({ onChanged }: { onChanged: () => void }) {
  const { message } = App.useApp();
  const roster = useRoster();
  const [projectId, setProjectId] = useState<string | null>(null);
  const [strategyKey, setStrategyKey] = useState("any-attendance-full");
  const [n, setN] = useState(2);
  const [speakers, setSpeakers] = useState(false);
  const [exclusions, setExclusions] = useState<Exclusion[]>([]);
  const [preview, setPreview] = useState<GrantPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [unticking, setUnticking] = useState<string | null>(null);
  const [reason, setReason] = useState("");

  const name = (id: string) => roster.get(id)?.name ?? id;
  const request = (ex: Exclusion[] = exclusions): GrantRequest => ({
    strategy: strategy(strategyKey, n),
    exclusions: ex,
    activity_date: null,
    evaluated: [],
    exam_passed: [],
    speakers,
  });

  const runPreview = (ex: Exclusion[] = exclusions) => {
    if (!projectId) return;
    setBusy(true);
    previewGrant(projectId, request(ex))
      .then(
        (p) => {
          setPreview(p);
          setError(null);
        },
        (e) => {
          setPreview(null);
          setError(errorText(e));
        },
      )
      .finally(() => setBusy(false));
  };

  const grant = () => {
    if (!projectId) return;
    setBusy(true);
    grantCredits(projectId, request())
      .then(
        (g) => {
          const s = g.saved;
          message.success(`已授分 ${g.participants.credits.length + g.speakers.credits.length} 人（新增 ${s.inserted}，更新 ${s.updated}，未变 ${s.unchanged}）`);
          onChanged();
        },
        (e) => message.error(errorText(e)),
      )
      .finally(() => setBusy(false));
  };

  const untick = () => {
    if (!unticking || !reason.trim()) return;
    const ex = [...exclusions.filter((x) => x.staff_id !== unticking), { staff_id: unticking, reason: reason.trim() }];
    setExclusions(ex);
    setUnticking(null);
    setReason("");
    runPreview(ex);
  };

  const changed = () => setPreview(null);
  const credits = preview ? [...preview.participants.credits, ...preview.speakers.credits] : [];
  const warnings = new Map((preview?.participants.warnings ?? []).map((w) => [w.staff_id, w]));

  return (
    <div data-testid="grant-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <ProjectSelect
          testId="grant-project"
          value={projectId}
          onChange={(id) => {
            setProjectId(id);
            setExclusions([]);
            changed();
          }}
        />
        <Select data-testid="grant-strategy" style={{ width: 240 }} value={strategyKey} options={options(STRATEGIES)} onChange={(v) => { setStrategyKey(v); changed(); }} />
        {strategyKey === "at-least-n-swipes" && <InputNumber prefix="N =" min={1} value={n} onChange={(v) => { setN(v ?? 1); changed(); }} />}
        <Checkbox checked={speakers} onChange={(e) => { setSpeakers(e.target.checked); changed(); }}>主讲人授分</Checkbox>
        <Button data-testid="grant-preview" disabled={!projectId} loading={busy} onClick={() => runPreview()}>
          预览
        </Button>
        <Button type="primary" data-testid="grant-confirm" disabled={!preview || credits.length === 0} loading={busy} onClick={grant}>
          确认授分
        </Button>
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {exclusions.length > 0 && (
        <div style={{ marginBottom: 8 }}>
          已取消：
          {exclusions.map((x) => (
            <Tag key={x.staff_id} closable onClose={() => { const ex = exclusions.filter((e) => e.staff_id !== x.staff_id); setExclusions(ex); runPreview(ex); }}>
              {name(x.staff_id)}：{x.reason}
            </Tag>
          ))}
        </div>
      )}
      {!preview && <Typography.Text type="secondary">选择项目和授分策略后点「预览」：先看将授予谁多少学分，再确认授分。</Typography.Text>}
      {preview && (
        <>
          <Alert
            data-testid="grant-summary"
            type="info"
            style={{ marginBottom: 12 }}
            message={`将授分 ${credits.length} 人，共 ${sumAmounts(credits.map((c) => c.credits))} 学分；未授分 ${preview.participants.not_granted.length} 人`}
          />
          <Table
            size="small"
            rowKey="id"
            data-testid="grant-credits"
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            dataSource={credits}
            columns={[
              { title: "人员", render: (_, c) => name(c.staff_id) },
              { title: "科室", render: (_, c) => roster.get(c.staff_id)?.department_name ?? "" },
              { title: "来源", render: (_, c) => (c.source === "speaker" ? "主讲人" : "学员") },
              { title: "学分", dataIndex: "credits", align: "right" },
              { title: "学时", dataIndex: "hours", align: "right" },
              { title: "活动日期", dataIndex: "activity_date" },
              { title: "提示", render: (_, c) => (warnings.has(c.staff_id) ? <Tag color="orange">需注意</Tag> : null) },
              {
                title: "操作",
                render: (_, c) => (
                  <Button size="small" data-testid="grant-untick" onClick={() => setUnticking(c.staff_id)}>
                    取消授分
                  </Button>
                ),
              },
            ]}
          />
          <Typography.Title level={5}>未授分</Typography.Title>
          <Table
            size="small"
            rowKey="who"
            data-testid="grant-not-granted"
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            dataSource={preview.participants.not_granted}
            columns={[
              { title: "人员/卡号", render: (_, x) => name(x.who) },
              { title: "原因", render: (_, x) => notGrantedText(x.reason) },
            ]}
          />
        </>
      )}
      <Modal title={`取消 ${unticking ? name(unticking) : ""} 的授分`} open={!!unticking} okText="取消授分" cancelText="返回" okButtonProps={{ disabled: !reason.trim(), id: "untick-ok" }} onOk={untick} onCancel={() => setUnticking(null)}>
        <Input.TextArea data-testid="untick-reason" placeholder="原因（必填），如：疑似代刷卡" value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </div>
  );
}
