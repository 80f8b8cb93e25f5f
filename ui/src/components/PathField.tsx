// A path typed or chosen in the system's own file dialog (浏览…). Officers pick files, they do not
// type `/home/…`; the text box stays for pasting a path and for the WebDriver tests, which cannot
// drive a native dialog. Works as an antd Form control (value / onChange).
import { Button, Input, Space } from "antd";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";

/** What the 浏览… button asks for. */
export type PathKind =
  | { kind: "open-file"; filters: PathFilter[] }
  | { kind: "save-file"; filters: PathFilter[] }
  | { kind: "folder" };

export interface PathFilter {
  name: string;
  extensions: string[];
}

export const SPREADSHEETS: PathFilter[] = [{ name: "表格文件（.xlsx / .xls）", extensions: ["xlsx", "xls"] }];
export const XLSX: PathFilter[] = [{ name: "Excel 工作簿（.xlsx）", extensions: ["xlsx"] }];
export const PDF: PathFilter[] = [{ name: "PDF 文件", extensions: ["pdf"] }];

const TITLES: Record<PathKind["kind"], string> = {
  "open-file": "选择文件",
  "save-file": "保存为",
  folder: "选择文件夹",
};

interface Props {
  value?: string;
  onChange?: (path: string) => void;
  /** Called after the dialog returned a path (not on typing), e.g. to load a preview at once. */
  onPicked?: (path: string) => void;
  onPressEnter?: () => void;
  what: PathKind;
  placeholder?: string;
  testId?: string;
  width?: number | string;
}

/** Asks the system dialog for a path; `null` when the officer cancelled it. */
export async function askPath(what: PathKind, current: string | undefined): Promise<string | null> {
  const defaultPath = current?.trim() || undefined;
  const title = TITLES[what.kind];
  switch (what.kind) {
    case "open-file":
      return openDialog({ title, filters: what.filters, defaultPath, multiple: false, directory: false });
    case "folder":
      return openDialog({ title, defaultPath, multiple: false, directory: true });
    case "save-file":
      return saveDialog({ title, filters: what.filters, defaultPath });
  }
}

export function PathField({ value, onChange, onPicked, onPressEnter, what, placeholder, testId, width = "100%" }: Props) {
  const browse = async () => {
    const picked = await askPath(what, value);
    if (picked) {
      onChange?.(picked);
      onPicked?.(picked);
    }
  };
  return (
    <Space.Compact style={{ width }}>
      <Input
        data-testid={testId}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange?.(e.target.value)}
        onPressEnter={onPressEnter}
      />
      <Button onClick={() => void browse()} data-testid={testId ? `${testId}-browse` : undefined}>
        浏览…
      </Button>
    </Space.Compact>
  );
}
