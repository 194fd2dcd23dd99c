// An in-memory Backend for tests: the fixture catalog, files in a Map, scripted check results,
// runs that finish every node, and a call log to assert on. Nodes of check-category kinds emit
// check_finished like the engine: they pass unless `checkFailures` names them; a failed
// error-severity check skips everything downstream and fails the run (other branches still run).
// Like runs started from the app, every node with an output sends node_histograms right after its
// node_finished (mockRunHistograms: over its row count).

import type { Backend, DocArgs } from '../platform/backend';
import { BackendError } from '../platform/backend';
import type { Catalog, CheckResponse, CheckResult, Column, Histogram, JsonObject, Recovery, RunEvent, RunSummary, Spec, Table } from '../model/types';
import { descendants } from '../model/spec';
import catalogJson from './fixtures/catalog.json';

export const fixtureCatalog = catalogJson as unknown as Catalog;

export interface MockCall {
  cmd: string;
  args: unknown;
}

export interface MockBackend extends Backend {
  calls: MockCall[];
  files: Map<string, string>;
  recoveryValue: Recovery | null;
  recent: string[];
  /** Columns of each node, for check() schemas. */
  schemas: Record<string, Column[] | null>;
  /** Extra diagnostics check() returns. */
  checkResult?: (doc: DocArgs) => Partial<CheckResponse>;
  nextPath: string | null;
  failRun?: { code: string; message: string; node?: string };
  /** Check node id -> how many of its rows fail the check (absent: all pass). */
  checkFailures: Record<string, number>;
  callsOf(cmd: string): MockCall[];
}

const SAMPLE_COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'email', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
];

/** A check node's verdict from its params, as the engine words it. */
export function mockCheckResult(id: string, kind: string, params: JsonObject, rows: number, failing: number): CheckResult {
  const columns = Array.isArray(params.columns) ? params.columns.map(String) : [];
  const mostly = typeof params.mostly === 'number' ? params.mostly : 1;
  const severity = params.severity === 'warn' ? 'warn' : 'error';
  const maxSamples = typeof params.samples === 'number' ? params.samples : 5;
  const observed = rows ? (rows - failing) / rows : 1;
  const passed = observed >= mostly;
  const sampleRows = Array.from({ length: Math.min(failing, maxSamples) }, (_, i) => [i * 17 + 3, null, i % 2 ? null : 12.5 * (i + 1)]);
  return {
    node: id,
    kind,
    check: `${columns.join(', ') || '(no columns)'} not null${mostly < 1 ? ` (mostly ${mostly})` : ''}`,
    severity,
    status: passed ? 'pass' : severity === 'warn' ? 'warn' : 'fail',
    observed,
    threshold: `>= ${mostly}`,
    element_count: rows,
    unexpected_count: failing,
    unexpected_percent: rows ? (failing / rows) * 100 : 0,
    message: passed
      ? `all ${rows} rows passed`
      : `${failing} of ${rows} rows have a null in ${columns.join(', ')} (${((failing / rows) * 100).toFixed(2)}%)`,
    samples: failing > 0 ? { columns: SAMPLE_COLUMNS, rows: sampleRows } : null,
  };
}

/** A node's column distributions after a run: `id` numeric in two bins, `segment` categorical. */
export function mockRunHistograms(rows: number): Histogram[] {
  const half = Math.floor(rows / 2);
  return [
    { column: 'id', type: 'BIGINT', shape: 'numeric', bins: [{ label: `1 – ${half}`, lo: 1, hi: half, count: half }, { label: `${half} – ${rows}`, lo: half, hi: rows, count: rows - half }], nulls: 0 },
    { column: 'segment', type: 'VARCHAR', shape: 'categorical', bins: [{ label: 'a', lo: null, hi: null, count: rows - 3 }], nulls: 3 },
  ];
}

function topo(spec: Spec, target?: string | null): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = spec.nodes.find((x) => x.id === id);
    for (const s of Object.values(n?.inputs ?? {})) visit(s);
    out.push(id);
  };
  if (target) visit(target);
  else spec.nodes.forEach((n) => visit(n.id));
  return out;
}

export function createMockBackend(overrides: Partial<MockBackend> = {}): MockBackend {
  const calls: MockCall[] = [];
  const log = (cmd: string, args: unknown = {}) => calls.push({ cmd, args: structuredClone(args) });
  const m: MockBackend = {
    kind: 'mock',
    nativeDialogs: false,
    calls,
    files: new Map(),
    recoveryValue: null,
    recent: [],
    schemas: {},
    nextPath: null,
    checkFailures: {},
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd),
    async catalog() {
      log('catalog');
      return fixtureCatalog;
    },
    async check(doc) {
      log('check', doc);
      const schemas: Record<string, Column[] | null> = {};
      for (const n of doc.spec.nodes) schemas[n.id] = m.schemas[n.id] ?? null;
      const extra = m.checkResult?.(doc) ?? {};
      const diagnostics = extra.diagnostics ?? [];
      return { valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics, schemas: { ...schemas, ...(extra.schemas ?? {}) } };
    },
    async run(doc, onEvent) {
      log('run', doc);
      const nodes = topo(doc.spec, doc.target);
      const ev = (e: RunEvent) => onEvent(e);
      ev({ event: 'run_started', pipeline: doc.spec.name, nodes });
      const summary: RunSummary = { status: 'success', nodes: {}, outputs: [], ms: 5, checks: [] };
      const skipped = new Map<string, string>();
      for (const [i, id] of nodes.entries()) {
        const spec = doc.spec.nodes.find((n) => n.id === id);
        const kind = spec?.kind ?? '';
        const reason = skipped.get(id);
        if (reason) {
          ev({ event: 'node_skipped', node: id, reason });
          continue;
        }
        ev({ event: 'node_started', node: id, kind });
        if (m.failRun && m.failRun.node === id) {
          ev({ event: 'node_failed', node: id, code: m.failRun.code, error: m.failRun.message });
          ev({ event: 'run_finished', status: 'failed', ms: 5 });
          throw new BackendError({ code: m.failRun.code, message: m.failRun.message, node: id });
        }
        const info = fixtureCatalog.kinds.find((k) => k.id === kind);
        const category = info?.category;
        const histograms = (rows: number) => {
          if (info?.output) ev({ event: 'node_histograms', node: id, histograms: mockRunHistograms(rows) });
        };
        if (category === 'check') {
          // A check passes its input through: its row count is its input's.
          const input = Object.values(spec?.inputs ?? {})[0];
          const rows = (input && summary.nodes[input]?.rows) || 100 * (i + 1);
          const result = mockCheckResult(id, kind, spec?.params ?? {}, rows, m.checkFailures[id] ?? 0);
          ev({ event: 'check_finished', ...result });
          summary.checks!.push(result);
          if (result.status === 'fail') {
            summary.status = 'failed';
            for (const d of descendants(doc.spec, id)) if (!skipped.has(d)) skipped.set(d, `upstream check '${id}' failed`);
          }
          ev({ event: 'node_finished', node: id, rows, ms: i + 1 });
          histograms(rows);
          summary.nodes[id] = { rows, ms: i + 1 };
          continue;
        }
        const rows = 100 * (i + 1);
        ev({ event: 'node_finished', node: id, rows, ms: i + 1 });
        histograms(rows);
        summary.nodes[id] = { rows, ms: i + 1 };
      }
      ev({ event: 'run_finished', status: summary.status, ms: 5 });
      return summary;
    },
    async cancel() {
      log('cancel');
      return false;
    },
    async preview(a) {
      log('preview', a);
      const rows = Array.from({ length: Math.min(a.limit, 50) }, (_, i) => [i + 1, i % 7 === 0 ? null : `name ${i}`, i * 1.5]);
      const table: Table = {
        columns: [
          { name: 'id', type: 'BIGINT' },
          { name: 'name', type: 'VARCHAR' },
          { name: 'amount', type: 'DOUBLE' },
        ],
        rows,
        total_rows: 1234,
        histograms: [
          { column: 'id', type: 'BIGINT', shape: 'numeric', bins: [{ label: '1 – 25', lo: 1, hi: 25, count: 25 }, { label: '25 – 50', lo: 25, hi: 50, count: 25 }], nulls: 0 },
          { column: 'name', type: 'VARCHAR', shape: 'categorical', bins: [{ label: 'name 1', lo: null, hi: null, count: 3 }], nulls: 8 },
        ],
      };
      return table;
    },
    async sql(a) {
      log('sql', a);
      return `SELECT * FROM "${a.node}"`;
    },
    async open(path) {
      log('open', { path });
      const text = m.files.get(path);
      if (text === undefined) throw new BackendError({ code: 'A001', message: `${path}: No such file or directory` });
      return { path, spec: JSON.parse(text) as Spec, diagnostics: [] };
    },
    async save(path, spec) {
      log('save', { path, spec });
      const text = JSON.stringify(spec, null, 2) + '\n';
      m.files.set(path, text);
      m.recoveryValue = null;
      return text;
    },
    async headlessCommand(path, params) {
      log('headless_command', { path, params });
      return `sluice run ${path}`;
    },
    async autosave(spec, path) {
      log('autosave', { spec, path });
      m.recoveryValue = { spec, path, saved_at: 1_700_000_000 };
    },
    async recovery() {
      log('recovery');
      return m.recoveryValue;
    },
    async clearRecovery() {
      log('clear_recovery');
      m.recoveryValue = null;
    },
    async recentFiles() {
      log('recent_files');
      return m.recent;
    },
    async openDialog() {
      log('open_dialog');
      return m.nextPath;
    },
    async saveDialog(defaultPath) {
      log('save_dialog', { defaultPath });
      return m.nextPath;
    },
    async initialSpecPath() {
      log('initial_spec_path');
      return null;
    },
    ...overrides,
  };
  return m;
}
