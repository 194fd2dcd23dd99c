// A minimal W3C WebDriver client (the few commands the desktop test needs), talking to
// tauri-driver, which starts the real app through WebKitWebDriver.
export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application, args = []) {
    const v = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    });
    return new Session(base, v.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** The element for a CSS selector, or null. */
  async find(css) {
    try {
      const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
      return Object.values(el)[0];
    } catch (e) {
      if (/no such element/.test(String(e))) return null;
      throw e;
    }
  }

  async byTestId(id, ms = 15000) {
    const css = `[data-testid="${id}"]`;
    const end = Date.now() + ms;
    for (;;) {
      const el = await this.find(css);
      if (el) return el;
      if (Date.now() > end) throw new Error(`no element ${css} after ${ms} ms`);
      await sleep(100);
    }
  }

  async click(testId) {
    const el = await this.byTestId(testId);
    await this.cmd('POST', `/element/${el}/click`, {});
  }

  async type(testId, text) {
    const el = await this.byTestId(testId);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text });
  }

  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Poll a script until it returns something truthy. */
  async until(what, script, ms = 30000, ...args) {
    const end = Date.now() + ms;
    for (;;) {
      const v = await this.exec(script, ...args);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(150);
    }
  }

  text(testId) {
    return this.exec(`return document.querySelector('[data-testid="${testId}"]')?.textContent ?? null`);
  }

  async close() {
    try {
      await this.cmd('DELETE', '');
    } catch {
      /* the app may be gone already */
    }
  }
}

async function call(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // A command that hangs (an app that died mid-command) must fail the test, not stall it.
    signal: AbortSignal.timeout(90000),
  });
  const j = await r.json();
  if (!r.ok || (j.value && j.value.error)) throw new Error(`${method} ${path}: ${JSON.stringify(j.value ?? j)}`);
  return j.value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
