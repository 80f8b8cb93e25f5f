// Starts tauri-driver (which starts WebKitWebDriver, which starts the real app), opens WebDriver
// sessions against the built binary, saves screenshots, and measures the app's processes.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Session, sleep } from "./webdriver.mjs";

export class Driver {
  constructor({ tauriDriver, port = 4444, env = {} }) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    // An explicit native port: the default (4445) would collide with a second driver on 4445.
    this.proc = spawn(tauriDriver, ["--port", String(port), "--native-port", String(port + 1000)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    this.exited = new Promise((resolve) => this.proc.on("exit", resolve));
  }

  async ready(timeout = 20000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      // A TCP connect, not GET /status: tauri-driver proxies /status to WebKitWebDriver, which
      // only starts with the first session.
      const up = await new Promise((resolve) => {
        const sock = net.connect(this.port, "127.0.0.1", () => {
          sock.end();
          resolve(true);
        });
        sock.on("error", () => resolve(false));
      });
      if (up) return;
      if (Date.now() > deadline) throw new Error("tauri-driver did not come up");
      await sleep(100);
    }
  }

  /**
   * SIGTERM only (SIGKILL would orphan WebKitWebDriver and hang the next run). tauri-driver does
   * not always take WebKitWebDriver down with it, so its descendants, noted before, get a SIGTERM
   * too when they outlive it.
   */
  /** Notes the processes below tauri-driver (WebKitWebDriver, the app, WebKit's) for stop(). */
  noteFamily() {
    this.family = [...new Set([...(this.family ?? []), ...descendants(this.proc.pid)])];
  }

  async stop() {
    if (this.proc.exitCode === null) this.noteFamily();
    const family = this.family ?? [];
    if (this.proc.exitCode === null) {
      this.proc.kill("SIGTERM");
      await Promise.race([this.exited, sleep(5000)]);
    }
    for (const pid of family) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    await sleep(300);
  }
}

/** All descendants of a process, children first. */
function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children(queue.shift())) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

export async function openApp(driver, application) {
  return Session.create(driver.base, application);
}

export class Shots {
  constructor(dir) {
    this.dir = dir;
    this.n = 0;
    mkdirSync(dir, { recursive: true });
  }
  async take(session, name) {
    // Let the last change paint (antd animates; WebKit may hand back the previous frame).
    await sleep(400);
    this.n += 1;
    const file = path.join(this.dir, `${String(this.n).padStart(2, "0")}-${name}.png`);
    writeFileSync(file, await session.screenshot());
    return file;
  }
}

function children(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* process went away */
    }
  }
  return out;
}

function rssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Anonymous resident memory (heap, stacks): what the allocator holds, not code or shared libraries. */
function anonKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/RssAnon:\s+(\d+) kB/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size: shared library pages divided among the processes that map them. */
function pssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** Resident memory of the app process and of the WebKit processes it spawned, in MiB. */
export function appMemory(binary, rootPid) {
  const real = path.resolve(binary);
  const queue = [rootPid];
  let app = null;
  while (queue.length) {
    const pid = queue.shift();
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === real) {
        app = pid;
        break;
      }
    } catch {
      /* no access or gone */
    }
    queue.push(...children(pid));
  }
  if (app === null) return null;
  const procs = [];
  const walk = [app];
  while (walk.length) {
    const pid = walk.shift();
    procs.push({ pid, comm: comm(pid), rss_mib: +(rssKiB(pid) / 1024).toFixed(1), pss_mib: +(pssKiB(pid) / 1024).toFixed(1), anon_mib: +(anonKiB(pid) / 1024).toFixed(1) });
    walk.push(...children(pid));
  }
  const sum = (xs, k) => +xs.reduce((s, p) => s + p[k], 0).toFixed(1);
  // WebKitGTK runs the page in WebKitWebProcess and networking in WebKitNetworkProcess (under bwrap
  // when sandboxed); everything below the app process is counted as "webkit".
  const webkit = procs.slice(1).filter((p) => p.rss_mib > 0);
  return {
    app_pid: app,
    app_rss_mib: procs[0].rss_mib,
    app_pss_mib: procs[0].pss_mib,
    app_anon_mib: procs[0].anon_mib,
    webkit_rss_mib: sum(webkit, "rss_mib"),
    webkit_pss_mib: sum(webkit, "pss_mib"),
    total_rss_mib: sum(procs, "rss_mib"),
    total_pss_mib: sum(procs, "pss_mib"),
    processes: procs,
  };
}

/** When a process started, in epoch ms (/proc/<pid>/stat starttime, 10 ms ticks since boot). */
export function processStartEpochMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const startTicks = Number(fields[19]); // field 22 of the whole line
  const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const bootEpochMs = Date.now() - uptimeS * 1000;
  return bootEpochMs + (startTicks * 1000) / 100;
}

/** The pid of the app binary among the descendants of `rootPid`, or null. */
export function findApp(binary, rootPid) {
  const m = appMemory(binary, rootPid);
  return m ? m.app_pid : null;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The cargo target dir the app and the CLI were built into. */
export const target = path.resolve(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"));

/** A debug binary of this workspace, built here (`cargo build -p <pkg>`) when this run has not built it yet. */
export function binary(name, pkg) {
  const file = path.join(target, "debug", name);
  if (!existsSync(file)) execFileSync("cargo", ["build", "--locked", "-p", pkg], { cwd: repo, stdio: "inherit" });
  return file;
}

/**
 * Runs `cmedesk --json …args` and returns its parsed output. `env` is laid over this process's
 * environment; a key set to `undefined` is removed from it (e.g. `CMEDESK_NOW`, so a desk of the
 * test's own takes the real clock). A non-zero exit throws with the CLI's stderr.
 */
export function cmedesk(args, env = {}) {
  const merged = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  // A 10,000-person `staff list` is several MB of JSON: past spawnSync's 1 MiB default buffer
  // the child is killed (status null), so allow plenty.
  const r = spawnSync(binary("cmedesk", "cmedesk-cli"), ["--json", ...args], { encoding: "utf8", env: merged, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cmedesk ${args.join(" ")} exited ${r.status} (${r.signal ?? r.error ?? ""}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
