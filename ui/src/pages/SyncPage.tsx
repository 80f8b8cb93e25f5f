// 同步: this desk's sync state (refreshed after every background round), 立即同步 (the background
// loop's next round, run by the shell off the UI thread),
// the server settings (the token is never shown back, only its last four characters) and the
// conflict log with its two resolutions.
import { useCallback, useEffect, useState } from "react";
import { listen } from "@tauri-apps/api/event";
import { Alert, App, Button, Card, Descriptions, Form, Input, Space, Switch, Table, Tag, Typography } from "antd";
import { errorText } from "../api/errors";
import {
  SYNC_STATUS_EVENT,
  syncConflicts,
  syncNow,
  syncResolve,
  syncSaveSettings,
  syncState,
  type SyncConflict,
  type SyncNowResult,
  type SyncState,
} from "../api/sync";
import { showOnField } from "../logic/formErrors";
import { resultText, shortTime, STATE_COLORS, STATE_LABELS, valueText, whatText } from "../logic/sync";

interface SettingsForm {
  server: string;
  token: string;
  ca_file: string;
}

export default function SyncPage({ onChanged, canConfigure }: { onChanged: () => void; canConfigure: boolean }) {
  const [state, setState] = useState<SyncState | null>(null);
  const [conflicts, setConflicts] = useState<SyncConflict[]>([]);
  const [showAll, setShowAll] = useState(false);
  const [running, setRunning] = useState(false);
  const [last, setLast] = useState<SyncNowResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form] = Form.useForm<SettingsForm>();
  const { message } = App.useApp();

  const reload = useCallback(async () => {
    try {
      const [s, c] = await Promise.all([syncState(), syncConflicts(showAll)]);
      setState(s);
      setConflicts(c);
    } catch (e) {
      setError(errorText(e));
    }
  }, [showAll]);
  useEffect(() => {
    reload();
    // The background loop synced: counts, state and conflicts may have changed.
    const unlisten = listen(SYNC_STATUS_EVENT, () => reload());
    return () => {
      unlisten.then((f) => f()).catch(() => {});
    };
  }, [reload]);
  useEffect(() => {
    if (state) form.setFieldsValue({ server: state.server ?? "", ca_file: state.ca_file ?? "" });
    // Only when the stored settings change, not on every state refresh.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state?.server, state?.ca_file]);

  const runNow = async () => {
    setRunning(true);
    setError(null);
    try {
      const r = await syncNow();
      setLast(r);
      message.success(resultText(r));
      onChanged();
    } catch (e) {
      setError(errorText(e));
      message.error(errorText(e));
    } finally {
      setRunning(false);
      await reload();
    }
  };

  const save = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      const s = await syncSaveSettings({ server: v.server.trim(), token: v.token?.trim() || null, ca_file: v.ca_file?.trim() || null });
      setState(s);
      form.setFieldsValue({ token: "" });
      message.success("同步设置已保存");
      onChanged();
    } catch (e) {
      if (!showOnField(form, e)) message.error(errorText(e));
    }
  };

  const resolve = async (c: SyncConflict, takeLoser: boolean) => {
    try {
      await syncResolve(c.id, takeLoser);
      message.success(takeLoser ? "已采用另一台电脑的值，下次同步时发给各台电脑" : "已保留当前值");
      onChanged();
      await reload();
    } catch (e) {
      message.error(errorText(e));
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="sync-page">
      <Card
        title="同步状态"
        size="small"
        extra={
          <Button type="primary" loading={running} onClick={runNow} data-testid="sync-now" disabled={!state?.server}>
            立即同步
          </Button>
        }
      >
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} data-testid="sync-error" />}
        {state && (
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label="状态">
              <Tag color={STATE_COLORS[state.state]} data-testid="sync-state">{STATE_LABELS[state.state]}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="上次同步"><span data-testid="sync-last-at">{shortTime(state.last_sync_at)}</span></Descriptions.Item>
            <Descriptions.Item label="本机标识"><Typography.Text copyable><span data-testid="sync-site">{state.site_id}</span></Typography.Text></Descriptions.Item>
            <Descriptions.Item label="待推送变更"><span data-testid="sync-pending">{state.pending}</span> 条</Descriptions.Item>
            <Descriptions.Item label="已拉取到">第 <span data-testid="sync-cursor">{state.cursor}</span> 条</Descriptions.Item>
            <Descriptions.Item label="待处理冲突"><span data-testid="sync-conflict-count">{state.open_conflicts}</span> 个</Descriptions.Item>
            {state.last_resync_at && (
              <Descriptions.Item label="重新同步"><span data-testid="sync-resynced">已从服务器重新同步 {shortTime(state.last_resync_at)}</span></Descriptions.Item>
            )}
          </Descriptions>
        )}
        {last && <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }} data-testid="sync-result">{resultText(last)}</Typography.Paragraph>}
        {state?.last_error && state.state !== "online" && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>上次错误：{state.last_error}</Typography.Paragraph>
        )}
      </Card>

      <Card title="同步冲突" size="small" extra={<Space><span>含已处理</span><Switch size="small" checked={showAll} onChange={setShowAll} data-testid="sync-show-all" /></Space>}>
        <Table<SyncConflict>
          size="small"
          rowKey="id"
          dataSource={conflicts}
          pagination={false}
          locale={{ emptyText: "没有待处理的冲突" }}
          data-testid="sync-conflicts"
          columns={[
            { title: "内容", key: "what", render: (_, c) => whatText(c.entity, c.field) },
            { title: "记录", dataIndex: "entity_id", ellipsis: true, width: 160 },
            { title: "当前值（较晚的修改）", key: "winner", render: (_, c) => <span data-testid="conflict-winner">{valueText(c.winner)}</span> },
            { title: "另一值", key: "loser", render: (_, c) => <span data-testid="conflict-loser">{valueText(c.loser)}</span> },
            { title: "发现于", key: "at", render: (_, c) => shortTime(c.detected_at) },
            {
              title: "处理",
              key: "act",
              render: (_, c) =>
                c.resolved_at ? (
                  <Tag>{c.resolution === "take_loser" ? "已采用另一值" : "已保留当前值"}</Tag>
                ) : (
                  <Space>
                    <Button size="small" onClick={() => resolve(c, false)} data-testid="conflict-keep">保留当前值</Button>
                    <Button size="small" onClick={() => resolve(c, true)} data-testid="conflict-take">采用另一值</Button>
                  </Space>
                ),
            },
          ]}
        />
      </Card>

      <Card title="服务器设置" size="small">
        <Form<SettingsForm> form={form} layout="vertical" disabled={!canConfigure} style={{ maxWidth: 560 }}>
          <Form.Item name="server" label="同步服务器地址" rules={[{ required: true, message: "请填写服务器地址" }]}>
            <Input placeholder="https://sync.example.org:8787" data-testid="sync-server" />
          </Form.Item>
          <Form.Item
            name="token"
            label="本机令牌"
            extra={state?.token_hint ? `已设置（${state.token_hint}）；留空则不更改` : "由省级平台登记本机时给出，只需填写一次"}
          >
            <Input.Password placeholder={state?.token_hint ? `已设置（${state.token_hint}）` : "粘贴令牌"} autoComplete="off" data-testid="sync-token" />
          </Form.Item>
          <Form.Item name="ca_file" label="CA 证书文件（https 自签证书时填写）">
            <Input placeholder="/etc/cmedesk/sync-ca.pem" data-testid="sync-ca" />
          </Form.Item>
          <Button onClick={save} data-testid="sync-save">保存设置</Button>
          {!canConfigure && <Typography.Text type="secondary" style={{ marginLeft: 12 }}>只有管理员可以更改同步设置</Typography.Text>}
        </Form>
      </Card>
    </Space>
  );
}
