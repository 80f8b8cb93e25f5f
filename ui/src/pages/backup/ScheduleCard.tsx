// 定时备份 on the 备份 page: the schedule (on/off, time of day, folder, catch-up at start) with
// 保存, and what the background scheduler did — the next run, the newest backup, the last
// scheduled result (失败 in red with the reason) — kept current by its `backup-schedule` events;
// a scheduled backup in progress shows its progress like 立即备份.
import { useCallback, useEffect, useState } from "react";
import { Alert, App, Button, Card, Checkbox, Descriptions, Input, Progress, Space, Switch, Typography } from "antd";
import { listen } from "@tauri-apps/api/event";
import {
  backupSchedule,
  saveBackupSchedule,
  SCHEDULE_JOB_ID,
  type BackupProgressEvent,
  type BackupSchedule,
  type ScheduleEvent,
  type ScheduleView,
} from "../../api/backup";
import { errorText } from "../../api/errors";
import { PathField } from "../../components/PathField";
import { lastRunText, nextRunText, progressPercent, progressText, timeText, validTime } from "../../logic/backup";

/** `refreshKey`: bumped by the page after 立即备份, so 最近一次备份 follows it. */
export default function ScheduleCard({ onBackedUp, refreshKey = 0 }: { onBackedUp: () => void; refreshKey?: number }) {
  const { message } = App.useApp();
  const [view, setView] = useState<ScheduleView | null>(null);
  const [draft, setDraft] = useState<BackupSchedule | null>(null);
  const [saving, setSaving] = useState(false);
  const [progress, setProgress] = useState<BackupProgressEvent | null>(null);

  const load = useCallback(
    () =>
      backupSchedule().then(
        (v) => {
          setView(v);
          return v;
        },
        (e) => {
          message.error(errorText(e));
          return null;
        },
      ),
    [message],
  );

  useEffect(() => {
    load().then((v) => v && setDraft(v.schedule));
    const offSchedule = listen<ScheduleEvent>("backup-schedule", (e) => {
      if (e.payload.running) setProgress(null);
      else onBackedUp();
      load();
    });
    const offProgress = listen<BackupProgressEvent>("backup-progress", (e) => {
      if (e.payload.job_id === SCHEDULE_JOB_ID) setProgress(e.payload);
    });
    return () => {
      offSchedule.then((f) => f()).catch(() => {});
      offProgress.then((f) => f()).catch(() => {});
    };
  }, [load, onBackedUp]);

  useEffect(() => {
    if (refreshKey > 0) load();
  }, [refreshKey, load]);

  const timeOk = !draft || validTime(draft.at);
  const save = async () => {
    if (!draft || !timeOk) return;
    setSaving(true);
    try {
      const v = await saveBackupSchedule({ ...draft, at: draft.at.trim(), folder: draft.folder?.trim() || null });
      setView(v);
      setDraft(v.schedule);
      message.success(v.schedule.enabled ? `已保存：每天 ${v.schedule.at} 定时备份` : "已保存：定时备份已关闭");
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  const last = lastRunText(view?.last_run ?? null);
  return (
    <Card title="定时备份" size="small" data-testid="backup-schedule">
      {!draft || !view ? (
        <Typography.Text type="secondary">正在读取定时备份设置…</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Space wrap>
            <Switch
              checked={draft.enabled}
              onChange={(enabled) => setDraft({ ...draft, enabled })}
              checkedChildren="开"
              unCheckedChildren="关"
              data-testid="schedule-enabled"
            />
            <span>每天</span>
            <Input
              value={draft.at}
              onChange={(e) => setDraft({ ...draft, at: e.target.value })}
              status={timeOk ? undefined : "error"}
              style={{ width: 90 }}
              placeholder="12:30"
              data-testid="schedule-at"
            />
            <Checkbox
              checked={draft.catch_up_at_start}
              onChange={(e) => setDraft({ ...draft, catch_up_at_start: e.target.checked })}
              data-testid="schedule-catch-up"
            >
              启动时上次备份已超过一天则立即备份
            </Checkbox>
          </Space>
          {!timeOk && <Typography.Text type="danger">备份时间应为 HH:MM，如 12:30</Typography.Text>}
          <Space wrap>
            <span>备份文件夹</span>
            <PathField
              value={draft.folder ?? ""}
              onChange={(folder) => setDraft({ ...draft, folder })}
              what={{ kind: "folder" }}
              placeholder="默认：数据库旁的 backups 文件夹"
              testId="schedule-folder"
              width={420}
            />
            <Button type="primary" onClick={save} loading={saving} disabled={!timeOk} data-testid="schedule-save">
              保存
            </Button>
          </Space>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label="下次备份">
              <span data-testid="schedule-next">{nextRunText(view.due, view.running)}</span>
            </Descriptions.Item>
            <Descriptions.Item label="最近一次备份">
              <span data-testid="schedule-last-backup">{timeText(view.last_backup_at)}</span>
            </Descriptions.Item>
            <Descriptions.Item label="上次定时备份">
              <Typography.Text type={last.ok === false ? "danger" : last.ok ? "success" : "secondary"} data-testid="schedule-last-run">
                {last.text}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          {view.running && (
            <div data-testid="schedule-progress">
              <Progress percent={progressPercent(progress)} status="active" />
              <Typography.Text>{progressText(progress)}</Typography.Text>
            </div>
          )}
          {view.last_run && !view.last_run.ok && (
            <Alert type="error" showIcon message="上次定时备份失败，请检查备份文件夹是否存在、可写、空间是否足够" />
          )}
        </Space>
      )}
    </Card>
  );
}
