// Renders a page the way main.tsx mounts the app: antd zh-CN locale and the App context (toasts).
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import zhCN from "antd/es/locale/zh_CN";

export function renderPage(ui: ReactElement) {
  return render(
    <ConfigProvider locale={zhCN}>
      <AntApp>{ui}</AntApp>
    </ConfigProvider>,
  );
}
