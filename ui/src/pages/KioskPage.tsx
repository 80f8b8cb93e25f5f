// 签到 (kiosk): choose a project and a reader — a serial reader (ports listed with USB VID/PID, or a
// path typed by hand) or a keyboard-wedge reader that types card numbers into a focused box. Every
// swipe is committed by the core before this screen confirms it (the command's reply / the
// `kiosk-swipe` event come after the commit); then a big coloured confirmation, a sound and the
// live count. Full screen for a second monitor at the door.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Alert, App, Button, Card, Col, Empty, Input, Row, Segmented, Select, Space, Statistic, Tag, Typography } from "antd";
import { listen } from "@tauri-apps/api/event";
import { listProjects, PROJECT_STATE, type Project } from "../api/projects";
import {
  kioskCounts,
  kioskKeyboardSwipe,
  kioskStart,
  kioskStop,
  listSerialPorts,
  portLabel,
  ASCII_FORMATS,
  READER_KINDS,
  type KioskSwipe,
  type PortInfo,
  type ReaderEventPayload,
  type ReaderKind,
  type SwipeCounts,
} from "../api/kiosk";
import { errorText } from "../api/errors";
import { options } from "../api/labels";
import { WedgeBuffer } from "../logic/wedge";
import { beep } from "../logic/beep";
import LanPanel from "./kiosk/LanPanel";

type Mode = "keyboard" | "serial";

const LOOK: Record<KioskSwipe["status"], { bg: string; border: string; color: string; hint: string }> = {
  accepted: { bg: "#f6ffed", border: "#52c41a", color: "#237804", hint: "签到成功" },
  duplicate: { bg: "#fff7e6", border: "#fa8c16", color: "#ad4e00", hint: "已签到过，本次已记录，无需再刷" },
  unknown_card: { bg: "#fff1f0", border: "#f5222d", color: "#a8071a", hint: "未登记的卡：请到科教科登记发卡（本次刷卡已保存）" },
};

const NO_COUNTS: SwipeCounts = { accepted: 0, duplicate: 0, unknown_card: 0 };

export default function KioskPage() {
  const { message } = App.useApp();
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>("keyboard");
  const [ports, setPorts] = useState<PortInfo[]>([]);
  const [port, setPort] = useState<string | null>(null);
  const [reader, setReader] = useState<ReaderKind>("sam");
  const [format, setFormat] = useState("dec10");
  const [running, setRunning] = useState(false);
  const [readerState, setReaderState] = useState<string | null>(null);
  const [last, setLast] = useState<KioskSwipe | null>(null);
  const [recent, setRecent] = useState<KioskSwipe[]>([]);
  const [counts, setCounts] = useState<SwipeCounts>(NO_COUNTS);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState("");
  const [committing, setCommitting] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const wedge = useRef(new WedgeBuffer());
  const input = useRef<HTMLInputElement | null>(null);
  const project = useMemo(() => projects.find((p) => p.id === projectId) ?? null, [projects, projectId]);

  useEffect(() => {
    listProjects().then(setProjects, (e) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    setLast(null);
    setRecent([]);
    if (projectId) kioskCounts(projectId).then(setCounts, (e) => setError(errorText(e)));
    else setCounts(NO_COUNTS);
  }, [projectId]);

  const shown = useCallback((s: KioskSwipe) => {
    setLast(s);
    setCounts(s.counts);
    setRecent((r) => [s, ...r].slice(0, 8));
    setError(null);
    beep(s.status);
  }, []);

  // Serial readers: the shell commits each swipe, then emits it.
  useEffect(() => {
    const offs = [
      listen<KioskSwipe>("kiosk-swipe", (e) => shown(e.payload)),
      listen<{ code: string; message: string }>("kiosk-error", (e) => {
        setError(e.payload.message);
        beep("error");
      }),
      listen<ReaderEventPayload>("kiosk-reader", (e) => {
        const p = e.payload;
        if (p.type === "status") {
          const s = p.status;
          setReaderState(s.state === "connected" ? `已连接 ${s.path}（${s.baud}）` : s.state === "disconnected" ? `已断开：${s.reason}，等待重新连接…` : `读卡器错误：${s.message ?? s.code ?? ""}`);
        } else {
          setError(`读卡失败：${p.rejection.error?.message ?? p.rejection.kind}，请重新刷卡`);
          beep("error");
        }
      }),
    ];
    return () => {
      offs.forEach((o) => o.then((f) => f()).catch(() => {}));
      kioskStop().catch(() => {});
    };
  }, [shown]);

  const refreshPorts = useCallback(() => {
    listSerialPorts().then((p) => {
      setPorts(p);
      if (!port && p.length) setPort(p[0].path);
    }, (e) => setError(errorText(e)));
  }, [port]);
  useEffect(() => {
    if (mode === "serial") refreshPorts();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode]);

  const submitCard = useCallback(
    async (card: string) => {
      if (!projectId) {
        setError("请先选择项目");
        beep("error");
        return;
      }
      setCommitting(true);
      try {
        shown(await kioskKeyboardSwipe(projectId, card));
      } catch (e) {
        setError(errorText(e));
        beep("error");
      } finally {
        setCommitting(false);
        setPending("");
      }
    },
    [projectId, shown],
  );

  // A fast burst without Enter completes after a short pause.
  useEffect(() => {
    if (mode !== "keyboard") return;
    const timer = window.setInterval(() => {
      const r = wedge.current.idle(performance.now());
      if (r) submitCard(r.card);
    }, 50);
    return () => window.clearInterval(timer);
  }, [mode, submitCard]);

  const onKey = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key.length !== 1 && e.key !== "Enter") return;
    e.preventDefault();
    const r = wedge.current.key(e.key, performance.now());
    setPending(wedge.current.pending);
    if (r) submitCard(r.card);
  };

  const start = async () => {
    if (!projectId || !port) return;
    // Before the call: the reader's first `kiosk-reader` event (connected) can arrive before the
    // command's reply, and must not be overwritten by this placeholder.
    setReaderState("正在连接…");
    try {
      await kioskStart(projectId, port, reader, reader === "ascii" ? format : null);
      setRunning(true);
    } catch (e) {
      setReaderState(null);
      message.error(errorText(e));
    }
  };
  const stop = async () => {
    await kioskStop().catch(() => false);
    setRunning(false);
    setReaderState(null);
  };

  const toggleFullscreen = async () => {
    try {
      const { getCurrentWindow } = await import("@tauri-apps/api/window");
      await getCurrentWindow().setFullscreen(!fullscreen);
      setFullscreen(!fullscreen);
    } catch (e) {
      message.error(errorText(e));
    }
  };

  const look = last ? LOOK[last.status] : null;
  return (
    <div data-testid="kiosk-page">
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          showSearch
          optionFilterProp="label"
          placeholder="选择签到的项目"
          style={{ width: 420 }}
          value={projectId}
          onChange={setProjectId}
          options={projects.map((p) => ({ value: p.id, label: `${p.code} ${p.name}（${PROJECT_STATE[p.state] ?? p.state}）`, title: `${p.code} ${p.name}` }))}
          data-testid="kiosk-project"
        />
        <Segmented<Mode>
          value={mode}
          onChange={(m) => {
            if (running) stop();
            setMode(m);
          }}
          options={[
            { value: "keyboard", label: "键盘式读卡器" },
            { value: "serial", label: "串口读卡器" },
          ]}
          data-testid="kiosk-mode"
        />
        <Button onClick={toggleFullscreen} data-testid="kiosk-fullscreen">{fullscreen ? "退出全屏" : "全屏"}</Button>
      </Space>

      {mode === "serial" && (
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            style={{ width: 380 }}
            placeholder="串口（未列出时可手动输入路径）"
            value={port}
            onChange={setPort}
            options={ports.map((p) => ({ value: p.path, label: portLabel(p) }))}
            notFoundContent="未发现串口"
            disabled={running}
            data-testid="kiosk-port"
          />
          <Input placeholder="手动输入，如 /dev/ttyUSB0 或 COM3" style={{ width: 230 }} disabled={running} onChange={(e) => setPort(e.target.value.trim() || null)} data-testid="kiosk-port-path" />
          <Button onClick={refreshPorts} disabled={running}>刷新</Button>
          <Select style={{ width: 230 }} value={reader} onChange={setReader} options={options(READER_KINDS)} disabled={running} data-testid="kiosk-reader-kind" />
          {reader === "ascii" && (
            <Select style={{ width: 250 }} value={format} onChange={setFormat} options={options(ASCII_FORMATS)} disabled={running} data-testid="kiosk-ascii-format" />
          )}
          {running ? (
            <Button danger onClick={stop} data-testid="kiosk-stop">停止</Button>
          ) : (
            <Button type="primary" onClick={start} disabled={!projectId || !port} data-testid="kiosk-start">开始签到</Button>
          )}
          {readerState && <Tag color={readerState.startsWith("已连接") ? "green" : "orange"} data-testid="kiosk-reader-state">{readerState}</Tag>}
        </Space>
      )}

      {mode === "keyboard" && (
        <div style={{ marginBottom: 12 }}>
          <Input
            ref={(el) => {
              input.current = el?.input ?? null;
            }}
            autoFocus
            size="large"
            style={{ width: 420 }}
            placeholder={projectId ? "请刷卡（键盘式读卡器会自动输入卡号）" : "请先选择项目"}
            value={pending}
            onKeyDown={onKey}
            onChange={() => {}}
            // The box must keep the focus while the kiosk runs, or a reader's keys go elsewhere.
            onBlur={() => window.setTimeout(() => input.current?.focus({ preventScroll: true }), 300)}
            disabled={!projectId}
            data-testid="kiosk-wedge"
          />
          {committing && <Typography.Text type="secondary" style={{ marginLeft: 12 }}>正在登记…</Typography.Text>}
        </div>
      )}

      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} data-testid="kiosk-error" />}

      <Row gutter={16}>
        <Col span={16}>
          <div
            data-testid="kiosk-confirmation"
            data-status={last?.status ?? ""}
            style={{
              minHeight: 300,
              borderRadius: 12,
              border: `4px solid ${look?.border ?? "#d9d9d9"}`,
              background: look?.bg ?? "#fafafa",
              display: "flex",
              flexDirection: "column",
              alignItems: "center",
              justifyContent: "center",
              padding: 24,
              textAlign: "center",
            }}
          >
            {last ? (
              <>
                <div style={{ fontSize: 28, fontWeight: 600, color: look!.color }} data-testid="kiosk-status">{last.status_label}</div>
                <div style={{ fontSize: 64, fontWeight: 700, lineHeight: 1.3 }} data-testid="kiosk-name">{last.name ?? last.card_key}</div>
                {last.department && <div style={{ fontSize: 28 }} data-testid="kiosk-department">{last.department}</div>}
                <div style={{ fontSize: 20, marginTop: 8, color: look!.color }}>{look!.hint}</div>
                <div style={{ fontSize: 18, color: "#8c8c8c", marginTop: 8 }}>{last.swiped_at}</div>
              </>
            ) : (
              <Empty description={project ? `${project.name}：请刷卡签到` : "选择项目后开始签到"} />
            )}
          </div>
        </Col>
        <Col span={8}>
          <Card size="small" title="本项目签到统计" style={{ marginBottom: 12 }}>
            <Row>
              <Col span={8}><Statistic title="签到成功" value={counts.accepted} valueStyle={{ color: "#237804" }} data-testid="kiosk-count-accepted" /></Col>
              <Col span={8}><Statistic title="重复刷卡" value={counts.duplicate} valueStyle={{ color: "#ad4e00" }} data-testid="kiosk-count-duplicate" /></Col>
              <Col span={8}><Statistic title="未知卡" value={counts.unknown_card} valueStyle={{ color: "#a8071a" }} data-testid="kiosk-count-unknown" /></Col>
            </Row>
          </Card>
          <Card size="small" title="最近刷卡">
            {recent.length === 0 ? (
              <Typography.Text type="secondary">暂无</Typography.Text>
            ) : (
              recent.map((s) => (
                <div key={s.swipe_id} style={{ display: "flex", justifyContent: "space-between", padding: "2px 0" }}>
                  <span>{s.name ?? s.card_key}</span>
                  <Tag color={LOOK[s.status].border}>{s.status_label}</Tag>
                  <span style={{ color: "#8c8c8c" }}>{s.swiped_at.slice(11)}</span>
                </div>
              ))
            )}
          </Card>
        </Col>
      </Row>
      <LanPanel projectId={projectId} />
    </div>
  );
}
