// A small W3C WebDriver client (Node 20 fetch, no dependencies) for driving the real CME Desk
// window through tauri-driver + WebKitWebDriver. Only the endpoints the e2e needs.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`${method} ${path} -> ${status}: ${value?.error ?? ""} ${value?.message ?? JSON.stringify(value)}`);
    this.value = value;
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, res.status, { message: text.slice(0, 500) });
  }
  if (!res.ok || (json.value && json.value.error)) throw new WebDriverError(method, path, res.status, json.value);
  return json.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Session {
  static async create(base, application) {
    const value = await request(base, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application }, browserName: "wry" } },
    });
    return new Session(base, value.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  // Default bounds are 30 s: CI runs on 2 loaded cores with 10,000 staff; they catch hangs, not speed.
  /** Finds one element by CSS (or `xpath:` prefix), waiting up to `timeout` ms for it. */
  async find(selector, timeout = 30000) {
    const using = selector.startsWith("xpath:") ? "xpath" : "css selector";
    const value = selector.startsWith("xpath:") ? selector.slice(6) : selector;
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        const el = await this.cmd("POST", "/element", { using, value });
        if (!el || !el[ELEMENT]) throw new Error(`unexpected element reply ${JSON.stringify(el)}`);
        return new Element(this, el[ELEMENT]);
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`element not found: ${selector} (${e.message})`);
        await sleep(100);
      }
    }
  }

  async findAll(selector) {
    const using = selector.startsWith("xpath:") ? "xpath" : "css selector";
    const value = selector.startsWith("xpath:") ? selector.slice(6) : selector;
    const els = await this.cmd("POST", "/elements", { using, value });
    return els.map((e) => new Element(this, e[ELEMENT]));
  }

  /** Finds the element whose visible text contains `text` (innermost match). */
  byText(text, tag = "*", timeout = 30000) {
    return this.find(`xpath://${tag}[contains(normalize-space(.), ${xpathLiteral(text)}) and not(.//${tag}[contains(normalize-space(.), ${xpathLiteral(text)})])]`, timeout);
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  /** Polls `fn` until it returns a truthy value. */
  async waitFor(fn, what, timeout = 30000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  async screenshot() {
    const b64 = await this.cmd("GET", "/screenshot");
    return Buffer.from(b64, "base64");
  }

  async pageText() {
    return this.execute("return document.body.innerText;");
  }

  delete() {
    return this.cmd("DELETE", "");
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  click() {
    return this.session.cmd("POST", `/element/${this.id}/click`, {});
  }
  type(text) {
    return this.session.cmd("POST", `/element/${this.id}/value`, { text });
  }
  clear() {
    return this.session.cmd("POST", `/element/${this.id}/clear`, {});
  }
  text() {
    return this.session.cmd("GET", `/element/${this.id}/text`);
  }
  attribute(name) {
    return this.session.cmd("GET", `/element/${this.id}/attribute/${name}`);
  }
}

export function xpathLiteral(s) {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `concat('${s.split("'").join(`', "'", '`)}')`;
}
