// One person's status history, transfers and cards. The ID number shows masked; 查看完整身份证号
// (admin and officer; the core checks and writes the view to 操作日志 first) shows it in full.
import { useEffect, useState } from "react";
import { Button, Descriptions, Drawer, Empty, Table, Tabs, Tag } from "antd";
import { revealIdNumber, staffDetail, type StaffDetail, type StaffRow } from "../../api/staff";
import { STAFF_STATUS } from "../../api/labels";
import { errorText } from "../../api/errors";

export default function StaffHistory({ staff, canReveal = false, onClose }: { staff: StaffRow | null; canReveal?: boolean; onClose: () => void }) {
  const [detail, setDetail] = useState<StaffDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fullId, setFullId] = useState<string | null>(null);
  useEffect(() => {
    setDetail(null);
    setError(null);
    setFullId(null);
    if (staff) staffDetail(staff.id).then(setDetail, (e) => setError(errorText(e)));
  }, [staff]);
  const reveal = () => {
    if (staff) revealIdNumber(staff.id).then(setFullId, (e) => setError(errorText(e)));
  };
  return (
    <Drawer open={!!staff} onClose={onClose} width={760} title={staff ? `${staff.name} 的记录` : ""} data-testid="staff-history">
      {error && <Empty description={error} />}
      {detail && (
        <Descriptions size="small" column={2} style={{ marginBottom: 12 }}>
          <Descriptions.Item label="身份证号">
            <span data-testid="staff-detail-id">{fullId ?? detail.id_number}</span>
            {canReveal && !fullId && (
              <Button size="small" type="link" data-testid="staff-reveal-id" onClick={reveal}>
                查看完整身份证号
              </Button>
            )}
          </Descriptions.Item>
          <Descriptions.Item label="科室">{detail.department_name}</Descriptions.Item>
        </Descriptions>
      )}
      {detail && (
        <Tabs
          items={[
            {
              key: "status",
              label: "状态历史",
              children: (
                <Table
                  size="small"
                  rowKey={(r) => `${r.recorded_at}-${r.to_status}`}
                  pagination={false}
                  dataSource={detail.status_history}
                  columns={[
                    { title: "生效日期", dataIndex: "effective_on" },
                    { title: "原状态", dataIndex: "from_status", render: (s: string | null) => (s ? STAFF_STATUS[s] ?? s : "—") },
                    { title: "新状态", dataIndex: "to_status", render: (s: string) => <Tag>{STAFF_STATUS[s] ?? s}</Tag> },
                    { title: "原因", dataIndex: "reason" },
                    { title: "操作员", dataIndex: "operator" },
                  ]}
                />
              ),
            },
            {
              key: "transfers",
              label: "调动记录",
              children: (
                <Table
                  size="small"
                  rowKey={(r) => `${r.recorded_at}-${r.to_department}`}
                  pagination={false}
                  dataSource={detail.transfers}
                  data-testid="staff-transfers"
                  columns={[
                    { title: "生效日期", dataIndex: "effective_on" },
                    { title: "调出科室", dataIndex: "from_department" },
                    { title: "调入科室", dataIndex: "to_department" },
                    { title: "原因", dataIndex: "reason" },
                    { title: "操作员", dataIndex: "operator" },
                  ]}
                />
              ),
            },
            {
              key: "cards",
              label: "卡",
              children: (
                <Table
                  size="small"
                  rowKey="card_key"
                  pagination={false}
                  dataSource={detail.cards}
                  columns={[
                    { title: "卡", dataIndex: "card_key" },
                    { title: "发卡时间", dataIndex: "issued_at" },
                    {
                      title: "状态",
                      render: (_, c) => (c.revoked_at ? <Tag color="red">已作废 {c.revoke_reason ?? ""}</Tag> : <Tag color="green">有效</Tag>),
                    },
                  ]}
                />
              ),
            },
          ]}
        />
      )}
    </Drawer>
  );
}
