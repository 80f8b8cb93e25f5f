// The LAN self-service pages driven in headless Chromium (issue 10, "Done means"): the real
// `cmedesk lan serve` process on loopback over TLS, a kiosk page and phone pages in separate
// browser contexts. Checks: check-in, the kiosk count changing, QR expiry, replay of a used
// ticket, the head-count cap, a wrong second factor, a check-in after the window ended, and
// "my credits" matching `cmedesk credits list`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const bin = process.env.CMEDESK_BIN || path.join(targetDir, 'debug', 'cmedesk');
const work = mkdtempSync(path.join(tmpdir(), 'cmedesk-lan-'));
const shots = process.env.LAN_SCREENSHOTS || path.join(work, 'screenshots');
mkdirSync(shots, { recursive: true });
const env = {
  ...process.env,
  CMEDESK_DB: path.join(work, 'desk.db'),
  CMEDESK_PASSWORD: 'demo1234',
  CMEDESK_OPERATOR: 'admin',
};
const PROJECT = '2026-99-01-001(国)';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cli(args, now = '2026-11-19T08:00:00+08:00') {
  const out = execFileSync(bin, ['--json', ...args], { env: { ...env, CMEDESK_NOW: now }, encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : null;
}

const servers = [];
/** Starts `cmedesk lan serve` with the clock running on from `now`; resolves with its JSON banner. */
function serve(now, extra = []) {
  const child = spawn(
    bin,
    ['--json', 'lan', 'serve', '--listen', '127.0.0.1:0', '--project', PROJECT, ...extra],
    { env: { ...env, CMEDESK_NOW: now }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  servers.push(child);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`lan serve exited ${code}`)));
  });
}

let browser;
let people;
const chromeArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

before(async () => {
  cli(['demo', '--staff', '150', '--seed', '11']);
  cli(['approved', 'add', '--code', PROJECT, '--year', '2026', '--name', '局域网扫码签到演示项目', '--credits', '5', '--hours', '15']);
  cli(['project', 'create', '--approved', PROJECT]);
  cli(['project', 'period', 'add', PROJECT, '--from', '2026-11-20', '--to', '2026-11-20']);
  cli(['project', 'window', 'add', PROJECT, '--from', '2026-11-20 09:00', '--to', '2026-11-20 10:00', '--label', '上午签到']);
  people = cli(['staff', 'list', '--show-full-id']).staff.filter((s) => s.status === 'active' && s.phone && s.card_key);
  assert.ok(people.length >= 4);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Playwright gives every launch a fresh temporary --user-data-dir of its own (it refuses one
    // in `args`); each "phone" below is a separate context with its own cookies.
    args: chromeArgs,
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill('SIGTERM');
});

const last4 = (p) => p.phone.slice(-4);

async function phone() {
  // A fresh context: its own cookies, like a separate phone; the certificate is self-signed.
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 } });
  return ctx.newPage();
}

async function submit(page, idNumber, factor) {
  await page.fill('#id_number', idNumber);
  await page.fill('#second_factor', factor);
  await page.click('#submit');
  await page.waitForSelector('#result:not([hidden])');
  const r = page.locator('#result');
  await page.waitForFunction(() => document.querySelector('#result').dataset.code);
  return { code: await r.getAttribute('data-code'), text: await r.textContent() };
}

async function kioskCount(kiosk) {
  return Number(await kiosk.locator('#count').textContent());
}

test('check-in, kiosk count, wrong factor, replay, already, cap, expiry', async () => {
  const s = await serve('2026-11-20T09:30:00+08:00', ['--cap', '2', '--rotate-secs', '4']);
  const kioskCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const kiosk = await kioskCtx.newPage();
  await kiosk.goto(`${s.url}/kiosk`);
  await kiosk.waitForSelector('#qr svg');
  assert.equal(await kioskCount(kiosk), 0);
  assert.equal(await kiosk.locator('#fingerprint').textContent(), s.fingerprint);
  await kiosk.screenshot({ path: path.join(shots, 'kiosk.png') });
  const scanUrl = async () => {
    await kiosk.waitForFunction(() => document.querySelector('#qr').dataset.url);
    return kiosk.locator('#qr').getAttribute('data-url');
  };
  const [a, b, c] = people;

  // Wrong second factor, then the right one on the same page.
  const pa = await phone();
  await pa.goto(await scanUrl());
  assert.match(await pa.locator('#project').textContent(), /局域网扫码签到演示项目/);
  let r = await submit(pa, a.id_number, '0000');
  assert.equal(r.code, 'SELF_SERVICE_NOT_VERIFIED');
  assert.match(r.text, /身份证号或验证信息不正确/);
  r = await submit(pa, a.id_number, last4(a));
  assert.equal(r.code, 'CHECKED_IN', r.text);
  assert.match(r.text, new RegExp(`签到成功：${a.name}`));
  await pa.screenshot({ path: path.join(shots, 'phone-checked-in.png') });
  // The kiosk's live count follows.
  await kiosk.waitForFunction(() => document.querySelector('#count').textContent === '1');

  // Replay: the used ticket posted again from the same phone.
  const replay = await pa.evaluate(async () => {
    const res = await fetch('/api/checkin', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: document.getElementById('ticket').value, id_number: 'x', second_factor: 'x' }),
    });
    return res.json();
  });
  assert.equal(replay.code, 'TICKET_USED');

  // The same person scanning again in this window.
  const pa2 = await phone();
  await pa2.goto(await scanUrl());
  r = await submit(pa2, a.id_number, last4(a));
  assert.equal(r.code, 'CHECKIN_ALREADY');
  assert.match(r.text, /无需重复签到/);

  // Card number as the second factor; then the cap of 2 is reached.
  const pb = await phone();
  await pb.goto(await scanUrl());
  r = await submit(pb, b.id_number, b.card_key.replace(/^ic:/, ''));
  assert.equal(r.code, 'CHECKED_IN', r.text);
  await kiosk.waitForFunction(() => document.querySelector('#count').textContent === '2');
  const pc = await phone();
  await pc.goto(await scanUrl());
  r = await submit(pc, c.id_number, last4(c));
  assert.equal(r.code, 'CHECKIN_CAP_REACHED');
  assert.match(r.text, /上限 2 人/);

  // A code photographed and opened later has expired (rotation every 4 s, previous one accepted).
  const old = await scanUrl();
  await sleep(9000);
  const late = await phone();
  await late.goto(old);
  assert.equal(await late.locator('#result').getAttribute('data-code'), 'QR_EXPIRED');
  assert.match(await late.locator('#result').textContent(), /二维码已过期/);
  await late.screenshot({ path: path.join(shots, 'phone-expired.png') });

  // The swipes are in the database, source qr, exactly the two accepted.
  const swipes = cli(['swipe', 'list', '--project', PROJECT]).swipes.filter((x) => x.source === 'qr');
  assert.equal(swipes.length, 2);
  assert.deepEqual(new Set(swipes.map((x) => x.staff_id)), new Set([a.id, b.id]));
  s.child.kill('SIGTERM');
});

test('a check-in submitted after the window ended is refused', async () => {
  // The window ends 10 s after the service starts (room for a slow machine to load the pages).
  const s = await serve('2026-11-20T09:59:50+08:00');
  const started = Date.now();
  const kioskCtx = await browser.newContext({ ignoreHTTPSErrors: true });
  const kiosk = await kioskCtx.newPage();
  await kiosk.goto(`${s.url}/kiosk`);
  await kiosk.waitForFunction(() => document.querySelector('#qr').dataset.url);
  const url = await kiosk.locator('#qr').getAttribute('data-url');
  const p = await phone();
  await p.goto(url);
  const d = people[3];
  await p.fill('#id_number', d.id_number);
  await p.fill('#second_factor', last4(d));
  await sleep(Math.max(0, 10800 - (Date.now() - started)));
  await p.click('#submit');
  await p.waitForFunction(() => document.querySelector('#result').dataset.code);
  assert.equal(await p.locator('#result').getAttribute('data-code'), 'CHECKIN_WINDOW_OVER');
  assert.match(await p.locator('#result').textContent(), /不在考勤时间段内/);
  await kiosk.waitForFunction(() => document.querySelector('#note').textContent.includes('不在考勤时间段'));
  s.child.kill('SIGTERM');
});

test('my credits matches `cmedesk credits list` and the statement downloads', async () => {
  const a = people[0];
  const evidence = path.join(work, 'cover.pdf');
  execFileSync('sh', ['-c', `printf '%%PDF-1.4 synthetic' > '${evidence}'`]);
  const added = cli(['credits', 'add', '--staff', a.id, '--category', 'paper', '--name', '基层慢病管理研究',
    '--quantity', '1', '--hours', '6', '--date', '2026-05-20', '--issuer', '中华医学杂志', '--evidence', evidence, '--submit']);
  cli(['credits', 'review', added.credit.id, '--decision', 'approve', '--skip-department']);
  cli(['credits', 'add', '--staff', a.id, '--category', 'paper', '--name', '尚未上报的论文',
    '--quantity', '1', '--hours', '6', '--date', '2026-06-01', '--issuer', '中华护理杂志']);
  const listed = cli(['credits', 'list', '--staff', a.id, '--year', '2026']).credits;
  assert.equal(listed.length, 2);

  const s = await serve('2026-11-20T12:00:00+08:00');
  const p = await phone();
  await p.goto(`${s.url}/me`);
  await p.fill('#id_number', a.id_number);
  await p.fill('#second_factor', '1111' === last4(a) ? '2222' : '1111');
  await p.click('#submit');
  await p.waitForFunction(() => document.querySelector('#result').dataset.code);
  assert.equal(await p.locator('#result').getAttribute('data-code'), 'SELF_SERVICE_NOT_VERIFIED');
  await p.fill('#second_factor', last4(a));
  await p.click('#submit');
  await p.waitForSelector('#out:not([hidden])');
  assert.equal(await p.locator('#name').textContent(), a.name);
  const rows = await p.locator('tr.credit').evaluateAll((trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, credits: tr.dataset.credits, text: tr.textContent })));
  assert.deepEqual(
    rows.map((r) => `${r.id} ${r.credits}`).sort(),
    listed.map((c) => `${c.id} ${Number(c.credits).toFixed(2)}`).sort(),
  );
  const draft = rows.find((r) => r.text.includes('尚未上报的论文'));
  assert.match(draft.text, /不计入：审核状态为保存/);
  assert.match(await p.locator('#status').textContent(), /不达标/);
  assert.match(await p.locator('#gaps').textContent(), /学分：要求 25\.00/);
  await p.screenshot({ path: path.join(shots, 'my-credits.png'), fullPage: true });
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
  const file = path.join(work, 'statement.pdf');
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 4).toString(), '%PDF');
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  assert.match(text, new RegExp(a.name));
  assert.match(text, /基层慢病管理研究/);
  assert.doesNotMatch(text, /尚未上报的论文/, 'only approved credits are on the statement');
  s.child.kill('SIGTERM');
});
