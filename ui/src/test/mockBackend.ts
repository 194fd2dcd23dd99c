// An in-memory Backend for tests: the fixture catalog, files in a Map, scripted check results,
// runs that finish every node, and a call log to assert on. Nodes of check-category kinds emit
// check_finished like the engine: they pass unless `checkFailures` names them (for `check_drift`:
// how many of its columns drifted, with per-column `details`; see mockDriftResult); a failed
// error-severity check skips everything downstream and fails the run (other branches still run).
// Like runs started from the app, every node with an output sends node_histograms right after its
// node_finished (mockRunHistograms: over its row count). `profile` answers mockProfile: the node has
// `profileRows` rows (1,234 unless set), sampled when a smaller sample is asked for.
// A run of a saved document (one with a path) is recorded in `history` (by path, latest first,
// source 'app') as the engine would; `runs` and `run_detail` answer from it, and tests may put
// CLI runs there (mockRunDetail).
// Like the engine, run, preview, profile and sql refuse (E100, with the diagnostics in the way)
// when `checkResult` reports an error on the spec as a whole, on the node asked for or on a node
// it reads from; errors elsewhere do not stop them (a run of the whole spec: any error does).
// Connections live in `connectionList` (as listed, never a password) with their passwords in
// `passwords` and their tables in `remoteTables`; `connection_test` answers a version unless
// `connectionFailures` names the connection.

import type { Backend, DocArgs } from '../platform/backend';
import { BackendError } from '../platform/backend';
import type { Catalog, CheckResponse, CheckResult, Column, ConnectionInfo, RemoteTable, ColumnProfile, Diagnostic, DriftDetail, DriftDistribution, Histogram, JsonObject, Profile, Recovery, RunDetail, RunEvent, RunListing, RunNodeRecord, RunSummary, Spec, Table } from '../model/types';
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
  /** What the folder dialog answers. */
  nextFolder: string | null;
  failRun?: { code: string; message: string; node?: string };
  /** Check node id -> how many of its rows fail the check (absent: all pass). */
  checkFailures: Record<string, number>;
  /** Rows of every node as `profile` sees them. */
  profileRows: number;
  /** Recorded runs by spec path, latest first. */
  history: Map<string, RunDetail[]>;
  /** The user's connections, as listed. */
  connectionList: ConnectionInfo[];
  /** Passwords saved, by connection (what the file or the keyring would hold). */
  passwords: Map<string, { password: string; keyring: boolean }>;
  /** Whether the OS keyring is there. */
  keyring: boolean;
  /** Tables by connection name. */
  remoteTables: Record<string, RemoteTable[]>;
  /** Connections that fail to connect, with the error. */
  connectionFailures: Record<string, { code: string; message: string }>;
  /** Throws the engine's refusal when `checkResult` has errors in the way of `target`. */
  refuseInvalid(doc: DocArgs, target?: string | null): void;
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

/** The columns a drift check compares when `columns` is empty, with the test the engine would pick. */
const DRIFT_COLUMNS: Omit<DriftDetail, 'drifted' | 'score' | 'reference_rows' | 'current_rows'>[] = [
  { column: 'amount', column_type: 'num', method: 'ks', score_type: 'p_value', threshold: 0.05 },
  { column: 'country', column_type: 'cat', method: 'chisquare', score_type: 'p_value', threshold: 0.05 },
  { column: 'age', column_type: 'num', method: 'wasserstein', score_type: 'distance', threshold: 0.1 },
  { column: 'channel', column_type: 'cat', method: 'jensenshannon', score_type: 'distance', threshold: 0.1 },
];

/** Both sides of a mock drift column on shared bins: three numeric bins or three categories,
 * the current side shifted when the column drifted. */
export function mockDriftDistribution(columnType: string, drifted: boolean): DriftDistribution {
  const labels = columnType === 'num' ? ['< 10', '[10, 20)', '≥ 20'] : ['web', 'app', '(other)'];
  return { labels, reference: [0.4, 0.35, 0.25], current: drifted ? [0.2, 0.3, 0.5] : [0.38, 0.36, 0.26] };
}

/** A check_drift verdict: the last `drifted` columns (in the engine's order) drifted, the rest are
 * stable, so the Checks tab has to move them up. Every column carries both distributions.
 * Fails (or warns) when the drifted share reaches `drift_share` (0.5 unless set). */
export function mockDriftResult(id: string, params: JsonObject, currentRows: number, referenceRows: number, drifted: number): CheckResult {
  const named = Array.isArray(params.columns) ? params.columns.map(String) : [];
  const share = typeof params.drift_share === 'number' ? params.drift_share : 0.5;
  const severity = params.severity === 'warn' ? 'warn' : 'error';
  const base = named.length ? named.map((c, i) => ({ ...DRIFT_COLUMNS[i % DRIFT_COLUMNS.length], column: c })) : DRIFT_COLUMNS;
  const details: DriftDetail[] = base.map((c, i) => {
    const hit = i >= base.length - drifted;
    const p = c.score_type === 'p_value';
    const score = hit ? (p ? 0.0000595 : 0.2345678) : p ? 0.4123 : 0.01234;
    return { ...c, score, drifted: hit, reference_rows: referenceRows, current_rows: currentRows, distribution: mockDriftDistribution(c.column_type, hit) };
  });
  const n = details.filter((d) => d.drifted).length;
  const observed = details.length ? n / details.length : 0;
  const passed = observed < share;
  return {
    node: id,
    kind: 'check_drift',
    check: `no drift in ${details.length} columns (drifted share < ${share})`,
    severity,
    status: passed ? 'pass' : severity === 'warn' ? 'warn' : 'fail',
    observed,
    threshold: `drifted share < ${share}`,
    element_count: currentRows,
    unexpected_count: null,
    unexpected_percent: null,
    message: `${n} of ${details.length} columns drifted${n ? `: ${details.filter((d) => d.drifted).map((d) => d.column).join(', ')}` : ''}`,
    samples: null,
    details,
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

const LEVELS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

/** "2023-01" for 0, "2024-07" for 18: months from January 2023. */
const month = (k: number) => `${2023 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;

/** A histogram of `n` values spread evenly over `bins` bins from lo to hi. */
function evenBins(column: string, type: string, n: number, lo: number, hi: number, bins: number, nulls: number): Histogram {
  const w = (hi - lo) / bins;
  return {
    column,
    type,
    shape: 'numeric',
    bins: Array.from({ length: bins }, (_, i) => {
      const a = lo + i * w;
      const b = a + w;
      const count = Math.floor(n / bins) + (i < n % bins ? 1 : 0);
      return { label: `${+a.toFixed(2)} – ${+b.toFixed(2)}`, lo: a, hi: b, count };
    }),
    nulls,
  };
}

/** A node's profile: `id` (numeric, exact), `name` (categorical, distinct estimated), `amount`
 * (numeric with nulls, zeros and negatives), `created_at` (temporal). Over `sample` rows when that
 * is fewer than `rows` (then `sampled_rows` says so). */
export function mockProfile(node: string, rows: number, sample: number | null = null): Profile {
  const sampled = sample !== null && sample < rows ? sample : null;
  const n = sampled ?? rows;
  const pct = (k: number) => (n ? (k / n) * 100 : 0);
  const id: ColumnProfile = {
    name: 'id',
    type: 'BIGINT',
    shape: 'numeric',
    count: n,
    nulls: 0,
    null_percent: 0,
    distinct: n,
    distinct_approx: false,
    min: 1,
    max: rows,
    mean: (rows + 1) / 2,
    std: Math.sqrt((rows * (rows + 1)) / 12),
    quantiles: LEVELS.map((l) => [l, Math.round(1 + (rows - 1) * l)]),
    zeros: 0,
    negatives: 0,
    histogram: evenBins('id', 'BIGINT', n, 1, rows, 8, 0),
  };
  const nameNulls = Math.floor(n / 7);
  const named = n - nameNulls;
  const top = [0.31, 0.22, 0.14, 0.09].map((f) => Math.floor(named * f));
  const name: ColumnProfile = {
    name: 'name',
    type: 'VARCHAR',
    shape: 'categorical',
    count: named,
    nulls: nameNulls,
    null_percent: pct(nameNulls),
    distinct: Math.round(named * 0.0371) + 3,
    distinct_approx: true,
    min: 'Aachen',
    max: 'Zwolle',
    mean: null,
    std: null,
    quantiles: [],
    zeros: null,
    negatives: null,
    histogram: {
      column: 'name',
      type: 'VARCHAR',
      shape: 'categorical',
      bins: [
        ...['Berlin', 'Lyon', 'Porto', 'Turin'].map((label, i) => ({ label, lo: null, hi: null, count: top[i] })),
        { label: '(other)', lo: null, hi: null, count: named - top.reduce((a, b) => a + b, 0) },
      ],
      nulls: nameNulls,
    },
  };
  const amountNulls = Math.round(n * 0.0123);
  const amounts = n - amountNulls;
  const amount: ColumnProfile = {
    name: 'amount',
    type: 'DOUBLE',
    shape: 'numeric',
    count: amounts,
    nulls: amountNulls,
    null_percent: pct(amountNulls),
    distinct: Math.round(amounts * 0.87),
    distinct_approx: false,
    min: -12.5,
    max: 1999.99,
    mean: 48.73214,
    std: 31.415926,
    quantiles: [
      [0.01, -3.25],
      [0.05, 2.5],
      [0.25, 21.75],
      [0.5, 44.1],
      [0.75, 69.9],
      [0.95, 112.3456],
      [0.99, 180.05],
    ],
    zeros: Math.round(amounts * 0.004),
    negatives: Math.round(amounts * 0.021),
    histogram: evenBins('amount', 'DOUBLE', amounts, -12.5, 1999.99, 12, amountNulls),
  };
  const created: ColumnProfile = {
    name: 'created_at',
    type: 'TIMESTAMP',
    shape: 'temporal',
    count: n,
    nulls: 0,
    null_percent: 0,
    distinct: Math.round(n * 0.998),
    distinct_approx: false,
    min: '2023-01-01 00:04:12',
    max: '2024-06-30 23:51:08',
    mean: null,
    std: null,
    quantiles: [],
    zeros: null,
    negatives: null,
    histogram: {
      ...evenBins('created_at', 'TIMESTAMP', n, 0, 18, 6, 0),
      shape: 'temporal',
      bins: evenBins('created_at', 'TIMESTAMP', n, 0, 18, 6, 0).bins.map((b, i) => ({
        ...b,
        label: `${month(i * 3)} – ${month(i * 3 + 3)}`,
        lo: null,
        hi: null,
      })),
    },
  };
  return { node, rows, sampled_rows: sampled, columns: [id, name, amount, created] };
}

/** 'YYYY-MM-DD HH:MM:SS' in local time, as the engine records run times. */
export function localTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

let runSeq = 1;

/** A recorded run; `over` replaces any field. */
export function mockRunDetail(over: Partial<RunDetail> = {}): RunDetail {
  return {
    run_id: `run-${String(runSeq++).padStart(4, '0')}`,
    pipeline: 'x',
    spec_path: '/p/x.sluice.json',
    spec_hash: 'a1b2c3d4e5f6',
    params: {},
    inputs: [],
    started_at: '2024-05-01 09:30:00',
    finished_at: '2024-05-01 09:30:02',
    status: 'success',
    source: 'cli',
    error: null,
    nodes: [],
    checks: [],
    ...over,
  };
}

/** A run's line in the list, as `runs` derives it from the record. */
export function runListing(d: RunDetail): RunListing {
  const ms = Math.max(0, Date.parse(d.finished_at.replace(' ', 'T')) - Date.parse(d.started_at.replace(' ', 'T'))) || 0;
  return {
    run_id: d.run_id,
    pipeline: d.pipeline,
    started_at: d.started_at,
    ms,
    status: d.status,
    source: d.source,
    failed_checks: d.checks.filter((c) => c.status === 'fail').length,
  };
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

/** The errors of `diagnostics` in the way of computing `target` (every error without one). */
function blocking(spec: Spec, diagnostics: Diagnostic[], target?: string | null): Diagnostic[] {
  const needed = target ? new Set(topo(spec, target)) : null;
  return diagnostics.filter((d) => d.severity === 'error' && (!needed || !d.node || needed.has(d.node)));
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
    nextFolder: null,
    checkFailures: {},
    profileRows: 1234,
    history: new Map(),
    connectionList: [],
    passwords: new Map(),
    keyring: false,
    remoteTables: {},
    connectionFailures: {},
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd),
    refuseInvalid(doc, target) {
      const errors = blocking(doc.spec, m.checkResult?.(doc).diagnostics ?? [], target);
      if (errors.length === 0) return;
      const lines = errors.map((d) => `error[${d.code}]${d.node ? ` ${d.node}` : ''}: ${d.message}`);
      throw new BackendError({ code: 'E100', message: `${errors.length} error(s):\n  ${lines.join('\n  ')}`, diagnostics: errors });
    },
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
      return {
        valid: !diagnostics.some((d) => d.severity === 'error'),
        diagnostics,
        schemas: { ...schemas, ...(extra.schemas ?? {}) },
        outside_writes: extra.outside_writes ?? [],
      };
    },
    async run(doc, onEvent) {
      log('run', doc);
      m.refuseInvalid(doc, doc.target);
      const nodes = topo(doc.spec, doc.target);
      // What the engine records of a saved document's run.
      const started = localTime(new Date());
      const record = nodes.map((node): RunNodeRecord => ({ node, status: 'skipped', rows: null, ms: null }));
      const checks: CheckResult[] = [];
      let error: string | null = null;
      const remember = (status: RunSummary['status'], error: string | null) => {
        if (!doc.path) return;
        const detail = mockRunDetail({
          pipeline: doc.spec.name,
          spec_path: doc.path,
          params: { ...(doc.params ?? {}) },
          inputs: doc.spec.nodes
            .filter((n) => typeof n.params.path === 'string' && nodes.includes(n.id) && fixtureCatalog.kinds.find((k) => k.id === n.kind)?.category === 'source')
            .map((n) => ({ node: n.id, path: String(n.params.path), bytes: 2048, modified: '2024-05-01 08:00:00' })),
          started_at: started,
          finished_at: started,
          status,
          source: 'app',
          error,
          nodes: record,
          checks,
        });
        m.history.set(doc.path, [detail, ...(m.history.get(doc.path) ?? [])]);
      };
      const ev = (e: RunEvent) => {
        const r = 'node' in e ? record.find((x) => x.node === e.node) : undefined;
        if (r && e.event === 'node_finished') Object.assign(r, { status: 'done', rows: e.rows, ms: e.ms });
        if (r && e.event === 'node_failed') r.status = 'failed';
        if (e.event === 'check_finished') {
          const { event: _, ...result } = e;
          void _;
          checks.push(result);
        }
        if (e.event === 'run_finished') remember(e.status, error);
        onEvent(e);
      };
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
          error = `[${m.failRun.code}] ${m.failRun.message}`;
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
          const input = spec?.inputs?.input ?? Object.values(spec?.inputs ?? {})[0];
          const rows = (input && summary.nodes[input]?.rows) || 100 * (i + 1);
          const reference = spec?.inputs?.reference;
          const result =
            kind === 'check_drift'
              ? mockDriftResult(id, spec?.params ?? {}, rows, (reference && summary.nodes[reference]?.rows) || rows, m.checkFailures[id] ?? 0)
              : mockCheckResult(id, kind, spec?.params ?? {}, rows, m.checkFailures[id] ?? 0);
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
      m.refuseInvalid(a, a.node);
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
    async profile(a) {
      log('profile', a);
      m.refuseInvalid(a, a.node);
      return mockProfile(a.node, m.profileRows, a.sample ?? null);
    },
    async sql(a) {
      log('sql', a);
      m.refuseInvalid(a, a.node);
      return `SELECT * FROM "${a.node}"`;
    },
    async runs(path, limit) {
      log('runs', { path, limit });
      return (m.history.get(path) ?? []).slice(0, limit).map(runListing);
    },
    async runDetail(path, runId) {
      log('run_detail', { path, run_id: runId });
      const d = (m.history.get(path) ?? []).find((r) => r.run_id === runId);
      if (!d) throw new BackendError({ code: 'A040', message: `no run '${runId}' of ${path}` });
      return structuredClone(d);
    },
    async connections() {
      log('connections');
      return { file: '/home/ana/.config/sluice/connections.json', keyring: m.keyring, connections: structuredClone(m.connectionList) };
    },
    async connectionSave(c) {
      log('connection_save', c);
      const scheme = /^(\w+):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?]+)(?::(\d+))?\/?([^?]*)/.exec(c.url);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(c.name)) throw new BackendError({ code: 'N002', message: `connection '${c.name}': a connection name is letters, digits and _, starting with a letter` });
      if (!scheme || !['postgres', 'postgresql', 'mysql', 'mariadb'].includes(scheme[1]))
        throw new BackendError({ code: 'N002', message: `connection '${c.name}': unknown scheme: use postgres:// or mysql://` });
      const [, sch, user = '', inline, host, port, database = ''] = scheme;
      const old = m.passwords.get(c.name);
      const typed = c.password ?? inline;
      if (typed === '') m.passwords.delete(c.name);
      else if (typed !== undefined) m.passwords.set(c.name, { password: typed, keyring: c.keyring && inline === undefined });
      else if (old) m.passwords.set(c.name, { ...old, keyring: c.keyring });
      const pw = m.passwords.get(c.name);
      const info: ConnectionInfo = {
        name: c.name,
        driver: sch.startsWith('postgres') ? 'postgres' : 'mysql',
        url: `${sch}://${user ? `${user}@` : ''}${host}${port ? `:${port}` : ''}/${database}`,
        host,
        port: port ? Number(port) : null,
        database,
        user,
        origin: 'file',
        password: pw ? (pw.keyring ? 'keyring' : 'file') : 'none',
      };
      const i = m.connectionList.findIndex((x) => x.name === c.name);
      if (i >= 0) m.connectionList[i] = info;
      else m.connectionList.push(info);
      return structuredClone(info);
    },
    async connectionRemove(name) {
      log('connection_remove', { name });
      const c = m.connectionList.find((x) => x.name === name);
      if (!c || c.origin !== 'file') throw new BackendError({ code: 'N001', message: `connection '${name}' is not in the connections file` });
      m.connectionList = m.connectionList.filter((x) => x.name !== name);
      m.passwords.delete(name);
    },
    async connectionTest(name) {
      log('connection_test', { name });
      const c = m.connectionList.find((x) => x.name === name);
      if (!c) throw new BackendError({ code: 'N001', message: `connection '${name}' is not defined` });
      const failure = m.connectionFailures[name];
      if (failure) throw new BackendError(failure);
      return { version: c.driver === 'postgres' ? 'PostgreSQL 15.8 on x86_64-pc-linux-gnu' : '10.11.6-MariaDB', ms: 7 };
    },
    async connectionTables(name) {
      log('connection_tables', { name });
      const failure = m.connectionFailures[name];
      if (failure) throw new BackendError(failure);
      return structuredClone(m.remoteTables[name] ?? []);
    },
    async connectionColumns(name, schema, table) {
      log('connection_columns', { name, schema, table });
      return [
        { name: 'id', type: 'BIGINT', source_type: 'bigint' },
        { name: `${table}_name`, type: 'VARCHAR', source_type: 'text' },
        { name: 'amount', type: 'DECIMAL(12,2)', source_type: 'numeric(12,2)' },
      ];
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
    async exportDbt(path, params, out, dialect) {
      log('export_dbt', { path, params, out, dialect });
      return { out, name: 'pipeline', dialect, models: 3, tests: 1, applies_state: false, left_out: [] };
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
    async folderDialog(defaultPath) {
      log('folder_dialog', { defaultPath });
      return m.nextFolder;
    },
    async initialSpecPath() {
      log('initial_spec_path');
      return null;
    },
    ...overrides,
  };
  return m;
}
