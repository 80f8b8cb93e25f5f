// 签到 beyond the keyboard wedge, on the real app:
// - serial-reader mode end to end: the test makes a pseudo-terminal pair (python3's os.openpty, no
//   extra package), the officer types the reader's path by hand, picks a text-output reader
//   printing the card's own number, starts; the test's "reader" writes card lines into the
//   master end; the page confirms accepted / duplicate / unknown, and `cmedesk swipe list` finds
//   the three swipes in the database (source 读卡器);
// - the full-screen button, checked against the window's own state (Tauri's is_fullscreen);
// - 局域网自助服务: start it from the page on loopback, fetch the door-screen address it shows over
//   HTTPS (the certificate is the one whose fingerprint the page shows), fetch 我的学分, stop it,
//   and see new connections refused.
// Every wait is on a condition (30 s bounds: the CI machine runs at load 15–30).
export const NAME = "kiosk";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { click, fill, pick, tid, toast } from "../ui.mjs";

const WAIT = 30000;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const target = path.resolve(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"));

/** The CLI binary (built here when the run has not built it yet). */
function cliBinary() {
  const cli = path.join(target, "debug", "cmedesk");
  if (!existsSync(cli)) execFileSync("cargo", ["build", "--locked", "-p", "cmedesk-cli"], { cwd: repo, stdio: "inherit" });
  return cli;
}

/**
 * A pseudo-terminal pair held by a small python3 process: prints the slave's path, then writes
 * every line it reads on stdin to the master end with CR LF, as a text-output reader prints a
 * card. The slave stays open in the helper, so the reader never sees a hang-up while it waits.
 */
async function ptyReader() {
  const script = `
import os, sys, tty
m, s = os.openpty()
tty.setraw(s)
print(os.ttyname(s), flush=True)
for line in sys.stdin:
    os.write(m, line.strip().encode() + b"\\r\\n")
`;
  const child = spawn("python3", ["-u", "-c", script], { stdio: ["pipe", "pipe", "inherit"] });
  const ttyPath = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`pty helper exited (${code})`)));
  });
  return {
    path: ttyPath,
    card: (number) => child.stdin.write(`${number}\n`),
    close: () => {
      child.stdin.end();
      child.kill("SIGTERM");
    },
  };
}

/** GET over HTTPS without a CA (the service's certificate is self-signed): answers with the peer's fingerprint. */
function fetchPinned(url) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: WAIT }, (res) => {
      const fingerprint = res.socket.getPeerCertificate().fingerprint256;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body, fingerprint }));
    });
    req.on("timeout", () => req.destroy(new Error(`timed out fetching ${url}`)));
    req.on("error", reject);
  });
}

export async function run({ s, step, shots, metrics, demoDb, PASSWORD }) {
  const project = metrics.kiosk?.project;
  assert.ok(project, "the keyboard-wedge step ran first (it made the project and noted it)");
  const status = () => s.execute(`return document.querySelector('[data-testid="kiosk-confirmation"]').getAttribute('data-status');`);
  const count = (k) => s.execute(`return document.querySelector('[data-testid="kiosk-count-${k}"] .ant-statistic-content-value').textContent;`);

  await step("签到 serial-reader mode: a pseudo-terminal reader, port typed by hand, swipes confirmed and stored", async () => {
    await s.execute(`const c = document.querySelector('.ant-drawer-close'); if (c) c.click();`);
    // Another person with a card than the keyboard step's (who is already checked in).
    await click(s, tid("menu-staff"));
    await s.find(tid("staff-page"));
    await fill(s, "staff-search", "");
    const holder = await s.waitFor(
      () =>
        s.execute(
          `const rows = [...document.querySelectorAll('[data-testid="staff-row"]')].map((r) => ({ name: r.querySelector('[data-testid="staff-cell-name"]').textContent, card: r.querySelector('[data-testid="staff-cell-card"]').textContent }));
           return rows.find((r) => r.card && r.card !== arguments[0]) ?? null;`,
          [metrics.kiosk.card],
        ),
      "a second person with a card",
      WAIT,
    );
    const pty = await ptyReader();
    try {
      await click(s, tid("menu-kiosk"));
      await s.find(tid("kiosk-page"));
      // Type the code first: the dropdown is a virtual list and shows only the first options.
      await fill(s, "kiosk-project", metrics.kiosk.code);
      await pick(s, "kiosk-project", project);
      await s.waitFor(async () => (await count("accepted")) === "1", "the keyboard step's count loaded", WAIT);
      await click(s, `xpath://div[@data-testid="kiosk-mode"]//div[contains(@class,'ant-segmented-item-label') and normalize-space(.)="串口读卡器"]`);
      await fill(s, "kiosk-port-path", pty.path);
      await pick(s, "kiosk-reader-kind", "文本输出读卡器（每行一个卡号）");
      await pick(s, "kiosk-ascii-format", "卡面号码（与发卡时录入的一致）");
      await click(s, tid("kiosk-start"));
      const state = await s.waitFor(
        () => s.execute(`const t = document.querySelector('[data-testid="kiosk-reader-state"]'); return t && t.textContent.startsWith('已连接') ? t.textContent : null;`),
        "the reader connected",
        WAIT,
      );
      assert.ok(state.includes(pty.path), `connected to the typed path: ${state}`);
      await shots.take(s, "kiosk-serial-connected");

      pty.card(holder.card);
      await s.waitFor(async () => (await status()) === "accepted", "serial: accepted confirmation", WAIT);
      assert.equal(await (await s.find(tid("kiosk-name"))).text(), holder.name);
      await s.waitFor(async () => (await count("accepted")) === "2", "serial: accepted count 2", WAIT);
      await shots.take(s, "kiosk-serial-accepted");
      pty.card(holder.card);
      await s.waitFor(async () => (await status()) === "duplicate", "serial: duplicate confirmation", WAIT);
      pty.card("9900000002");
      await s.waitFor(async () => (await status()) === "unknown_card", "serial: unknown card confirmation", WAIT);
      await s.waitFor(async () => (await count("duplicate")) === "2" && (await count("unknown")) === "2", "serial: duplicate and unknown counts", WAIT);
      await shots.take(s, "kiosk-serial-unknown");
      await click(s, tid("kiosk-stop"));
      await s.find(tid("kiosk-start"), WAIT);
    } finally {
      pty.close();
    }

    // In the database, not just on screen: the CLI reads the same file (WAL: the app keeps it open).
    const env = { ...process.env, CMEDESK_DB: demoDb, CMEDESK_OPERATOR: "admin", CMEDESK_PASSWORD: PASSWORD };
    for (const k of ["CMEDESK_NOW"]) delete env[k];
    const listed = JSON.parse(execFileSync(cliBinary(), ["--json", "swipe", "list", "--project", metrics.kiosk.code], { env, encoding: "utf8" }));
    const swipes = listed.data?.swipes ?? listed.swipes;
    assert.ok(Array.isArray(swipes), `swipe list answered: ${JSON.stringify(listed).slice(0, 300)}`);
    const serial = swipes.filter((w) => w.source === "reader");
    assert.deepEqual(
      serial.map((w) => [w.card_key, w.status]),
      [
        [`ic:${holder.card}`, "accepted"],
        [`ic:${holder.card}`, "duplicate"],
        ["ic:9900000002", "unknown_card"],
      ],
    );
    metrics.kiosk.serial = { holder: holder.name, swipes_in_db: serial.length };
  });

  await step("签到 full-screen button: the window goes full screen and back", async () => {
    const fullscreen = () =>
      s.executeAsync(`const done = arguments[0]; window.__TAURI_INTERNALS__.invoke('plugin:window|is_fullscreen', { label: 'main' }).then(done, (e) => done('error: ' + e));`);
    assert.equal(await fullscreen(), false);
    await click(s, tid("kiosk-fullscreen"));
    await s.waitFor(async () => (await fullscreen()) === true, "the window full screen", WAIT);
    await s.waitFor(async () => (await (await s.find(tid("kiosk-fullscreen"))).text()).includes("退出全屏"), "the button offers to leave", WAIT);
    await shots.take(s, "kiosk-fullscreen");
    await click(s, tid("kiosk-fullscreen"));
    await s.waitFor(async () => (await fullscreen()) === false, "the window back from full screen", WAIT);
  });

  await step("局域网自助服务: started from the 签到 page, its pages answer over HTTPS, stopped", async () => {
    await fill(s, "lan-listen", "127.0.0.1:0");
    await click(s, tid("lan-start"));
    await toast(s, /局域网自助服务已启动/, WAIT);
    const kioskUrl = (await (await s.find(tid("lan-kiosk-url"), WAIT)).text()).trim();
    const meUrl = (await (await s.find(tid("lan-me-url"))).text()).trim();
    const fingerprint = (await (await s.find(tid("lan-fingerprint"))).text()).trim();
    assert.match(kioskUrl, /^https:\/\/127\.0\.0\.1:\d+\/kiosk\?k=/);
    await s.find(`${tid("lan-qr")} svg`);
    await shots.take(s, "kiosk-lan-running");

    const door = await fetchPinned(kioskUrl);
    assert.equal(door.status, 200);
    assert.equal(door.fingerprint.replaceAll(":", "").toUpperCase(), fingerprint.replaceAll(":", "").toUpperCase(), "the certificate the page names");
    assert.ok(door.body.includes("<svg") || door.body.includes("/kiosk/state"), "the door screen's page");
    const me = await fetchPinned(meUrl);
    assert.equal(me.status, 200);
    assert.ok(me.body.includes("我的学分"), "我的学分 page");

    await click(s, tid("lan-stop"));
    await s.find(tid("lan-listen"), WAIT);
    // Stopped: the listener is gone, new connections are refused.
    const refused = await s.waitFor(
      () => fetchPinned(meUrl).then(() => false, (e) => (e.code === "ECONNREFUSED" ? true : false)),
      "new connections refused after 停止服务",
      WAIT,
    );
    assert.ok(refused);
    metrics.kiosk.lan = { url: kioskUrl.replace(/k=.*/, "k=…") };
  });
}
