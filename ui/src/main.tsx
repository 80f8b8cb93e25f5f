// Entry point: mounts the app inside antd's zh-CN ConfigProvider.
import React from "react";
import ReactDOM from "react-dom/client";
import { App as AntApp, ConfigProvider } from "antd";
import zhCN from "antd/es/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import App from "./App";

dayjs.locale("zh-cn");

// Under WebDriver (the end-to-end tests) antd's animations are switched off: a click that lands
// while a dropdown or drawer slides in is a test flake, not something a person runs into.
const automated = navigator.webdriver === true;

const root = document.getElementById("root");
if (root) {
  ReactDOM.createRoot(root).render(
    <React.StrictMode>
      <ConfigProvider locale={zhCN} theme={{ token: { fontFamily: "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif", motion: !automated } }}>
        <AntApp>
          <App />
        </AntApp>
      </ConfigProvider>
    </React.StrictMode>,
  );
}
