// The app frame: first start (setup) → login → menu + pages + status bar.
import { useCallback, useEffect, useState } from "react";
import { Button, Layout, Menu, Result, Spin, Typography } from "antd";
import { appInfo, type AppInfo } from "./api/setup";
import { logout, pagesFor, ROLE_LABELS, type PageKey, type SessionOperator } from "./api/session";
import { errorText } from "./api/errors";
import SetupPage from "./pages/SetupPage";
import LoginPage from "./pages/LoginPage";
import StaffPage from "./pages/StaffPage";
import DepartmentsPage from "./pages/DepartmentsPage";
import ProjectsPage from "./pages/ProjectsPage";
import AuditLogPage from "./pages/AuditLogPage";
import KioskPage from "./pages/KioskPage";
import StatusBar from "./components/StatusBar";

const PAGE_LABELS: Record<PageKey, string> = {
  staff: "人员管理",
  departments: "科室管理",
  projects: "项目管理",
  kiosk: "签到",
  audit_log: "操作日志",
};

export default function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [operator, setOperator] = useState<SessionOperator | null>(null);
  const [page, setPage] = useState<PageKey>("staff");
  // Bumped after every change so the status bar re-reads the pending outbox count.
  const [changes, setChanges] = useState(0);
  const changed = useCallback(() => setChanges((n) => n + 1), []);

  const refreshInfo = useCallback(() => {
    appInfo().then(setInfo, (e) => setLoadError(errorText(e)));
  }, []);
  useEffect(refreshInfo, [refreshInfo]);

  if (loadError) return <Result status="error" title="无法启动" subTitle={loadError} />;
  if (!info) return <Spin fullscreen tip="正在打开…" />;
  if (!info.db_exists) return <SetupPage dbPath={info.db_path} onDone={refreshInfo} />;
  if (!operator) return <LoginPage dbPath={info.db_path} onLogin={(op) => { setOperator(op); setPage(pagesFor(op.role)[0]); }} />;

  const pages = pagesFor(operator.role);
  const current = pages.includes(page) ? page : pages[0];
  return (
    <Layout style={{ height: "100vh" }}>
      <Layout.Sider theme="light" width={176} style={{ borderRight: "1px solid #f0f0f0" }}>
        <Typography.Title level={5} style={{ padding: "16px 16px 8px", margin: 0 }} data-testid="app-title">
          继教学分管理台
        </Typography.Title>
        <Menu
          mode="inline"
          data-testid="main-menu"
          selectedKeys={[current]}
          onClick={(e) => setPage(e.key as PageKey)}
          items={pages.map((p) => ({ key: p, label: <span data-testid={`menu-${p}`}>{PAGE_LABELS[p]}</span> }))}
        />
        <div style={{ padding: 16 }}>
          <Button
            block
            data-testid="logout"
            onClick={() => logout().finally(() => setOperator(null))}
          >
            退出登录（{ROLE_LABELS[operator.role]}）
          </Button>
        </div>
      </Layout.Sider>
      <Layout>
        <Layout.Content style={{ padding: 16, overflow: "auto" }}>
          {current === "staff" && <StaffPage operator={operator} onChanged={changed} />}
          {current === "departments" && <DepartmentsPage onChanged={changed} />}
          {current === "projects" && <ProjectsPage onChanged={changed} />}
          {current === "kiosk" && <KioskPage />}
          {current === "audit_log" && <AuditLogPage changes={changes} />}
        </Layout.Content>
        <StatusBar changes={changes} />
      </Layout>
    </Layout>
  );
}
