// 备份 in the real app: 立即备份 (progress, then the new backup listed as 手动 and 完好), 校验 it,
// add a person in 人员管理, then restore the backup after its preview (人员 one row fewer, the
// newest 操作日志 entries now and in the backup): the app signs out, and after logging in again
// the person is gone and 操作日志 shows the restore. The backup file is checked with the CLI too.
export const NAME = "backup";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cmedesk } from "../harness.mjs";
import { syntheticId } from "../idgen.mjs";
import { click, fill, pick, tid, toast, waitText } from "../ui.mjs";

const text = async (s, id) => (await s.find(tid(id))).text();

export async function run({ s, step, shots, metrics, demoDb, PASSWORD }) {
  // `cmedesk --json …` on the demo database, which the app has open (WAL: a second connection is fine).
  const cli = (...args) => cmedesk(["--db", demoDb, ...args], { CMEDESK_PASSWORD: PASSWORD, CMEDESK_OPERATOR: "admin" });
  let file;
  await step("备份: 立即备份 writes a verified backup, listed as 手动 and 完好", async () => {
    await click(s, tid("menu-backup"));
    await s.find(tid("backup-page"));
    await shots.take(s, "backup-page");
    const t0 = performance.now();
    await click(s, tid("backup-now"));
    const result = await s.waitFor(
      () => s.execute(`const r = document.querySelector('[data-testid="backup-result"]'); return r ? r.textContent : null;`),
      "the backup to finish",
      300000,
    );
    const ms = Math.round(performance.now() - t0);
    assert.match(result, /备份完成并已校验/);
    await s.waitFor(async () => /完好/.test(await text(s, "backup-check")), "the new backup listed as 完好");
    await waitText(s, "手动");
    file = await s.execute(
      `return document.querySelector('[data-testid="backup-list"] .ant-table-row').getAttribute('data-row-key');`,
    );
    assert.ok(file && existsSync(file), `backup file ${file}`);
    await shots.take(s, "backup-done");
    metrics.backup_now = { ms, result };
    console.log(`     立即备份 in ${ms} ms: ${result}`);
  });

  await step("校验 re-checks the backup; the CLI agrees it is whole", async () => {
    await click(s, tid("backup-verify-0"));
    await toast(s, /完好：完整性检查通过/);
    const check = cli("backup", "verify", file);
    assert.equal(check.ok, true, JSON.stringify(check));
  });

  const idNumber = syntheticId("female");
  const name = "备份后新增";
  await step("a person added after the backup", async () => {
    await click(s, tid("menu-staff"));
    await click(s, tid("staff-add"));
    await s.find(tid("staff-form"));
    await fill(s, "staff-name", name);
    await pick(s, "staff-gender", "女");
    await fill(s, "staff-id-number", idNumber);
    const dept = await s.execute(`return document.querySelector('[data-testid="staff-cell-dept"]').textContent.split(' / ').pop();`);
    await pick(s, "staff-department", dept);
    await fill(s, "staff-title", "护师");
    await click(s, tid("staff-form-save"));
    await toast(s, /已新增人员/);
    await fill(s, "staff-search", name);
    await s.waitFor(async () => (await s.pageText()).includes(name) && !(await s.pageText()).includes("暂无数据"), `${name} in the roster`);
    assert.equal(cli("staff", "find", name).staff.length, 1);
  });

  await step("恢复 shows what changes (人员 one fewer, the newest 操作日志 entries), then restores and signs out", async () => {
    await click(s, tid("menu-backup"));
    await s.find(tid("backup-page"));
    await click(s, tid("backup-restore-0"));
    await s.find(tid("restore-preview"), 60000);
    const changes = await s.execute(
      `return [...document.querySelectorAll('[data-testid="restore-changes"] .ant-table-row')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));`,
    );
    const staffRow = changes.find((r) => r[0] === "人员");
    assert.ok(staffRow, JSON.stringify(changes));
    assert.equal(Number(staffRow[1]) - Number(staffRow[2]), 1, JSON.stringify(staffRow));
    assert.equal(staffRow[3], "-1");
    assert.match(await text(s, "restore-latest-now"), /人员 · 新增/);
    await shots.take(s, "backup-restore-preview");
    await click(s, tid("restore-confirm"));
    await toast(s, /已恢复到/);
    await s.find(tid("login-page"), 60000);
    await shots.take(s, "backup-restored-login");
  });

  await step("after logging in again the person is gone and 操作日志 shows the restore", async () => {
    await fill(s, "login-username", "admin");
    await fill(s, "login-password", PASSWORD);
    await click(s, tid("login-submit"));
    await s.find(tid("staff-page"), 60000);
    await fill(s, "staff-search", name);
    await waitText(s, "暂无数据");
    assert.ok(!(await s.pageText()).includes(idNumber.slice(-4)), "the person added after the backup is gone");
    await shots.take(s, "backup-staff-gone");
    await click(s, tid("menu-audit_log"));
    await s.find(tid("audit-page"));
    await waitText(s, "恢复备份");
    await shots.take(s, "backup-audit-restore");
    const listed = cli("staff", "find", name);
    assert.equal(listed.staff.length, 0, JSON.stringify(listed.staff));
  });
}
