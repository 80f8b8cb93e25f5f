// 学分审核: manual credits waiting for review (approve / return / reject with a reason, at the
// reviewer's level), and the annual review (年度审验): the initial-review deadline, per-person
// review, marking people for the health bureau (which locks their year).
import { useCallback, useEffect, useState } from "react";
import { Alert, App, Button, Checkbox, DatePicker, Descriptions, Input, Modal, Radio, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs from "dayjs";
import {
  annualReviewPerson,
  annualReviewStatus,
  listCredits,
  markForBureau,
  reviewCredit,
  setReviewDeadline,
  type ReviewDecision,
  type StoredCredit,
  type YearStatus,
} from "../api/credits";
import { errorText } from "../api/errors";
import VirtualTable, { type VColumn } from "../components/VirtualTable";
import { COMPLIANCE_STATUS, DECISION, REVIEW_STATUS } from "../logic/credits";
import type { PersonStatus } from "../bindings/PersonStatus";
import { thisYear, useRoster, YearInput } from "./credits/pickers";
import { ExportExcelButton } from "../components/ExportExcelButton";
import { mayExportFullIds } from "../logic/exportButton";

type Asking = { decision: ReviewDecision; credit?: StoredCredit; staffId?: string };

/** Manual credits of the year that the list shows: waiting ones, or every manual one. */
export function reviewRows(credits: StoredCredit[], onlyWaiting: boolean): StoredCredit[] {
  return credits
    .filter((c) => c.source === "manual" && (!onlyWaiting || c.review_status === "pending"))
    .sort((a, b) => a.activity_date.localeCompare(b.activity_date) || a.id.localeCompare(b.id));
}

export default function CreditReviewPage({ onChanged, changes, role = "viewer" }: { onChanged: () => void; changes: number; role?: string }) {
  const { message } = App.useApp();
  const roster = useRoster();
  const [year, setYear] = useState(thisYear());
  const [credits, setCredits] = useState<StoredCredit[]>([]);
  const [onlyWaiting, setOnlyWaiting] = useState(true);
  const [skipDepartment, setSkipDepartment] = useState(false);
  const [status, setStatus] = useState<YearStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState<Asking | null>(null);
  const [reason, setReason] = useState("");
  const [deadline, setDeadline] = useState<dayjs.Dayjs | null>(null);

  const reload = useCallback(() => {
    listCredits({ cme_year: year }).then(setCredits, (e) => setError(errorText(e)));
    annualReviewStatus(year, null).then(setStatus, (e) => setError(errorText(e)));
  }, [year]);
  useEffect(reload, [reload, changes]);

  const done = (text: string) => {
    message.success(text);
    setAsking(null);
    setReason("");
    reload();
    onChanged();
  };

  const decide = (a: Asking, why: string | null) => {
    if (a.credit) {
      reviewCredit(a.credit.id, a.decision, why, skipDepartment).then(
        (m) => done(`${m.credit.activity_name}：${REVIEW_STATUS[m.trail.status]}${m.trail.department_approved && m.trail.status === "pending" ? "（科室已通过）" : ""}`),
        (e) => message.error(errorText(e)),
      );
    } else if (a.staffId) {
      annualReviewPerson(a.staffId, year, a.decision, why, skipDepartment).then(
        (list) => done(`已初审 ${list.length} 条学分`),
        (e) => message.error(errorText(e)),
      );
    }
  };
  const ask = (a: Asking) => (a.decision === "approve" ? decide(a, null) : setAsking(a));

  const mark = (staffIds: string[]) =>
    markForBureau(year, staffIds, null).then(
      (r) => done(`已报卫生局 ${r.marked.length} 人，未报 ${r.skipped.length} 人${r.skipped.length ? `（如：${r.skipped[0].reason_zh}）` : ""}`),
      (e) => message.error(errorText(e)),
    );

  const name = (id: string) => roster.get(id)?.name ?? id;
  const rows = reviewRows(credits, onlyWaiting);

  const people: VColumn<PersonStatus>[] = [
    { key: "name", title: "姓名", width: 100, render: (p) => p.name },
    { key: "dept", title: "科室", width: 120, render: (p) => roster.get(p.staff_id)?.department_name ?? "" },
    { key: "wait", title: "未审核", width: 70, align: "right", render: (p) => p.awaiting_review },
    { key: "ok", title: "通过", width: 60, align: "right", render: (p) => p.approved },
    { key: "back", title: "退回/不通过", width: 90, align: "right", render: (p) => p.returned_or_rejected },
    {
      key: "mark",
      title: "报卫生局",
      width: 190,
      render: (p) =>
        p.review ? (
          <span>
            <Tag color="blue">已报（{COMPLIANCE_STATUS[p.review.compliance]}）</Tag>
            {p.review.bureau_result && <Tag>{p.review.bureau_result === "passed" ? "合格" : "不合格"}</Tag>}
          </span>
        ) : (
          "未报"
        ),
    },
    {
      key: "act",
      title: "操作",
      width: 200,
      render: (p) =>
        p.review ? (
          <Typography.Text type="secondary">已锁定</Typography.Text>
        ) : (
          <Space size={4}>
            <Button size="small" disabled={p.awaiting_review === 0 || !status?.initial_review_open} onClick={() => ask({ decision: "approve", staffId: p.staff_id })}>
              按人通过
            </Button>
            <Button size="small" onClick={() => mark([p.staff_id])}>报卫生局</Button>
          </Space>
        ),
    },
  ];

  return (
    <div data-testid="credit-review-page">
      <Space style={{ marginBottom: 12 }} wrap>
        <YearInput testId="review-year" value={year} onChange={setYear} />
        <Checkbox data-testid="review-skip-department" checked={skipDepartment} onChange={(e) => setSkipDepartment(e.target.checked)}>
          医院直接审核（不等科室审核）
        </Checkbox>
      </Space>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Tabs
        items={[
          {
            key: "records",
            label: <span data-testid="review-tab-records">学分审核</span>,
            children: (
              <>
                <Radio.Group value={onlyWaiting} onChange={(e) => setOnlyWaiting(e.target.value)} optionType="button" style={{ marginBottom: 8 }}>
                  <Radio.Button value={true}>未审核</Radio.Button>
                  <Radio.Button value={false}>全部手工录入</Radio.Button>
                </Radio.Group>
                <Table
                  size="small"
                  rowKey="id"
                  data-testid="review-credits"
                  pagination={{ pageSize: 50, hideOnSinglePage: true }}
                  dataSource={rows}
                  locale={{ emptyText: "没有待审核的学分" }}
                  columns={[
                    { title: "人员", render: (_, c) => name(c.staff_id) },
                    { title: "科室", render: (_, c) => roster.get(c.staff_id)?.department_name ?? "" },
                    { title: "活动名称", dataIndex: "activity_name" },
                    { title: "类别", dataIndex: "category" },
                    { title: "学分", dataIndex: "credits", align: "right" },
                    { title: "学时", dataIndex: "hours", align: "right" },
                    { title: "活动日期", dataIndex: "activity_date" },
                    { title: "状态", render: (_, c) => <Tag>{REVIEW_STATUS[c.review_status]}</Tag> },
                    {
                      title: "操作",
                      render: (_, c) =>
                        c.review_status === "pending" ? (
                          <Space size={4}>
                            <Button size="small" type="primary" data-testid="review-approve" onClick={() => ask({ decision: "approve", credit: c })}>通过</Button>
                            <Button size="small" data-testid="review-return" onClick={() => ask({ decision: "return", credit: c })}>退回</Button>
                            <Button size="small" danger onClick={() => ask({ decision: "reject", credit: c })}>不通过</Button>
                          </Space>
                        ) : null,
                    },
                  ]}
                />
              </>
            ),
          },
          {
            key: "annual",
            label: <span data-testid="review-tab-annual">年度审验</span>,
            children: status && (
              <>
                <Descriptions size="small" bordered column={4} style={{ marginBottom: 12 }} data-testid="annual-summary">
                  <Descriptions.Item label="医院初审截止">
                    {status.calendar.initial_review_by}
                    {status.calendar.configured ? "" : "（默认）"} {status.initial_review_open ? <Tag color="green">进行中</Tag> : <Tag>已截止</Tag>}
                  </Descriptions.Item>
                  <Descriptions.Item label="未审核">{status.awaiting_review} 条</Descriptions.Item>
                  <Descriptions.Item label="已报卫生局">{status.marked} 人</Descriptions.Item>
                  <Descriptions.Item label="已有审验结果">{status.bureau_recorded} 人</Descriptions.Item>
                </Descriptions>
                <Space style={{ marginBottom: 12 }} wrap>
                  <DatePicker data-testid="annual-deadline" placeholder="新的截止日期" value={deadline} onChange={setDeadline} />
                  <Button
                    disabled={!deadline}
                    onClick={() =>
                      deadline &&
                      setReviewDeadline(year, deadline.format("YYYY-MM-DD")).then(
                        (c) => done(`${year} 年度医院初审截止日期：${c.initial_review_by}`),
                        (e) => message.error(errorText(e)),
                      )
                    }
                  >
                    设置截止日期
                  </Button>
                  <Button type="primary" data-testid="annual-mark-all" onClick={() => mark([])}>
                    就绪人员全部报卫生局
                  </Button>
                  <ExportExcelButton testId="annual-export" template="annual-review" title="年度学分审验" filter={{ year }} nameParts={[year]} fullIdAllowed={mayExportFullIds(role)} />
                </Space>
                <VirtualTable testId="annual-people" rows={status.people} columns={people} rowKey={(p) => p.staff_id} height={400} />
              </>
            ),
          },
        ]}
      />
      <Modal
        title={asking ? `${DECISION[asking.decision]}：${asking.credit?.activity_name ?? name(asking.staffId ?? "")}` : ""}
        open={!!asking}
        okText={asking ? DECISION[asking.decision] : "确定"}
        cancelText="返回"
        okButtonProps={{ disabled: !reason.trim(), id: "review-ok" }}
        onOk={() => asking && decide(asking, reason.trim())}
        onCancel={() => setAsking(null)}
      >
        <Input.TextArea data-testid="review-reason" placeholder="原因（必填）" value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </div>
  );
}
