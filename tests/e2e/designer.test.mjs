// End-to-end test of the designer as an analyst uses it: the built UI in Debian's Chromium,
// talking to the real engine through the app's own command layer (sluice-bridge serves the same
// sluice-api commands the Tauri shell calls). It builds CSV source -> filter -> derive -> check ->
// Parquet sink from the palette, sets params through the forms, runs, reads row counts and a preview,
// saves, and checks that `sluice run` on the saved file writes the same output. The page is opened
// at the URL the bridge prints (with its token); another site open in the same browser, and the
// bridge's page without the token, cannot use the commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sluice/target');
const bridgeBin = path.join(targetDir, 'debug/sluice-bridge');
const sluiceBin = path.join(targetDir, 'debug/sluice');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.SLUICE_E2E_SCREENSHOTS; // optional folder for screenshots

let work, bridge, browser, page, url;

async function waitForHttp(u, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(u);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${u} did not answer`);
}

/** 40 orders with known amounts and statuses. */
function writeOrders(file) {
  const statuses = ['completed', 'shipped', 'cancelled', 'returned'];
  const lines = ['order_id,customer_id,amount,status'];
  for (let i = 1; i <= 40; i++) lines.push(`${i},${(i % 7) + 1},${(i * 3.5).toFixed(2)},${statuses[i % 4]}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** The URL the bridge prints at start: its page, with the token of this start in the fragment. */
function printedUrl(proc, ms = 20000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sluice-bridge printed no URL: ${out}`)), ms);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice-bridge exited (${code}): ${out}`));
    });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
  });
}

/** The app's command layer on a free port, keeping its state (autosave, recent files) in
 * `stateDir`; `url` is the one it prints, which the page needs to use the commands. */
async function startBridge(stateDir) {
  const proc = spawn(bridgeBin, ['--addr', '127.0.0.1:0', '--ui', path.join(root, 'ui/dist')], {
    cwd: work,
    env: { ...process.env, SLUICE_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const u = await printedUrl(proc);
  await waitForHttp(u);
  return { proc, url: u };
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-'));
  writeOrders(path.join(work, 'orders.csv'));
  ({ proc: bridge, url } = await startBridge(path.join(work, 'state')));
  browser = await chromium.launch({
    executablePath: chromiumBin,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(url);
});

after(async () => {
  if (shots && page) await page.screenshot({ path: path.join(shots, 'e2e-final.png') }).catch(() => {});
  await browser?.close();
  bridge?.kill();
});

const byId = (id) => page.getByTestId(id);

async function nodeIds() {
  return page.$$eval('[data-testid^="node-"]', (els) => els.map((e) => e.dataset.testid.slice(5)));
}

async function addNode(kind, x, y) {
  const beforeIds = await nodeIds();
  await byId(`palette-${kind}`).dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="node-"]').length > n, beforeIds.length);
  const id = (await nodeIds()).find((i) => !beforeIds.includes(i));
  assert.ok(id, `a ${kind} node was added`);
  return id;
}

async function select(id) {
  await byId(`node-${id}`).click({ position: { x: 20, y: 12 } });
}

/** The editable element of a form field: an input, a textarea or a code editor. */
async function fill(testid, text) {
  const field = byId(testid);
  await field.waitFor();
  const tag = await field.evaluate((e) => e.tagName);
  if (tag === 'INPUT' || tag === 'TEXTAREA') return field.fill(text);
  const editable = await field.evaluate((e) => e.isContentEditable);
  const editor = editable ? field : field.locator('.cm-content');
  if (editable || (await editor.count())) {
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text);
    return;
  }
  await field.locator('input, textarea').first().fill(text);
}

async function connect(from, to, port = 'input') {
  const a = await byId(`handle-out-${from}`).boundingBox();
  const b = await byId(`handle-in-${to}-${port}`).boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

test('build, run, preview and save a pipeline; the CLI runs the saved file to the same output', async () => {
  const src = await addNode('read_csv', 130, 80);
  await select(src);
  await fill('field-path', 'orders.csv');

  const filter = await addNode('filter', 370, 80);
  await connect(src, filter);
  await select(filter);
  await fill('field-predicate', "status <> 'cancelled'");

  const derive = await addNode('derive', 610, 80);
  await connect(filter, derive);
  await select(derive);
  await byId('add-columns').click();
  await fill('key-columns-0', 'amount_with_tax');
  await fill('value-columns-0', 'round(amount * 1.2, 2)');

  const check = await addNode('check_not_null', 130, 320);
  await connect(derive, check);
  await select(check);
  await byId('field-columns-input').fill('amount_with_tax');
  await page.keyboard.press('Enter');
  await byId('chip-columns-0').waitFor();

  const sink = await addNode('write_parquet', 370, 320);
  await connect(check, sink);
  await select(sink);
  await fill('field-path', 'out/orders_with_tax.parquet');

  await byId('run-all').click();
  // 40 orders, 10 cancelled.
  await page.waitForFunction((id) => /30/.test(document.querySelector(`[data-testid="status-${id}"]`)?.textContent ?? ''),
    filter, { timeout: 30000 });
  assert.match(await byId(`status-${src}`).textContent(), /40/);
  // Events arrive as each node finishes: the derive is done once the sink below it is.
  await page.waitForFunction((id) => /30/.test(document.querySelector(`[data-testid="status-${id}"]`)?.textContent ?? ''), sink);
  assert.match(await byId(`status-${derive}`).textContent(), /30/);
  assert.equal(await byId(`check-${check}`).getAttribute('data-status'), 'pass');
  assert.match(await byId(`check-${check}`).textContent(), /passed/);
  await byId('tab-checks').click();
  assert.match(await byId(`check-row-${check}`).textContent(), /amount_with_tax not null/);
  const output = path.join(work, 'out/orders_with_tax.parquet');
  assert.ok(fs.existsSync(output), 'the app run wrote the sink');
  const appBytes = fs.readFileSync(output);

  // Preview of the derive node: its rows and the new column.
  await select(derive);
  await byId('tab-data').click();
  await byId('preview-btn').click();
  const table = byId('data-table');
  await table.waitFor();
  await page.waitForFunction(() => /amount_with_tax/.test(document.querySelector('[data-testid="data-table"]')?.textContent ?? ''));
  assert.match(await table.textContent(), /4\.2/); // order 1: 3.50 * 1.2
  if (shots) await page.screenshot({ path: path.join(shots, 'e2e-built-pipeline.png') });

  // Save through the path prompt (the desktop app shows a native dialog here).
  const saved = path.join(work, 'built.sluice.json');
  await page.keyboard.press('Control+s');
  await fill('path-input', saved);
  await byId('path-ok').click();
  // The app takes the saved file as its document: the title names it and nothing is unsaved.
  await page.waitForFunction(() => /built\.sluice\.json/.test(document.querySelector('[data-testid="doc-title"]')?.textContent ?? ''));
  assert.equal(await byId('dirty-dot').count(), 0, 'no unsaved changes after saving');
  const spec = JSON.parse(fs.readFileSync(saved, 'utf8'));
  assert.deepEqual(spec.nodes.map((n) => n.kind), ['read_csv', 'filter', 'derive', 'check_not_null', 'write_parquet']);
  assert.deepEqual(Object.keys(spec.layout).sort(), [src, filter, derive, check, sink].sort());
  assert.deepEqual(spec.nodes[3].params.columns, ['amount_with_tax']);

  // The saved file is exactly what the CLI runs, and it writes the same bytes.
  fs.rmSync(output);
  const run = spawnSync(sluiceBin, ['run', saved], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(fs.readFileSync(output).equals(appBytes), 'CLI output equals the app output byte for byte');

  // Export the saved pipeline as a dbt project from the top bar: dialect, then folder.
  const project = path.join(work, 'dbt_built');
  await byId('export-dbt').click();
  await byId('confirm-duckdb').click();
  await fill('path-input', project);
  await byId('path-ok').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="toast"]')].some((t) => /dbt project exported/.test(t.textContent)));
  assert.ok(fs.existsSync(path.join(project, 'dbt_project.yml')), 'the project is written');
  const model = fs.readFileSync(path.join(project, 'models', `${derive.replaceAll('-', '_')}.sql`), 'utf8');
  assert.match(model, /amount_with_tax/);
  assert.match(fs.readFileSync(path.join(project, 'models/schema.yml'), 'utf8'), /not_null/);
  // The toast counts dbt's generic tests too (the not-null check is one).
  const toasts = await page.getByTestId('toast').allTextContents();
  assert.ok(toasts.some((t) => /5 models, 1 test\b/.test(t)), toasts.join(' | '));

  // The same for Snowflake: its profile, quoted names, the stage load in the README.
  const snow = path.join(work, 'dbt_snowflake');
  await byId('export-dbt').click();
  await byId('confirm-snowflake').click();
  await fill('path-input', snow);
  await byId('path-ok').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="toast"]')].some((t) => /dbt project exported \(Snowflake\)/.test(t.textContent)));
  assert.match(fs.readFileSync(path.join(snow, 'profiles.yml'), 'utf8'), /type: snowflake/);
  assert.match(fs.readFileSync(path.join(snow, 'models', `${derive.replaceAll('-', '_')}.sql`), 'utf8'), /AS "amount_with_tax"/);
  assert.match(fs.readFileSync(path.join(snow, 'README.md'), 'utf8'), /PUT 'file:\/\/.*@SLUICE\./);
});

test('after SIGKILL the restarted app offers the unsaved edits back', async () => {
  const state = path.join(work, 'crash-state');
  let app = await startBridge(state);
  let tab = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await tab.goto(app.url);
  const by = (id) => tab.getByTestId(id);
  await by('palette-read_csv').waitFor();
  // Edits: a source with its path, and a filter with a predicate (click-to-add from the palette).
  await by('palette-read_csv').click();
  await by('field-path').fill('orders.csv');
  await by('palette-filter').click();
  await by('field-predicate').waitFor();
  const editable = tab.getByTestId('field-predicate').locator('.cm-content');
  if (await editable.count()) {
    await editable.click();
    await tab.keyboard.type('amount > 100');
  } else {
    await by('field-predicate').fill('amount > 100');
  }
  // Autosave runs about 2 s after the last edit; give it time, then kill the app outright.
  const recoveryFile = () => fs.existsSync(path.join(state, 'recovery.json'));
  for (let i = 0; i < 100 && !recoveryFile(); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2500));
  app.proc.kill('SIGKILL');
  await new Promise((r) => app.proc.once('exit', r));
  await tab.close({ runBeforeUnload: false });

  app = await startBridge(state);
  tab = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  try {
    await tab.goto(app.url);
    await tab.getByTestId('recovery-banner').waitFor({ timeout: 10000 });
    await tab.getByTestId('recovery-restore').click();
    await tab.waitForFunction(() => document.querySelectorAll('[data-testid^="node-"]').length === 2);
    const ids = await tab.$$eval('[data-testid^="node-"]', (els) => els.map((e) => e.dataset.testid.slice(5)));
    const filterId = ids.find((i) => i.startsWith('filter'));
    assert.ok(filterId, `a filter node came back: ${ids}`);
    await tab.getByTestId(`node-${filterId}`).click({ position: { x: 20, y: 12 } });
    await tab.waitForFunction(() => /amount > 100/.test(document.querySelector('[data-testid="field-predicate"]')?.textContent
      || document.querySelector('[data-testid="field-predicate"]')?.value || ''));
    if (shots) await tab.screenshot({ path: path.join(shots, 'e2e-recovered.png') });
  } finally {
    await tab.close();
    app.proc.kill();
  }
});

test('only the page the bridge printed can use it: a foreign page and a page without the token are refused', async () => {
  const bridgeOrigin = new URL(url).origin;
  const canary = (n) => path.join(work, `canary-${n}.sluice.json`);
  const spec = { version: 1, name: 'canary', nodes: [] };
  // Another site the user has open (here another local server): what it can try from the browser.
  const attack = `<!doctype html><title>elsewhere</title><body><script>
    const bridge = ${JSON.stringify(bridgeOrigin)};
    const spec = ${JSON.stringify(spec)};
    const body = (n) => JSON.stringify({ path: ${JSON.stringify(work)} + '/canary-' + n + '.sluice.json', spec });
    const attempt = (p) => p.then((r) => 'status ' + r.status + ' ' + r.type, (e) => 'blocked: ' + e.name);
    window.results = Promise.all([
      // Requests a page may send without asking: the bridge must refuse them (their answers are unreadable anyway).
      attempt(fetch(bridge + '/api/save', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: body('text-plain') })),
      attempt(fetch(bridge + '/api/save', { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ x: body('form') }) })),
      // A JSON body, or a token header, needs the bridge's consent first, which it never gives.
      attempt(fetch(bridge + '/api/save', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body('json') })),
      attempt(fetch(bridge + '/api/save', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-Token': 'guess' }, body: body('guess') })),
      attempt(fetch(bridge + '/api/recent_files', { method: 'POST', body: '{}' })),
      new Promise((resolve) => {
        const frame = document.createElement('iframe');
        frame.name = 'sink';
        document.body.append(frame);
        // The bridge's answer may not render in a frame (it forbids that): wait for either.
        frame.onload = () => resolve('form posted');
        setTimeout(() => resolve('form posted'), 3000);
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = bridge + '/api/save';
        form.enctype = 'text/plain';
        form.target = 'sink';
        const field = document.createElement('input');
        field.name = body('form-post').slice(0, -1) + ',"x":"';
        field.value = '"}';
        form.append(field);
        document.body.append(form);
        form.submit();
      }),
    ]);
  </script>`;
  const foreign = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(attack);
  });
  await new Promise((r) => foreign.listen(0, '127.0.0.1', r));
  const tab = await browser.newPage();
  try {
    await tab.goto(`http://127.0.0.1:${foreign.address().port}/`);
    const results = await tab.evaluate(() => window.results);
    // Whatever the browser let out, nothing ran and nothing was readable.
    for (const r of results) assert.ok(!/status 200 (basic|cors)/.test(r), results.join(' | '));
    for (const n of ['text-plain', 'form', 'json', 'guess', 'form-post']) assert.ok(!fs.existsSync(canary(n)), `the foreign ${n} request saved nothing`);

    // The bridge's own page opened without the token: its commands are refused with what to do.
    await tab.goto(bridgeOrigin + '/');
    const refused = await tab.evaluate(() => fetch('/api/save', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'x.sluice.json', spec: {} }),
    }).then(async (r) => ({ status: r.status, body: await r.json() })));
    assert.equal(refused.status, 401);
    assert.match(refused.body.message, /token from the URL it printed at start/);
  } finally {
    await tab.close();
    await new Promise((r) => foreign.close(r));
  }
  // The page with the token (the one the other tests drive) still works.
  assert.deepEqual(await page.evaluate(async (token) => (await fetch('/api/recent_files', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-Token': token }, body: '{}',
  })).status, new URL(url).hash.slice('#token='.length)), 200);
});

