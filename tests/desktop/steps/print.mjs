// 打印 in the real app: one department's 学分登记手册 into a folder (every file whole, a person's
// name read back from the PDF with pdftotext), the preview of a first page drawn by pdf.js, a
// whole-hospital batch cancelled midway (no *.part
// file left, fewer booklets than people), a 学分证明 for one person and its 验证码 and file verified
// as genuine on the 验证 tab.
export const NAME = "print";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { cmedesk } from "../harness.mjs";
import { click, fill, pick, tid, waitText } from "../ui.mjs";
import { sleep } from "../webdriver.mjs";

/** `cmedesk --json …` on the demo database (encrypted: the CLI opens it with its key file; the
 * app has it open, WAL lets a second connection read). */
const cli = (db, password, args) => cmedesk(["--db", db, ...args], { CMEDESK_PASSWORD: password, CMEDESK_OPERATOR: "admin" });

const present = (p) => !["cancelled", "transferred_out"].includes(p.status);

function pdfText(file) {
  const r = spawnSync("pdftotext", [file, "-"], { encoding: "utf8" });
  assert.equal(r.status, 0, `pdftotext ${file}: ${r.stderr}`);
  return r.stdout;
}

const pdfs = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".pdf")) : []);
const parts = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".part")) : []);

export async function run({ s, step, shots, metrics, tmp, demoDb, PASSWORD }) {
  // The smallest leaf department that has active staff keeps the batch short in a debug build.
  const { staff } = cli(demoDb, PASSWORD, ["staff", "list"]);
  const { departments } = cli(demoDb, PASSWORD, ["dept", "list"]);
  const leaves = [];
  const walk = (d) => (d.children.length ? d.children.forEach(walk) : leaves.push(d));
  departments.forEach(walk);
  const counted = leaves
    .map((d) => [d.name, staff.filter((p) => p.department_id === d.id && present(p)).length])
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const [deptName, deptCount] = counted[0];
  const outDir = path.join(tmp, "打印", deptName);

  await step(`打印 prints one department's booklets (${deptName}, ${deptCount} people); pdftotext reads a name back`, async () => {
    await click(s, tid("menu-print"));
    await s.find(tid("print-page"));
    await shots.take(s, "print-page");
    await pick(s, "print-department", deptName);
    await fill(s, "print-out-dir", outDir);
    const t0 = performance.now();
    await click(s, tid("print-start"));
    await s.waitFor(async () => (await s.pageText()).includes("打印完成"), "the batch to finish", 300000);
    const ms = Math.round(performance.now() - t0);
    await shots.take(s, "print-booklets-done");
    const report = await (await s.find(tid("print-report"))).text();
    const files = pdfs(outDir);
    assert.equal(files.length, Number(deptCount), `${files.length} PDFs for ${deptCount} people: ${report}`);
    assert.deepEqual(parts(outDir), []);
    assert.match(report, new RegExp(`已打印 ${deptCount} / ${deptCount} 份`));
    // 科室_姓名_年度.pdf: the name in the file name is printed inside it.
    const file = files[0];
    const name = file.split("_")[1];
    const text = pdfText(path.join(outDir, file));
    assert.ok(text.includes(name), `${name} not in ${file}: ${text.slice(0, 300)}`);
    assert.ok(text.includes("继续医学教育学分登记手册"), "title missing");
    metrics.print_department = { department: deptName, booklets: files.length, ms, ms_each: Math.round(ms / files.length) };
    console.log(`     ${files.length} booklets of ${deptName} in ${ms} ms (debug build)`);
  });

  await step("预览首页 draws the first booklet's first page (pdf.js on a canvas) without printing", async () => {
    const before = pdfs(outDir).length;
    const t0 = performance.now();
    await click(s, tid("print-preview"));
    const pages = await s.waitFor(
      () => s.execute(`const d = document.querySelector('[data-testid="pdf-first-page"]'); return d && d.getAttribute('data-pages');`),
      "the preview to be drawn",
      60000,
    );
    const ms = Math.round(performance.now() - t0);
    assert.ok(Number(pages) >= 1, `pages ${pages}`);
    // Ink on paper: a drawn page is mostly white with dark text and ruling, not blank.
    const ink = await s.execute(`const c = document.querySelector('[data-testid="pdf-first-page"] canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 384) dark++;
      return { w: c.width, h: c.height, dark, share: dark / (c.width * c.height) };`);
    assert.ok(ink.w > 300 && ink.h > ink.w, `an A4 portrait page: ${JSON.stringify(ink)}`);
    assert.ok(ink.share > 0.005 && ink.share < 0.5, `text and lines on white: ${JSON.stringify(ink)}`);
    await shots.take(s, "print-preview");
    assert.equal(pdfs(outDir).length, before, "a preview writes no file");
    await click(s, ".ant-modal-close");
    metrics.print_preview = { ms, pages: Number(pages), ink_share: Number(ink.share.toFixed(4)) };
    console.log(`     preview of the first page in ${ms} ms (${pages} pages, ${(ink.share * 100).toFixed(1)}% ink)`);
  });

  await step("打印 全院 can be cancelled midway: whole files only, no *.part left", async () => {
    const allDir = path.join(tmp, "打印", "全院");
    await click(s, tid("print-scope-all"));
    await fill(s, "print-out-dir", allDir);
    await click(s, tid("print-start"));
    await s.waitFor(async () => pdfs(allDir).length >= 2, "the first booklets of the hospital", 120000);
    await shots.take(s, "print-progress");
    await click(s, tid("print-cancel"));
    await s.waitFor(async () => (await s.pageText()).includes("已取消打印"), "the cancelled report", 120000);
    await sleep(300);
    const report = await (await s.find(tid("print-report"))).text();
    const [, done, total] = report.match(/已打印 (\d+) \/ (\d+)/);
    assert.ok(Number(done) < Number(total), report);
    assert.equal(pdfs(allDir).length, Number(done), report);
    assert.deepEqual(parts(allDir), []);
    await shots.take(s, "print-cancelled");
    metrics.print_cancel = { done: Number(done), total: Number(total) };
  });

  await step("学分证明 for one person; its 验证码 and its file verify as genuine", async () => {
    const names = staff.map((p) => p.name);
    const person = staff
      .filter((p) => p.status === "active" && names.indexOf(p.name) === names.lastIndexOf(p.name))
      .map((p) => p.name)
      .sort()[0];
    await click(s, tid("tab-statement"));
    await fill(s, "statement-staff", person);
    // The option is the person (their department beside the name); click it from script as the
    // dropdown slides in.
    await s.waitFor(
      () =>
        s.execute(
          `const o = [...document.querySelectorAll('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')]
             .find((e) => e.getAttribute('title') === arguments[0]);
           if (!o) return false; o.click(); return true;`,
          [person],
        ),
      `${person} in the picker`,
    );
    const outFile = await s.waitFor(
      () => s.execute(`const v = document.querySelector('[data-testid="statement-out-file"]').value; return v || null;`),
      "the statement file name",
    );
    assert.ok(outFile.includes(person), outFile);
    await click(s, tid("statement-issue"));
    const code = (await (await s.find(tid("statement-short-code"), 60000)).text()).trim();
    assert.ok(code.length >= 6, `short code "${code}"`);
    assert.ok(existsSync(outFile), `${outFile} missing`);
    assert.ok(pdfText(outFile).includes(person), `${person} not in the statement`);
    await shots.take(s, "print-statement");

    await click(s, tid("tab-verify"));
    for (const input of [code, outFile]) {
      await fill(s, "verify-input", input);
      await click(s, tid("verify-check"));
      await s.waitFor(
        () => s.execute(`const r = document.querySelector('[data-testid="verify-result"]'); return r && r.getAttribute('data-input') === arguments[0];`, [input]),
        `a verdict for ${input}`,
      );
      const verdict = await s.execute(`return document.querySelector('[data-testid="verify-result"]').getAttribute('data-verdict');`);
      assert.equal(verdict, "genuine", `${input}: ${await s.pageText()}`);
      await waitText(s, person);
      await shots.take(s, input === code ? "print-verify-code" : "print-verify-file");
    }
    // A made-up code is not genuine.
    await fill(s, "verify-input", "CME1:AAAABBBBCCCC");
    await click(s, tid("verify-check"));
    await s.waitFor(
      () => s.execute(`const r = document.querySelector('[data-testid="verify-result"]'); return r && r.getAttribute('data-verdict') === 'forged';`),
      "a forged verdict",
    );
    await shots.take(s, "print-verify-forged");
    metrics.print_statement = { person, short_code: code };
  });
}
