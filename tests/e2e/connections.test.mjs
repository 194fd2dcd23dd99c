// End-to-end test of the designer's Connections panel in Debian's Chromium against the real
// bridge and the test PostgreSQL server (scripts/servers.sh, started by scripts/test.sh): add a
// connection with its password, test it, browse to a table this test makes, add it as a source,
// preview its rows. The password goes into the connections file (owner-only) and nowhere else:
// not into the page, not into the saved pipeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sluice/target');
const bridgeBin = path.join(targetDir, 'debug/sluice-bridge');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.SLUICE_E2E_SCREENSHOTS;

const pgUrl = process.env.SLUICE_TEST_PG_URL;
const pgPassword = process.env.SLUICE_TEST_PG_PASSWORD;
const pgBin = process.env.SLUICE_TEST_PG_BIN;

let work, bridge, browser, page, schema;

/** Run SQL on the test server with its own psql. */
function psql(sql) {
  return execFileSync(path.join(pgBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl, '-c', sql], {
    env: { ...process.env, PGPASSWORD: pgPassword, PGCONNECT_TIMEOUT: '10', PGOPTIONS: '-c client_min_messages=warning' },
    encoding: 'utf8',
  });
}

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

before(async () => {
  assert.ok(
    pgUrl && pgPassword && pgBin,
    'no test PostgreSQL server: SLUICE_TEST_PG_URL, SLUICE_TEST_PG_PASSWORD and SLUICE_TEST_PG_BIN are not set; ' +
      'start one with `scripts/servers.sh start DIR && source DIR/env` (scripts/test.sh does)',
  );
  assert.ok(fs.existsSync(bridgeBin), `${bridgeBin} is not built`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-conn-'));
  schema = `e2e_${process.pid}`;
  psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.customers (id bigint PRIMARY KEY, name text, balance numeric(12,2), since date);
    INSERT INTO ${schema}.customers VALUES
      (1, 'Ada Lovelace', 1815.12, '2020-01-05'), (2, 'Grace Hopper', 1906.50, '2021-03-09'),
      (3, 'Zoë Øster', 42.00, '2022-11-30');
    CREATE VIEW ${schema}.rich AS SELECT * FROM ${schema}.customers WHERE balance > 1000;`);
  // The bridge's connections: a file of its own, none from the environment the tests run in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_CONN_')));
  bridge = spawn(bridgeBin, ['--addr', '127.0.0.1:0', '--ui', path.join(root, 'ui/dist')], {
    cwd: work,
    env: { ...env, SLUICE_STATE_DIR: path.join(work, 'state'), SLUICE_CONNECTIONS: path.join(work, 'connections.json'), SLUICE_CACHE_DIR: path.join(work, 'cache') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await printedUrl(bridge);
  browser = await chromium.launch({
    executablePath: chromiumBin,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  bridge?.kill();
  if (schema && pgUrl) {
    try {
      psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } catch {}
  }
});

const byId = (id) => page.getByTestId(id);

test('add a PostgreSQL connection, test it, browse to a table, add it as a source and preview its rows', async () => {
  await byId('palette-read_postgres').waitFor();
  await byId('open-connections').click();
  await byId('connections-empty').waitFor();

  // Added with its password: typed once, kept in the connections file.
  await byId('connections-add').click();
  await byId('connection-name').fill('e2e_pg');
  await byId('connection-url').fill(pgUrl);
  await byId('connection-password').fill(pgPassword);
  await byId('connection-save').click();
  const row = byId('connection-row-e2e_pg');
  await row.waitFor();
  const { hostname, port } = new URL(pgUrl);
  assert.ok((await row.textContent()).includes(`sluice@${hostname}:${port}/sluice_test`), await row.textContent());
  assert.match(await byId('connection-password-e2e_pg').textContent(), /connections file/);
  const file = path.join(work, 'connections.json');
  assert.ok(fs.readFileSync(file, 'utf8').includes(pgPassword), 'the password is in the connections file');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the connections file is readable only by its owner');

  // Tested: the server answers with its version.
  await byId('connection-test-e2e_pg').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="connection-test-result-e2e_pg"]')?.dataset.state === 'ok', null, { timeout: 20000 });
  assert.match(await byId('connection-test-result-e2e_pg').textContent(), /Connected in \d+ ms · PostgreSQL \d+/);

  // Browsed: this test's schema, its table and its view; the table's columns.
  await byId('connection-expand-e2e_pg').click();
  await byId(`schema-e2e_pg-${schema}`).waitFor({ timeout: 20000 });
  assert.match(await byId(`table-e2e_pg-${schema}.rich`).textContent(), /view/);
  await byId(`table-e2e_pg-${schema}.customers`).getByText('customers').click();
  await byId(`columns-e2e_pg-${schema}.customers`).waitFor();
  assert.match(await byId(`columns-e2e_pg-${schema}.customers`).textContent(), /balance\s*DECIMAL\(12,2\)/);
  if (shots) await page.screenshot({ path: path.join(shots, 'e2e-connections.png') });
  assert.ok(!(await page.content()).includes(pgPassword), 'the password is nowhere in the page');

  // Added as a source: a PostgreSQL source naming the connection, schema and table.
  await byId(`add-source-e2e_pg-${schema}.customers`).click();
  await byId('node-customers').waitFor();
  assert.equal(await byId('connections-panel').count(), 0, 'the panel closed on the new node');
  await byId('inspector-node').waitFor();
  assert.equal(await byId('field-connection').inputValue(), 'e2e_pg');
  assert.equal(await byId('field-table').inputValue(), 'customers');

  // Previewed: the table's rows, read through the connection.
  await byId('tab-data').click();
  await byId('preview-btn').click();
  await page.waitForFunction(() => /Grace Hopper/.test(document.querySelector('[data-testid="data-table"]')?.textContent ?? ''), null, { timeout: 30000 });
  const rows = await byId('data-table').textContent();
  for (const v of ['Ada Lovelace', 'Zoë Øster', '1906.5', '2022-11-30']) assert.ok(rows.includes(v), `${v} in the preview: ${rows.slice(0, 400)}`);
  assert.match(await byId('status-customers').textContent(), /\b3\b/);
  if (shots) await page.screenshot({ path: path.join(shots, 'e2e-connection-source.png') });

  // Saved: the pipeline names the connection, and holds neither the password nor the server.
  const saved = path.join(work, 'from_postgres.sluice.json');
  await page.keyboard.press('Control+s');
  await byId('path-input').fill(saved);
  await byId('path-ok').click();
  await page.waitForFunction(() => /from_postgres\.sluice\.json/.test(document.querySelector('[data-testid="doc-title"]')?.textContent ?? ''));
  const text = fs.readFileSync(saved, 'utf8');
  const node = JSON.parse(text).nodes.find((n) => n.id === 'customers');
  assert.deepEqual(node, { id: 'customers', kind: 'read_postgres', params: { connection: 'e2e_pg', schema, table: 'customers' } });
  assert.ok(!text.includes(pgPassword) && !text.includes(`:${port}`), text);
});
