// The status bar: database path, operator, pending outbox count and the sync state (online /
// offline / error, last sync, open conflicts), refreshed after every background sync round (the
// shell's `sync-status` event) and every 10 s.
import { useEffect, useState } from "react";
import { listen } from "@tauri-apps/api/event";
import { Space, Tag, Typography } from "antd";
import { ROLE_LABELS, statusInfo, type StatusInfo } from "../api/session";
import { SYNC_STATUS_EVENT, syncState, type SyncState } from "../api/sync";
import { STATE_COLORS, statusLine } from "../logic/sync";

export default function StatusBar({ changes }: { changes: number }) {
  const [status, setStatus] = useState<StatusInfo | null>(null);
  const [sync, setSync] = useState<SyncState | null>(null);
  const [rounds, setRounds] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () => {
      statusInfo().then((s) => live && setStatus(s), () => {});
      syncState().then((s) => live && setSync(s), () => live && setSync(null));
    };
    load();
    const timer = window.setInterval(load, 10_000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [changes, rounds]);
  // One listener for the app's lifetime: each background round bumps `rounds`, which reloads.
  useEffect(() => {
    const unlisten = listen(SYNC_STATUS_EVENT, () => setRounds((n) => n + 1));
    return () => {
      // A failing unlisten (the app closing) must not surface as an error.
      unlisten.then((f) => f()).catch(() => {});
    };
  }, []);
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
        {sync && (
          <Typography.Text type="secondary">
            同步：<Tag color={STATE_COLORS[sync.state]} style={{ fontSize: 11, marginInlineEnd: 0 }} data-testid="status-sync">{statusLine(sync)}</Tag>
          </Typography.Text>
        )}
      </Space>
    </div>
  );
}
