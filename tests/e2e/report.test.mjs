// End-to-end test of the run report: `sluice run --report` on the sample pipeline, once on the
// good inputs (every output profiled, drift compared with the run before) and once on the copy
// with injected problems (failed checks with samples, the drift charts, no output written). Each
// report opens in Debian's headless Chromium, is screenshotted, and must show its charts as SVG
// bars with a visible height.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/sluice/target');
const sluiceBin = path.join(targetDir, 'debug/sluice');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.SLUICE_E2E_SCREENSHOTS; // optional folder for screenshots
const docShots = process.env.SLUICE_SCREENSHOTS; // docs/screenshots when regenerating them

let work, spec, browser;

/** A private copy of sample_data (the pipeline writes its outputs and history beside itself). */
function copySample(dst) {
  fs.cpSync(path.join(root, 'sample_data'), dst, {
    recursive: true,
    filter: (src) => !/[/\\](out|\.sluice)([/\\]|$)/.test(src),
  });
}

function sluice(...args) {
  const r = spawnSync(sluiceBin, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-report-'));
  copySample(path.join(work, 'sample_data'));
  spec = path.join(work, 'sample_data/pipelines/customer_features.sluice.json');
  // A first good run leaves the baselines the later runs compare with.
  const first = sluice('run', spec);
  assert.equal(first.status, 0, first.stderr);
  browser = await chromium.launch({
    executablePath: chromiumBin,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
});

after(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Open a report file offline, screenshot it, and return the page. */
async function open(file, name) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file://') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  assert.deepEqual(requests, [], 'the report is self-contained');
  for (const dir of [shots, docShots].filter(Boolean)) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: dir === shots });
  }
  return page;
}

/** Bars in an SVG chart that the browser lays out with a visible height. */
async function visibleBars(locator) {
  return locator.locator('rect.bar').evaluateAll((rects) => rects.filter((r) => r.getBoundingClientRect().height > 0.5).length);
}

test('the report of a good run shows the graph, the checks and every output profiled with charts', async () => {
  const file = path.join(work, 'good run.html');
  const r = sluice('run', spec, '--report', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /report written to/);
  const html = fs.readFileSync(file, 'utf8');
  assert.ok(!/<script/i.test(html), 'no script needed');
  const page = await open(file, 'report-good-run');
  const text = await page.locator('body').innerText();
  assert.match(text, /customer_features/);
  assert.match(text, /success/i);
  // The graph: a box per node of the pipeline.
  const nodes = JSON.parse(fs.readFileSync(spec, 'utf8')).nodes.map((n) => n.id);
  for (const id of ['orders', 'recent_drift', 'write_features', 'write_monthly']) {
    assert.ok(nodes.includes(id));
    assert.match(text, new RegExp(id));
  }
  // The run before this one computed everything: this one reuses it, and its outputs, left as
  // they were, are still profiled from the files.
  assert.match(text, /nodes ran \(\d+ from the cache\)/);
  assert.match(text, /Up to date: nothing it depends on changed/);
  // Both outputs, each column profiled with a histogram of visible bars.
  assert.match(text, /customer_features\.parquet/);
  assert.match(text, /monthly_category_revenue\.csv/);
  const charts = page.locator('svg:has(rect.bar)');
  const n = await charts.count();
  assert.ok(n >= 20, `expected a chart per profiled column, found ${n}`);
  let withBars = 0;
  for (let i = 0; i < n; i++) if ((await visibleBars(charts.nth(i))) > 0) withBars++;
  assert.ok(withBars >= n - 2, `${withBars} of ${n} charts show bars`);
  // The drift check passed against the first run: its overlays are there too (folded away).
  assert.match(text, /against the last successful run/);
  assert.equal(await page.locator('svg:has(rect.bar.baseline)').count(), 3, 'an overlay per drift column');
  await page.close();
});

test('the report of the problem copy shows the failed checks, their samples and the drifted columns', async () => {
  const file = path.join(work, 'problems.html');
  const r = sluice('run', spec, '--param', 'data=../problems', '--report', file);
  assert.equal(r.status, 1, r.stderr);
  const page = await open(file, 'report-failed-checks');
  const text = await page.locator('body').innerText();
  assert.match(text, /failed/i);
  for (const c of ['recent_drift', 'order_ids_consistent', 'amount_present', 'valid_status', 'amount_in_range', 'orders_volume']) {
    assert.match(text, new RegExp(c));
  }
  // A failing sample row of the status check: the new status 'lost'.
  await page.locator('details').evaluateAll((all) => all.forEach((d) => (d.open = true)));
  assert.match(await page.locator('body').innerText(), /\blost\b/);
  // The drift overlays: baseline and current bars side by side, for the drifted columns.
  const overlays = page.locator('svg:has(rect.bar.baseline)');
  assert.ok((await overlays.count()) >= 2, 'an overlay per drifted column');
  assert.ok((await visibleBars(overlays.first())) > 0);
  const legend = await overlays.first().innerHTML();
  assert.match(legend, /baseline/);
  assert.match(legend, /current/);
  // No output was written: the report says so rather than showing stale profiles.
  assert.match(text, /No outputs were written/);
  assert.ok(!/customer_features\.parquet/.test(text), 'no profile of an output the run did not write');
  await page.close();
});
