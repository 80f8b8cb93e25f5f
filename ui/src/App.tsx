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
import AttendancePage from "./pages/AttendancePage";
import GrantPage from "./pages/GrantPage";
import ManualCreditPage from "./pages/ManualCreditPage";
import CreditReviewPage from "./pages/CreditReviewPage";
import CompliancePage from "./pages/CompliancePage";
import PersonCreditsPage from "./pages/PersonCreditsPage";
import SyncPage from "./pages/SyncPage";
import PrintPage from "./pages/PrintPage";
import ImportPage from "./pages/ImportPage";
import ExportPage from "./pages/ExportPage";
import BackupPage from "./pages/BackupPage";
import StatusBar from "./components/StatusBar";

const PAGE_LABELS: Record<PageKey, string> = {
  staff: "人员管理",
  departments: "科室管理",
  projects: "项目管理",
  kiosk: "签到",
  print: "打印",
  audit_log: "操作日志",
  attendance: "考勤分析",
  grant: "授分",
  manual_credit: "学分录入",
  credit_review: "学分审核",
  compliance: "达标统计",
  person_credits: "个人学分",
  sync: "同步",
  import: "导入",
  export: "导出",
  backup: "备份",
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
          {current === "print" && <PrintPage />}
          {current === "audit_log" && <AuditLogPage changes={changes} />}
          {current === "attendance" && <AttendancePage role={operator.role} />}
          {current === "grant" && <GrantPage onChanged={changed} />}
          {current === "manual_credit" && <ManualCreditPage onChanged={changed} />}
          {current === "credit_review" && <CreditReviewPage onChanged={changed} changes={changes} role={operator.role} />}
          {current === "compliance" && <CompliancePage changes={changes} role={operator.role} />}
          {current === "person_credits" && <PersonCreditsPage changes={changes} role={operator.role} />}
          {current === "sync" && <SyncPage onChanged={changed} canConfigure={operator.role === "admin"} />}
          {current === "import" && <ImportPage onChanged={changed} />}
          {current === "export" && <ExportPage />}
          {current === "backup" && <BackupPage onRestored={() => { setOperator(null); changed(); }} />}
        </Layout.Content>
        <StatusBar changes={changes} />
      </Layout>
    </Layout>
  );
}
