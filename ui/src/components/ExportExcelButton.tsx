// 导出 Excel on a page that shows data: asks where to save (the system dialog), then writes the
// template through the export command with the page's current filter. ID numbers are masked
// unless the operator may see full ones and picks 含完整身份证号 (the core checks and logs it).
import { useState } from "react";
import { App, Button, Dropdown, Space } from "antd";
import { askPath, XLSX } from "./PathField";
import { exportSheet } from "../api/sheets";
import { errorText } from "../api/errors";
import { exportArgs, exportFileName, type ExportFilter } from "../logic/exportButton";

interface Props {
  /** Template name (staff-roster, credit-list, compliance-report, annual-review, attendance-detail). */
  template: string;
  /** The file's default name: `title-<filter parts>.xlsx`. */
  title: string;
  filter: ExportFilter;
  /** Shown filter values for the file name (a department's name rather than its id). */
  nameParts?: (string | number | null | undefined)[];
  fullIdAllowed?: boolean;
  testId: string;
}

export function ExportExcelButton({ template, title, filter, nameParts = [], fullIdAllowed = false, testId }: Props) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);

  const run = async (fullId: boolean) => {
    const path = await askPath({ kind: "save-file", filters: XLSX }, exportFileName(title, nameParts));
    if (!path) return;
    setBusy(true);
    // A large roster or year takes seconds: say so until the file is written (the result
    // message replaces this one: same key).
    void message.loading({ content: `正在导出${title}…`, duration: 0, key: testId });
    try {
      const r = await exportSheet(exportArgs(template, path, filter, fullId));
      message.success({ content: `已导出 ${r.rows} 行到 ${r.path}`, key: testId });
    } catch (e) {
      message.error({ content: errorText(e), key: testId });
    } finally {
      setBusy(false);
    }
  };

  if (!fullIdAllowed) {
    return (
      <Button data-testid={testId} loading={busy} onClick={() => void run(false)}>
        导出 Excel
      </Button>
    );
  }
  return (
    <Space.Compact>
      <Button data-testid={testId} loading={busy} onClick={() => void run(false)}>
        导出 Excel
      </Button>
      <Dropdown
        disabled={busy}
        trigger={["click"]}
        menu={{
          items: [{ key: "full", label: <span data-testid={`${testId}-full`}>导出（含完整身份证号，记入操作日志）</span> }],
          onClick: () => void run(true),
        }}
      >
        <Button data-testid={`${testId}-more`}>▾</Button>
      </Dropdown>
    </Space.Compact>
  );
}
