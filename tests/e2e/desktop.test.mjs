// End-to-end tests of the real desktop app: the Tauri binary with its bundled UI, started by
// tauri-driver through WebKitWebDriver under Xvfb. They run the sample pipeline (the same bytes as
// the CLI), preview a node, show failed checks, kill the app with SIGKILL after edits to see
// the edits offered back at the next start, and use the Connections panel against the test
// database servers (scripts/servers.sh, started by scripts/test.sh). With SLUICE_SCREENSHOTS=DIR
// they also write the screenshots that docs/screenshots holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Session, sleep } from './webdriver.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sluice/target');
const appBin = path.join(targetDir, 'debug/sluice-desktop');
const sluiceBin = path.join(targetDir, 'debug/sluice');
const driverBin = process.env.TAURI_DRIVER ?? path.join(os.homedir(), '.cache/sluice/tools/bin/tauri-driver');
const shots = process.env.SLUICE_SCREENSHOTS;

let work, xvfb, display;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** tauri-driver on a free port; the app it starts keeps its state in `stateDir`, with `extra`
 * in its environment. Its connections are those of `extra` only (none of the environment the
 * tests run in). */
async function startDriver(stateDir, extra = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_CONN_')));
  const env = {
    ...own,
    DISPLAY: display,
    WEBKIT_DISABLE_COMPOSITING_MODE: '1',
    WEBKIT_DISABLE_DMABUF_RENDERER: '1',
    SLUICE_STATE_DIR: stateDir,
    SLUICE_CONNECTIONS: path.join(stateDir, 'connections.json'),
    ...extra,
  };
  const proc = spawn(driverBin, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${base}/status`);
      return { proc, base };
    } catch {
      await sleep(100);
    }
  }
  throw new Error('tauri-driver did not start');
}

/** The whole X screen, as the user sees it. (WebKitWebDriver's own screenshot command can stall
 * once the data table is on show; X has no such trouble.) */
function screenshot(name) {
  execFileSync('import', ['-display', display, '-window', 'root', path.join(shots, name)]);
}

/** SIGKILL every process of the app binary (the app WebKitWebDriver started). */
function killApp() {
  const pids = spawnSync('pgrep', ['-f', appBin], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  return pids.length;
}

before(async () => {
  assert.ok(fs.existsSync(driverBin), `tauri-driver not found at ${driverBin} (scripts/env.sh sluice_tauri_driver installs it)`);
  assert.ok(fs.existsSync(appBin), `${appBin} is not built`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-desktop-'));
  fs.cpSync(path.join(root, 'sample_data'), path.join(work, 'sample_data'), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}out`) && !src.includes(`${path.sep}.sluice`),
  });
  // Xvfb picks a free display itself and writes its number to fd 3 once it is ready.
  xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1440x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  display = await new Promise((resolve, reject) => {
    let text = '';
    xvfb.stdio[3].on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
});

after(() => {
  killApp();
  xvfb?.kill();
});

test('the app runs the sample pipeline to the same bytes as the CLI, previews a node and shows failed checks', async () => {
  const driver = await startDriver(path.join(work, 'state-run'));
  const spec = path.join(work, 'sample_data/pipelines/customer_features.sluice.json');
  const app = await Session.start(driver.base, appBin, [spec]);
  try {
    await app.byTestId('node-write_features', 30000);
    await sleep(2000); // the canvas fits the graph once the panels have their size
    await app.click('run-all');
    await app.until('the run', `return document.querySelector('[data-testid="status-write_features"]')?.dataset.state === 'done'`, 60000);
    assert.match(await app.text('status-write_features'), /5,000/);
    assert.match(await app.text('status-orders'), /100,311/);
    assert.equal(await app.exec(`return document.querySelector('[data-testid="check-valid_status"]').dataset.status`), 'pass');
    await sleep(1500); // let the distributions arrive and the canvas settle
    if (shots) {
      // The whole graph fits at a zoom too small to read: zoom in on its middle for the picture.
      await app.exec(`document.querySelectorAll('[data-testid="toast"] button').forEach((b) => b.click())`);
      for (let i = 0; i < 3; i++) {
        await app.exec(`document.querySelector('.react-flow__controls-zoomin').click()`);
        await sleep(300);
      }
      await sleep(500);
      screenshot('designer-after-run.png');
      await app.exec(`document.querySelector('.react-flow__controls-fitview').click()`);
      await sleep(800);
    }

    // The app and the CLI write the same bytes.
    const out = path.join(work, 'sample_data/pipelines/out/customer_features.parquet');
    const appBytes = fs.readFileSync(out);
    execFileSync(sluiceBin, ['run', spec], { stdio: 'ignore' });
    assert.ok(fs.readFileSync(out).equals(appBytes), 'CLI output equals the app output byte for byte');

    // One node's rows and distributions.
    await app.click('node-per_customer');
    // F frames the selected node, so its distributions are readable on the canvas.
    await app.exec(`window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', bubbles: true }))`);
    await sleep(600);
    await app.click('preview-btn');
    await app.until('the preview', `return /revenue/.test(document.querySelector('[data-testid="data-table"]')?.textContent ?? '')`);
    await sleep(800);
    if (shots) screenshot('designer-node-preview.png');
    await app.click('tab-profile');
    await app.byTestId('profile-stats-revenue', 30000);
    assert.match(await app.text('profile-stats-revenue'), /4,200/);
    if (shots) {
      // A taller data panel shows the statistics under the charts.
      await app.exec(`
        const g = document.querySelector('[data-testid="bottom-resize"]');
        const r = g.getBoundingClientRect();
        const at = (y) => ({ bubbles: true, clientX: r.x + 20, clientY: y, pointerId: 1, button: 0, isPrimary: true });
        g.dispatchEvent(new PointerEvent('pointerdown', at(r.y + 2)));
        window.dispatchEvent(new PointerEvent('pointermove', at(r.y - 330)));
        window.dispatchEvent(new PointerEvent('pointerup', at(r.y - 330)));`);
      await sleep(800);
      screenshot('designer-profile.png');
    }

    // The same pipeline on the inputs with injected problems: six checks fail (the row count and
    // the drift of the last quarter against the good runs in the history among them), nothing
    // below runs.
    await app.exec(`document.activeElement?.blur(); window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));`);
    await app.type('param-override-0', '../problems');
    await app.click('run-all');
    await app.until('the failed run', `return document.querySelector('[data-testid="status-write_features"]')?.dataset.state === 'skipped'`, 60000);
    for (const c of ['recent_drift', 'order_ids_consistent', 'amount_present', 'valid_status', 'amount_in_range', 'orders_volume']) {
      assert.equal(await app.exec(`return document.querySelector('[data-testid="check-${c}"]').dataset.status`), 'fail', c);
    }
    await app.byTestId('checks-view');
    await app.click('check-row-valid_status');
    await app.until('failing samples', `return /lost/.test(document.querySelector('[data-testid="check-samples-valid_status"]')?.textContent ?? '')`);
    assert.match(await app.text('tab-checks-count'), /6/);
    if (shots) {
      await app.exec(`document.querySelectorAll('[data-testid="toast"] button').forEach((b) => b.click())`);
      await sleep(500);
      screenshot('designer-failed-checks.png');
    }

    // The history holds the app's runs and the CLI's, latest first.
    await app.click('tab-history');
    const sources = await app.until(
      'three recorded runs',
      `const rows = [...document.querySelectorAll('[data-testid^="history-row-"]')];
       return rows.length === 3 && rows.map((r) => r.textContent);`,
    );
    assert.match(sources[0], /failed/);
    assert.match(sources[1], /cli/);
    assert.match(sources[2], /app/);
  } finally {
    await app.close();
    driver.proc.kill();
  }
});

test('the window reaches only the files it was given and its own commands, and runs no injected script', async () => {
  const driver = await startDriver(path.join(work, 'state-containment'));
  const dir = path.join(work, 'sample_data/pipelines');
  const spec = path.join(dir, 'customer_features.sluice.json');
  const specJson = JSON.parse(fs.readFileSync(spec, 'utf8'));
  const outside = path.join(work, 'outside');
  fs.mkdirSync(outside, { recursive: true });
  fs.symlinkSync(outside, path.join(dir, 'linked'));
  const app = await Session.start(driver.base, appBin, [spec]);
  // A command called straight through the IPC, as script injected into the page could.
  const invoke = async (cmd, args) => {
    await app.exec(
      `window.__probe = null;
       window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(
         (ok) => { window.__probe = { ok: ok ?? true }; },
         (err) => { window.__probe = { err }; });`,
      cmd,
      args,
    );
    return app.until(`the answer to ${cmd}`, `return window.__probe`);
  };
  const refused = async (cmd, args, code = 'A050') => {
    const r = await invoke(cmd, args);
    assert.equal(r.err?.code, code, `${cmd} ${JSON.stringify(args.path ?? args.out)}: ${JSON.stringify(r).slice(0, 300)}`);
  };
  try {
    await app.byTestId('node-write_features', 30000);

    // Paths the user did not choose are refused: elsewhere, `..` out of the pipeline's folder,
    // a symlink out of it, an export folder no dialog gave.
    await refused('open', { path: '/etc/passwd' });
    await refused('save', { path: path.join(work, 'sample_data/escaped.sluice.json'), spec: specJson });
    await refused('save', { path: `${dir}/../../escaped.sluice.json`, spec: specJson });
    await refused('save', { path: path.join(dir, 'linked/escaped.sluice.json'), spec: specJson });
    await refused('export_dbt', { path: spec, out: path.join(outside, 'dbt'), dialect: 'duckdb' });
    await refused('check', { spec: specJson, path: path.join(outside, 'elsewhere.sluice.json') });
    await refused('runs', { path: '/etc/passwd', limit: 5 });
    await refused('autosave', { spec: specJson, path: '/etc/passwd' });
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.ok(!fs.existsSync(path.join(work, 'escaped.sluice.json')) && !fs.existsSync(path.join(work, 'sample_data/escaped.sluice.json')));
    // The page's word that the user agreed to an output outside the folder does not count: only
    // the shell's own dialog (shown before a run) grants it.
    const writesOutside = structuredClone(specJson);
    writesOutside.nodes.find((n) => n.id === 'write_features').params.path = path.join(outside, 'features.parquet');
    const checked = await invoke('check', { spec: writesOutside, path: spec, allowWrite: [path.join(outside, 'features.parquet')] });
    assert.deepEqual(
      checked.ok?.outside_writes?.map((w) => [w.node, w.allowed]),
      [['write_features', false]],
      JSON.stringify(checked).slice(0, 300),
    );
    // The pipeline's own folder is the user's: a sibling file and a folder beside it are fine.
    assert.ok((await invoke('save', { path: path.join(dir, 'copy.sluice.json'), spec: specJson })).ok);
    const exported = await invoke('export_dbt', { path: spec, out: path.join(dir, 'dbt_copy'), dialect: 'duckdb' });
    assert.ok(exported.ok?.models > 0, JSON.stringify(exported).slice(0, 300));

    // Only the app's own commands are granted: Tauri's built-in ones are not.
    const core = await invoke('plugin:app|version', {});
    assert.match(String(core.err), /not allowed/);

    // The CSP: an injected inline script does not run, nor does eval.
    await app.exec(`const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.head.append(s);`);
    await sleep(300);
    assert.equal(await app.exec(`return window.__inline ?? null`), null);
    assert.equal(await app.exec(`try { return window.eval('2 + 2'); } catch { return 'blocked'; }`), 'blocked');
    // … while what the app needs is allowed: CodeMirror's own stylesheet (an inline <style>).
    await app.click('node-monthly_category_revenue');
    await app.until('the SQL editor', `return document.querySelector('.cm-scroller')`);
    assert.equal(await app.exec(`return getComputedStyle(document.querySelector('.cm-scroller')).display`), 'flex');
  } finally {
    await app.close();
    driver.proc.kill();
  }
});

test('killed with SIGKILL after edits, the app offers the edits back at the next start', async () => {
  const state = path.join(work, 'state-crash');
  const driver = await startDriver(state);
  try {
    let app = await Session.start(driver.base, appBin, []);
    // First launch: the sample pipeline opens. Add a node and describe it.
    await app.byTestId('node-orders', 30000);
    await sleep(2000);
    await app.exec(`window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));`);
    await app.click('palette-limit');
    await app.byTestId('node-limit_1');
    await app.type('node-description', 'an edit made just before the crash');
    const recovery = path.join(state, 'recovery.json');
    for (let i = 0; i < 100 && !(fs.existsSync(recovery) && /just before the crash/.test(fs.readFileSync(recovery, 'utf8'))); i++) {
      await sleep(100);
    }
    assert.match(fs.readFileSync(recovery, 'utf8'), /just before the crash/, 'the edits were autosaved');
    assert.ok(killApp() > 0, 'the app was running');
    await app.close();

    app = await Session.start(driver.base, appBin, []);
    try {
      await app.click('recovery-restore');
      await app.byTestId('node-limit_1');
      await app.click('node-limit_1');
      // The inspector renders the selected node a moment after the click.
      await app.byTestId('node-description');
      const text = await app.exec(`return document.querySelector('[data-testid="node-description"]').value`);
      assert.equal(text, 'an edit made just before the crash');
    } finally {
      await app.close();
    }
  } finally {
    killApp();
    driver.proc.kill();
  }
});

test('the Connections panel tests and browses the connections, and a table becomes a source the app previews', async () => {
  const { SLUICE_TEST_PG_URL: pgUrl, SLUICE_TEST_PG_PASSWORD: pgPassword, SLUICE_TEST_PG_BIN: pgBin } = process.env;
  const { SLUICE_TEST_MYSQL_URL: myUrl, SLUICE_TEST_MYSQL_PASSWORD: myPassword } = process.env;
  assert.ok(
    pgUrl && pgPassword && pgBin && myUrl && myPassword,
    'no test database servers: SLUICE_TEST_PG_URL, SLUICE_TEST_PG_PASSWORD, SLUICE_TEST_PG_BIN, SLUICE_TEST_MYSQL_URL and ' +
      'SLUICE_TEST_MYSQL_PASSWORD are not set; start them with `scripts/servers.sh start DIR && source DIR/env` (scripts/test.sh does)',
  );
  const psql = (sql) =>
    execFileSync(path.join(pgBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl, '-c', sql], {
      env: { ...process.env, PGPASSWORD: pgPassword, PGCONNECT_TIMEOUT: '10', PGOPTIONS: '-c client_min_messages=warning' },
    });
  psql(`DROP SCHEMA IF EXISTS retail CASCADE; DROP SCHEMA IF EXISTS staging CASCADE;
    CREATE SCHEMA retail; CREATE SCHEMA staging;
    CREATE TABLE retail.loyalty_members (customer_id bigint PRIMARY KEY, tier text NOT NULL, points integer, joined_on date);
    INSERT INTO retail.loyalty_members
      SELECT i, (ARRAY['bronze', 'silver', 'gold'])[1 + i % 3], (i * 37) % 5000, date '2023-01-01' + (i % 700)
      FROM generate_series(1, 1200) AS i;
    CREATE TABLE retail.stores (store_id integer PRIMARY KEY, city text, opened_on date);
    CREATE TABLE retail.promotions (promo_id integer PRIMARY KEY, name text, discount numeric(5,2));
    CREATE VIEW retail.gold_members AS SELECT * FROM retail.loyalty_members WHERE tier = 'gold';
    CREATE TABLE staging.loyalty_events_raw (id bigserial PRIMARY KEY, payload jsonb, received_at timestamptz);`);

  const state = path.join(work, 'state-connections');
  fs.mkdirSync(state, { recursive: true });
  // The user's connections: one in the connections file, one from the environment (as CI has it).
  fs.writeFileSync(path.join(state, 'connections.json'), JSON.stringify({ warehouse: { url: pgUrl, password: pgPassword } }, null, 2), { mode: 0o600 });
  const driver = await startDriver(state, { SLUICE_CONN_CRM_URL: myUrl, SLUICE_CONN_CRM_PASSWORD: myPassword });
  const spec = path.join(work, 'sample_data/pipelines/customer_features.sluice.json');
  const app = await Session.start(driver.base, appBin, [spec]);
  try {
    await app.byTestId('node-write_features', 30000);
    await sleep(1500);
    await app.click('open-connections');
    await app.byTestId('connection-row-warehouse');
    assert.match(await app.text('connection-row-crm'), /from SLUICE_CONN_CRM_URL/);
    assert.match(await app.text('connection-password-warehouse'), /connections file/);
    await app.click('connection-test-warehouse');
    await app.click('connection-test-crm');
    await app.until('both tests', `return ['warehouse', 'crm'].every((n) => document.querySelector('[data-testid="connection-test-result-' + n + '"]')?.dataset.state === 'ok')`, 30000);
    assert.match(await app.text('connection-test-result-warehouse'), /PostgreSQL/);
    assert.match(await app.text('connection-test-result-crm'), /MariaDB/);
    await app.click('connection-expand-warehouse');
    await app.byTestId('table-warehouse-retail.loyalty_members', 20000);
    assert.match(await app.text('table-warehouse-retail.gold_members'), /view/);
    await app.exec(`document.querySelector('[data-testid="table-warehouse-retail.loyalty_members"] .conn-table-name').click()`);
    await app.until('the columns', `return /tier/.test(document.querySelector('[data-testid="columns-warehouse-retail.loyalty_members"]')?.textContent ?? '')`);
    await sleep(500);
    if (shots) screenshot('designer-connections.png');

    // Added as a source, then previewed through the connection.
    await app.click('add-source-warehouse-retail.loyalty_members');
    await app.byTestId('node-loyalty_members');
    await app.byTestId('field-connection');
    assert.equal(await app.exec(`return document.querySelector('[data-testid="field-connection"]').value`), 'warehouse');
    await app.click('tab-data');
    await app.click('preview-btn');
    await app.until('the preview', `return /gold/.test(document.querySelector('[data-testid="data-table"]')?.textContent ?? '')`, 60000);
    assert.match(await app.text('status-loyalty_members'), /1,200/);
    if (shots) {
      await app.exec(`document.querySelectorAll('[data-testid="toast"] button').forEach((b) => b.click())`);
      // F frames the new node, so it is readable beside the pipeline.
      await app.exec(`document.activeElement?.blur(); window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', bubbles: true }))`);
      await sleep(800);
      // The table picker open on the connection's tables.
      await app.exec(`document.querySelector('[data-testid="field-table"]').focus()`);
      await app.until('the table picker', `return document.querySelector('[data-testid="field-table-option-retail.stores"]')`);
      await sleep(500);
      screenshot('designer-connection-source.png');
      await app.exec(`document.activeElement?.blur()`);
    }

    // A new connection: the form, its password field empty.
    await app.click('open-connections');
    // The panel remembers the browsed connection; folded, the form has the room.
    await app.click('connection-expand-warehouse');
    await app.click('connections-add');
    await app.type('connection-name', 'analytics');
    await app.type('connection-url', 'postgres://analyst@analytics.internal:5432/marts?sslmode=require');
    assert.equal(await app.exec(`return document.querySelector('[data-testid="connection-password"]').value`), '');
    if (shots) {
      await sleep(400);
      screenshot('designer-connection-form.png');
    }
    await app.click('connection-cancel');
    assert.ok(!(await app.exec(`return document.body.innerText`)).includes(pgPassword), 'no password in the window');
  } finally {
    await app.close();
    driver.proc.kill();
    try {
      psql('DROP SCHEMA IF EXISTS retail CASCADE; DROP SCHEMA IF EXISTS staging CASCADE');
    } catch {}
  }
});
