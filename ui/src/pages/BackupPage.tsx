// 备份: 定时备份 (`backup/ScheduleCard.tsx`), back up now (online copy, progress), the folder's backups (time, kind, size, last
// verification), verify one, restore one after a preview of what changes (rows per table now and
// after, the newest 操作日志 entry of each) and a confirmation. A restore signs everyone out: the
// app reopens the desk and the users are the backup's.
import { useCallback, useEffect, useRef, useState } from "react";
import { Alert, App, Button, Card, Descriptions, Modal, Progress, Space, Table, Tag, Typography } from "antd";
import { listen } from "@tauri-apps/api/event";
import { createBackup, listBackups, previewRestore, restoreBackup, verifyBackup, type BackupEntry, type BackupFolder, type BackupProgressEvent, type RestorePreview } from "../api/backup";
import { errorText } from "../api/errors";
import ScheduleCard from "./backup/ScheduleCard";
import { auditHeadText, changeRows, checkText, KIND_LABELS, progressPercent, progressText, sizeText, timeText } from "../logic/backup";

export default function BackupPage({ onRestored }: { onRestored: (file: string) => void }) {
  const { message } = App.useApp();
  const [folder, setFolder] = useState<BackupFolder | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<BackupProgressEvent | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [verifying, setVerifying] = useState<string | null>(null);
  const [target, setTarget] = useState<BackupEntry | null>(null);
  const [preview, setPreview] = useState<RestorePreview | null>(null);
  const [restoring, setRestoring] = useState(false);
  const jobId = useRef<string | null>(null);
  const [backedUp, setBackedUp] = useState(0);

  const refresh = useCallback(() => listBackups().then(setFolder, (e) => message.error(errorText(e))), [message]);
  useEffect(() => {
    refresh();
    const unlisten = listen<BackupProgressEvent>("backup-progress", (e) => {
      if (e.payload.job_id === jobId.current) setProgress(e.payload);
    });
    return () => {
      unlisten.then((f) => f()).catch(() => {});
    };
  }, [refresh]);

  const backUp = async () => {
    const id = `backup-${Date.now()}`;
    jobId.current = id;
    setBusy(true);
    setProgress(null);
    setResult(null);
    try {
      const r = await createBackup(id);
      const rows = Object.values(r.manifest.row_counts).reduce((a, b) => a + b, 0);
      const rotated = r.rotated_out.length ? `；轮换删除 ${r.rotated_out.length} 个旧备份` : "";
      setResult(`备份完成并已校验：${Object.keys(r.manifest.row_counts).length} 张表，${rows} 行（${r.elapsed_ms} 毫秒）${rotated}`);
      setBackedUp((n) => n + 1);
      await refresh();
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
      jobId.current = null;
    }
  };

  const verify = async (e: BackupEntry) => {
    setVerifying(e.file);
    try {
      const r = await verifyBackup(e.file);
      if (r.ok) message.success(`${e.name} 完好：完整性检查通过，行数与清单一致`);
      else message.error(`${e.name} 已损坏：${r.integrity}`);
      await refresh();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setVerifying(null);
    }
  };

  const askRestore = async (e: BackupEntry) => {
    setTarget(e);
    setPreview(null);
    try {
      setPreview(await previewRestore(e.file));
    } catch (err) {
      setTarget(null);
      message.error(errorText(err));
    }
  };

  const restore = async () => {
    if (!target) return;
    setRestoring(true);
    try {
      await restoreBackup(target.file);
      message.success(`已恢复到 ${timeText(target.manifest?.taken_at)} 的备份，请重新登录`);
      setTarget(null);
      onRestored(target.file);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setRestoring(false);
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="backup-page">
      <ScheduleCard onBackedUp={refresh} refreshKey={backedUp} />
      <Card title="备份" size="small">
        <Space direction="vertical" style={{ width: "100%" }}>
          <Typography.Text type="secondary">
            在线备份：备份时可继续使用本程序。每个备份写完即校验（完整性检查与行数清单），按 7 日、4 周、12 月轮换保留。
            备份文件夹：<span data-testid="backup-dir">{folder?.dir ?? "…"}</span>
          </Typography.Text>
          <Button type="primary" onClick={backUp} loading={busy} data-testid="backup-now">
            立即备份
          </Button>
          {busy && (
            <div data-testid="backup-progress">
              <Progress percent={progressPercent(progress)} status="active" />
              <Typography.Text>{progressText(progress)}</Typography.Text>
            </div>
          )}
          {result && <Alert type="success" showIcon message={<span data-testid="backup-result">{result}</span>} />}
        </Space>
      </Card>
      <Card title="备份列表" size="small">
        <Table<BackupEntry>
          rowKey="file"
          size="small"
          pagination={false}
          data-testid="backup-list"
          dataSource={folder?.backups ?? []}
          locale={{ emptyText: "还没有备份" }}
          columns={[
            { title: "备份时间", render: (_, e) => <span data-testid="backup-time">{timeText(e.manifest?.taken_at)}</span> },
            { title: "类型", render: (_, e) => <Tag>{KIND_LABELS[e.kind]}</Tag> },
            { title: "大小", render: (_, e) => sizeText(e.bytes) },
            { title: "操作员", render: (_, e) => e.manifest?.taken_by ?? "—" },
            {
              title: "校验",
              render: (_, e) => {
                const c = checkText(e);
                return (
                  <Typography.Text type={c.ok === false ? "danger" : c.ok ? "success" : "secondary"} data-testid="backup-check">
                    {c.text}
                  </Typography.Text>
                );
              },
            },
            { title: "文件", dataIndex: "name" },
            {
              title: "操作",
              render: (_, e, i) => (
                <Space>
                  <Button size="small" onClick={() => verify(e)} loading={verifying === e.file} disabled={!!e.error} data-testid={`backup-verify-${i}`}>
                    校验
                  </Button>
                  <Button size="small" danger onClick={() => askRestore(e)} disabled={!!e.error} data-testid={`backup-restore-${i}`}>
                    恢复…
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Modal
        open={!!target}
        title={`恢复到 ${timeText(target?.manifest?.taken_at)} 的备份`}
        okText="确认恢复"
        okButtonProps={{ danger: true, disabled: !preview || !preview.backup.ok, loading: restoring, "data-testid": "restore-confirm" } as never}
        cancelText="取消"
        onOk={restore}
        onCancel={() => setTarget(null)}
        width={640}
      >
        {!preview ? (
          <Typography.Text>正在比较当前数据与备份…</Typography.Text>
        ) : (
          <Space direction="vertical" style={{ width: "100%" }} data-testid="restore-preview">
            {preview.backup.ok ? (
              <Alert
                type="warning"
                showIcon
                message="恢复会用备份替换当前全部数据，备份之后的修改将丢失。恢复后需重新登录，本机将以新的同步身份与交换服务器同步。"
              />
            ) : (
              <Alert type="error" showIcon message={`备份校验失败（${preview.backup.integrity}），不能恢复`} />
            )}
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="当前最新操作">
                <span data-testid="restore-latest-now">{auditHeadText(preview.latest_now)}</span>
              </Descriptions.Item>
              <Descriptions.Item label="备份中最新操作">
                <span data-testid="restore-latest-backup">{auditHeadText(preview.latest_in_backup)}</span>
              </Descriptions.Item>
            </Descriptions>
            <Table
              size="small"
              rowKey="table"
              pagination={false}
              data-testid="restore-changes"
              dataSource={changeRows(preview)}
              locale={{ emptyText: "行数没有变化" }}
              columns={[
                { title: "数据", dataIndex: "label" },
                { title: "当前行数", dataIndex: "now" },
                { title: "恢复后行数", dataIndex: "after" },
                { title: "变化", render: (_, r) => (r.delta > 0 ? `+${r.delta}` : String(r.delta)) },
              ]}
            />
          </Space>
        )}
      </Modal>
    </Space>
  );
}
