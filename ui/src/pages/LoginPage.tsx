// 登录: local operator login against the desk database.
import { useEffect, useState } from "react";
import { Button, Card, Form, Input, Typography } from "antd";
import { login, type SessionOperator } from "../api/session";
import { errorText } from "../api/errors";
import { ApiError } from "../api/invoke";

/** The desk's data key is wrapped with the admin passphrase: the page asks for it. */
const NEEDS_PASSPHRASE = ["DB_PASSPHRASE_REQUIRED", "DB_PASSPHRASE_WRONG"];

export default function LoginPage({ dbPath, onLogin }: { dbPath: string; onLogin: (op: SessionOperator) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [askPassphrase, setAskPassphrase] = useState(false);
  // The end-to-end test reads this mark to measure cold start → interactive login.
  useEffect(() => {
    performance.mark("cmedesk:login-interactive");
  }, []);
  const submit = async (v: { username: string; password: string; dbPassphrase?: string }) => {
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(v.username, v.password, v.dbPassphrase));
    } catch (e) {
      if (e instanceof ApiError && NEEDS_PASSPHRASE.includes(e.code)) setAskPassphrase(true);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ display: "flex", justifyContent: "center", paddingTop: "12vh" }} data-testid="login-page">
      <Card style={{ width: 380 }} title="登录 · 继教学分管理台">
        <Form layout="vertical" onFinish={submit}>
          <Form.Item label="用户名" name="username" rules={[{ required: true, message: "请输入用户名" }]}>
            <Input data-testid="login-username" autoFocus />
          </Form.Item>
          <Form.Item
            label="密码"
            name="password"
            rules={[{ required: true, message: "请输入密码" }]}
            validateStatus={error ? "error" : undefined}
            help={error ? <span data-testid="login-error">{error}</span> : undefined}
          >
            <Input.Password data-testid="login-password" />
          </Form.Item>
          {askPassphrase && (
            <Form.Item label="数据库口令" name="dbPassphrase" rules={[{ required: true, message: "请输入数据库口令" }]}>
              <Input.Password data-testid="login-db-passphrase" />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            登录
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, fontSize: 12, wordBreak: "break-all" }}>
          数据库：{dbPath}
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
