import { describe, expect, it } from "vitest";
import { useState } from "react";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { PathField, SPREADSHEETS, type PathKind } from "./PathField";

function Harness({ what, initial = "" }: { what: PathKind; initial?: string }) {
  const [path, setPath] = useState(initial);
  const [picked, setPicked] = useState<string[]>([]);
  return (
    <>
      <PathField testId="p" what={what} value={path} onChange={setPath} onPicked={(p) => setPicked((l) => [...l, p])} />
      <div data-testid="picked">{picked.join("|")}</div>
    </>
  );
}

describe("PathField", () => {
  it("opens the system dialog with the spreadsheet filter and takes the chosen file", async () => {
    const calls = mockCommands({ "plugin:dialog|open": () => "/home/科教科/人员名单.xlsx" });
    renderPage(<Harness what={{ kind: "open-file", filters: SPREADSHEETS }} />);
    fireEvent.click(screen.getByTestId("p-browse"));
    await waitFor(() => expect((screen.getByTestId("p") as HTMLInputElement).value).toBe("/home/科教科/人员名单.xlsx"));
    expect(screen.getByTestId("picked").textContent).toBe("/home/科教科/人员名单.xlsx");
    const options = calls[0].args.options as Record<string, unknown>;
    expect(options).toMatchObject({ title: "选择文件", directory: false, multiple: false });
    expect(options.filters).toEqual([{ name: "表格文件（.xlsx / .xls）", extensions: ["xlsx", "xls"] }]);
  });

  it("asks for a folder starting at the typed path, and keeps the path when the dialog is cancelled", async () => {
    const calls = mockCommands({ "plugin:dialog|open": () => null });
    renderPage(<Harness what={{ kind: "folder" }} initial="/home/科教科/手册" />);
    fireEvent.click(screen.getByTestId("p-browse"));
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].args.options).toMatchObject({ title: "选择文件夹", directory: true, defaultPath: "/home/科教科/手册" });
    expect((screen.getByTestId("p") as HTMLInputElement).value).toBe("/home/科教科/手册");
    expect(screen.getByTestId("picked").textContent).toBe("");
  });

  it("saves through the save dialog; typing still works without it", async () => {
    const calls = mockCommands({ "plugin:dialog|save": () => "/tmp/导出.xlsx" });
    renderPage(<Harness what={{ kind: "save-file", filters: [{ name: "Excel", extensions: ["xlsx"] }] }} />);
    fireEvent.change(screen.getByTestId("p"), { target: { value: "/tmp/手输.xlsx" } });
    expect((screen.getByTestId("p") as HTMLInputElement).value).toBe("/tmp/手输.xlsx");
    fireEvent.click(screen.getByTestId("p-browse"));
    await waitFor(() => expect((screen.getByTestId("p") as HTMLInputElement).value).toBe("/tmp/导出.xlsx"));
    expect(calls[0]).toMatchObject({ cmd: "plugin:dialog|save", args: { options: { title: "保存为", defaultPath: "/tmp/手输.xlsx" } } });
  });
});
