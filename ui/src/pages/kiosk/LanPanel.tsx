// 局域网自助服务 on the 签到 page: start / stop the HTTPS service (phones scan the door screen's
// rotating QR code to check in; staff look up 我的学分) for the chosen project. While it runs the
// panel shows the door-screen address with a QR code (scan it with a tablet at the door), the
// 我的学分 address and the certificate fingerprint. The service keeps running when the officer
// leaves this page; coming back shows it again.
import { useEffect, useState } from "react";
import { App, Button, Card, Input, QRCode, Space, Typography } from "antd";
import { lanStart, lanStatus, lanStop, type LanInfo } from "../../api/lan";
import { errorText } from "../../api/errors";

export default function LanPanel({ projectId }: { projectId: string | null }) {
  const { message } = App.useApp();
  const [info, setInfo] = useState<LanInfo | null>(null);
  const [listen, setListen] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    lanStatus().then(setInfo, () => {});
  }, []);

  const start = async () => {
    if (!projectId) return;
    setBusy(true);
    setError(null);
    try {
      setInfo(await lanStart(projectId, listen));
      message.success("局域网自助服务已启动");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const stop = async () => {
    setBusy(true);
    try {
      await lanStop();
      setInfo(null);
      message.success("局域网自助服务已停止");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title="局域网自助服务（手机扫码签到、查询我的学分）" style={{ marginTop: 12 }} data-testid="lan-panel">
      {info ? (
        <Space align="start" size="large" data-testid="lan-running">
          <QRCode type="svg" value={info.kiosk_url} size={148} data-testid="lan-qr" />
          <Space direction="vertical" size={4}>
            <Typography.Text>
              项目：{info.project_code} {info.project_name}
            </Typography.Text>
            <Typography.Text>
              签到大屏（用门口的平板扫左侧二维码打开）：
              <Typography.Text copyable code data-testid="lan-kiosk-url">{info.kiosk_url}</Typography.Text>
            </Typography.Text>
            <Typography.Text>
              我的学分：<Typography.Text copyable code data-testid="lan-me-url">{info.me_url}</Typography.Text>
            </Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              证书指纹 SHA-256：<span data-testid="lan-fingerprint">{info.fingerprint}</span>
            </Typography.Text>
            <Button danger loading={busy} onClick={stop} data-testid="lan-stop">停止服务</Button>
          </Space>
        </Space>
      ) : (
        <Space wrap>
          <Input
            style={{ width: 260 }}
            placeholder="本机院内网地址:端口，如 192.168.1.20:8443"
            value={listen}
            onChange={(e) => setListen(e.target.value)}
            status={error ? "error" : undefined}
            data-testid="lan-listen"
          />
          <Button type="primary" loading={busy} disabled={!projectId || !listen.trim()} onClick={start} data-testid="lan-start">
            启动服务
          </Button>
          {!projectId && <Typography.Text type="secondary">请先选择项目</Typography.Text>}
          {error && <Typography.Text type="danger" data-testid="lan-error">{error}</Typography.Text>}
        </Space>
      )}
    </Card>
  );
}
