// First start: create an empty desk database (with its admin) or load the seeded demo hospital.
import { useEffect, useRef, useState } from "react";
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Progress, Row, Typography } from "antd";
import { listen } from "@tauri-apps/api/event";
import { cancelJob, createDatabase, loadDemoHospital, type JobProgress } from "../api/setup";
import { errorText } from "../api/errors";
import { ApiError } from "../api/invoke";

interface Props {
  dbPath: string;
  onDone: () => void;
}

export default function SetupPage({ dbPath, onDone }: Props) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const jobId = useRef<string | null>(null);

  useEffect(() => {
    const unlisten = listen<JobProgress>("job-progress", (e) => {
      if (e.payload.job_id === jobId.current) setProgress(e.payload);
    });
    return () => {
      unlisten.then((f) => f());
    };
  }, []);

  const create = async (v: { password: string }) => {
    setBusy(true);
    try {
      await createDatabase(v.password);
      message.success("已新建数据库");
      onDone();
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const demo = async (v: { staff_count: number; password: string }) => {
    setBusy(true);
    jobId.current = `demo-${Date.now()}`;
    setProgress({ job_id: jobId.current, done: 0, total: v.staff_count, stage: "准备" });
    try {
      await loadDemoHospital(jobId.current, v.staff_count, v.password);
      message.success("示例医院已载入");
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === "JOB_CANCELLED") message.info("已取消载入");
      else message.error(errorText(e));
    } finally {
      setBusy(false);
      setProgress(null);
      jobId.current = null;
    }
  };

  return (
    <div style={{ maxWidth: 900, margin: "48px auto", padding: 16 }} data-testid="setup-page">
      <Typography.Title level={3}>欢迎使用继教学分管理台</Typography.Title>
      <Typography.Paragraph type="secondary">
        首次启动：尚未找到数据库。数据库将保存在 <Typography.Text code>{dbPath}</Typography.Text>
      </Typography.Paragraph>
      <Row gutter={24}>
        <Col span={12}>
          <Card title="新建空数据库">
            <Form layout="vertical" onFinish={create} disabled={busy}>
              <Typography.Paragraph>
                第一位操作员为管理员 <Typography.Text code>admin</Typography.Text>，登录后可添加其他操作员。
              </Typography.Paragraph>
              <Form.Item label="管理员密码" name="password" rules={[{ required: true, min: 8, message: "密码至少 8 位" }]}>
                <Input.Password data-testid="setup-password" />
              </Form.Item>
              <Form.Item
                label="确认密码"
                name="confirm"
                dependencies={["password"]}
                rules={[
                  { required: true, message: "请再次输入密码" },
                  ({ getFieldValue }) => ({
                    validator: (_, value) =>
                      !value || getFieldValue("password") === value ? Promise.resolve() : Promise.reject(new Error("两次输入的密码不一致")),
                  }),
                ]}
              >
                <Input.Password data-testid="setup-confirm" />
              </Form.Item>
              <Button type="primary" htmlType="submit" data-testid="setup-create" loading={busy && !progress}>
                新建数据库
              </Button>
            </Form>
          </Card>
        </Col>
        <Col span={12}>
          <Card title="载入示例医院">
            <Typography.Paragraph type="secondary">
              虚构的示例医院（科室、人员、已批准项目），用于试用和培训；管理员用户名为 admin。
            </Typography.Paragraph>
            <Form layout="vertical" onFinish={demo} initialValues={{ staff_count: 2000 }} disabled={busy}>
              <Form.Item label="人员数量" name="staff_count" rules={[{ required: true }]}>
                <InputNumber min={10} max={50000} step={1000} style={{ width: "100%" }} data-testid="demo-count" />
              </Form.Item>
              <Form.Item label="管理员密码" name="password" rules={[{ required: true, min: 8, message: "密码至少 8 位" }]}>
                <Input.Password data-testid="demo-password" />
              </Form.Item>
              <Button htmlType="submit" data-testid="setup-demo" loading={busy && !!progress}>
                载入示例医院
              </Button>
            </Form>
            {progress && (
              <div style={{ marginTop: 16 }} data-testid="demo-progress">
                <Progress percent={progress.total ? Math.floor((100 * progress.done) / progress.total) : 0} />
                <Typography.Text type="secondary">{progress.stage}：{progress.done} / {progress.total}</Typography.Text>
                <Button
                  size="small"
                  style={{ marginLeft: 12 }}
                  data-testid="demo-cancel"
                  onClick={() => jobId.current && cancelJob(jobId.current)}
                >
                  取消
                </Button>
              </div>
            )}
          </Card>
        </Col>
      </Row>
      <Alert style={{ marginTop: 24 }} type="info" showIcon message="所有数据只保存在本机；同步功能将在后续版本提供。" />
    </div>
  );
}
