// The status bar: database path, operator, pending outbox count (sync comes later).
import { useEffect, useState } from "react";
import { Space, Typography } from "antd";
import { ROLE_LABELS, statusInfo, type StatusInfo } from "../api/session";

export default function StatusBar({ changes }: { changes: number }) {
  const [status, setStatus] = useState<StatusInfo | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => statusInfo().then((s) => live && setStatus(s), () => {});
    load();
    const timer = window.setInterval(load, 10_000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [changes]);
  return (
    <div
      data-testid="status-bar"
      style={{ borderTop: "1px solid #e8e8e8", background: "#fafafa", padding: "4px 16px", fontSize: 12 }}
    >
      <Space size="large">
        <Typography.Text type="secondary">数据库：<span data-testid="status-db">{status?.db_path ?? "—"}</span></Typography.Text>
        <Typography.Text type="secondary">
          操作员：
          <span data-testid="status-operator">
            {status?.operator ? `${status.operator.display_name}（${status.operator.username}，${ROLE_LABELS[status.operator.role]}）` : "未登录"}
          </span>
        </Typography.Text>
        <Typography.Text type="secondary">
          待同步：<span data-testid="status-outbox">{status ? status.pending_outbox : "—"}</span> 条
        </Typography.Text>
      </Space>
    </div>
  );
}
