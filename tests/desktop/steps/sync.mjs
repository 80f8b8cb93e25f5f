// 同步 against a REAL exchange server: the test starts `cmedesk-hub serve` (SQLite, loopback, a port
// of this run's range), enrols this desk and two CLI desks. In the app: configure (the token is
// never shown back), 立即同步 pushes the demo hospital; the CLI desks edit the same person's phone
// offline and sync; 立即同步 pulls both edits and the conflict shows up in the page and the status
// bar; 采用另一值 resolves it as a new local edit, which the app's background sync pushes without a
// click. Figures: the initial and the incremental round from the button (click → result shown,
// and the shell's own timing), and the loop's round after the edit (edit → pending 0).
export const NAME = "sync";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { binary, cmedesk } from "../harness.mjs";
import { click, fill, tid, toast, waitText } from "../ui.mjs";

const HUB_PORT = Number(process.env.CMEDESK_E2E_PORT ?? 4444) + 10;
// The app's background sync runs a round after each local change and otherwise every interval:
// a long interval here, so only the button and local changes start rounds while the CLI desks
// prepare the conflict (set before any app starts; the apps inherit the environment).
process.env.CMEDESK_SYNC_INTERVAL_SECS ??= "600";

/** A CLI desk of its own: `cmedesk --json …` with its database and the real clock. */
function cliDesk(db) {
  const own = { CMEDESK_DB: db, CMEDESK_PASSWORD: "Desk-2026-cli", CMEDESK_OPERATOR: undefined, CMEDESK_NOW: undefined, CMEDESK_SYNC_SERVER: undefined, CMEDESK_SYNC_TOKEN: undefined };
  return (...args) => cmedesk(args, own);
}

async function startHub(hub, db) {
  const child = spawn(hub, ["serve", "--listen", `127.0.0.1:${HUB_PORT}`, "--db", db], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`hub exited (${code}) before listening`)));
  });
  assert.match(line, /^listening on /);
  return { child, url: `http://${line.replace("listening on ", "").trim()}` };
}

const text = async (s, id) => (await s.find(tid(id))).text();

/** Clicks 立即同步 and waits for the result line to change; returns [wall ms, shell ms]. */
async function syncNow(s) {
  const before = await s.execute(`const r = document.querySelector('[data-testid="sync-result"]'); return r ? r.textContent : null;`);
  const t0 = performance.now();
  await click(s, tid("sync-now"));
  await s.waitFor(async () => {
    const r = await s.execute(`const r = document.querySelector('[data-testid="sync-result"]'); return r ? r.textContent : null;`);
    return r && r !== before ? r : null;
  }, "a sync result", 120000);
  const wall = Math.round(performance.now() - t0);
  const result = await text(s, "sync-result");
  const shell = Number(/（(\d+) 毫秒）/.exec(result)?.[1]);
  return { wall, shell, result };
}

export async function run({ s, step, shots, metrics, tmp }) {
  const hub = binary("cmedesk-hub", "cmedesk-hub");
  const hubDb = path.join(tmp, "hub.db");
  const token = (site, name) => execFileSync(hub, ["enrol", "--db", hubDb, "--site", site, "--name", name], { encoding: "utf8" }).trim();
  let server;
  try {
    server = await startHub(hub, hubDb);
    let site;
    let resolvedAt = 0;
    await step("同步 page: settings saved, the token never shown back", async () => {
      await s.execute(`const c = document.querySelector('.ant-drawer-close'); if (c) c.click();`);
      await click(s, tid("menu-sync"));
      await s.find(tid("sync-page"));
      await waitText(s, "未设置同步");
      site = await text(s, "sync-site");
      const deskToken = token(site, "本机（e2e）");
      await fill(s, "sync-server", server.url);
      await fill(s, "sync-token", deskToken);
      await click(s, tid("sync-save"));
      await toast(s, /同步设置已保存/);
      await waitText(s, `已设置（…${deskToken.slice(-4)}）`);
      assert.equal(await s.execute(`return document.querySelector('input[data-testid="sync-token"]').value;`), "");
      assert.ok(!(await s.pageText()).includes(deskToken), "the token is not on the page");
      await waitText(s, "尚未同步");
      await shots.take(s, "sync-settings");
    });
    await step("立即同步 pushes the demo hospital; counts and the status bar follow", async () => {
      const pending = Number(await text(s, "sync-pending"));
      assert.ok(pending > 0, "the demo hospital waits to be pushed");
      const r = await syncNow(s);
      assert.match(r.result, new RegExp(`推送 ${pending} 条`));
      await s.waitFor(async () => (await text(s, "sync-pending")) === "0", "nothing pending");
      assert.equal(await text(s, "sync-state"), "在线");
      assert.equal(Number(await text(s, "sync-cursor")), pending, "pulled back to the head");
      await s.waitFor(async () => /在线 · 上次同步/.test(await text(s, "status-sync")), "the status bar shows online");
      metrics.sync_initial = { ops: pending, wall_ms: r.wall, shell_ms: r.shell };
      console.log(`     initial sync of ${pending} changes from the button: ${r.wall} ms to the result (${r.shell} ms in the shell)`);
      await shots.take(s, "sync-initial");
    });
    await step("a conflict made by two CLI desks shows up and is resolved in the page", async () => {
      const b = cliDesk(path.join(tmp, "desk-b.db"));
      const c = cliDesk(path.join(tmp, "desk-c.db"));
      for (const [d, name] of [[b, "B"], [c, "C"]]) {
        d("init");
        const st = d("sync", "status");
        d("sync", "--server", server.url, "--token", token(st.site_id, `CLI ${name}`));
      }
      const person = b("staff", "list", "--limit", "1").staff[0];
      // Offline edits of one field on two desks, C's later; both sync.
      b("staff", "update", person.id, "--phone", "13800000001");
      await new Promise((r) => setTimeout(r, 50));
      c("staff", "update", person.id, "--phone", "13800000002");
      b("sync");
      c("sync");
      const r = await syncNow(s);
      // Both edits (and the CLI desks' own first users) arrive; one conflict.
      const pulled = Number(/拉取 (\d+) 条/.exec(r.result)?.[1]);
      assert.ok(pulled >= 2, r.result);
      assert.match(r.result, /新冲突 1 个/);
      metrics.sync_incremental = { pulled, wall_ms: r.wall, shell_ms: r.shell };
      console.log(`     incremental round (${pulled} changes pulled, 1 conflict) from the button: ${r.wall} ms to the result (${r.shell} ms in the shell)`);
      await waitText(s, "人员 · 手机");
      assert.equal(await text(s, "conflict-winner"), "13800000002");
      assert.equal(await text(s, "conflict-loser"), "13800000001");
      assert.equal(await text(s, "sync-conflict-count"), "1");
      await s.waitFor(async () => /冲突 1 个/.test(await text(s, "status-sync")), "the status bar counts the conflict");
      await shots.take(s, "sync-conflict");
      resolvedAt = performance.now();
      await click(s, tid("conflict-take"));
      await toast(s, /已采用另一台电脑的值/);
      await waitText(s, "没有待处理的冲突");
      assert.equal(await text(s, "sync-conflict-count"), "0");
      await shots.take(s, "sync-resolved");
    });
    await step("the background sync pushes a local edit without a click", async () => {
      // Taking the other value was a new edit of this desk: the loop takes it, no button.
      await s.waitFor(async () => (await text(s, "sync-pending")) === "0", "the edit pushed by the loop", 60000);
      await s.waitFor(async () => (await text(s, "status-outbox")) === "0", "the status bar's pending count", 60000);
      // From the click on 采用另一值 (the edit) to the page showing nothing pending.
      const wall = Math.round(performance.now() - resolvedAt);
      await s.waitFor(async () => /在线 · 上次同步/.test(await text(s, "status-sync")), "the status bar shows online");
      metrics.sync_background = { wall_ms: wall };
      console.log(`     background round after the edit: pending 0 after ${wall} ms, no click`);
      await shots.take(s, "sync-background");
    });
  } finally {
    server?.child.kill("SIGKILL");
  }
}
