// 导入 wizard on the real app: a roster written by openpyxl (merged title row, notes rows, a
// spaced header, a header the template does not know: 原单位) is detected as 人员信息; the missing
// 科室 column is mapped by hand; the dry run names the bad ID by row and column; after the file
// is fixed the import commits every row (all or nothing), the people show on the roster, and the
// roster exports again from 导出.
export const NAME = "import";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { click, fill, pick, tid, waitText } from "../ui.mjs";
import { sleep } from "../webdriver.mjs";
import { breakCheck, syntheticId } from "../idgen.mjs";

/** X windows whose title matches `title` (the native dialogs are GTK windows of the app). */
function windowsTitled(title) {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", title], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // xdotool exits 1 when no window matches
  }
}

/** A department path as the roster shows it (科室 column), for the file's rows. */
async function rosterDepartment(s) {
  await click(s, tid("menu-staff"));
  const dept = await s.find(tid("staff-cell-dept"), 30000);
  const department = (await dept.attribute("title"))
    .split("/")
    .map((p) => p.trim())
    .filter(Boolean)
    .join("/");
  assert.ok(department, "a department path from the roster");
  return department;
}

/** Writes the roster with openpyxl (another program than our exporter), as officers' files look. */
function writeRoster(file, rows) {
  const script = `
import json, sys
from openpyxl import Workbook
rows = json.loads(sys.argv[2])
wb = Workbook(); ws = wb.active; ws.title = "人员名单"
ws.append(["2026年新进人员名单"]); ws.merge_cells("A1:F1")
ws.append(["填报单位：示例医院"])
ws.append(["姓  名", "性别", "身份证号码", "原单位", "职称", "联系电话"])
for r in rows: ws.append(r)
ws.append([])
ws.append(["制表人：张老师"])
wb.save(sys.argv[1])
`;
  execFileSync("python3", ["-c", script, file, JSON.stringify(rows)]);
}

export async function run({ s, step, shots, tmp }) {
  const file = path.join(tmp, "新进人员名单.xlsx");
  const ids = [syntheticId("male"), syntheticId("female"), syntheticId("male")];
  const names = ["导入甲", "导入乙", "导入丙"];
  let department = "";
  const rows = (third) => [
    [names[0], "男", ids[0], department, "主治医师", "13800000001"],
    [names[1], "女", ids[1], department, "住院医师", "13800000002"],
    [names[2], "男", third, department, "主任医师", "13800000003"],
  ];

  await step("导入: 浏览… opens the system's file dialog (GTK); Esc closes it, nothing changes", async () => {
    department = await rosterDepartment(s);
    await click(s, tid("menu-import"));
    await s.find(tid("import-page"));
    await click(s, tid("import-path-browse"));
    // WebDriver cannot reach a native dialog: find the GTK window by its title. There is no
    // window manager under Xvfb, so the test gives it the input focus, then presses Esc (as an
    // XTEST key and as an event sent to the window: GTK may take either) until it has closed.
    // Choosing a file is covered by the Vitest tests with the dialog's IPC mocked.
    const [dialog] = await s.waitFor(async () => {
      const w = windowsTitled("^选择文件$");
      return w.length > 0 ? w : null;
    }, "the 选择文件 dialog window");
    const x = (...args) => execFileSync("xdotool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    await s.waitFor(async () => {
      x("windowfocus", dialog);
      return x("getwindowfocus") === dialog;
    }, `input focus on the dialog (${dialog})`);
    await s.waitFor(async () => {
      if (windowsTitled("^选择文件$").length === 0) return true;
      x("key", "Escape");
      await sleep(300);
      if (windowsTitled("^选择文件$").length === 0) return true;
      x("key", "--window", dialog, "Escape");
      await sleep(700);
      return false;
    }, "the dialog to close on Esc");
    const value = await s.execute(`return document.querySelector('[data-testid="import-path"]').value;`);
    assert.equal(value, "", "a cancelled dialog leaves the path as it was");
    assert.ok(!(await s.pageText()).includes("找不到文件"), "no error after the dialog");
  });

  await step("导入: a roster from openpyxl is detected; the unknown header 原单位 is mapped to 科室", async () => {
    writeRoster(file, rows(breakCheck(ids[2])));

    await click(s, tid("menu-import"));
    await s.find(tid("import-page"));
    await fill(s, "import-path", file);
    await click(s, tid("import-preview"));
    await waitText(s, "自动识别：人员信息", 30000);
    await waitText(s, "缺少必填列：科室");
    await shots.take(s, "import-preview-unmapped");
    await pick(s, "import-map-原单位", "科室");
    await s.waitFor(async () => !(await s.pageText()).includes("缺少必填列"), "the header problem gone", 30000);
    await waitText(s, "已手动对照");
    await shots.take(s, "import-preview-mapped");
  });

  await step("导入: the dry run names the bad ID by Excel row and column; nothing can be imported yet", async () => {
    await click(s, tid("import-check"));
    await waitText(s, "第6行 身份证号码（C列）", 30000);
    const text = await s.pageText();
    assert.match(text, /有误 1 行/);
    assert.match(text, /校验/);
    const disabled = await s.execute(`return document.querySelector('[data-testid="import-commit"]').disabled;`);
    assert.equal(disabled, true, "导入 stays disabled while a row is wrong");
    await s.execute(`document.querySelector('[data-testid="import-check-result"]').scrollIntoView();`);
    await shots.take(s, "import-check-errors");
  });

  await step("导入: after fixing the file the check passes and the import commits every row", async () => {
    writeRoster(file, rows(ids[2]));
    await click(s, tid("import-preview"));
    await s.waitFor(async () => !(await s.pageText()).includes("检查结果"), "a fresh preview", 30000);
    // 检查 is disabled while the preview loads: wait for it, or the click falls on nothing.
    await s.waitFor(
      () => s.execute(`return !document.querySelector('[data-testid="import-check"]').disabled;`),
      "检查 enabled after the preview",
      30000,
    );
    await click(s, tid("import-check"));
    await waitText(s, "全部通过", 30000);
    await s.waitFor(
      () => s.execute(`return !document.querySelector('[data-testid="import-commit"]').disabled;`),
      "导入 enabled",
    );
    await click(s, tid("import-commit"));
    await waitText(s, "已导入 3 行", 60000);
    await s.execute(`document.querySelector('[data-testid="import-result"]').scrollIntoView();`);
    await shots.take(s, "import-done");
    await click(s, tid("menu-staff"));
    await s.find(tid("staff-search"), 30000);
    await fill(s, "staff-search", names[2]);
    await s.waitFor(
      async () =>
        (await s.execute(`return [...document.querySelectorAll('[data-testid="staff-cell-name"]')].map((e) => e.textContent);`)).includes(names[2]),
      "the imported person on the roster",
    );
    await fill(s, "staff-search", "");
  });

  await step("导出: the roster exports as .xlsx (ID numbers masked)", async () => {
    const out = path.join(tmp, "人员信息导出.xlsx");
    await click(s, tid("menu-export"));
    await s.find(tid("export-page"));
    await pick(s, "export-template", "人员信息");
    await fill(s, "export-path", out);
    await click(s, tid("export-submit"));
    await waitText(s, "已导出", 60000);
    assert.ok(existsSync(out), "the export file exists");
    const cells = execFileSync("python3", [
      "-c",
      "import sys\nfrom openpyxl import load_workbook\nws = load_workbook(sys.argv[1], read_only=True).active\nprint('\\n'.join('|'.join(str(c) for c in r) for r in ws.iter_rows(values_only=True)))",
      out,
    ]).toString();
    assert.ok(cells.includes(names[2]), "the imported person is exported");
    assert.ok(!cells.includes(ids[2]), "the full ID number is not in a masked export");
    await shots.take(s, "export-done");
  });
  // Section C of e2e.mjs counts the roster after a cold start: these people are on it now.
  return { staffAdded: names.length };
}
