// 个人学分: one person's credits of a CME year, how each counted (and why not), the result under the
// year's rule set and the gap to each requirement.
import { useEffect, useState } from "react";
import { Alert, App, Button, Descriptions, Input, Modal, Space, Table, Tag, Typography, type ButtonProps } from "antd";
import { personCredits, revokeCredit, type PersonCredits } from "../api/credits";
import type { StoredCredit } from "../bindings/StoredCredit";
import { errorText } from "../api/errors";
import { COMPLIANCE_STATUS, CREDIT_SOURCE, gapText, mayRevokeCredits, notCountedText, REVIEW_STATUS } from "../logic/credits";
import { StaffSelect, thisYear, useRoster, YearInput } from "./credits/pickers";
import { ExportExcelButton } from "../components/ExportExcelButton";
import { mayExportFullIds } from "../logic/exportButton";

const STATUS_COLOR: Record<string, string> = { compliant: "green", non_compliant: "red", exempt: "default" };

export default function PersonCreditsPage({ changes, role = "viewer" }: { changes: number; role?: string }) {
  const roster = useRoster();
  const [staffId, setStaffId] = useState<string | null>(null);
  const [year, setYear] = useState(thisYear());
  const [data, setData] = useState<PersonCredits | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // 撤销: the credit being revoked, the reason typed, and a reload once it is done.
  const { message } = App.useApp();
  const [revoking, setRevoking] = useState<StoredCredit | null>(null);
  const [reason, setReason] = useState("");
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!staffId) return;
    personCredits(staffId, year).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  }, [staffId, year, changes, reloads]);

  const startRevoke = (c: StoredCredit) => {
    setRevoking(c);
    setReason("");
    setRevokeError(null);
  };
  const confirmRevoke = async () => {
    if (!revoking) return;
    setBusy(true);
    try {
      await revokeCredit(revoking.id, reason.trim());
      message.success(`已撤销：${revoking.activity_name}`);
      setRevoking(null);
      setReloads((n) => n + 1);
    } catch (e) {
      setRevokeError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const person = data?.report.people[0];
  const decisions = new Map((person?.decisions ?? []).map((d) => [d.credit_id, d]));

  return (
    <div data-testid="person-credits-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <StaffSelect testId="person-staff" roster={roster} value={staffId} onChange={setStaffId} width={300} />
        <YearInput testId="person-year" value={year} onChange={setYear} />
        {/* The chosen person's credit list of the year; with nobody chosen, the whole hospital's. */}
        <ExportExcelButton
          testId="person-export"
          template="credit-list"
          title="学分明细"
          filter={{ year, staff: staffId ?? null }}
          nameParts={[year, staffId ? roster.get(staffId)?.name : "全院"]}
          fullIdAllowed={mayExportFullIds(role)}
        />
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      {!staffId && <Typography.Text type="secondary">选择一个人，查看其本年度学分、未计入的原因和达标差距。</Typography.Text>}
      {staffId && data === null && <Alert type="info" message={`${year} 年度不对此人评估达标（已注销或调出）`} />}
      {data && person && (
        <>
          <Descriptions size="small" bordered column={4} style={{ marginBottom: 12 }} data-testid="person-summary">
            <Descriptions.Item label="结果">
              <Tag color={STATUS_COLOR[person.status]} data-testid="person-status">{COMPLIANCE_STATUS[person.status]}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="计入学分"><span data-testid="person-total-credits">{person.totals.credits}</span></Descriptions.Item>
            <Descriptions.Item label="计入学时">{person.totals.hours}</Descriptions.Item>
            <Descriptions.Item label="规则">{data.report.rule_set}（{data.report.year.starts_on} 至 {data.report.year.ends_on}）</Descriptions.Item>
            <Descriptions.Item label="差距" span={4}>
              <span data-testid="person-gap">{person.gaps.length ? gapText(person.gaps) : "无"}</span>
              {person.note && <Typography.Text type="secondary">（{person.note}）</Typography.Text>}
              {person.advisories.length > 0 && <Typography.Text type="warning">；提示：{gapText(person.advisories)}</Typography.Text>}
            </Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            rowKey="id"
            data-testid="person-credits"
            pagination={false}
            dataSource={data.credits}
            columns={[
              { title: "活动日期", dataIndex: "activity_date" },
              { title: "活动名称", dataIndex: "activity_name" },
              { title: "来源", render: (_, c) => CREDIT_SOURCE[c.source] ?? c.source },
              { title: "学分", dataIndex: "credits", align: "right" },
              { title: "学时", dataIndex: "hours", align: "right" },
              { title: "审核", render: (_, c) => (c.revoked_at ? <Tag>已撤销</Tag> : REVIEW_STATUS[c.review_status]) },
              { title: "计入学分", align: "right", render: (_, c) => decisions.get(c.id)?.counted_credits ?? 0 },
              {
                title: "说明",
                render: (_, c) => {
                  const d = decisions.get(c.id);
                  if (c.revoked_at) return `已撤销：${c.revoked_reason ?? ""}`;
                  return d?.reason ? notCountedText(d.reason) : "";
                },
              },
              ...(mayRevokeCredits(role)
                ? [
                    {
                      title: "操作",
                      render: (_: unknown, c: StoredCredit) =>
                        c.revoked_at ? null : (
                          <Button size="small" danger data-testid={`revoke-${c.id}`} onClick={() => startRevoke(c)}>
                            撤销
                          </Button>
                        ),
                    },
                  ]
                : []),
            ]}
          />
        </>
      )}
      <Modal
        open={revoking !== null}
        title="撤销学分"
        okText="撤销"
        cancelText="取消"
        okButtonProps={{ danger: true, disabled: !reason.trim(), loading: busy, "data-testid": "revoke-confirm" } as ButtonProps}
        onOk={confirmRevoke}
        onCancel={() => setRevoking(null)}
        destroyOnHidden
      >
        <Typography.Paragraph>
          「{revoking?.activity_name}」{revoking?.credits} 学分：撤销后不再计入达标；记录保留，注明原因，写入操作日志。
        </Typography.Paragraph>
        <Input.TextArea
          data-testid="revoke-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="撤销原因（必填），如：重复授分"
          maxLength={200}
          autoSize={{ minRows: 2 }}
        />
        {revokeError && <Alert type="error" showIcon message={revokeError} style={{ marginTop: 12 }} />}
      </Modal>
    </div>
  );
}
